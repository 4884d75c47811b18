"""The README's plain-pipe commands, run as written, with target-jsonl and target-duckdb.

The block between ``<!-- plain-pipe:start -->`` and ``<!-- plain-pipe:end -->`` is taken
from README.md and run by bash line by line: the first run, an incremental run after new
objects appeared in the simulator, and a run with a refused token, which must fail the
pipe and leave the saved state alone. With target-duckdb, which prints one state line per
batch, the saved state must still be the one last line.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .conftest import DEMO_TOKEN, ROOT, expected_rows, plugin_venv, tap_config

BLOCK = re.compile(r"<!-- plain-pipe:start -->\s*```bash\n(.*?)```\s*<!-- plain-pipe:end -->", re.S)
NEW_SEQUENCES = 3


def readme_commands() -> tuple[str, str, str]:
    """(shell options, first-run command, later-run command) from README.md."""
    found = BLOCK.search((ROOT / "README.md").read_text())
    assert found, "README.md has no plain-pipe block between its markers"
    lines = [
        line
        for line in found.group(1).splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert len(lines) == 3, f"expected set -o pipefail, first run, later run; got {lines}"
    options, first, later = lines
    assert options.startswith("set -o pipefail"), options
    assert "--state" not in first
    assert "--state state.json" in later
    return options, first, later


def run_line(options: str, command: str, cwd: Path, path: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_MIXMAX_", "TARGET_"))}
    env["PATH"] = path
    return subprocess.run(
        ["bash", "-c", f"{options}\n{command}"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def saved_state(folder: Path) -> tuple[str, dict[str, Any]]:
    text = (folder / "state.json").read_text()
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, f"state.json should hold one line, holds {len(lines)}"
    return text, dict(json.loads(lines[0]))


@pytest.mark.e2e
@pytest.mark.parametrize("target", ["target-jsonl", "target-duckdb"])
def test_readme_pipe_commands(target: str, tap_bin: Path, simulator: Any, tmp_path: Path) -> None:
    options, first, later = readme_commands()
    venv = plugin_venv("loaders", target)
    if target != "target-jsonl":
        # The README's words for "any target": the same line with another target.
        (tmp_path / "target.json").write_text(
            json.dumps({"filepath": str(tmp_path / "t.db"), "default_target_schema": "mixmax"})
        )
        first, later = (
            line.replace("target-jsonl", f"{target} --config target.json")
            for line in (first, later)
        )
    path = os.pathsep.join([str(tap_bin.parent), str(venv / "bin"), os.environ["PATH"]])
    config = tap_config(simulator)
    (tmp_path / "config.json").write_text(json.dumps(config))

    done = run_line(options, first, tmp_path, path)
    assert done.returncode == 0, done.stderr[-4000:]
    assert not (tmp_path / "state.new").exists()
    text1, state1 = saved_state(tmp_path)
    before = state1["bookmarks"]["sequences"]["previous"]

    new_ids = {simulator.insert("sequences", token=DEMO_TOKEN)["_id"] for _ in range(NEW_SEQUENCES)}
    done = run_line(options, later, tmp_path, path)
    assert done.returncode == 0, done.stderr[-4000:]
    text2, state2 = saved_state(tmp_path)
    assert state2["bookmarks"]["sequences"]["previous"] != before, "the bookmark did not move"
    if target == "target-jsonl":
        # The docs' file names: `<stream>-<timestamp>.jsonl`, one per stream and run.
        names = [p.name for p in tmp_path.glob("*.jsonl")]
        assert names
        assert all(re.fullmatch(r"[a-z_]+-\d{8}T\d{6}\.jsonl", n) for n in names), names
        landed = [
            json.loads(line)["_id"]
            for path_ in tmp_path.glob("sequences-*.jsonl")
            for line in path_.read_text().splitlines()
        ]
        total = len(expected_rows(simulator, "sequences"))
        # Run 1 wrote every sequence; run 2 (refresh not yet due) only the new ones.
        assert len(landed) == total, (len(landed), total)
        assert new_ids <= set(landed)

    # A refused token: the pipe fails and state.json is left as it was.
    (tmp_path / "config.json").write_text(json.dumps({**config, "api_token": "revoked-123"}))
    done = run_line(options, later, tmp_path, path)
    assert done.returncode == 1, "a refused token fails the pipe with the tap's 1 (pipefail)"
    assert (tmp_path / "state.json").read_text() == text2
    assert text2 != text1
