"""What a cursor stream keeps in Singer state, and how it reads and writes it.

Stored under ``bookmarks.<stream>``::

    {
      "previous": "<cursor>",            # newest object already emitted; poll from here
      "last_full_sync_at": "<RFC 3339>",  # when the last complete walk of the stream ended
      "full_sync": {                      # only while a full walk is under way
        "candidate": "<cursor>",          # the newest object when the walk started
        "next": "<cursor>"                # where an interrupted walk resumes
      }
    }

The cursors are Mixmax's own, stored as received: they are durable and stateless on the
server side, so a bookmark written months ago still answers correctly.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tap_mixmax.timestamps import to_rfc3339

PREVIOUS = "previous"
LAST_FULL_SYNC_AT = "last_full_sync_at"
FULL_SYNC = "full_sync"


@dataclass
class FullSync:
    """Progress of a walk from the newest object to the oldest."""

    candidate: str
    next: str | None


@dataclass
class Bookmark:
    """The decoded bookmark of one cursor stream."""

    previous: str | None = None
    last_full_sync_at: datetime | None = None
    full_sync: FullSync | None = None

    @classmethod
    def load(cls, state: MutableMapping[str, Any]) -> Bookmark:
        """Read the bookmark from a stream's state dict, ignoring malformed parts."""
        previous = state.get(PREVIOUS)
        last = to_rfc3339(state.get(LAST_FULL_SYNC_AT))
        full = state.get(FULL_SYNC)
        full_sync = None
        if isinstance(full, dict) and isinstance(full.get("candidate"), str):
            nxt = full.get("next")
            full_sync = FullSync(full["candidate"], nxt if isinstance(nxt, str) else None)
        return cls(
            previous=previous if isinstance(previous, str) and previous else None,
            last_full_sync_at=datetime.fromisoformat(last) if last else None,
            full_sync=full_sync,
        )

    def save(self, state: MutableMapping[str, Any]) -> None:
        """Write the bookmark into a stream's state dict, replacing what was there."""
        for key in (PREVIOUS, LAST_FULL_SYNC_AT, FULL_SYNC):
            state.pop(key, None)
        if self.previous:
            state[PREVIOUS] = self.previous
        if self.last_full_sync_at:
            state[LAST_FULL_SYNC_AT] = to_rfc3339(self.last_full_sync_at.isoformat())
        if self.full_sync:
            state[FULL_SYNC] = {
                "candidate": self.full_sync.candidate,
                "next": self.full_sync.next,
            }
