"""Cursor collections: the full walk, the ``previous`` poll, and child collections.

A top-level collection runs in one of two modes (``docs/pagination.md`` §6):

* full: walk ``next`` from the newest object to the oldest (or to ``start_date``) and
  bookmark the *first* page's ``previous`` cursor, the newest object when the walk
  began. Used on the first run, after an interrupted walk, and whenever a collection
  whose objects change is due for a refresh.
* poll: ask ``previous=<bookmark>`` until a page is empty or ``hasPrevious`` is false,
  moving the bookmark to each non-empty page's ``previous``. Sees new objects only.

The bookmark moves in ``parse_response`` after the page's last record was handed on, and
these streams emit STATE after every record, which the SDK's writer reduces to one STATE
per page: a run killed at any moment repeats at most one page when resumed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import requests
from singer_sdk.helpers.types import Context

from tap_mixmax.bookmarks import Bookmark, FullSync
from tap_mixmax.client import MixmaxStream
from tap_mixmax.cursors import is_after, object_id_time, rewind
from tap_mixmax.errors import BadRequestError
from tap_mixmax.pagination import CursorPaginator, Direction, ProtocolError, envelope
from tap_mixmax.timestamps import to_rfc3339

PageHook = Callable[[dict[str, Any]], None]


@dataclass
class Walk:
    """Where the current request loop starts, which way it goes, and who hears of pages."""

    direction: Direction
    start: str | None = None
    on_page: PageHook | None = None
    # The first non-empty page's `previous`: the newest object when the walk began.
    newest: str | None = None


class CursorStream(MixmaxStream):
    """A collection behind ``next``/``previous`` cursors."""

    records_jsonpath = "$.results[*]"
    # State changes only at page ends and the SDK drops unchanged STATE messages, so
    # checking after every record emits exactly one STATE per page, after its records.
    STATE_MSG_FREQUENCY = 1

    # The field holding the creation time; None means the ObjectId `_id` carries it.
    created_at_field: ClassVar[str | None] = None
    skip_when_retired = True
    # Whether `previous` finds new objects here; Mixmax's search endpoints page with
    # mongo-cursor-pagination's search(), which has no `previous`, so they walk whole.
    supports_previous: ClassVar[bool] = True
    # Values accepted in the `expand` setting for this stream.
    expansions: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401
        super().__init__(*args, **kwargs)
        self._walk = Walk(Direction.OLDER)

    # -- requests -------------------------------------------------------------------

    def get_new_paginator(self) -> CursorPaginator:
        return CursorPaginator(self._walk.direction, self._walk.start)

    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:  # noqa: ANN401
        params: dict[str, Any] = {"limit": self.config["page_size"]}
        if next_page_token:
            params[self._walk.direction.value] = next_page_token
        expand = self.config.get("expand", {}).get(self.name)
        if expand:
            params["expand"] = ",".join(expand)
        fields = self.selected_top_level_fields()
        if fields is not None:
            # Mixmax leaves out `_id` unless asked, and a walk needs the creation time.
            wanted = {*fields, "_id", self.created_at_field or "_id"}
            params["fields"] = ",".join(sorted(wanted))
        return params

    def parse_response(self, response: requests.Response) -> Iterator[dict[str, Any]]:
        page = envelope(response)
        if self._walk.newest is None and page["results"]:
            self._walk.newest = page.get("previous")
        yield from page["results"]
        # Runs once the consumer asks for more after the page's last record.
        if self._walk.on_page is not None:
            self._walk.on_page(page)

    # -- walks ----------------------------------------------------------------------

    def walk(self, context: Context | None, walk: Walk) -> Iterator[dict[str, Any]]:
        """Records of one request loop."""
        self._walk = walk
        yield from self.request_records(context)

    def created_at(self, record: dict[str, Any]) -> datetime | None:
        """When the object was created, from its time field or its ObjectId."""
        if self.created_at_field is not None:
            text = to_rfc3339(record.get(self.created_at_field))
            return datetime.fromisoformat(text) if text else None
        return object_id_time(record.get("_id"))

    def read(self, context: Context | None) -> Iterable[dict[str, Any]]:
        if context is not None:
            return self.walk(context, Walk(Direction.OLDER))
        return self._sync_collection()

    def _sync_collection(self) -> Iterator[dict[str, Any]]:
        state = self.get_context_state(None)
        bookmark = Bookmark.load(state)
        progress = self.mixmax.progress.stream(self.name)
        if bookmark.full_sync is None and bookmark.previous is None:
            progress.mode = "full sync"
            yield from self._full_walk(bookmark, state)
            return
        if bookmark.full_sync is not None:
            progress.mode = "resumed full sync"
            records = self._full_walk(bookmark, state)
        elif not self.supports_previous:
            progress.mode = "full read (no 'previous' on this endpoint)"
            records = self._full_walk(bookmark, state)
        elif self._refresh_due(bookmark):
            progress.mode = "full refresh"
            records = self._full_walk(bookmark, state)
        else:
            progress.mode = "new objects since bookmark"
            records = self._poll(bookmark, state)
        read = 0
        try:
            for record in records:
                read += 1
                yield record
        except BadRequestError as exc:
            if read:
                raise  # a cursor Mixmax gave during this run: not a stale bookmark
            # Mixmax's cursors are durable, but a change of its paging library can
            # make an old one unreadable: start over rather than fail every run.
            self.skip(f"Mixmax refused the stored cursor ({exc}); reading the stream whole")
            progress.mode = "full sync after a refused cursor"
            stale = Bookmark(last_full_sync_at=bookmark.last_full_sync_at)
            stale.save(state)
            yield from self._full_walk(stale, state)

    def _refresh_due(self, bookmark: Bookmark) -> bool:
        if not (self.changes_after_create and self.config["refresh_changed_objects"]):
            return False
        if bookmark.last_full_sync_at is None:
            return True
        overrides = self.config.get("full_refresh_interval_hours_by_stream") or {}
        hours = overrides.get(self.name, self.config["full_refresh_interval_hours"])
        interval = timedelta(hours=float(hours))
        return datetime.now(UTC) - bookmark.last_full_sync_at >= interval

    def _full_walk(self, bookmark: Bookmark, state: dict[str, Any]) -> Iterator[dict[str, Any]]:
        resume = bookmark.full_sync
        walk = Walk(Direction.OLDER, resume.next if resume else None)
        if resume:
            walk.newest = resume.candidate

        def on_page(page: dict[str, Any]) -> None:
            if walk.newest is None:
                return
            more = page.get("next") if page.get("hasNext") else None
            bookmark.full_sync = FullSync(walk.newest, more)
            bookmark.save(state)

        walk.on_page = on_page
        # A walk that had read its last page but was stopped before finishing needs
        # no request: only its bookmark is left to write.
        if resume is None or resume.next is not None:
            cutoff = self._start_date()
            for record in self.walk(None, walk):
                created = self.created_at(record) if cutoff else None
                if cutoff and created and created < cutoff:
                    break  # newest first: every later object is older still
                yield record
        if walk.newest is None:
            return  # empty collection: nothing to bookmark, the next run walks again
        bookmark.previous = walk.newest
        bookmark.full_sync = None
        bookmark.last_full_sync_at = datetime.now(UTC)
        bookmark.save(state)

    def _poll(self, bookmark: Bookmark, state: dict[str, Any]) -> Iterator[dict[str, Any]]:
        def on_page(page: dict[str, Any]) -> None:
            cursor = page.get("previous")
            if page["results"] and not cursor:
                msg = f"{self.name}: a non-empty page came without a 'previous' cursor"
                raise ProtocolError(msg)
            if cursor and is_after(cursor, bookmark.previous):
                bookmark.previous = cursor
                bookmark.save(state)

        start = bookmark.previous
        lookback = int(self.config["skew_lookback_seconds"])
        if lookback and start:
            start = rewind(start, lookback) or start
        yield from self.walk(None, Walk(Direction.NEWER, start, on_page))

    def _start_date(self) -> datetime | None:
        text = to_rfc3339(self.config.get("start_date"))
        return datetime.fromisoformat(text) if text else None


class ChildCursorStream(CursorStream):
    """A collection under one parent object, read whole for every parent emitted."""

    state_partitioning_keys: ClassVar[list[str]] = []
