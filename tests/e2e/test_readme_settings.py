"""README.md's settings table is exactly the one `tap-mixmax --about --format=markdown` prints."""

from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path
from types import ModuleType

from .conftest import ROOT

FIX = ".venv/bin/python scripts/update_readme_settings.py"


def load_updater() -> ModuleType:
    path = ROOT / "scripts" / "update_readme_settings.py"
    spec = importlib.util.spec_from_file_location("update_readme_settings", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_settings_table_is_current(tap_bin: Path) -> None:
    updater = load_updater()
    readme = (ROOT / "README.md").read_text()
    block = updater.current_block(readme)
    assert block is not None, (
        f"README.md lacks the markers {updater.START} and {updater.END}: add them on their "
        f"own lines where the settings table belongs, then run `{FIX}`"
    )
    wanted = updater.render_block(updater.settings_table(updater.about_markdown()))
    if block != wanted:
        diff = "\n".join(
            difflib.unified_diff(
                block.splitlines(),
                wanted.splitlines(),
                "README.md",
                "tap-mixmax --about --format=markdown",
                lineterm="",
            )
        )
        raise AssertionError(f"README.md settings table is stale: run `{FIX}`\n{diff}")
