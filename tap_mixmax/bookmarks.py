"""What a stream keeps in Singer state, and how it is read and written.

A top-level cursor stream keeps, under ``bookmarks.<stream>``::

    {
      "replication_key": "_id",              # the SDK's own pair: the key of the newest
      "replication_key_value": "65f0…",      # object emitted (informational)
      "previous": "<cursor>",                # newest object already emitted; poll from here
      "last_full_sync_at": "<RFC 3339>",     # when the last complete walk of the stream ended
      "last_version": 1764400000,            # the version of the last whole read
      "full_sync": {                         # only while a walk from the newest is under way
        "candidate": "<cursor>" | null,      # the newest object when the walk started
                                             # (null: a search, which has no `previous`)
        "next": "<cursor>" | null,           # where an interrupted walk resumes; null: the
                                             # last page was read, only the bookmark is left
        "version": 1764400000,               # the version its records carry (for deletions)
        "streams": ["sequences", …],         # streams selected in every run of this walk
        "withheld": ["sequence_recipients"], # streams a skip kept from being read whole
        "sent_through": "65f0…",             # only in the STATE written on a signal: the
                                             # `_id` of the last record already sent of the
                                             # page at `next` (null `next`: the first page)
        "child": {                           # only in the STATE written on a signal that
          "stream": "sequence_recipients",   # stopped the child list of the parent in hand
          "parent": "65f1…",                 # (the page's next record): that parent's `_id`,
          "page": "<cursor>" | 150 | null,   # the child page in hand (cursor, or offset of
          "sent_through": "65f2…" | null     # the last row sent), its last row sent
        }
      },
      "poll_place": {                        # only in the STATE written on a signal during
        "page": "<cursor>",                  # a poll: the `previous` cursor of the page in
        "sent_through": "65f0…" | null,      # hand, its last record sent, and the child list
        "child": {…} | null                  # of its next record, as in `full_sync`
      }
    }

Streams read whole on every run keep only ``last_version`` (singletons), or (search
endpoints) a ``full_sync`` with a null candidate while a walk is under way. The cursors
are Mixmax's own, stored as received: durable and stateless on the server, so a bookmark
written months ago still answers correctly. A bookmark that is not of this shape is
refused with one line naming the stream and the key, never read as "nothing left to do".
"""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tap_mixmax.timestamps import to_rfc3339

PREVIOUS = "previous"
LAST_FULL_SYNC_AT = "last_full_sync_at"
LAST_VERSION = "last_version"
FULL_SYNC = "full_sync"
POLL_PLACE = "poll_place"
REPLICATION_KEY = "replication_key"
REPLICATION_KEY_VALUE = "replication_key_value"


class BookmarkError(ValueError):
    """A stream's stored state is not of the shape this tap writes."""

    def __init__(self, stream: str, key: str, problem: str) -> None:
        super().__init__(
            f"state for stream {stream!r}: {key} {problem}; remove that stream's entry from "
            "the state (it is then read whole) or pass the state the tap last wrote"
        )


@dataclass
class ChildPlace:
    """How far a signal let the child list of the parent in hand get, so that the rerun
    reads on from that child page rather than from the list's start."""

    stream: str
    parent: str
    # A cursor child: the cursor of the page in hand (None: the list's first page). An
    # offset child: the offset of the last row sent, which the rerun asks for again as
    # the overlap that proves the list did not shift.
    page: str | int | None
    # The `_id` of the last row of that page already sent (None: none of it yet).
    sent_through: str | None = None

    @classmethod
    def load(cls, stream: str, place: MutableMapping[str, Any], prefix: str) -> ChildPlace:
        names: list[str] = []
        for key in ("stream", "parent"):
            value = _optional(stream, place, key, str, prefix=prefix)
            if not value:
                raise BookmarkError(stream, prefix + key, "must be a non-empty string")
            names.append(value)
        page = place.get("page")
        if not (page is None or (isinstance(page, str) and page) or _is_offset(page)):
            raise BookmarkError(
                stream, prefix + "page", f"must be a cursor, an offset or null, not {page!r:.40}"
            )
        sent_through = _optional(stream, place, "sent_through", str, prefix=prefix)
        return cls(names[0], names[1], page, sent_through)

    def dump(self) -> dict[str, Any]:
        return {
            "stream": self.stream,
            "parent": self.parent,
            "page": self.page,
            "sent_through": self.sent_through,
        }


@dataclass
class FullSync:
    """Progress of a walk from the newest object to the oldest."""

    # The first page's `previous`, bookmarked when the walk ends; None for a search walk,
    # which has no `previous` and is read whole every run (its progress is kept all the same).
    candidate: str | None
    next: str | None
    # None when the walk began with emit_activate_version_messages off: its records went
    # out without a version, so its end must not announce one.
    version: int | None
    # The stream and the children selected in every run of this walk so far: only they
    # had every record of the version sent.
    streams: list[str]
    # Streams of which a run of this walk skipped something (a parent's children refused
    # with 403, 404 or 410, a list cut at Mixmax's cap): their deletions are not told.
    withheld: list[str] = field(default_factory=list)
    # Written when a signal stops the walk inside a page: the `_id` of that page's last
    # record already sent, so the rerun asks for the page again but sends only the rest.
    sent_through: str | None = None
    # Written with it when the signal stopped the child list of the page's next parent.
    child: ChildPlace | None = None


@dataclass
class PollPlace:
    """How far into a poll's page a signal let the run get. The rerun uses it only when
    its poll starts with that same page (no lookback moved the start)."""

    page: str
    sent_through: str | None
    child: ChildPlace | None = None

    def dump(self) -> dict[str, Any]:
        child = None if self.child is None else self.child.dump()
        return {"page": self.page, "sent_through": self.sent_through, "child": child}


@dataclass
class Bookmark:
    """The decoded bookmark of one stream."""

    previous: str | None = None
    last_full_sync_at: datetime | None = None
    last_version: int | None = None
    full_sync: FullSync | None = None
    replication_key: str | None = None
    newest_key: str | None = None
    poll_place: PollPlace | None = None

    @classmethod
    def load(cls, stream: str, state: MutableMapping[str, Any]) -> Bookmark:
        """Read a stream's bookmark, refusing any part of the wrong shape."""
        previous = _optional(stream, state, PREVIOUS, str)
        if previous == "":
            raise BookmarkError(stream, PREVIOUS, "is an empty string")
        last_text = _optional(stream, state, LAST_FULL_SYNC_AT, str)
        last = to_rfc3339(last_text) if last_text is not None else None
        if last_text is not None and last is None:
            raise BookmarkError(stream, LAST_FULL_SYNC_AT, "is not a date-time")
        full = _optional(stream, state, FULL_SYNC, dict)
        full_sync = None
        if full is not None:
            key = f"{FULL_SYNC}."
            if "candidate" not in full:
                raise BookmarkError(
                    stream, key + "candidate", "is missing (null means 'a search walk')"
                )
            candidate = _optional(stream, full, "candidate", str, prefix=key)
            if candidate == "":
                raise BookmarkError(stream, key + "candidate", "must be a cursor string or null")
            if "next" not in full:
                raise BookmarkError(
                    stream, key + "next", "is missing (null means 'last page read')"
                )
            next_cursor = _optional(stream, full, "next", str, prefix=key)
            version = _optional(stream, full, "version", int, prefix=key)
            streams = _names(stream, full, "streams", key)
            if streams is None:
                raise BookmarkError(stream, key + "streams", "is missing")
            full_sync = FullSync(
                candidate,
                next_cursor,
                version,
                streams,
                _names(stream, full, "withheld", key) or [],
                _optional(stream, full, "sent_through", str, prefix=key),
                _child_place(stream, full, key),
            )
        return cls(
            poll_place=_poll_place(stream, state),
            previous=previous,
            last_full_sync_at=datetime.fromisoformat(last) if last else None,
            last_version=_optional(stream, state, LAST_VERSION, int),
            full_sync=full_sync,
            replication_key=_optional(stream, state, REPLICATION_KEY, str),
            newest_key=_optional(stream, state, REPLICATION_KEY_VALUE, str),
        )

    def save(self, state: MutableMapping[str, Any]) -> None:
        """Write the bookmark into a stream's state dict, replacing what was there."""
        for key in (PREVIOUS, LAST_FULL_SYNC_AT, LAST_VERSION, FULL_SYNC, POLL_PLACE):
            state.pop(key, None)
        if self.replication_key and self.newest_key:
            state[REPLICATION_KEY] = self.replication_key
            state[REPLICATION_KEY_VALUE] = self.newest_key
        if self.previous:
            state[PREVIOUS] = self.previous
        if self.last_full_sync_at:
            state[LAST_FULL_SYNC_AT] = to_rfc3339(self.last_full_sync_at.isoformat())
        if self.last_version is not None:
            state[LAST_VERSION] = self.last_version
        if self.full_sync:
            state[FULL_SYNC] = {
                "candidate": self.full_sync.candidate,
                "next": self.full_sync.next,
                "version": self.full_sync.version,
                "streams": self.full_sync.streams,
                "withheld": self.full_sync.withheld,
            }
            if self.full_sync.sent_through is not None:
                state[FULL_SYNC]["sent_through"] = self.full_sync.sent_through
            if self.full_sync.child is not None:
                state[FULL_SYNC]["child"] = self.full_sync.child.dump()
        if self.poll_place is not None:
            state[POLL_PLACE] = self.poll_place.dump()

    def new_version(self) -> int:
        """A table version above every one this stream used before.

        Seconds since the epoch fit the integer version columns targets create; the
        stored last version keeps two runs in the same second apart.
        """
        now = int(time.time())
        return now if self.last_version is None else max(now, self.last_version + 1)


def _optional(
    stream: str,
    state: MutableMapping[str, Any],
    key: str,
    kind: type,
    *,
    prefix: str = "",
) -> Any:  # noqa: ANN401 - the value, of type `kind`
    value = state.get(key)
    # bool is an int to Python, never a version to us.
    if value is None or (isinstance(value, kind) and not isinstance(value, bool)):
        return value
    raise BookmarkError(
        stream, prefix + key, f"must be a {kind.__name__} or null, not {value!r:.40}"
    )


def _names(stream: str, full: MutableMapping[str, Any], key: str, prefix: str) -> list[str] | None:
    """A list of stream names kept in ``full_sync``, or None when absent."""
    names: list[str] | None = _optional(stream, full, key, list, prefix=prefix)
    if names is not None and not all(isinstance(name, str) for name in names):
        raise BookmarkError(stream, prefix + key, "must be a list of stream names")
    return names


def _is_offset(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _child_place(stream: str, full: MutableMapping[str, Any], prefix: str) -> ChildPlace | None:
    place = _optional(stream, full, "child", dict, prefix=prefix)
    return None if place is None else ChildPlace.load(stream, place, f"{prefix}child.")


def _poll_place(stream: str, state: MutableMapping[str, Any]) -> PollPlace | None:
    place = _optional(stream, state, POLL_PLACE, dict)
    if place is None:
        return None
    prefix = f"{POLL_PLACE}."
    page = _optional(stream, place, "page", str, prefix=prefix)
    if not page:
        raise BookmarkError(stream, prefix + "page", "must be a cursor string")
    sent_through = _optional(stream, place, "sent_through", str, prefix=prefix)
    return PollPlace(page, sent_through, _child_place(stream, place, prefix))
