"""Mixmax's two paging schemes: opaque cursors and the recipients' offset array.

Cursor collections answer ``{results, next, hasNext, previous, hasPrevious}``. Both
cursors come back on every non-empty page, even the last, so the flags, never the page
length, decide whether to go on: an endpoint may cap ``limit`` below what was asked.
"""

from __future__ import annotations

import enum
import weakref
from typing import Any

import requests
from singer_sdk.pagination import BaseAPIPaginator

# /sequences/:id/recipients refuses to page past this many rows per sequence.
RECIPIENTS_CAP = 10_000
# Mixmax's default page size; caps are multiples of it.
ROUND_PAGE = 50

_ENVELOPES: weakref.WeakKeyDictionary[requests.Response, Any] = weakref.WeakKeyDictionary()


class ProtocolError(RuntimeError):
    """The API answered in a way the paging rules say it never should."""


def parsed_body(response: requests.Response) -> Any:  # noqa: ANN401 - any JSON document
    """Parse a response once, however many readers (parser, paginator) ask for it."""
    body = _ENVELOPES.get(response)
    if body is None:
        body = response.json()
        _ENVELOPES[response] = body
    return body


def envelope(response: requests.Response) -> dict[str, Any]:
    """Return a cursor page, checking it has the shape the paging rules rely on."""
    body = parsed_body(response)
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        msg = f"expected a cursor page with a 'results' array from {response.url.split('?')[0]}"
        raise ProtocolError(msg)
    return body


class Direction(enum.StrEnum):
    """Which way a walk moves through a newest-first collection."""

    OLDER = "next"  # from the newest object down to the oldest
    NEWER = "previous"  # from a bookmark up towards objects created since


class CursorPaginator(BaseAPIPaginator[str | None]):
    """Follows ``next`` (older) or ``previous`` (newer) cursors while the flags allow.

    The current value is the cursor to send as the ``direction`` query parameter; ``None``
    asks for the newest page.
    """

    def __init__(self, direction: Direction, start: str | None = None) -> None:
        super().__init__(start)
        self.direction = direction

    def has_more(self, response: requests.Response) -> bool:
        page = envelope(response)
        if not page["results"]:
            return False
        if self.direction is Direction.OLDER:
            return bool(page.get("hasNext"))
        return bool(page.get("hasPrevious"))

    def get_next(self, response: requests.Response) -> str | None:
        cursor = envelope(response).get(self.direction.value)
        if not cursor or cursor == self.current_value:
            msg = f"a non-empty page did not move the '{self.direction.value}' cursor"
            raise ProtocolError(msg)
        return str(cursor)


class CappedOffsetPaginator(BaseAPIPaginator[int]):
    """Offsets for a bare-array endpoint that stops at ``RECIPIENTS_CAP`` rows.

    A page shorter than asked for is the last one, unless its size is a round number that
    a server-side cap would produce. ``hit_cap`` tells whether the walk reached the cap
    with a full page, i.e. rows beyond the cap may exist.
    """

    def __init__(self, page_size: int, cap: int = RECIPIENTS_CAP) -> None:
        super().__init__(0)
        self.page_size = page_size
        self.cap = cap
        self.hit_cap = False

    def limit_for(self, offset: int) -> int:
        """The largest page the API accepts at ``offset`` (``offset + limit`` <= cap)."""
        return max(min(self.page_size, self.cap - offset), 0)

    def has_more(self, response: requests.Response) -> bool:
        rows = parsed_body(response)
        if not isinstance(rows, list):
            msg = f"expected a JSON array from {response.url.split('?')[0]}"
            raise ProtocolError(msg)
        asked = self.limit_for(self.current_value)
        if len(rows) < asked:
            # Mixmax documents a short page as the last one [D26]. A short page of a round
            # size may instead be a server-side cap below what was asked: one more request
            # (empty if it was the end) costs little next to silently stopping early.
            return bool(rows) and len(rows) % ROUND_PAGE == 0
        next_offset = self.current_value + len(rows)
        if next_offset >= self.cap:
            self.hit_cap = True
            return False
        return True

    def get_next(self, response: requests.Response) -> int:
        return self.current_value + len(parsed_body(response))
