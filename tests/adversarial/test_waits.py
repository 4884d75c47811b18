"""Every wait is bounded: the rate budget's limits and headers it cannot use, and backoff."""

from __future__ import annotations

import itertools
from typing import Any, cast

import pytest

from tap_mixmax.budget import RateBudget, RateWaitTooLongError
from tap_mixmax.client import MixmaxStream
from tests.tap.test_rate_limit import FakeTime, budget_with, response


def test_a_retry_after_beyond_the_limit_is_refused_not_slept():
    fake = FakeTime()
    budget = RateBudget(clock=fake.clock, wall_clock=fake.wall, sleep=fake.sleep, max_wait=300)
    with pytest.raises(RateWaitTooLongError, match="3600 s, longer than max_rate_limit_wait"):
        budget.wait_after_429(response(429, **{"Retry-After": "3600"}))
    assert fake.sleeps == []


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "-3", "1e400"])
def test_unusable_numbers_are_ignored_with_one_warning(value: str):
    fake = FakeTime()
    warnings: list[str] = []
    budget = RateBudget(
        100, 60.0, clock=fake.clock, wall_clock=fake.wall, sleep=fake.sleep, warn=warnings.append
    )
    for _ in range(3):
        budget.observe(response(200, **{"X-RateLimit-Remaining": "5", "X-RateLimit-Reset": value}))
    # Without a usable Retry-After, the window decides; nothing is slept forever.
    assert budget.wait_after_429(response(429, **{"Retry-After": value})) == 60.0
    assert warnings == [
        f"ignoring X-RateLimit-Reset: '{value}', not a usable number of seconds",
        f"ignoring Retry-After: '{value}', not a usable number of seconds",
    ]


def test_a_listener_hears_of_a_long_wait_every_second():
    fake = FakeTime()
    heard: list[tuple[float, str]] = []
    budget = budget_with(fake, limit=1, window=3.0)
    budget.on_wait = lambda seconds, reason: heard.append((seconds, reason))
    budget.acquire()
    budget.acquire()
    assert fake.sleeps == [1.0, 1.0, 1.0]
    assert heard == [
        (3.0, "Mixmax's rate window"),
        (2.0, "Mixmax's rate window"),
        (1.0, "Mixmax's rate window"),
    ]


def test_backoff_never_waits_more_than_a_minute():
    waits = MixmaxStream.backoff_wait_generator(cast(Any, None))
    next(waits)  # python-backoff primes its generators with a first send
    first = list(itertools.islice(waits, 12))
    # The README's schedule: doubling from one second, then 59 s at most (under a minute
    # with the SDK's jitter of up to a second).
    assert first == [1, 2, 4, 8, 16, 32, 59, 59, 59, 59, 59, 59]
