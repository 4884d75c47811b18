"""SIGKILL the tap mid-sync, rerun from the last STATE it emitted: nothing is lost."""

from __future__ import annotations

import json
import signal
import subprocess
from collections import Counter

import pytest

from tap_mixmax.simulator import Simulator
from tests.tap.conftest import TapRun, TapRunner, parse_messages, tap_command, tap_env

STREAMS = ["sequences", "messages", "polls"]
PAGE = 10


def run_until_killed(tap: TapRunner, records_before_kill: int, state: dict | None) -> TapRun:
    paths = tap.files(tap.config(page_size=PAGE, refresh_changed_objects=False), STREAMS, state)
    lines: list[str] = []
    with subprocess.Popen(
        tap_command(*paths),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=tap_env(),
    ) as process:
        assert process.stdout is not None
        seen = 0
        for line in process.stdout:
            lines.append(line)
            if json.loads(line).get("type") == "RECORD":
                seen += 1
                if seen == records_before_kill:
                    process.send_signal(signal.SIGKILL)
                    break
        lines.extend(process.stdout.read().splitlines())  # what it wrote before dying
        process.wait(timeout=30)
    run = TapRun(returncode=process.returncode)
    parse_messages(lines, run)
    return run


@pytest.mark.parametrize("kill_after", [1, PAGE, PAGE + 3, 47, 130])
def test_killed_first_run_resumes_without_loss(tap: TapRunner, sim: Simulator, kill_after: int):
    killed = run_until_killed(tap, kill_after, state=None)
    assert killed.returncode == -signal.SIGKILL
    resumed = tap.run(STREAMS, state=killed.state, page_size=PAGE, refresh_changed_objects=False)
    assert resumed.returncode == 0, resumed.stderr
    for stream, collection in [
        ("sequences", "sequences"),
        ("messages", "messages"),
        ("polls", "polls"),
    ]:
        expected = {doc["_id"] for doc in sim.visible(collection, sim.tokens["ada"])}
        got = Counter(killed.ids(stream) + resumed.ids(stream))
        assert set(got) == expected, f"{stream}: lost {sorted(expected - set(got))[:5]}"
        repeated = sum(count - 1 for count in got.values())
        assert repeated <= PAGE, f"{stream}: {repeated} records read twice"


def test_killed_incremental_run_resumes_without_loss(tap: TapRunner, sim: Simulator):
    first = tap.run(STREAMS, page_size=PAGE, refresh_changed_objects=False)
    new = {sim.insert("sequences")["_id"] for _ in range(35)}
    killed = run_until_killed(tap, 15, state=first.state)
    resumed = tap.run(STREAMS, state=killed.state, page_size=PAGE, refresh_changed_objects=False)
    got = Counter(killed.ids("sequences") + resumed.ids("sequences"))
    assert set(got) == new
    assert sum(count - 1 for count in got.values()) <= PAGE
