"""The rate budget's edge cases: 429s without Retry-After, odd headers, windows rolling over.

The budget reads a fake clock and sleeps on it, so every wait is exact and instant.
"""

from __future__ import annotations

from email.utils import formatdate

import pytest

from tap_mixmax.budget import RateBudget
from tests.tap.test_rate_limit import FakeTime, budget_with, response


def test_a_429_without_retry_after_waits_for_the_servers_reset():
    fake = FakeTime()
    budget = budget_with(fake, limit=100, window=60.0)
    limited = response(429, **{"X-RateLimit-Reset": str(int(fake.wall() + 9))})
    assert budget.wait_after_429(limited) == 9.0
    budget.acquire()
    assert fake.sleeps == [9.0]
    assert budget.snapshot().rate_limited == 1


def test_a_429_without_any_header_waits_a_whole_window():
    fake = FakeTime()
    budget = budget_with(fake, limit=100, window=60.0)
    assert budget.wait_after_429(response(429)) == 60.0


def test_an_unreadable_retry_after_falls_back_to_the_reset_then_the_window():
    fake = FakeTime()
    budget = budget_with(fake, limit=100, window=60.0)
    garbled = {"Retry-After": "soon", "X-RateLimit-Reset": "4"}
    assert budget.wait_after_429(response(429, **garbled)) == 4.0
    assert budget.wait_after_429(response(429, **{"Retry-After": "soon"})) == 60.0


def test_a_retry_after_date_in_the_past_waits_nothing():
    fake = FakeTime()
    budget = budget_with(fake, limit=100, window=60.0)
    past = formatdate(fake.wall() - 30, usegmt=True)
    assert budget.wait_after_429(response(429, **{"Retry-After": past})) == 0.0
    budget.acquire()
    assert fake.sleeps == []


def test_a_negative_retry_after_is_unreadable_and_the_window_is_waited():
    fake = FakeTime()
    budget = budget_with(fake, limit=100, window=60.0)
    assert budget.wait_after_429(response(429, **{"Retry-After": "-3"})) == 60.0


def test_two_429s_block_for_the_longer_of_their_waits():
    fake = FakeTime()
    budget = budget_with(fake, limit=100, window=60.0)
    budget.wait_after_429(response(429, **{"Retry-After": "8"}))
    budget.wait_after_429(response(429, **{"Retry-After": "3"}))
    budget.acquire()
    assert fake.sleeps == [8.0]


def test_a_reset_further_than_a_window_is_capped_at_the_window():
    fake = FakeTime()
    budget = budget_with(fake, limit=100, window=60.0)
    far = str(int(fake.wall() + 3600))
    budget.observe(response(200, **{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": far}))
    budget.acquire()
    assert fake.sleeps == [60.0]


def test_after_the_servers_reset_one_request_goes_to_learn_the_new_window():
    fake = FakeTime()
    budget = budget_with(fake, limit=2, window=60.0)
    budget.observe(response(200, **{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "5"}))
    budget.acquire()  # waits out the reset
    assert fake.sleeps == [5.0]
    # The server's counters, not the local estimate of 2 a window, decide from now on:
    # with no answer since the reset, requests are not held back locally.
    budget.acquire()
    budget.acquire()
    assert fake.sleeps == [5.0]
    assert budget.snapshot().remaining is None


def test_counters_count_down_between_answers_and_garbage_headers_are_ignored():
    fake = FakeTime()
    budget = budget_with(fake, limit=100, window=60.0)
    headers = {"X-RateLimit-Limit": "x", "X-RateLimit-Remaining": "2", "X-RateLimit-Reset": "30"}
    budget.observe(response(200, **headers))
    budget.acquire()
    snapshot = budget.snapshot()
    assert (snapshot.limit, snapshot.remaining, snapshot.resets_in) == (100, 1, 30.0)
    budget.observe(response(200, **{"X-RateLimit-Remaining": "1.5", "X-RateLimit-Reset": ""}))
    assert budget.snapshot().remaining == 1  # a reset it cannot read changes nothing
    budget.observe(response(200, **{"X-RateLimit-Remaining": "-4", "X-RateLimit-Reset": "30"}))
    assert budget.snapshot().remaining == 1  # a negative count is not a count
    budget.observe(response(200, **{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "30"}))
    assert budget.snapshot().remaining == 0
    budget.observe(response(200, **{"X-RateLimit-Limit": "0"}))
    assert budget.snapshot().limit == 100  # a zero limit is not a limit


def test_a_429_never_updates_the_counters():
    fake = FakeTime()
    budget = budget_with(fake, limit=100, window=60.0)
    budget.observe(response(429, **{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "50"}))
    budget.acquire()
    assert fake.sleeps == []
    assert budget.snapshot().waited_seconds == 0.0


def test_after_a_429s_wait_the_local_window_still_holds_requests_back():
    fake = FakeTime()
    budget = budget_with(fake, limit=3, window=10.0)
    for _ in range(3):
        budget.acquire()
    budget.wait_after_429(response(429, **{"Retry-After": "2"}))
    budget.acquire()
    # 2 s for the 429, then the rest of the window the three requests opened.
    assert fake.sleeps == [2.0, 8.0]


def test_a_server_limit_of_one_request_is_taken_as_the_limit():
    fake = FakeTime()
    budget = budget_with(fake, limit=100, window=60.0)
    budget.observe(response(200, **{"X-RateLimit-Limit": "1"}))
    assert budget.snapshot().limit == 1
    budget.acquire()
    budget.acquire()
    assert fake.sleeps == [60.0]


def test_by_default_mixmaxs_120_requests_fit_a_minute_and_the_121st_waits():
    # No rate headers from the server: the budget's own count, at Mixmax's documented limit.
    fake = FakeTime()
    budget = RateBudget(clock=fake.clock, wall_clock=fake.wall, sleep=fake.sleep)
    for _ in range(120):
        budget.acquire()
    assert fake.sleeps == []
    assert budget.snapshot().requests == 120
    budget.acquire()
    assert fake.sleeps == [60.0]
    assert budget.snapshot().requests == 121


def test_the_servers_last_remaining_request_is_used_before_waiting():
    fake = FakeTime()
    budget = budget_with(fake, limit=100, window=60.0)
    reset = str(int(fake.wall() + 30))
    budget.observe(response(200, **{"X-RateLimit-Remaining": "1", "X-RateLimit-Reset": reset}))
    budget.acquire()
    assert fake.sleeps == []
    budget.acquire()
    assert fake.sleeps == [30.0]


def test_a_wait_of_exactly_max_rate_limit_wait_seconds_is_slept_not_refused():
    fake = FakeTime()
    budget = RateBudget(
        100, 60.0, clock=fake.clock, wall_clock=fake.wall, sleep=fake.sleep, max_wait=90.0
    )
    budget.wait_after_429(response(429, **{"Retry-After": "90"}))
    budget.acquire()
    assert fake.sleeps == [90.0]


@pytest.mark.parametrize(
    ("value", "shown"),
    [("9" * 39 + "x", "9" * 39 + "x"), ("9" * 40 + "x", "9" * 40 + "...")],
)
def test_an_unusable_header_is_quoted_up_to_40_characters(value: str, shown: str):
    fake = FakeTime()
    warnings: list[str] = []
    budget = RateBudget(
        100, 60.0, clock=fake.clock, wall_clock=fake.wall, sleep=fake.sleep, warn=warnings.append
    )
    budget.wait_after_429(response(429, **{"Retry-After": value}))
    assert warnings == [f"ignoring Retry-After: {shown!r}, not a usable number of seconds"]


def test_a_remaining_count_without_a_reset_time_never_breaks_the_budget():
    # The server's counters are taken only in pairs: a remaining count with nothing saying
    # when the window resets is ignored, rather than waited on for an unknown time.
    fake = FakeTime()
    budget = budget_with(fake, limit=100, window=60.0)
    budget.observe(response(200, **{"X-RateLimit-Remaining": "0"}))
    budget.acquire()
    assert fake.sleeps == []
