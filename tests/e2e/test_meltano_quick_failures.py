"""Under Meltano: a missing simulator fails fast with Meltano's command, and defaults show.

Meltano sets MELTANO_EXTRACTOR_NAME for the extractor it runs; the tap's hint for a refused
loopback api_url then names `meltano invoke <name>:simulator`, which is on a Meltano
user's PATH where `mixmax-simulator` is not. `meltano config list --all` shows each
default of the tap, from the `value:` lines of meltano.yml.
"""

from __future__ import annotations

import re
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .conftest import DEMO_TOKEN, MeltanoProject, plugin_venv
from .test_plugin_definitions import DEFAULTS_LEFT_TO_THE_TAP


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def project(meltano_bin: Path, tmp_path: Path) -> MeltanoProject:
    plugin_venv("extractors", "tap-mixmax")
    made = MeltanoProject(meltano=meltano_bin, root=tmp_path / "meltano-project")
    made.setup()
    return made


@pytest.mark.e2e
def test_a_missing_simulator_under_meltano_names_the_plugins_command(
    project: MeltanoProject,
) -> None:
    port = closed_port()
    env = project.env({"TAP_MIXMAX_API_URL": f"http://127.0.0.1:{port}/v1"})
    done = subprocess.run(
        [str(project.meltano), "invoke", "tap-mixmax"],
        env=env,
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, done.stderr[-3000:]
    retried = [line for line in done.stderr.splitlines() if "retrying in" in line]
    assert len(retried) == 1, done.stderr[-3000:]
    hint = f"start it with `meltano invoke tap-mixmax:simulator --port {port}`"
    assert [line for line in done.stderr.splitlines() if hint in line], done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert DEMO_TOKEN not in done.stderr + done.stdout


@pytest.mark.e2e
def test_config_list_shows_every_default_of_the_tap(
    project: MeltanoProject, tap_about: dict[str, Any]
) -> None:
    listed = project("config", "list", "--all", "tap-mixmax").stdout
    missing = []
    for name, schema in tap_about["settings"]["properties"].items():
        default = schema.get("default")
        if default is None or name in DEFAULTS_LEFT_TO_THE_TAP:
            continue
        # Meltano writes "<value> (default)", or "(default: <value>)" beside an override.
        value = re.escape(repr(default))
        shown = rf"(current value: {value} \(default\)|\(default: {value}\))"
        if not re.search(rf"^{re.escape(name)} \[env: [^\]]+\] .*{shown}", listed, re.M):
            missing.append(f"{name} = {default!r}")
    assert not missing, f"`meltano config list --all` does not show these defaults: {missing}"
