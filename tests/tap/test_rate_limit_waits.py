"""429s: the tap waits what Retry-After asks before retrying, and a storm of them ends."""

from __future__ import annotations

from tap_mixmax.client import MAX_RATE_LIMITED_WAITS
from tap_mixmax.simulator import Simulator
from tests.tap.conftest import TapRunner
from tests.tap.logs import assert_clean_failure

# The simulator stamps `at` when it reads a request and `elapsed` until it answered;
# both come from its wall clock, whose resolution is far finer than this margin.
CLOCK_MARGIN = 0.05


def test_the_retry_after_a_429_comes_no_sooner_than_retry_after(tap: TapRunner, sim: Simulator):
    sim.faults.burst_429("/polls", 1, retry_after=2)
    run = tap.run(["polls"])
    assert run.returncode == 0, run.stderr
    polls = [r for r in sim.requests if r.path == "/v1/polls"]
    assert [r.status for r in polls] == [429, 200]
    limited, retry = polls
    answered = limited.at + limited.elapsed
    assert retry.at - answered >= 2 - CLOCK_MARGIN
    assert len(run.ids("polls")) == len(sim.visible("polls", sim.tokens["ada"]))


def test_a_429_storm_ends_the_run_after_a_bounded_number_of_waits(tap: TapRunner, sim: Simulator):
    token = sim.tokens["ada"]
    sim.faults.burst_429("/polls", MAX_RATE_LIMITED_WAITS * 3, retry_after=0)
    run = tap.run(["polls"])
    assert run.returncode == 1
    assert sim.count("/polls", status=429) == MAX_RATE_LIMITED_WAITS == 10  # as README says
    assert sim.count("/polls", status=200) == 0
    line = assert_clean_failure(run.stderr, token)
    assert "still rate limited" in line
    assert "polls" in line
    assert token not in run.stdout
