"""The package's layering stays shallow: at most 8 levels of module-level imports.

A module's level is 1 plus the highest level among the tap_mixmax modules it imports at
module level (imports inside functions and under TYPE_CHECKING are not layering). The
command at the top (tap.py) may sit at level 8; the HTTP side (transport, budget,
connection) stays near the bottom, below the streams and the settings.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import tap_mixmax

ROOT = Path(tap_mixmax.__file__).parent
MAX_LEVELS = 8


def module_imports() -> dict[str, set[str]]:
    modules: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        if "simulator" in path.relative_to(ROOT).parts:
            continue  # the simulator is a program of its own beside the tap
        name = ".".join(("tap_mixmax", *path.relative_to(ROOT).with_suffix("").parts))
        name = name.removesuffix(".__init__")
        imported: set[str] = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tap_mixmax"):
                imported.add(str(node.module))
                if node.module == "tap_mixmax":
                    imported |= {f"tap_mixmax.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.Import):
                imported |= {a.name for a in node.names if a.name.startswith("tap_mixmax")}
        modules[name] = imported - {name}
    return modules


def test_no_module_sits_deeper_than_eight_import_levels() -> None:
    modules = module_imports()

    @functools.cache
    def level(name: str) -> int:
        return 1 + max((level(other) for other in modules[name] if other in modules), default=0)

    def chain(name: str) -> list[str]:
        below = [other for other in modules[name] if other in modules]
        return [name, *chain(max(below, key=level))] if below else [name]

    deepest = max(modules, key=level)
    assert level(deepest) <= MAX_LEVELS, " -> ".join(chain(deepest))
    # The HTTP side imports nothing of the run side or the streams.
    for http in ("transport", "budget", "connection"):
        assert level(f"tap_mixmax.{http}") <= 2, http
