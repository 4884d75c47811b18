"""`tap-mixmax --config cfg.json | target-jsonl`: every selected stream lands, counts match."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .conftest import Catalog, expected_by_key, plugin_venv, row_key, tap_config
from .scenario import key_problems


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.e2e
def test_tap_piped_into_target_jsonl(
    tap_bin: Path, simulator: Any, catalog: Catalog, tmp_path: Path
) -> None:
    target = plugin_venv("loaders", "target-jsonl") / "bin" / "target-jsonl"
    out_dir = tmp_path / "jsonl"
    tap_cfg = tmp_path / "tap.json"
    tap_cfg.write_text(json.dumps(tap_config(simulator)))
    target_cfg = tmp_path / "target.json"
    target_cfg.write_text(
        json.dumps({"destination_path": str(out_dir), "do_timestamp_file": False})
    )

    tap_log = tmp_path / "tap.stderr"
    target_log = tmp_path / "target.stderr"
    with tap_log.open("w") as tap_err, target_log.open("w") as target_err:
        tap = subprocess.Popen(
            [str(tap_bin), "--config", str(tap_cfg)], stdout=subprocess.PIPE, stderr=tap_err
        )
        assert tap.stdout is not None
        sink = subprocess.run(
            [str(target), "--config", str(target_cfg)],
            stdin=tap.stdout,
            stdout=subprocess.PIPE,
            stderr=target_err,
            text=True,
            timeout=600,
            check=False,
        )
        tap.stdout.close()
        tap_rc = tap.wait(timeout=60)
    assert tap_rc == 0, f"tap-mixmax exited {tap_rc}:\n{tap_log.read_text()[-4000:]}"
    assert sink.returncode == 0, (
        f"target-jsonl exited {sink.returncode}:\n{target_log.read_text()[-4000:]}"
    )

    selected = catalog.mirrored_by_default()
    assert selected, "the catalog selects no stream by default"
    assert "contact_notes" not in selected
    assert "live_feed_events" not in selected

    problems: list[str] = []
    counts: dict[str, tuple[int, int]] = {}
    for stream in selected:
        keys = catalog.key_properties(stream)
        expected = expected_by_key(simulator, stream, keys)
        rows = read_jsonl(out_dir / f"{stream}.jsonl")
        counts[stream] = (len(rows), len(expected))
        if len(rows) != len(expected):
            problems.append(f"{stream}: {len(rows)} rows landed, the simulator has {len(expected)}")
        problems.extend(key_problems(stream, [row_key(r, keys) for r in rows], expected))
    landed = {p.stem for p in out_dir.glob("*.jsonl")}
    assert "live_feed_stats" in landed, "the run's live feed counters did not land"
    unselected = landed - set(selected) - {"live_feed_stats"}
    if unselected:
        problems.append(f"streams not selected by default landed: {sorted(unselected)}")
    print("rows landed / simulator:", json.dumps(counts, indent=1))
    assert not problems, "\n".join(problems)

    # target-jsonl re-emits the tap's last STATE once everything is written.
    state_lines = [line for line in sink.stdout.splitlines() if line.strip()]
    assert state_lines, "target-jsonl emitted no state"
    state = json.loads(state_lines[-1])
    cursor_streams = {
        name for name, bookmark in state.get("bookmarks", {}).items() if "previous" in bookmark
    }
    assert cursor_streams, f"no stream bookmarked a `previous` cursor: {state}"
