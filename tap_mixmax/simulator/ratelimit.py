"""Per-token rate limiting with the X-RateLimit-* headers Mixmax documents.

Model: a *fixed* window per identity that opens at the identity's first request and lasts
``window`` seconds; the next request after it closes opens a new one. Mixmax describes a
"60 second window" without saying fixed or sliding, and a fixed window is the harsher case
for a client that bursts at a window's edge, so it is the safer one to test against [Inf].

``X-RateLimit-Reset`` and ``Retry-After`` are rounded *up* to whole seconds, so a client
that sleeps until Reset (or for Retry-After seconds) is never early.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimit:
    """``limit`` requests per ``window`` seconds, per token."""

    limit: int = 120
    window: float = 60.0

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window <= 0:
            raise ValueError("rate limit needs limit >= 1 and window > 0")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_epoch: int
    retry_after: int

    def headers(self) -> list[tuple[str, str]]:
        out = [
            ("X-RateLimit-Limit", str(self.limit)),
            ("X-RateLimit-Remaining", str(self.remaining)),
            ("X-RateLimit-Reset", str(self.reset_epoch)),
        ]
        if not self.allowed:
            out.append(("Retry-After", str(self.retry_after)))
        return out


class RateLimiter:
    """Thread-safe fixed-window counters keyed by identity (token, or client address)."""

    def __init__(self, config: RateLimit | None, clock: Callable[[], float] = time.time) -> None:
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    @property
    def config(self) -> RateLimit | None:
        return self._config

    def configure(self, config: RateLimit | None) -> None:
        with self._lock:
            self._config = config
            self._windows.clear()

    def check(self, identity: str) -> Decision | None:
        """Count one request; None when rate limiting is off."""
        with self._lock:
            config = self._config
            if config is None:
                return None
            now = self._clock()
            start, used = self._windows.get(identity, (now, 0))
            if now >= start + config.window:
                start, used = now, 0
            ends = start + config.window
            reset = math.ceil(ends)
            if used >= config.limit:
                # Rejected requests are not counted, so waiting out Retry-After always works.
                self._windows[identity] = (start, used)
                wait = max(1, math.ceil(ends - now))
                return Decision(False, config.limit, 0, reset, wait)
            used += 1
            self._windows[identity] = (start, used)
            return Decision(True, config.limit, config.limit - used, reset, 0)

    def refund(self, identity: str) -> None:
        """Give back one request (an injected 429 must not spend budget either)."""
        with self._lock:
            if identity in self._windows:
                start, used = self._windows[identity]
                self._windows[identity] = (start, max(0, used - 1))
