"""Per-token (or per-address) rate limiting with the X-RateLimit-* headers Mixmax documents.

Model: a *rolling* window per identity: a request is allowed while fewer than ``limit``
requests were accepted in the last ``window`` seconds. Mixmax's help centre speaks of "120
requests per rolling 60 s"; a rolling window is also the stricter model for a client that
bursts at the edge of a window (a fixed window would accept almost twice the limit across
its boundary), so a client that passes here will not be surprised by Mixmax [Inf].

``X-RateLimit-Reset`` is the epoch second at which the oldest counted request leaves the
window, so a slot frees; it and ``Retry-After`` are rounded *up* to whole seconds, so a
client that sleeps until Reset (or for Retry-After seconds) is never early.
"""

from __future__ import annotations

import collections
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Scope = Literal["token", "ip"]
SCOPES: tuple[str, ...] = ("token", "ip")


@dataclass(frozen=True)
class RateLimit:
    """``limit`` requests per ``window`` seconds, per token (``scope="token"``: requests
    without a token count per client address) or per client address whatever the token
    (``scope="ip"``: every token used from one machine shares one budget)."""

    limit: int = 120
    window: float = 60.0
    scope: Scope = "token"

    def __post_init__(self) -> None:
        if isinstance(self.limit, bool) or not isinstance(self.limit, int) or self.limit < 1:
            raise ValueError(
                f"rate limit needs a whole number of requests >= 1, got {self.limit!r}"
            )
        if not (isinstance(self.window, int | float) and math.isfinite(self.window)):
            raise ValueError(f"rate window must be a finite number of seconds, got {self.window!r}")
        if self.window <= 0:
            raise ValueError(f"rate window must be > 0 seconds, got {self.window!r}")
        if self.scope not in SCOPES:
            raise ValueError(f"rate limit scope must be 'token' or 'ip', got {self.scope!r}")

    def identity(self, token: str | None, address: str) -> str:
        """Whose budget a request spends."""
        if token and self.scope == "token":
            return f"token:{token}"
        return f"ip:{address}"


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
    """Thread-safe rolling-window counters keyed by identity (token, or client address)."""

    def __init__(self, config: RateLimit | None, clock: Callable[[], float] = time.time) -> None:
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        # The times of the requests each identity made within the last window.
        self._windows: dict[str, collections.deque[float]] = {}

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
            sent = self._windows.setdefault(identity, collections.deque())
            while sent and sent[0] <= now - config.window:
                sent.popleft()
            if len(sent) >= config.limit:
                # Rejected requests are not counted, so waiting out Retry-After always works.
                frees = sent[0] + config.window
                wait = max(1, math.ceil(frees - now))
                return Decision(False, config.limit, 0, math.ceil(frees), wait)
            sent.append(now)
            # Reset: when the oldest request still counted leaves the window.
            reset = math.ceil(sent[0] + config.window)
            return Decision(True, config.limit, config.limit - len(sent), reset, 0)

    def refund(self, identity: str) -> None:
        """Give back one request (an injected 429 must not spend budget either)."""
        with self._lock:
            sent = self._windows.get(identity)
            if sent:
                sent.pop()
