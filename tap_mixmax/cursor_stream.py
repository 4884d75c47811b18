"""Cursor collections: which walk a run takes, and the SDK hooks that drive it.

A top-level collection is INCREMENTAL to the SDK, with the creation key of its objects
(``_id`` or a creation-time field) as replication key; the state that really drives it is
Mixmax's ``previous`` cursor, kept beside that key (see ``bookmarks``). Each run takes one
of two walks (``walk``):

* a full walk from the newest object down: on the first run, to finish an interrupted
  walk, when the catalog forces FULL_TABLE, on endpoints without ``previous``, and when a
  collection whose objects change is due for a refresh;
* a poll of ``previous`` from the bookmark: every other run. It sees new objects only.

A full walk that reads the whole collection is the moment deletions can be told: with
``emit_activate_version_messages`` its records carry a new table version and, after the
last of them, an ACTIVATE_VERSION tells the target that rows of older versions are gone
(``MixmaxStream.end_whole_read``).

One poll, top to bottom: ``get_records`` → ``read_collection`` loads the bookmark and
picks ``Poll`` → ``walk_records`` makes it the stream's current walk → the SDK's
``request_records`` loop asks ``get_new_paginator`` (the walk), ``get_url_params``
(``walk.url_params``), sends, and hands the page to ``parse_response`` →
``walk.read_page`` yields the records and, once they are written, ``Poll.page_done``
moves the bookmark → the SDK's ``walk.advance`` follows ``previous`` while
``hasPrevious``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import requests
from singer_sdk.helpers.types import Context
from singer_sdk.singerlib.catalog import REPLICATION_FULL_TABLE, REPLICATION_INCREMENTAL
from typing_extensions import override

from tap_mixmax.bookmarks import Bookmark, ChildPlace, PollPlace
from tap_mixmax.client import MixmaxStream
from tap_mixmax.cursors import cursor_object_id, object_id_time, rewind
from tap_mixmax.errors import BadRequestError
from tap_mixmax.pagination import envelope
from tap_mixmax.timestamps import to_rfc3339
from tap_mixmax.walk import ChildWalk, FullWalk, Keeper, Poll, Walk

# How often collections whose objects never change are read whole, by default.
APPEND_ONLY_REFRESH_HOURS = 168


class CursorStream(MixmaxStream):
    """A collection behind ``next``/``previous`` cursors."""

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
        self.replication_key = self.declared_replication_key()
        self._walk = Walk(self.name, self.page_size)

    @classmethod
    def order_problem(cls) -> str | None:
        """A search endpoint, or a collection paged on a time field, is not known to keep
        its order: only ObjectId `_id` order is (docs/pagination.md §4)."""
        if cls.unstable_order is None and not cls.supports_previous:
            return (
                "a search endpoint, listed by text score then `_id`, and the score is not "
                "documented as stable"
            )
        if cls.unstable_order is None and cls.created_at_field is not None:
            return (
                f"paged on the time field `{cls.created_at_field}`, which Mixmax does not "
                "document as never changing"
            )
        return super().order_problem()

    def declared_replication_key(self) -> str | None:
        """The creation key of a top-level collection that can be polled, else None."""
        if self.parent_stream_type is not None or not self.supports_previous:
            return None
        return self.created_at_field or "_id"

    @property
    def page_size(self) -> int:
        return int(self.config["page_size"])

    # -- the SDK's hooks: each asks the current walk --------------------------------

    @override
    def get_new_paginator(self) -> Walk:
        return self._walk

    @override
    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        params = self._walk.url_params()
        expand = self.config.get("expand", {}).get(self.name)
        if expand:
            params["expand"] = ",".join(expand)
        fields = self.selected_top_level_fields()
        if fields is not None:
            # Mixmax leaves out `_id` unless asked, and a walk needs the creation time.
            wanted = {*fields, "_id", self.created_at_field or "_id"}
            params["fields"] = ",".join(sorted(wanted))
        return params

    @override
    def parse_response(self, response: requests.Response) -> Iterator[dict[str, Any]]:
        return self._walk.read_page(envelope(response))

    def keep_place(self) -> None:
        """Bookmark how far into its page a whole read got (a signal is stopping the run)."""
        if isinstance(self._walk, FullWalk | Poll):
            self._walk.keep_place()

    @override
    def place(self) -> ChildPlace | None:
        return self._walk.place if isinstance(self._walk, ChildWalk) else None

    def child_place(self) -> ChildPlace | None:
        """How far the child list of the parent in hand got (at most one child reads)."""
        places = (child.place() for child in self.child_streams if isinstance(child, MixmaxStream))
        return next((place for place in places if place is not None), None)

    def publish_state(self) -> None:
        """Write the run's STATE now (a walk moved its bookmark past records written);
        the SDK's writer drops it when nothing changed since the last one."""
        self.singer_tap.state_writer.write_state(self.tap_state)

    def walk_records(self, context: Context | None, walk: Walk) -> Iterator[dict[str, Any]]:
        """The records of one request loop, made by ``walk``."""
        self._walk = walk
        yield from self.request_records(context)

    # -- which walk ----------------------------------------------------------------

    @override
    def read(self, context: Context | None) -> Iterable[dict[str, Any]]:
        if context is not None:
            parent = self._parent_id(context) or ""
            walk = ChildWalk(self.name, self.page_size, parent, self.take_resume_place(context))
            return self.walk_records(context, walk)
        return self.read_collection()

    def read_collection(self) -> Iterator[dict[str, Any]]:
        state = self.get_context_state(None)
        bookmark = Bookmark.load(self.name, state)
        bookmark.replication_key = self.replication_key
        # A signal's place inside a poll's page serves this run's poll only: spent now.
        poll_place, bookmark.poll_place = bookmark.poll_place, None
        if poll_place is not None:
            bookmark.save(state)
        progress = self.run_context.progress.stream(self.name)
        if bookmark.previous is None or bookmark.full_sync is not None:
            progress.mode = "resumed full sync" if bookmark.full_sync else "full sync"
            yield from self.full_walk(bookmark, state)
            return
        if self.replication_method == REPLICATION_FULL_TABLE:
            progress.mode = "full read (FULL_TABLE)"
            records = self.full_walk(bookmark, state)
        elif self.refresh_due(bookmark.last_full_sync_at):
            progress.mode = "full refresh"
            records = self.full_walk(bookmark, state)
        else:
            progress.mode = "new objects since bookmark"
            records = self.poll(bookmark, state, poll_place)
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
            stale = Bookmark(
                last_full_sync_at=bookmark.last_full_sync_at,
                last_version=bookmark.last_version,
                replication_key=self.replication_key,
            )
            stale.save(state)
            yield from self.full_walk(stale, state)

    def full_walk(self, bookmark: Bookmark, state: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every object from the newest down (or to ``start_date``), then the bookmark."""
        resume = bookmark.full_sync
        selected = self.selected_family()
        if resume is not None:
            version = resume.version
            # Only streams selected in every run of the walk had all their records sent.
            streams = sorted(set(resume.streams) & {*selected})
            earlier_skips = set(resume.withheld)
        else:
            version = bookmark.new_version() if self.propagates_deletions else None
            streams, earlier_skips = sorted(selected), set()
        self.hand_child_place(resume.child if resume is not None else None)
        walk = FullWalk(
            self.name,
            self.page_size,
            Keeper(bookmark, state, self.key_of, self.publish_state),
            version=version,
            created_at=self.created_at,
            cutoff=self._start_date(),
            by_creation=self.supports_previous,
            streams=streams,
            withheld=lambda: sorted(earlier_skips.union(self.skipped_family())),
            child_place=self.child_place,
        )
        self.begin_whole_read(version)
        yield from self.walk_records(None, walk)
        walk.finish()
        if not self.propagates_deletions:
            return
        if walk.cut:
            self.logger.info("%s: read down to start_date; no deletions told", self.name)
        elif resume is not None and resume.version is None:
            self.logger.info(
                "%s: finished a walk begun with emit_activate_version_messages off, whose "
                "records carry no version; deletions are told after the next complete read",
                self.name,
            )
        else:
            self.end_whole_read(
                version,
                children=self.children_all_read(),
                streams=None if resume is None else streams,
                withheld=walk.withheld(),
            )

    def children_all_read(self) -> bool:
        """Whether this run read the children of every parent it read."""
        return True

    def hand_child_place(self, place: ChildPlace | None) -> None:
        """Give the children where a signal stopped the list of the parent in hand; the
        first child read of the run takes it, and uses it if its parent is that one."""
        for child in self.child_streams:
            if isinstance(child, MixmaxStream):
                child.resume_place = place

    def poll(
        self, bookmark: Bookmark, state: dict[str, Any], place: PollPlace | None = None
    ) -> Iterator[dict[str, Any]]:
        """Objects created since the bookmark (since a little before it, with lookback),
        the page a signal stopped in (``place``) going on from its last record sent."""
        start = bookmark.previous
        lookback = int(self.config["skew_lookback_seconds"])
        if lookback and start:
            start = rewind(start, lookback) or start
        # Wherever its parent comes first, a child list goes on from where it stopped; the
        # poll's own page is skipped into only if the poll starts with it (``Poll``).
        self.hand_child_place(place.child if place is not None else None)
        walk = Poll(
            self.name,
            self.page_size,
            Keeper(bookmark, state, self.key_of, self.publish_state),
            start=start,
            floor=self.poll_floor(start, bookmark),
            warn=self.logger.warning,
            resume=place,
            child_place=self.child_place,
        )
        yield from self.walk_records(None, walk)

    def poll_floor(self, start: str | None, bookmark: Bookmark) -> str | None:
        """The key a poll's records must exceed: the bookmark's newest key, or, with the
        skew lookback, the ObjectId the rewound cursor points at (re-reads above it are
        on purpose); ``None`` when neither is known."""
        if start == bookmark.previous:
            return bookmark.newest_key
        return cursor_object_id(start) if self.created_at_field is None else None

    def refresh_due(self, last: datetime | None) -> bool:
        """Whether a read whole is due, the last one having ended at ``last``."""
        if not self.config["refresh_changed_objects"]:
            return False
        if last is None:
            return True
        # Append-only collections are re-read too, rarely: if Mixmax's order were not
        # creation order after all, rows below the bookmark would otherwise never arrive.
        default = (
            self.config["full_refresh_interval_hours"]
            if self.changes_after_create
            else APPEND_ONLY_REFRESH_HOURS
        )
        overrides = self.config.get("full_refresh_interval_hours_by_stream") or {}
        hours = overrides.get(self.name, default)
        interval = timedelta(hours=float(hours))
        return datetime.now(UTC) - last >= interval

    # -- what a record says of itself ----------------------------------------------

    def created_at(self, record: dict[str, Any]) -> datetime | None:
        """When the object was created, from its time field or its ObjectId."""
        if self.created_at_field is not None:
            text = to_rfc3339(record.get(self.created_at_field))
            return datetime.fromisoformat(text) if text else None
        return object_id_time(record.get("_id"))

    def key_of(self, record: dict[str, Any]) -> str | None:
        """The record's replication key value as it is emitted (times normalised)."""
        if self.created_at_field is not None:
            return to_rfc3339(record.get(self.created_at_field))
        value = record.get("_id")
        return value if isinstance(value, str) else None

    def _start_date(self) -> datetime | None:
        text = to_rfc3339(self.config.get("start_date"))
        return datetime.fromisoformat(text) if text else None

    # -- what the catalog may say --------------------------------------------------

    @property
    @override
    def replication_method(self) -> str:
        """INCREMENTAL where the collection can be polled, unless the catalog says
        FULL_TABLE (then every run reads it whole); FULL_TABLE everywhere else."""
        if self.declared_replication_key() is None:
            return REPLICATION_FULL_TABLE
        if self.forced_replication_method == REPLICATION_FULL_TABLE:
            return REPLICATION_FULL_TABLE
        return REPLICATION_INCREMENTAL
