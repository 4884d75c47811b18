"""docs/meltano.md's `meltano add --from-ref` block, run as written in a new Meltano project.

The block between ``<!-- from-ref:start -->`` and ``<!-- from-ref:end -->`` is taken from
docs/meltano.md, ``/path/to/tap-mixmax`` replaced by this checkout, and run line by line:
the plugin is added from the Hub definition, installed from the checkout, and selected as
the definition says. Then the project's tap must show every setting, select every stream
but the two per-parent ones, start the simulator with ``meltano invoke
tap-mixmax:simulator``, and extract exactly the selected streams from it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import DEMO_TOKEN, ROOT, Catalog, run_checked

DOCS = ROOT / "docs" / "meltano.md"
BLOCK = re.compile(r"<!-- from-ref:start -->\s*```bash\n(.*?)```\s*<!-- from-ref:end -->", re.S)
PLACEHOLDER = "/path/to/tap-mixmax"
PER_PARENT_STREAMS = {"contact_notes", "live_feed_events"}
# A free port, and no rate limit: the default selection needs more than one window.
SIMULATOR_ARGS = ("--port", "0", "--no-rate-limit", "--scale", "0.3")


def docs_commands() -> list[str]:
    found = BLOCK.search(DOCS.read_text())
    assert found, "docs/meltano.md has no from-ref block between its markers"
    return [
        line.replace(PLACEHOLDER, str(ROOT))
        for line in found.group(1).splitlines()
        if line.strip() and not line.startswith("#")
    ]


def new_project(folder: Path) -> None:
    folder.mkdir()
    (folder / "meltano.yml").write_text(
        yaml.safe_dump(
            {
                "project_id": "hub-definition-check",
                "send_anonymous_usage_stats": False,
                "default_environment": "dev",
                "environments": [{"name": "dev"}],
            }
        )
    )


def start_simulator(
    meltano: str, project: Path, env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], str]:
    """`meltano invoke tap-mixmax:simulator` on a free port; (process, base URL)."""
    port_file = project / "simulator.port"
    proc = subprocess.Popen(
        [meltano, "invoke", "tap-mixmax:simulator", *SIMULATOR_ARGS, "--port-file", str(port_file)],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not port_file.exists():
        if proc.poll() is not None:
            pytest.fail(f"meltano invoke tap-mixmax:simulator exited {proc.returncode}")
        time.sleep(0.2)
    if not port_file.exists():
        os.killpg(proc.pid, signal.SIGTERM)
        pytest.fail("meltano invoke tap-mixmax:simulator wrote no port file within 60 s")
    return proc, f"http://127.0.0.1:{port_file.read_text().strip()}/v1"


@pytest.mark.e2e
def test_from_ref_install_as_documented(
    meltano_bin: Path, tap_about: dict[str, Any], catalog: Catalog, tmp_path: Path
) -> None:
    project = tmp_path / "fresh-project"
    new_project(project)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_MIXMAX_", "MELTANO_"))}
    env["MELTANO_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    meltano = str(meltano_bin)
    # The documented lines say `meltano`; run them with the Meltano under test.
    env["PATH"] = os.pathsep.join([str(meltano_bin.parent), env["PATH"]])
    for line in docs_commands():
        run_checked(["bash", "-c", line], env=env, cwd=project, timeout=900)

    added = yaml.safe_load((project / "meltano.yml").read_text())
    (plugin,) = added["plugins"]["extractors"]
    assert plugin["pip_url"] == str(ROOT)
    assert (project / ".meltano/extractors/tap-mixmax/venv/bin/mixmax-simulator").exists()

    listed = run_checked(
        [meltano, "config", "list", "--all", "tap-mixmax"], env=env, cwd=project
    ).stdout
    missing = [
        name for name in tap_about["settings"]["properties"] if f"{name} [env: " not in listed
    ]
    assert not missing, f"`meltano config list --all tap-mixmax` does not show {missing}"

    selection = run_checked(
        [meltano, "select", "tap-mixmax", "--list"], env=env, cwd=project
    ).stdout
    selected = set(re.findall(r"\[selected\s*\] (\w+)\.", selection))
    assert selected == set(catalog.streams) - PER_PARENT_STREAMS, selection[-2000:]

    simulator, url = start_simulator(meltano, project, env)
    try:
        run_env = {**env, "TAP_MIXMAX_API_URL": url, "TAP_MIXMAX_API_TOKEN": DEMO_TOKEN}
        out = run_checked(
            [meltano, "invoke", "tap-mixmax"], env=run_env, cwd=project, timeout=600
        ).stdout
    finally:
        os.killpg(simulator.pid, signal.SIGTERM)
        simulator.wait(timeout=30)
    streams = {
        message["stream"]
        for message in map(json.loads, out.splitlines())
        if message.get("type") == "RECORD"
    }
    assert not streams & PER_PARENT_STREAMS
    assert {"sequences", "sequence_recipients", "snippet_tag_snippets"} <= streams
