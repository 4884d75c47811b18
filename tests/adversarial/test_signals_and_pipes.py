"""SIGTERM, SIGINT and a target that stops reading: a truthful exit, state kept, no hang."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tap_mixmax.simulator import Simulator
from tests.adversarial.conftest import (
    HostileProxy,
    Outcome,
    Rule,
    Runner,
    assert_clean,
    outcome,
)
from tests.tap.conftest import tap_env

STREAMS = ["polls", "qa", "sequences", "sequence_recipients"]
# A run killed at any moment must be gone this long after the signal, trickle or not.
BOUND_SECONDS = 30


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the run never reached the point to stop it at"
        time.sleep(0.05)


def ends_with_state(run: Outcome) -> bool:
    """Whether the last message written is a STATE: no record comes after it."""
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    return bool(lines) and json.loads(lines[-1])["type"] == "STATE"


def ids(runs: list[Outcome], stream: str) -> set[str]:
    return {row["_id"] for run in runs for row in run.records.get(stream, [])}


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_mid_body_flushes_state_and_exits_with_its_code(
    tap: Runner, proxy: HostileProxy, sim: Simulator, signum: int, code: int
):
    # The second sequence's recipients trickle in: the run is stopped inside that body.
    second = sim.visible("sequences", sim.tokens["ada"])[1]["_id"]
    proxy.add(Rule(f"/v1/sequences/{second}/recipients", times=1, trickle_seconds=0.05))
    started = tap.start(STREAMS, page_size=5)
    try:
        wait_for(lambda: proxy.count(f"/sequences/{second}/recipients") == 1)
    finally:
        stopped = started.stop(signum, BOUND_SECONDS)
    assert stopped.returncode == code, stopped.stderr[-2000:]
    assert f"stopped by {signal.Signals(signum).name} after writing the state" in stopped.error
    assert stopped.states  # where to resume: the last STATE, covering what was written
    assert ends_with_state(stopped)
    assert stopped.records["polls"]  # the run had written records before the signal
    assert_clean(stopped)

    proxy.rules.clear()
    rerun = tap.run(STREAMS, page_size=5, state_text=json.dumps(stopped.state))
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    for stream in ("polls", "qa", "sequences"):
        assert ids([stopped, rerun], stream) == {
            doc["_id"] for doc in sim.visible(stream, sim.tokens["ada"])
        }
    recipients = {
        (row["sequenceId"], row["_id"])
        for run in (stopped, rerun)
        for row in run.records.get("sequence_recipients", [])
    }
    expected = {
        (sequence["_id"], row["_id"])
        for sequence in sim.visible("sequences", sim.tokens["ada"])
        for row in sim.visible("sequences/recipients", sim.tokens["ada"], parent_id=sequence["_id"])
    }
    assert recipients == expected


@pytest.mark.parametrize("delay", [0.0, 0.4, 1.0, 2.0, 3.5, 6.0])
def test_a_kill_at_any_moment_of_a_trickling_run_ends_it_within_the_bound(
    tap: Runner, proxy: HostileProxy, delay: float
):
    proxy.add(Rule(r"/v1/", trickle_seconds=0.002))  # every body arrives a byte at a time
    started = tap.start(STREAMS, page_size=5, request_timeout=20)
    time.sleep(delay)
    stopped = started.stop(signal.SIGTERM, BOUND_SECONDS)
    # Before the tap has installed its handler (still importing), the default one kills it.
    assert stopped.returncode in {143, -signal.SIGTERM}, stopped.stderr[-2000:]
    if stopped.returncode == 143:
        assert "stopped by SIGTERM" in stopped.error
    assert "Traceback" not in stopped.stderr


def test_a_target_that_stops_reading_gets_one_line_and_a_non_zero_exit(
    tap: Runner, sim: Simulator, tmp_path: Path
):
    with (tmp_path / "stderr.txt").open("w") as errors:
        process = subprocess.Popen(
            tap.command(STREAMS), stdout=subprocess.PIPE, stderr=errors, env=tap_env()
        )
        assert process.stdout is not None
        process.stdout.read(1000)  # like `| head -c 1000`
        process.stdout.close()
        assert process.wait(timeout=BOUND_SECONDS) == 141
    run = outcome(141, "", (tmp_path / "stderr.txt").read_text())
    assert "the target stopped reading the tap's output" in run.error
    assert "An unhandled error occurred" not in run.stderr
    assert_clean(run)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGHUP, 129)])
# From when the interpreter runs the tap's first line (about 0.1 s on an idle machine):
# before that, Python's own start-up owns the signal.
@pytest.mark.parametrize("delay", [0.3, 0.8, 1.5])
def test_a_signal_while_starting_ends_cleanly_with_its_code(
    tap: Runner, signum: int, code: int, delay: float
):
    started = tap.start(STREAMS, page_size=5)
    time.sleep(delay)
    stopped = started.stop(signum, BOUND_SECONDS)
    assert stopped.returncode in {code, -signum}, stopped.stderr[-2000:]
    if stopped.returncode == code:
        assert f"stopped by {signal.Signals(signum).name}" in stopped.error
    assert "Traceback" not in stopped.stderr
    assert "KeyboardInterrupt" not in stopped.stderr


def test_sighup_mid_body_flushes_state_and_a_rerun_loses_nothing(
    tap: Runner, proxy: HostileProxy, sim: Simulator
):
    proxy.add(Rule(r"/v1/qa$", times=1, trickle_seconds=0.05))
    started = tap.start(STREAMS, page_size=5)
    try:
        wait_for(lambda: proxy.count(r"/v1/qa$") == 1)
    finally:
        stopped = started.stop(signal.SIGHUP, BOUND_SECONDS)
    assert stopped.returncode == 129, stopped.stderr[-2000:]
    assert "stopped by SIGHUP after writing the state" in stopped.error
    assert ends_with_state(stopped)
    assert stopped.records["polls"]
    assert_clean(stopped)
    proxy.rules.clear()
    rerun = tap.run(STREAMS, page_size=5, state_text=json.dumps(stopped.state))
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    for stream in ("polls", "qa"):
        assert ids([stopped, rerun], stream) == {
            doc["_id"] for doc in sim.visible(stream, sim.tokens["ada"])
        }
    assert not set(rerun.ids("polls"))  # polls was finished: not read again


def test_stdout_closed_from_the_start_gets_one_line_and_a_non_zero_exit(tap: Runner):
    command = tap.command(STREAMS)
    done = subprocess.run(
        ["/bin/sh", "-c", '"$@" >&-', "sh", *command],
        capture_output=False,
        stderr=subprocess.PIPE,
        text=True,
        env=tap_env(),
        timeout=120,
        check=False,
    )
    run = outcome(done.returncode, "", done.stderr)
    assert run.returncode != 0
    assert "stdout is closed" in run.error
    assert_clean(run)
