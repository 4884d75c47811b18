"""Progress lines during a run and one summary line per stream at the end."""

from __future__ import annotations

import logging
import re

import pytest

from tap_mixmax.progress import ProgressLog
from tap_mixmax.simulator import Simulator
from tap_mixmax.simulator.seed import DEMO_TOKEN
from tests.tap.conftest import TapRunner
from tests.tap.test_rate_limit import FakeTime, budget_with

LOGGER = logging.getLogger("tests.progress")


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
    # Pages of 50 (the documented maximum), each after the first starting one row early
    # (the overlap check): 50 rows, then 49 new ones a page, 204 more pages to reach the
    # cap, the last asking only the 4 rows left below it.
    assert len(asked) == 205
    assert asked[-1] == {"limit": "4", "offset": "9996", "includeVariables": "true"}


def waits_logged(caplog: pytest.LogCaptureFixture, limit: int, requests: int, interval: float):
    """The progress lines of ``requests`` requests through a budget of ``limit`` per 60 s."""
    fake = FakeTime()
    budget = budget_with(fake, limit=limit, window=60.0)
    progress = ProgressLog(LOGGER, budget, interval_seconds=interval, clock=fake.clock)
    budget.on_wait = progress.waiting
    caplog.set_level(logging.INFO, logger=LOGGER.name)
    for _ in range(requests):
        budget.acquire()
        progress.request("polls")
    return [line for line in caplog.messages if line.startswith("progress: waiting")]


def test_a_wait_for_the_rate_window_is_announced_as_it_starts_then_at_the_cadence(caplog):
    waits = waits_logged(caplog, limit=2, requests=3, interval=20.0)
    assert waits[0] == (
        "progress: waiting 60 s for Mixmax's rate window (2/2 used); this is expected"
    )
    # Then every 20 s of the 60 s wait: at 20 s and at 40 s.
    assert [line.split(";")[0] for line in waits[1:]] == [
        "progress: waiting 40 s for Mixmax's rate window",
        "progress: waiting 20 s for Mixmax's rate window",
    ]


def test_each_new_wait_is_announced_again(caplog):
    waits = waits_logged(caplog, limit=1, requests=3, interval=3600.0)
    assert (
        waits
        == ["progress: waiting 60 s for Mixmax's rate window (1/1 used); this is expected"] * 2
    )
