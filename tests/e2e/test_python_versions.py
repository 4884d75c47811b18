"""Every Python version pyproject.toml claims runs the simulator and the tap end to end.

The suite itself runs under one Python (3.11 in CI). For each other version in the
package's classifiers, ``scripts/e2e_setup.sh`` installs the package (built from this
checkout, not editable) and target-jsonl into virtualenvs of that version. Here that
version's ``mixmax-simulator`` serves, its ``tap-mixmax --test`` passes, and its tap, piped
into its target-jsonl, lands exactly the rows the suite's own tap reads from the same
simulator.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import DEMO_TOKEN, ROOT, missing_prerequisite, run_checked

E2E_DIR = ROOT / ".e2e"


def claimed_versions() -> list[str]:
    classifiers = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["classifiers"]
    found = (re.fullmatch(r"Programming Language :: Python :: (3\.\d+)", c) for c in classifiers)
    return [m.group(1) for m in found if m]


OTHER_VERSIONS = [
    v for v in claimed_versions() if v != f"{sys.version_info[0]}.{sys.version_info[1]}"
]


def venv_bin(version: str, suffix: str = "") -> Path:
    folder = E2E_DIR / f"py{version}{suffix}" / "bin"
    if not (folder / "python").exists():
        missing_prerequisite(f"no Python {version} virtualenv in {folder.parent}")
    return folder


@pytest.fixture(params=OTHER_VERSIONS)
def version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def simulator_url(version: str, tmp_path: Path) -> Iterator[str]:
    """That version's ``mixmax-simulator`` on a free port, no rate limit."""
    port_file = tmp_path / "port"
    proc = subprocess.Popen(
        [
            str(venv_bin(version) / "mixmax-simulator"),
            *("--port", "0", "--no-rate-limit", "--scale", "0.3", "--seed", "3"),
            *("--port-file", str(port_file)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not port_file.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert port_file.exists(), f"mixmax-simulator under Python {version} did not start"
        yield f"http://127.0.0.1:{port_file.read_text().strip()}/v1"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def row_id(record: dict) -> str:
    """What identifies a row across two runs: its id, or what it holds but the run time."""
    if "_id" in record:
        return str(record["_id"])
    rest = {k: v for k, v in record.items() if k != "capturedAt"}  # live_feed_stats
    return json.dumps(rest, sort_keys=True, default=str)


def ids_by_stream(lines: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in lines:
        message = json.loads(line)
        if message.get("type") == "RECORD":
            out.setdefault(message["stream"], []).append(row_id(message["record"]))
    return {stream: sorted(ids) for stream, ids in out.items()}


@pytest.mark.e2e
def test_tap_and_simulator_under_each_claimed_python(
    version: str, simulator_url: str, tmp_path: Path
) -> None:
    python = venv_bin(version) / "python"
    reported = run_checked([str(python), "-c", "import sys; print(sys.version_info[:2])"]).stdout
    assert reported.strip() == str(tuple(int(p) for p in version.split("."))), reported
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"api_token": DEMO_TOKEN, "api_url": simulator_url}))
    tap = str(venv_bin(version) / "tap-mixmax")
    run_checked([tap, "--config", str(config), "--test"])

    out_dir = tmp_path / "out"
    target_config = tmp_path / "target.json"
    target_config.write_text(
        json.dumps({"destination_path": str(out_dir), "do_timestamp_file": False})
    )
    target = venv_bin(version, "-target-jsonl") / "target-jsonl"
    pipe = run_checked(
        [
            "bash",
            "-c",
            f'set -o pipefail; "{tap}" --config "{config}" | "{target}" --config "{target_config}"',
        ]
    )
    assert pipe.stdout.strip(), "target-jsonl printed no state"
    landed = {
        path.stem: sorted(row_id(json.loads(line)) for line in path.read_text().splitlines())
        for path in out_dir.glob("*.jsonl")
    }

    # The suite's own tap (this Python) against the same simulator: the same rows.
    reference = run_checked([sys.executable, "-m", "tap_mixmax", "--config", str(config)])
    expected = ids_by_stream(reference.stdout.splitlines())
    assert sum(map(len, expected.values())) > 1000
    assert landed == expected
