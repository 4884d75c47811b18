"""What the server answered, for tests that count a sync's requests, plus after-response hooks.

The log is a ring of the last ``size`` requests (a long benchmark must not grow the server
without bound); ``total`` still counts every request. Tokens never enter it: an ``apiToken``
query parameter is stored as ``REDACTED``.
"""

from __future__ import annotations

import collections
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from .faults import matches_prefix


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str  # as requested, e.g. "/v1/sequences" (no query string)
    query: dict[str, str] = field(default_factory=dict)  # first value of each parameter
    status: int = 0  # 0 when the connection was dropped without a response
    user_id: str | None = None
    fault: str | None = None  # the injected fault kind, if any
    at: float = 0.0  # wall-clock epoch seconds when the request was read
    elapsed: float = 0.0  # seconds from reading the request to its final response


REDACTED = "[redacted]"
SECRET_PARAMS = frozenset({"apiToken"})
DEFAULT_LOG_SIZE = 100_000


def redact_query(query: dict[str, list[str]]) -> dict[str, str]:
    """The first value of each parameter, with secrets replaced."""
    return {k: (REDACTED if k in SECRET_PARAMS else v[0]) for k, v in query.items() if v}


Hook = Callable[[LoggedRequest], None]


def _api_path(path: str) -> str:
    return path[3:] or "/" if path.startswith("/v1") else path


class RequestLog:
    """Thread-safe, clearable ring of API requests (admin routes are not logged)."""

    def __init__(self, size: int = DEFAULT_LOG_SIZE) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"the request log size must be a whole number >= 1, got {size!r}")
        self._lock = threading.Lock()
        self._items: collections.deque[LoggedRequest] = collections.deque(maxlen=size)
        self._hooks: list[Hook] = []
        self.total = 0  # requests appended since the last clear, including those rotated out

    @property
    def size(self) -> int:
        return self._items.maxlen or 0

    def append(self, item: LoggedRequest) -> None:
        with self._lock:
            self._items.append(item)
            self.total += 1

    @property
    def items(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.total = 0

    def count(self, path_prefix: str | None = None, status: int | None = None) -> int:
        """Requests whose path starts (segment-wise) with ``path_prefix`` — given with or
        without the "/v1" — and, if given, that got ``status``."""
        total = 0
        for item in self.items:
            if status is not None and item.status != status:
                continue
            if path_prefix is not None and not (
                matches_prefix(item.path, path_prefix)
                or matches_prefix(_api_path(item.path), path_prefix)
            ):
                continue
            total += 1
        return total

    def add_hook(self, hook: Hook) -> Callable[[], None]:
        with self._lock:
            self._hooks.append(hook)

        def remove() -> None:
            with self._lock:
                if hook in self._hooks:
                    self._hooks.remove(hook)

        return remove

    def clear_hooks(self) -> None:
        with self._lock:
            self._hooks.clear()

    def run_hooks(self, item: LoggedRequest) -> None:
        with self._lock:
            hooks = list(self._hooks)
        for hook in hooks:
            try:
                hook(item)
            except Exception:  # a broken test hook must not take the server down
                traceback.print_exc(file=sys.stderr)
