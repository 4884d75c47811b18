"""Mixmax's two paging schemes: opaque cursors and the recipients' offset array.

Cursor collections answer ``{results, next, hasNext, previous, hasPrevious}``. Both
cursors come back on every non-empty page, even the last, so the flags, never the page
length, decide whether to go on: an endpoint may cap ``limit`` below what was asked.
"""

from __future__ import annotations

import enum
import weakref
from typing import Any, NamedTuple

import msgspec
import requests
from singer_sdk.pagination import BaseAPIPaginator

# /sequences/:id/recipients refuses to page past this many rows per sequence.
RECIPIENTS_CAP = 10_000
# Its largest page: Mixmax's current reference says the highest limit supported is 50.
# It is also the smallest cap any Mixmax source documents, so a shorter page ends a list.
RECIPIENTS_MAX_LIMIT = 50

_decode = msgspec.json.Decoder().decode
_ENVELOPES: weakref.WeakKeyDictionary[requests.Response, Any] = weakref.WeakKeyDictionary()


class ProtocolError(RuntimeError):
    """The API answered in a way the paging rules say it never should."""


def parsed_body(response: requests.Response) -> Any:  # noqa: ANN401 - any JSON document
    """Parse a response once, however many readers (parser, paginator) ask for it."""
    body = _ENVELOPES.get(response)
    if body is None:
        # msgspec parses about twice as fast as the json module (it is the writer's
        # encoder too); a body that is not JSON raises its DecodeError, a ValueError.
        body = _decode(response.content)
        _ENVELOPES[response] = body
    return body


def envelope(response: requests.Response) -> dict[str, Any]:
    """Return a cursor page, checking it has the shape the paging rules rely on."""
    body = parsed_body(response)
    results = body.get("results") if isinstance(body, dict) else None
    rows_ok = isinstance(results, list) and all(isinstance(row, dict) for row in results)
    if not isinstance(body, dict) or not rows_ok:
        msg = (
            "expected a cursor page with a 'results' array of objects from "
            f"{response.url.split('?')[0]}"
        )
        raise ProtocolError(msg)
    return body


class Direction(enum.StrEnum):
    """Which way a walk moves through a newest-first collection."""

    OLDER = "next"  # from the newest object down to the oldest
    NEWER = "previous"  # from a bookmark up towards objects created since


class Offset(NamedTuple):
    """Where the next page of an offset array starts, and how many rows it asks for."""

    offset: int
    limit: int


class PageCap:
    """What a run has learnt of an offset endpoint's server-side page cap.

    A page shorter than asked for is either the end of the list or a cap below the limit.
    A page of the full asked size proves there is no lower cap; a short page followed by
    more rows proves the cap is that page's size. Until then a short page costs one more
    request to confirm, and each confirmed end raises the floor below which a short page
    is certainly the last: so a run pays that request a few times, not once per parent.
    """

    def __init__(self, floor: int = 0) -> None:
        self.cap: int | None = None
        # Pages shorter than this end a list: the smallest documented cap, then raised by
        # every confirmed end.
        self.floor = floor

    def ends_list(self, rows: int, asked: int) -> bool | None:
        """Whether a page of ``rows`` ends the list: True, False, or None (unknown)."""
        if rows == 0:
            return True
        if rows >= asked or rows == self.cap:
            return False
        if self.cap is not None or rows < self.floor:
            return True
        return None


class OffsetWalk(BaseAPIPaginator[Offset]):
    """Offsets through a bare-array endpoint until the server says the list is over.

    ``/sequences/:id/recipients`` refuses to page past ``cap`` rows: ``hit_cap`` tells
    whether the walk reached it with rows still coming, i.e. rows beyond it may exist.
    """

    def __init__(self, stream: str, page_size: int, learned: PageCap, cap: int) -> None:
        super().__init__(Offset(0, min(page_size, cap)))
        self.stream = stream
        self.page_size = page_size
        self.learned = learned
        self.cap = cap
        self.hit_cap = False
        self._probing: int | None = None  # size of a short page being confirmed

    def url_params(self) -> dict[str, Any]:
        return {"limit": self.current_value.limit, "offset": self.current_value.offset}

    def rows(self, response: requests.Response) -> list[Any]:
        """The page's rows, checking the body is the array the endpoint answers."""
        rows = parsed_body(response)
        if not isinstance(rows, list):
            msg = f"{self.stream}: expected a JSON array from {response.url.split('?')[0]}"
            raise ProtocolError(msg)
        return rows

    def continue_if_empty(self, response: requests.Response) -> bool:
        # The SDK stops on an empty page without calling advance: learn from it first.
        self.has_more(response)
        return False

    def has_more(self, response: requests.Response) -> bool:
        got = len(self.rows(response))
        if self._probing is not None:
            # The page after a short one: rows mean the short page was a server cap.
            if got:
                self.learned.cap = self._probing
            else:
                self.learned.floor = max(self.learned.floor, self._probing)
            self._probing = None
        ends = self.learned.ends_list(got, self.current_value.limit)
        if ends is None:
            self._probing = got
        elif ends:
            return False
        if self.current_value.offset + got >= self.cap:
            self.hit_cap = True
            return False
        return True

    def get_next(self, response: requests.Response) -> Offset:
        offset = self.current_value.offset + len(self.rows(response))
        return Offset(offset, max(min(self.page_size, self.cap - offset), 0))
