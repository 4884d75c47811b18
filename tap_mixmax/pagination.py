"""Mixmax's two paging schemes: opaque cursors and the recipients' offset array.

Cursor collections answer ``{results, next, hasNext, previous, hasPrevious}``. Both
cursors come back on every non-empty page, even the last, so the flags, never the page
length, decide whether to go on: an endpoint may cap ``limit`` below what was asked.
"""

from __future__ import annotations

import enum
import weakref
from collections.abc import Iterator
from typing import Any, NamedTuple

import msgspec
import requests
from singer_sdk.pagination import BaseAPIPaginator

from tap_mixmax.bookmarks import ChildPlace

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

    def __init__(self, floor: int) -> None:
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


def row_key(row: dict[str, Any]) -> str:
    """What tells an offset array's rows apart: the ``_id``, else the whole row."""
    key = row.get("_id")
    return key if isinstance(key, str) else msgspec.json.encode(row, order="sorted").decode()


class OffsetWalk(BaseAPIPaginator[Offset]):
    """Offsets through a bare-array endpoint until the server says the list is over.

    ``/sequences/:id/recipients`` refuses to page past ``cap`` rows: ``hit_cap`` tells
    whether the walk reached it with rows still coming, i.e. rows beyond it may exist.

    The list has no documented order to page on, so a row added or deleted above the
    walk's position between two requests shifts the rows below it: one would be read
    twice or never. Each page after the first therefore starts one row early (asking one
    row more, up to ``largest``), and that row must be the last one of the page before.
    When it is not (or the page is empty), the list shifted: the walk reads it again from
    the top, once (``rereads``), passing on only rows it has not passed on yet. A list
    that shifts again during that second read is read on to its end as it is, and
    ``unsettled`` says rows may be missing. The overlap only detects shifts it sees; it
    cannot prove that nothing moved.

    ``place`` keeps the offset and `_id` of the last row passed on. A walk resumed from
    such a place (a signal stopped the run) starts there, that row being the overlap: the
    rows after it follow, or the list shifted and is read again from the top.
    """

    def __init__(
        self,
        stream: str,
        page_size: int,
        learned: PageCap,
        cap: int,
        *,
        largest: int,
        parent: str = "",
        resume: ChildPlace | None = None,
    ) -> None:
        self.place = ChildPlace(stream, parent, None)
        first = Offset(0, min(page_size, cap))
        at = resume.page if resume is not None else None
        # A cursor in a place (a list the stream once paged by cursor) is no offset here.
        if resume is not None and resume.sent_through and isinstance(at, int) and 0 <= at < cap:
            self.place = ChildPlace(stream, parent, at, resume.sent_through)
            first = Offset(at, min(page_size + 1, largest, cap - at))
        super().__init__(first)
        self.stream = stream
        self.page_size = page_size
        self.largest = largest
        self.learned = learned
        self.cap = cap
        self.hit_cap = False
        self.rereads = 0
        self.unsettled = False
        self._probing: int | None = None  # size of a short page being confirmed
        # Keys of the rows passed on, and of the last row of the page before (None: the
        # current page starts the list, with no row before it to overlap).
        self._seen: set[str] = set()
        self._last: str | None = self.place.sent_through
        self._seen.update([self._last] if self._last is not None else [])
        self._next: Offset | None = None

    def url_params(self) -> dict[str, Any]:
        return {"limit": self.current_value.limit, "offset": self.current_value.offset}

    def rows(self, response: requests.Response) -> list[Any]:
        """The page's rows, checking the body is the array the endpoint answers."""
        rows = parsed_body(response)
        if not isinstance(rows, list):
            msg = f"{self.stream}: expected a JSON array from {response.url.split('?')[0]}"
            raise ProtocolError(msg)
        return rows

    def read_page(self, response: requests.Response) -> Iterator[dict[str, Any]]:
        """The page's rows not passed on before, keeping ``place`` at the last one written."""
        offset = self.current_value.offset
        place = self.place
        for index, row in self.take(response):
            yield row
            # Kept only once the SDK has written the row.
            identity = row.get("_id") if isinstance(row, dict) else None
            if isinstance(identity, str):
                place.page, place.sent_through = offset + index, identity
            else:
                place.page = place.sent_through = None

    def take(self, response: requests.Response) -> list[tuple[int, dict[str, Any]]]:
        """The page's rows not passed on before, with their index on the page; decides
        where the walk goes next."""
        rows = self.rows(response)
        keys = [row_key(row) if isinstance(row, dict) else repr(row) for row in rows]
        shifted = self._last is not None and (not keys or keys[0] != self._last)
        fresh = [
            (i, row)
            for i, (row, key) in enumerate(zip(rows, keys, strict=True))
            if key not in self._seen
        ]
        self._seen.update(keys)
        if shifted and not self.rereads:
            self.rereads += 1
            self._last = None
            self._next = Offset(0, min(self.page_size, self.cap))
            return fresh
        self.unsettled = self.unsettled or shifted
        self._next = self._after(len(rows))
        self._last = keys[-1] if self._next is not None else None
        return fresh

    def _after(self, got: int) -> Offset | None:
        """Where the page after this one of ``got`` rows starts, or None at the end."""
        offset, asked = self.current_value
        if self._probing is not None:
            # The page after a short one: rows mean the short page was a server cap.
            if got > (self._last is not None):
                self.learned.cap = self._probing
            else:
                self.learned.floor = max(self.learned.floor, self._probing)
            self._probing = None
        ends = self.learned.ends_list(got, asked)
        if ends is None:
            self._probing = got
        # A page holding only its overlap row ends the list: nothing follows that row.
        if ends or (self._last is not None and got <= 1):
            return None
        if offset + got >= self.cap:
            self.hit_cap = True
            return None
        start = offset + got - 1  # one row early: the overlap
        return Offset(start, min(self.page_size + 1, self.largest, self.cap - start))

    def continue_if_empty(self, response: requests.Response) -> bool:
        # A page of rows all passed on before (reading again from the top) yields none.
        return self._next is not None

    def has_more(self, response: requests.Response) -> bool:
        return self._next is not None

    def get_next(self, response: requests.Response) -> Offset:
        assert self._next is not None  # has_more said so
        return self._next
