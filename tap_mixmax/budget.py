"""The process-wide Mixmax rate budget.

Mixmax allows 120 requests per 60 s per user and IP, and reports where a client stands
in ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` on every
response. Every request of every stream asks this one object for a turn, so the tap
spends the whole window at full speed, then waits exactly until the server's reset
instead of tripping a 429. A 429 that happens anyway (another client sharing the token)
blocks every stream for exactly ``Retry-After`` seconds.
"""

from __future__ import annotations

import collections
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import requests
from singer_sdk.exceptions import FatalAPIError

DEFAULT_LIMIT = 120
DEFAULT_WINDOW_SECONDS = 60.0
# Reset values above this are epoch seconds; below it, a delay in seconds.
_EPOCH_THRESHOLD = 1_000_000_000
HTTP_TOO_MANY_REQUESTS = 429
# With someone to tell, a long wait is slept in slices this long, so they hear of it.
WAIT_SLICE_SECONDS = 1.0

# What a wait for the next window is for, as progress lines name it.
RATE_WINDOW = "Mixmax's rate window"

# Hears of a wait under way: seconds left, and what is being waited for.
WaitListener = Callable[[float, str], None]


class RateWaitTooLongError(FatalAPIError):
    """Mixmax asked for a wait longer than ``max_rate_limit_wait_seconds``."""


@dataclass(frozen=True)
class BudgetSnapshot:
    """Where the budget stands, for progress logs."""

    limit: int
    remaining: int | None
    resets_in: float | None
    requests: int
    waited_seconds: float
    rate_limited: int


class RateBudget:
    """Paces requests from the server's rate-limit headers, or from a local window."""

    def __init__(
        self,
        limit: int = DEFAULT_LIMIT,
        window: float = DEFAULT_WINDOW_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float | None = None,
        warn: Callable[[str], None] | None = None,
        on_wait: WaitListener | None = None,
    ) -> None:
        self._limit = limit
        self._max_wait = max_wait
        self._warn = warn
        self._warned: set[str] = set()
        # Hears of every wait, e.g. to log progress while the run is silent.
        self.on_wait = on_wait
        self._window = window
        self._clock = clock
        self._wall_clock = wall_clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: collections.deque[float] = collections.deque()
        self._remaining: int | None = None
        self._reset_at: float | None = None
        self._blocked_until = 0.0
        # Once the server reports its counters, they replace the local estimate.
        self._server_counts = False
        self.requests = 0
        self.waited_seconds = 0.0
        self.rate_limited = 0

    def acquire(self) -> None:
        """Block until one more request fits in the budget, then count it."""
        while True:
            with self._lock:
                delay = self._delay()
                if delay <= 0:
                    self._count_request()
                    return
                reason = (
                    "the wait a 429 asked for"
                    if self._blocked_until > self._clock()
                    else RATE_WINDOW
                )
            self._check_wait(delay, reason)
            if self.on_wait is not None:
                self.on_wait(delay, reason)
                delay = min(delay, WAIT_SLICE_SECONDS)
            self.waited_seconds += delay
            self._sleep(delay)

    def _check_wait(self, seconds: float, reason: str) -> None:
        if self._max_wait is not None and seconds > self._max_wait:
            msg = (
                f"{reason} is {seconds:.0f} s, longer than max_rate_limit_wait_seconds "
                f"({self._max_wait:g}); stopping with the state of what was sent: run again "
                "later, or raise max_rate_limit_wait_seconds"
            )
            raise RateWaitTooLongError(msg)

    def _delay(self) -> float:
        now = self._clock()
        if self._blocked_until > now:
            return self._blocked_until - now
        while self._sent and self._sent[0] <= now - self._window:
            self._sent.popleft()
        if self._reset_at is not None and self._reset_at <= now:
            # The server's window has rolled over: its next response says where we are.
            self._remaining, self._reset_at = None, None
        if self._remaining is not None and self._reset_at is not None:
            return 0.0 if self._remaining > 0 else self._reset_at - now
        if self._server_counts:
            # Between a reset and the next answer: one request finds out where we stand.
            return 0.0
        if len(self._sent) >= self._limit:
            return self._sent[0] + self._window - now
        return 0.0

    def _count_request(self) -> None:
        self._sent.append(self._clock())
        self.requests += 1
        if self._remaining is not None:
            self._remaining -= 1

    def observe(self, response: requests.Response, *_args: object, **_kwargs: object) -> None:
        """Learn the server's view of the budget from any response (a requests hook)."""
        if response.status_code == HTTP_TOO_MANY_REQUESTS:
            return  # its Retry-After, not its counters, says when to go on: see wait_after_429
        headers = response.headers
        with self._lock:
            limit = self._header_int(headers, "X-RateLimit-Limit")
            if limit is not None and limit > 0:
                self._limit = limit
            remaining = self._header_int(headers, "X-RateLimit-Remaining")
            reset = self._seconds_until(self._header_number(headers, "X-RateLimit-Reset"), response)
            if remaining is not None and reset is not None:
                self._server_counts = True
                self._remaining = max(remaining, 0)
                self._reset_at = self._clock() + reset

    def wait_after_429(self, response: requests.Response) -> float:
        """Hold every request back for as long as the 429 asks; return that wait.

        Raises :class:`RateWaitTooLongError` when that is longer than the run may wait.
        """
        wait = self._seconds_until_retry(response)
        self._check_wait(wait, "the wait Mixmax's 429 asks for (Retry-After)")
        with self._lock:
            self.rate_limited += 1
            self._blocked_until = max(self._blocked_until, self._clock() + wait)
            # The first answer after the wait tells where the window stands.
            self._remaining, self._reset_at = None, None
        return wait

    def _seconds_until_retry(self, response: requests.Response) -> float:
        retry_after = response.headers.get("Retry-After")
        if retry_after is not None:
            moment = _http_date(retry_after)
            if moment is not None:
                return max(moment - self._server_now(response), 0.0)
            seconds = self._header_number(response.headers, "Retry-After")
            if seconds is not None:
                return seconds
        reset = self._seconds_until(
            self._header_number(response.headers, "X-RateLimit-Reset"), response
        )
        return reset if reset is not None else self._window

    def _header_number(self, headers: Mapping[str, str], name: str) -> float | None:
        """A header's value as a finite number >= 0, or ``None`` with a warning once."""
        value = headers.get(name)
        if value is None:
            return None
        number = _as_float(value)
        if number is not None and math.isfinite(number) and number >= 0:
            return number
        if self._warn is not None and name not in self._warned:
            self._warned.add(name)
            shown = value if len(value) <= 40 else value[:40] + "..."
            self._warn(f"ignoring {name}: {shown!r}, not a usable number of seconds")
        return None

    def _header_int(self, headers: Mapping[str, str], name: str) -> int | None:
        number = self._header_number(headers, name)
        return None if number is None else int(number)

    def _server_now(self, response: requests.Response) -> float:
        """The server's clock when it answered, so times it sends survive local skew.

        ``Date`` has whole seconds, so this errs up to a second early, and waits computed
        from it err long, never short.
        """
        served = _http_date(response.headers.get("Date"))
        return served if served is not None else self._wall_clock()

    def _seconds_until(self, number: float | None, response: requests.Response) -> float | None:
        if number is None:
            return None
        if number > _EPOCH_THRESHOLD:
            number -= self._server_now(response)
        # A reset further away than one window means the clocks disagree; trust the window.
        return min(max(number, 0.0), self._window)

    def snapshot(self) -> BudgetSnapshot:
        """Return the budget's current figures."""
        with self._lock:
            now = self._clock()
            resets_in = None if self._reset_at is None else max(self._reset_at - now, 0.0)
            return BudgetSnapshot(
                limit=self._limit,
                remaining=self._remaining,
                resets_in=resets_in,
                requests=self.requests,
                waited_seconds=self.waited_seconds,
                rate_limited=self.rate_limited,
            )


def _http_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


def _as_float(value: str) -> float | None:
    try:
        return float(value.strip())
    except ValueError:
        return None
