"""One request loop over a Mixmax cursor collection, and the bookmark it may move.

A walk is the SDK paginator of its loop *and* the one place that loop's state lives: which
way it goes, where it starts, how many objects a page asks for, the bookmark it may move,
and the guards that make every walk end. The stream's SDK hooks only ask it:
``get_new_paginator`` returns it, ``get_url_params`` asks ``url_params``, ``parse_response``
hands each page to ``read_page``, and the SDK calls ``advance`` between pages.

``read_page`` yields a page's records and only then calls ``page_done``: the generator
resumes after its last ``yield`` when the SDK asks for the next record, which it does
after writing the previous one. So a bookmark moves only past records already written,
and the STATE written as it moves follows them.

The walks (docs/pagination.md §6 A and B):

* ``Walk``: every page from the newest object down, no bookmark.
* ``ChildWalk``: the same for one parent's child list, keeping its place in that list for
  a signal to bookmark (with the parent's) and the rerun to go on from.
* ``FullWalk``: the same, bookmarking the *first* page's ``previous`` cursor, the newest
  object when the walk began, and its own progress after each page so a killed walk
  resumes where it stopped.
* ``Poll``: ``previous=<bookmark>`` until Mixmax says nothing is newer, moving the
  bookmark to each non-empty page's ``previous``. Sees objects created since, only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn, Protocol

import requests
from singer_sdk.pagination import BaseAPIPaginator

from tap_mixmax.bookmarks import Bookmark, ChildPlace, FullSync, PollPlace
from tap_mixmax.cursors import is_after
from tap_mixmax.pagination import Direction, ProtocolError, envelope

Record = dict[str, Any]
# The key a record is bookmarked by (its ObjectId or its creation time), as stored in state.
KeyOf = Callable[[Record], str | None]


@dataclass
class Keeper:
    """The bookmark a walk may move, the state dict it is saved in, how records are keyed
    in it, and how the run's STATE is written once the bookmark moved."""

    bookmark: Bookmark
    state: MutableMapping[str, Any]
    key_of: KeyOf
    publish: Callable[[], None] = lambda: None

    def save(self) -> None:
        """Save the bookmark and write the STATE carrying it: every save follows the
        records it covers, so the STATE comes right after the page's last RECORD."""
        self.bookmark.save(self.state)
        self.publish()


def more_pages(page: dict[str, Any], direction: Direction) -> bool:
    """Whether Mixmax says pages follow this non-empty one in ``direction``."""
    if not page["results"]:
        return False
    flag = page.get("hasNext" if direction is Direction.OLDER else "hasPrevious")
    if flag is None and direction is Direction.OLDER:
        # mongo-cursor-pagination's search() answers {results, next?}: no flags, and a
        # `next` only while more pages follow.
        return bool(page.get("next"))
    return bool(flag)


class Mark(Protocol):
    """Whatever notes the `_id` of the last record of the page in hand written."""

    sent_through: str | None


def passing(records: Iterable[Record], mark: Mark) -> Iterator[Record]:
    """The records, noting each in ``mark`` once written: the generator resumes after a
    ``yield`` only when the SDK asks for the next record, having written this one (and
    its children)."""
    for record in records:
        yield record
        identity = record.get("_id")
        mark.sent_through = identity if isinstance(identity, str) else None


def skip_sent(records: list[Record], through: str | None, mark: Mark) -> list[Record]:
    """The records of a resumed page after ``through``, noted in ``mark`` as sent."""
    rest = unsent(records, through)
    mark.sent_through = through if len(rest) < len(records) else None
    return rest


def child_in_hand(
    page: dict[str, Any], sent_through: str | None, child: ChildPlace | None
) -> ChildPlace | None:
    """``child`` if it is the place of a parent on ``page`` not sent yet, else None (the
    children of a parent already sent, or of none on this page)."""
    if child is None:
        return None
    rest = unsent(page.get("results", []), sent_through)
    return child if any(record.get("_id") == child.parent for record in rest) else None


def unsent(records: list[Record], through: str | None) -> list[Record]:
    """The records after the one whose `_id` is ``through``: those of a resumed page that a
    signal kept from being sent. The whole page if that record is not on it (it was
    deleted meanwhile, or nothing was sent): records twice, never one lost."""
    if through is None:
        return records
    for index, record in enumerate(records):
        if record.get("_id") == through:
            return records[index + 1 :]
    return records


def newest_key(records: list[Record], key_of: KeyOf) -> str | None:
    """The largest key on a page: ids and normalised times both sort as strings."""
    return max((key for key in map(key_of, records) if key), default=None)


class Walk(BaseAPIPaginator[str | None]):
    """Walk ``direction`` from ``start`` (``None``: the newest page) while Mixmax says more.

    The current value is the cursor to send. Besides Mixmax's flags, two guards end a walk
    that a faulty server would keep going forever: a cursor this walk already followed,
    and a page holding exactly the objects of the page before it. Memory stays flat: the
    walk remembers its cursors (one per page) and the ids of one page, never every id.
    """

    def __init__(
        self,
        stream: str,
        limit: int,
        *,
        direction: Direction = Direction.OLDER,
        start: str | None = None,
    ) -> None:
        super().__init__(start)
        self.stream = stream
        self.limit = limit
        self.direction = direction
        self._followed: set[str] = {start} if start else set()
        self._last_ids: list[Any] = []
        self._page: dict[str, Any] = {}
        self.stopped_early = False

    def url_params(self) -> dict[str, Any]:
        """The paging part of the query for the current page."""
        params: dict[str, Any] = {"limit": self.limit}
        if self.current_value:
            params[self.direction.value] = self.current_value
        return params

    def read_page(self, page: dict[str, Any]) -> Iterator[Record]:
        """A page's records, then whatever the walk keeps of the page."""
        records: list[Record] = page["results"]
        # Rows without an `_id` (team members) are told apart by their whole content.
        ids = [record.get("_id", record) for record in records]
        if ids and ids == self._last_ids:
            self._fail("returned the same objects as the page before")
        self._last_ids = ids
        # The page in hand, for a signal's ``keep_place``; let go of once done, so that a
        # finished stream's walk does not hold its last page till exit.
        self._page = page
        yield from self.take(records)
        self._page = {}
        self.page_done(page)

    def take(self, records: list[Record]) -> Iterator[Record]:
        """The records of a page the walk passes on (all of them, unless cut short)."""
        return iter(records)

    def page_done(self, page: dict[str, Any]) -> None:
        """Called once a page's records were written."""

    def has_more(self, response: requests.Response) -> bool:
        page = envelope(response)
        return not self.stopped_early and more_pages(page, self.direction)

    def continue_if_empty(self, response: requests.Response) -> bool:
        # A page none of whose records went out (all sent before a signal stopped the
        # last run, or a search's all older than start_date) is not the end of the walk.
        return bool(envelope(response)["results"])

    def get_next(self, response: requests.Response) -> str | None:
        cursor = envelope(response).get(self.direction.value)
        if not isinstance(cursor, str) or not cursor:
            self._fail(f"said more pages follow but sent no '{self.direction.value}' cursor")
        if cursor in self._followed:
            self._fail(f"sent a '{self.direction.value}' cursor this walk already followed")
        self._followed.add(cursor)
        return cursor

    def _fail(self, what: str) -> NoReturn:
        msg = (
            f"{self.stream}: Mixmax {what}; stopping so the walk cannot loop forever "
            "(the bookmark stays where the data was last complete; run again later)"
        )
        raise ProtocolError(msg)


class ChildWalk(Walk):
    """Every page of one parent's child list, keeping in ``place`` the page in hand and its
    last record sent; resumed from such a place, it starts at that page and sends only
    what follows that record."""

    def __init__(self, stream: str, limit: int, parent: str, resume: ChildPlace | None) -> None:
        # An offset in a place (a list the stream once paged by offset) is no cursor here.
        usable = resume is not None and not isinstance(resume.page, int)
        start = resume.page if resume is not None and isinstance(resume.page, str) else None
        super().__init__(stream, limit, start=start)
        self._skip_through = resume.sent_through if resume is not None and usable else None
        self.place = ChildPlace(stream, parent, start)

    def take(self, records: list[Record]) -> Iterator[Record]:
        self.place.page = self.current_value
        through, self._skip_through = self._skip_through, None
        return passing(skip_sent(records, through, self.place), self.place)

    def page_done(self, page: dict[str, Any]) -> None:
        # The page is written: a signal from now on keeps the next one's place.
        if more_pages(page, Direction.OLDER) and page.get("next"):
            self.place.page, self.place.sent_through = page["next"], None


class FullWalk(Walk):
    """Every page from the newest object down, bookmarking the newest for later polls.

    ``cutoff`` (from ``start_date``) ends the walk at the first object created before it:
    objects come newest first, so every later one is older still. A search endpoint
    orders by relevance instead (``by_creation=False``): older objects are left out and
    the walk goes on. Either way the read was not whole (``cut``).
    """

    def __init__(
        self,
        stream: str,
        limit: int,
        keeper: Keeper,
        *,
        version: int | None,
        created_at: Callable[[Record], datetime | None],
        cutoff: datetime | None,
        by_creation: bool,
        streams: list[str],
        withheld: Callable[[], list[str]] = list,
        child_place: Callable[[], ChildPlace | None] = lambda: None,
    ) -> None:
        resume = keeper.bookmark.full_sync
        super().__init__(stream, limit, start=resume.next if resume else None)
        self.keeper = keeper
        self.bookmark = keeper.bookmark
        self.version = version
        self.created_at = created_at
        self.cutoff = cutoff
        self.by_creation = by_creation
        # Kept with the walk's progress, so that a resumed walk knows which streams had
        # every record of its version sent (see ``Bookmark``).
        self.streams = streams
        self.withheld = withheld
        self.child_place = child_place
        self.cut = False
        self.candidate = resume.candidate if resume else None
        # The `_id` of the last record of the page in hand already sent (see ``keep_place``).
        self.sent_through: str | None = None
        self._skip_through = resume.sent_through if resume else None
        # A killed walk that had read its last page needs no request: only its end is left.
        self.pages_read = (
            resume is not None
            and resume.next is None
            and resume.sent_through is None
            and resume.child is None
        )

    @property
    def finished(self) -> bool:
        """Whether no page is left to ask for (the SDK's flag, or a resumed walk's)."""
        return self.pages_read or super().finished

    def take(self, records: list[Record]) -> Iterator[Record]:
        through, self._skip_through = self._skip_through, None
        return passing(self._since_cutoff(skip_sent(records, through, self)), self)

    def _since_cutoff(self, records: list[Record]) -> Iterator[Record]:
        for record in records:
            created = self.created_at(record) if self.cutoff else None
            if self.cutoff and created and created < self.cutoff:
                self.cut = True
                if self.by_creation:
                    self.stopped_early = True
                    return
                continue
            yield record

    def keep_place(self) -> None:
        """Bookmark the page in hand, its last record sent and how far the child list of
        its next record got (a signal stopping the run mid-page), so the next run asks for
        that page again and sends only the rest, that record's children from that point."""
        if self.finished:
            return
        child = child_in_hand(self._page, self.sent_through, self.child_place())
        if self.sent_through is None and child is None:
            return
        candidate = self.candidate or self._page.get("previous")
        if not isinstance(candidate, str) or not candidate:
            if self.by_creation:
                return  # an empty page of a collection: nothing sent to keep a place in
            candidate = None  # a search walk: no `previous`, its place is kept all the same
        elif self.candidate is None:
            self.bookmark.newest_key = newest_key(self._page["results"], self.keeper.key_of)
        self.bookmark.full_sync = FullSync(
            candidate,
            self.current_value,
            self.version,
            self.streams,
            self.withheld(),
            self.sent_through,
            child,
        )
        # The signal handler writes the STATE itself, whether or not it changed.
        self.bookmark.save(self.keeper.state)

    def page_done(self, page: dict[str, Any]) -> None:
        self.sent_through = None
        if self.candidate is None and page["results"]:
            self.candidate = page.get("previous")
            self.bookmark.newest_key = newest_key(page["results"], self.keeper.key_of)
        if self.candidate is None and self.by_creation:
            return  # an empty collection: nothing to resume from
        going_on = not self.stopped_early and more_pages(page, Direction.OLDER)
        self.bookmark.full_sync = FullSync(
            self.candidate,
            page.get("next") if going_on else None,
            self.version,
            self.streams,
            self.withheld(),
        )
        self.keeper.save()

    def finish(self) -> None:
        """Bookmark the newest object of the walk: later runs poll from there."""
        self.sent_through = None
        if self.candidate is None:
            # An empty collection or a search: nothing to poll from, the next run walks again.
            if self.bookmark.full_sync is not None:
                self.bookmark.full_sync = None
                self.keeper.save()
            return
        self.bookmark.previous = self.candidate
        self.bookmark.full_sync = None
        self.bookmark.last_full_sync_at = datetime.now(UTC)
        if self.version is not None:
            self.bookmark.last_version = self.version
        self.keeper.save()


class Poll(Walk):
    """``previous`` pages from the bookmark, moving it to each page's ``previous``.

    ``start`` may lie before the bookmark (the skew lookback); the bookmark itself never
    moves backwards.

    ``previous`` is not trusted blindly: no public source shows every endpoint honour it.
    A record whose key is not above ``floor`` (the bookmark's newest key; ``None`` with a
    lookback, whose re-reads are on purpose) is never emitted, and its presence on a
    ``previous`` page means the server answered something else (such as the newest page
    again): that is warned about once. A first ``previous`` page that is full, holds no such
    record and says nothing is newer may have new objects below it, so the poll then reads
    down with ``next`` until the first page that reaches the floor: a bounded top-down read.
    That first page's cursor stays pending meanwhile and becomes the bookmark only when
    the read down ends: a run stopped on the way keeps the old bookmark, from which the
    next run finds everything again.
    """

    def __init__(
        self,
        stream: str,
        limit: int,
        keeper: Keeper,
        *,
        start: str | None,
        floor: str | None = None,
        warn: Callable[[str], None] | None = None,
        resume: PollPlace | None = None,
        child_place: Callable[[], ChildPlace | None] = lambda: None,
    ) -> None:
        super().__init__(stream, limit, direction=Direction.NEWER, start=start)
        self.start = start
        self.keeper = keeper
        self.bookmark = keeper.bookmark
        self.floor = floor
        self.warn = warn
        self.warned = False
        self.reached_floor = False
        # The first page's cursor and newest key while the read down below it goes on.
        self.pending: tuple[str, str | None] | None = None
        # How far into the page in hand the poll got, for a signal to keep (``keep_place``).
        self.child_place = child_place
        self.sent_through: str | None = None
        self._skip_through = resume.sent_through if resume and resume.page == start else None

    def take(self, records: list[Record]) -> Iterator[Record]:
        through, self._skip_through = self._skip_through, None
        return passing(skip_sent(self._above_floor(records), through, self), self)

    def _above_floor(self, records: list[Record]) -> list[Record]:
        floor = self.floor
        if floor is None:
            return records
        fresh = [r for r in records if (key := self.keeper.key_of(r)) is None or key > floor]
        self.reached_floor = len(fresh) < len(records)
        # Evidence that `previous` was not honoured: objects at or below the bookmark on
        # a `previous` page, or new objects below the page it called the newest.
        older = self.direction is Direction.OLDER
        if (fresh if older else self.reached_floor) and not self.warned and self.warn:
            self.warned = True
            self.warn(
                f"{self.stream}: Mixmax answered a 'previous' page as if it ignored "
                "'previous'; reading down from the newest object to the bookmark instead"
            )
        return fresh

    def keep_place(self) -> None:
        """Bookmark how far into the page in hand the poll got (a signal stopping the run):
        a rerun that starts its poll with that page sends only the rest of it, and the
        child list of its next record from that list's page in hand."""
        if self.direction is not Direction.NEWER or self.pending is not None:
            return  # reading down below a first page: that page is asked for again
        child = child_in_hand(self._page, self.sent_through, self.child_place())
        if not isinstance(self.current_value, str) or (self.sent_through is None and child is None):
            return
        self.bookmark.poll_place = PollPlace(self.current_value, self.sent_through, child)
        # The signal handler writes the STATE itself.
        self.bookmark.save(self.keeper.state)

    def reads_down(self, page: dict[str, Any]) -> bool:
        """Whether a ``previous`` page calls for a read down below it: the first page,
        full, all above the floor, said to be the newest, and with a ``next`` to follow."""
        first = not self._followed - {self.start}
        return (
            first
            and self.floor is not None
            and not self.reached_floor
            and not more_pages(page, Direction.NEWER)
            and len(page["results"]) >= self.limit
            and bool(page.get("next"))
        )

    def continue_if_empty(self, response: requests.Response) -> bool:
        # A poll page holding nothing above the floor ends the poll.
        return False

    def has_more(self, response: requests.Response) -> bool:
        if self.direction is Direction.NEWER and self.pending is not None:
            self.direction = Direction.OLDER  # `page_done` found the first page calls for it
            return True
        if self.reached_floor or self.floor is None:
            return self.direction is Direction.NEWER and super().has_more(response)
        return super().has_more(response)

    def page_done(self, page: dict[str, Any]) -> None:
        self.sent_through = None
        if self.direction is Direction.OLDER:
            # Pages below the first one hold no newer cursor; the read down is whole
            # once it reaches the floor or Mixmax says nothing is older.
            if self.pending is not None and (
                self.reached_floor or not more_pages(page, Direction.OLDER)
            ):
                self.move(*self.pending)
                self.pending = None
            return
        cursor = page.get("previous")
        if page["results"] and not cursor:
            self._fail("sent a page of objects without a 'previous' cursor")
        if not cursor:
            return
        key = newest_key(page["results"], self.keeper.key_of)
        if self.reads_down(page):
            self.pending = (cursor, key)
        else:
            self.move(cursor, key)

    def move(self, cursor: str, key: str | None) -> None:
        """Bookmark ``cursor``, the newest object written, unless that goes backwards."""
        if is_after(cursor, self.bookmark.previous):
            self.bookmark.previous = cursor
            self.bookmark.newest_key = key
            self.keeper.save()
