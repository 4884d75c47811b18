"""Stops that a signal raised where Python only reports an exception and goes on (a
finaliser, a weakref callback): ``exits`` keeps them here, and the writer raises one
before its next message, so nothing more is sent after the signal."""

from __future__ import annotations

_kept: list[BaseException] = []


def keep(stop: BaseException) -> None:
    """Keep a stop to raise in the code the run is in."""
    _kept.append(stop)


def raise_kept_stop() -> None:
    """Raise a stop a finaliser swallowed, if there is one (once)."""
    if _kept:
        raise _kept.pop()
