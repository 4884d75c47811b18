"""What the server answered, for tests that count a sync's requests, plus after-response hooks."""

from __future__ import annotations

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


Hook = Callable[[LoggedRequest], None]


def _api_path(path: str) -> str:
    return path[3:] or "/" if path.startswith("/v1") else path


class RequestLog:
    """Thread-safe, clearable list of API requests (admin routes are not logged)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[LoggedRequest] = []
        self._hooks: list[Hook] = []

    def append(self, item: LoggedRequest) -> None:
        with self._lock:
            self._items.append(item)

    @property
    def items(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

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
