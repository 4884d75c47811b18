"""The shared rate budget against the simulator's limiter, and exact Retry-After waits."""

from __future__ import annotations

from email.utils import formatdate

import requests

from tap_mixmax.budget import RateBudget
from tap_mixmax.simulator import RateLimit, Simulator
from tests.tap.conftest import TapRunner


def test_a_sync_larger_than_the_window_never_gets_a_429(tap: TapRunner, sim: Simulator):
    sim.set_rate_limit(RateLimit(limit=5, window=1.0))
    run = tap.run(["sequences", "polls", "qa", "yes_no"], page_size=2)
    assert run.returncode == 0, run.stderr
    assert sim.count() > 15  # several windows' worth of requests
    assert sim.count(status=429) == 0
    assert len(run.ids("sequences")) == len(sim.visible("sequences", sim.tokens["ada"]))


def test_a_429_is_waited_out_and_retried(tap: TapRunner, sim: Simulator):
    sim.faults.burst_429("/polls", 2, retry_after=1)
    run = tap.run(["polls"])
    assert run.returncode == 0, run.stderr
    assert sim.count("/polls", status=429) == 2
    assert run.stderr.count("waiting 1.0 s as Retry-After asks") == 2
    assert len(run.ids("polls")) == len(sim.visible("polls", sim.tokens["ada"]))


class FakeTime:
    """A clock the budget reads and sleeps on, so waits are exact and instant."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def wall(self) -> float:
        return 1_800_000_000.0 + self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def response(status: int, **headers: str) -> requests.Response:
    made = requests.Response()
    made.status_code = status
    made.headers.update(headers)
    return made


def budget_with(fake: FakeTime, limit: int = 3, window: float = 10.0) -> RateBudget:
    return RateBudget(limit, window, clock=fake.clock, wall_clock=fake.wall, sleep=fake.sleep)


def test_retry_after_is_waited_exactly_without_jitter():
    fake = FakeTime()
    budget = budget_with(fake)
    reset = str(int(fake.wall() + 60))
    limited = response(
        429, **{"Retry-After": "7", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    )
    budget.observe(limited)  # the session hook sees every response, 429s included
    assert budget.wait_after_429(limited) == 7.0
    budget.acquire()
    assert fake.sleeps == [7.0]


def test_without_headers_the_local_window_paces_requests():
    fake = FakeTime()
    budget = budget_with(fake, limit=3, window=10.0)
    for _ in range(4):
        budget.acquire()
    assert fake.sleeps == [10.0]


def test_server_remaining_and_reset_decide_the_wait():
    fake = FakeTime()
    budget = budget_with(fake, limit=100, window=60.0)
    reset = str(int(fake.wall() + 12))
    budget.observe(
        response(
            200,
            **{
                "X-RateLimit-Limit": "120",
                "X-RateLimit-Remaining": "1",
                "X-RateLimit-Reset": reset,
            },
        )
    )
    budget.acquire()  # the last request of the window goes at once
    budget.acquire()  # the next one waits for the server's reset
    assert fake.sleeps == [12.0]
    assert budget.snapshot().limit == 120


def test_reset_and_retry_dates_are_read_against_the_servers_clock():
    fake = FakeTime()
    budget = budget_with(fake, limit=100, window=60.0)
    server_now = fake.wall() - 30  # the local clock runs 30 s ahead of Mixmax's
    headers = {
        "Date": formatdate(server_now, usegmt=True),
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(int(server_now) + 5),
    }
    budget.observe(response(200, **headers))
    budget.acquire()
    assert fake.sleeps == [5.0]
    limited = response(
        429,
        **{
            "Date": formatdate(server_now, usegmt=True),
            "Retry-After": formatdate(server_now + 8, usegmt=True),
        },
    )
    assert budget.wait_after_429(limited) == 8.0
