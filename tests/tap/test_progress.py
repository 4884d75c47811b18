"""Progress lines during a run and one summary line per stream at the end."""

from __future__ import annotations

import re

from tap_mixmax.simulator import Simulator
from tap_mixmax.simulator.seed import DEMO_TOKEN
from tests.tap.conftest import TapRunner


def test_progress_and_summary_lines(tap: TapRunner, sim: Simulator):
    run = tap.run(["sequences", "sequence_recipients", "polls"], progress_interval_seconds=0)
    assert run.returncode == 0, run.stderr
    progress = [line for line in run.stderr.splitlines() if "progress: " in line]
    assert progress
    assert re.search(r"progress: \w+ \([^)]*\): \d+ records, \d+ requests, [\d.]+ s", progress[0])
    assert "rate budget" in progress[0]
    summaries = [
        line.split("summary: ", 1)[1] for line in run.stderr.splitlines() if "summary: " in line
    ]
    per_stream = [s.split(" ")[0].rstrip(":") for s in summaries]
    assert sorted(per_stream) == ["polls", "sequence_recipients", "sequences"]  # once each
    recipients = len(run.records["sequence_recipients"])
    assert any(s.startswith(f"sequence_recipients: {recipients} records") for s in summaries)
    polls = len(run.records["polls"])
    assert any(s.startswith(f"polls (full sync): {polls} records, 1 requests") for s in summaries)
    assert "so far: rate budget" in summaries[-1]
    assert f"{sim.count()} requests in" in summaries[-1]
    assert "0 answered 429" in summaries[-1]
    assert DEMO_TOKEN not in run.stderr


def test_recipients_beyond_the_cap_are_reported_by_sequence(tap: TapRunner, sim: Simulator):
    sequence = sim.visible("sequences", sim.tokens["ada"])[0]["_id"]
    present = len(sim.visible("sequences/recipients", sim.tokens["ada"], parent_id=sequence))
    for _ in range(10_050 - present):
        sim.insert("sequences/recipients", parent_id=sequence)
    run = tap.run(["sequences", "sequence_recipients"], page_size=300)
    assert run.returncode == 0, run.stderr
    rows = [r for r in run.records["sequence_recipients"] if r["sequenceId"] == sequence]
    assert len(rows) == 10_000
    assert f"sequence {sequence} has 10000 recipients or more" in run.stderr
    asked = [r.query for r in sim.requests if r.path == f"/v1/sequences/{sequence}/recipients"]
    assert len(asked) == 200  # 200 pages of 50 (the documented maximum) reach the cap
    assert asked[-1] == {"limit": "50", "offset": "9950", "includeVariables": "true"}
