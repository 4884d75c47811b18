"""A walk's place inside its page in hand, checked on the walks themselves: what the
resumed page skips, and which child place a signal may keep."""

from __future__ import annotations

from typing import Any

import pytest

from tap_mixmax.bookmarks import Bookmark, ChildPlace, FullSync, PollPlace
from tap_mixmax.pagination import Offset, OffsetWalk, PageCap
from tap_mixmax.walk import ChildWalk, FullWalk, Keeper, Poll, child_in_hand

RECORDS = [{"_id": "c"}, {"_id": "b"}, {"_id": "a"}]


def poll(resume: PollPlace | None) -> Poll:
    keeper = Keeper(Bookmark(previous="page-1"), {}, lambda record: record["_id"])
    return Poll("sequences", 3, keeper, start="page-1", resume=resume)


def test_a_poll_resumed_at_its_first_page_sends_what_follows_the_last_record_sent():
    assert list(poll(PollPlace("page-1", "c")).take(list(RECORDS))) == RECORDS[1:]


def test_a_poll_place_of_another_page_skips_nothing():
    # The poll starts elsewhere (a lookback moved its start): records before `b` on this
    # page were never on the page a signal stopped in, so none can be taken as sent.
    assert list(poll(PollPlace("page-0", "b")).take(list(RECORDS))) == RECORDS


def test_a_child_place_is_kept_only_for_a_parent_of_the_page_not_sent_yet():
    page = {"results": RECORDS}
    place = ChildPlace("sequence_recipients", "b", "cursor", "row-1")
    assert child_in_hand(page, "c", place) is place
    assert child_in_hand(page, None, place) is place
    assert child_in_hand(page, "b", place) is None  # its parent already went out
    assert child_in_hand({}, None, place) is None  # no page in hand
    assert child_in_hand(page, "c", None) is None


def full_walk(
    bookmark: Bookmark, *, by_creation: bool = True, version: int | None = None
) -> FullWalk:
    keeper = Keeper(bookmark, {}, lambda record: record["_id"])
    return FullWalk(
        "sequences",
        3,
        keeper,
        version=version,
        created_at=lambda record: None,
        cutoff=None,
        by_creation=by_creation,
        streams=["sequences"],
    )


def stopped_after_first_record(walk: FullWalk | Poll, page: dict[str, Any]) -> None:
    """Read ``page`` until its first record is written, then keep the place as a signal
    arriving at that moment would."""
    records = walk.read_page(page)
    next(records)
    next(records)  # the SDK asks for the next record once the first is written
    walk.keep_place()


def test_a_signal_on_the_first_page_keeps_its_cursor_and_its_newest_key():
    walk = full_walk(Bookmark())
    stopped_after_first_record(walk, {"results": list(RECORDS), "previous": "newest-page"})
    full_sync = walk.bookmark.full_sync
    assert full_sync is not None
    assert (full_sync.candidate, full_sync.sent_through) == ("newest-page", "c")
    assert walk.bookmark.newest_key == "c"


def test_a_signal_on_a_later_page_leaves_the_first_pages_newest_key():
    walk = full_walk(Bookmark(newest_key="z"))
    walk.candidate = "newest-page"  # the first page is done: its cursor and key are kept
    stopped_after_first_record(walk, {"results": list(RECORDS), "previous": "page-2"})
    full_sync = walk.bookmark.full_sync
    assert full_sync is not None
    assert full_sync.candidate == "newest-page"
    assert walk.bookmark.newest_key == "z"


def test_a_page_with_an_empty_previous_cursor_keeps_no_cursor():
    # A collection page must carry `previous`; an empty one is no place to poll from.
    walk = full_walk(Bookmark())
    stopped_after_first_record(walk, {"results": list(RECORDS), "previous": ""})
    assert walk.bookmark.full_sync is None
    search = full_walk(Bookmark(), by_creation=False)
    stopped_after_first_record(search, {"results": list(RECORDS), "previous": ""})
    assert search.bookmark.full_sync is not None
    assert search.bookmark.full_sync.candidate is None


def offset_walk(page: str | int | None, page_size: int = 10) -> OffsetWalk:
    place = ChildPlace("sequence_recipients", "seq-1", page, "row-x")
    return OffsetWalk(
        "sequence_recipients",
        page_size,
        PageCap(floor=50),
        cap=100,
        largest=50,
        parent="seq-1",
        resume=place,
    )


def test_an_offset_list_resumes_at_the_last_row_sent_asking_one_row_more():
    # That row comes back first, as the overlap that shows the list did not shift.
    assert offset_walk(0).current_value == Offset(0, 11)
    assert offset_walk(37).current_value == Offset(37, 11)
    assert offset_walk(37, page_size=50).current_value == Offset(37, 50)  # Mixmax's largest


def test_an_offset_list_resumed_near_the_cap_asks_no_row_past_it():
    assert offset_walk(97).current_value == Offset(97, 3)


@pytest.mark.parametrize("page", [100, 101, -1, "cursor-2", None])
def test_a_place_outside_the_list_is_not_resumed_from(page: str | int | None):
    walk = offset_walk(page)
    assert walk.current_value == Offset(0, 10)
    assert walk.place.page is None


def test_a_cursor_child_list_resumes_at_its_page_in_hand_after_the_last_row_sent():
    place = ChildPlace("contact_group_members", "group-1", "page-3", "c")
    walk = ChildWalk("contact_group_members", 3, "group-1", place)
    assert walk.current_value == "page-3"
    assert list(walk.take(list(RECORDS))) == RECORDS[1:]


def test_a_child_place_holding_an_offset_is_no_cursor_and_skips_nothing():
    # A list the stream once paged by offset: the rerun reads it whole from the top.
    place = ChildPlace("contact_group_members", "group-1", 40, "c")
    walk = ChildWalk("contact_group_members", 3, "group-1", place)
    assert walk.current_value is None
    assert list(walk.take(list(RECORDS))) == RECORDS


def resumed(**place: Any) -> FullWalk:
    return full_walk(Bookmark(full_sync=FullSync("newest", None, None, ["sequences"], **place)))


def test_a_walk_killed_after_its_last_page_asks_for_no_page_again():
    assert resumed().finished


def test_a_signal_inside_the_first_page_resumes_that_page_after_the_last_record_sent():
    # The first page has no cursor to ask for: `next` is null and the page is asked again.
    walk = resumed(sent_through="c")
    assert not walk.finished
    assert walk.current_value is None
    assert list(walk.take(list(RECORDS))) == RECORDS[1:]


def test_a_signal_inside_a_child_list_of_the_first_page_resumes_that_page():
    walk = resumed(child=ChildPlace("sequence_recipients", "c", 100, "row-9"))
    assert not walk.finished
    assert list(walk.take(list(RECORDS))) == RECORDS


def test_a_child_list_keeps_its_place_on_to_the_next_page_only_while_pages_follow():
    walk = ChildWalk("contact_group_members", 3, "group-1", None)
    walk.page_done({"results": RECORDS, "next": "page-2", "hasNext": True})
    assert walk.place.page == "page-2"
    # Mixmax sends a `next` on the last page too; nothing follows it to keep a place at.
    walk.page_done({"results": RECORDS, "next": "page-3", "hasNext": False})
    assert walk.place.page == "page-2"


def test_the_last_page_bookmarks_no_next_page_nor_does_a_walk_stopped_at_start_date():
    walk = full_walk(Bookmark())
    walk.page_done({"results": RECORDS, "previous": "newest", "next": "n2", "hasNext": True})
    assert walk.bookmark.full_sync is not None
    assert walk.bookmark.full_sync.next == "n2"
    # Mixmax sends a `next` on its last page too: a rerun after a kill here asks nothing.
    walk.page_done({"results": RECORDS, "previous": "p2", "next": "n3", "hasNext": False})
    assert walk.bookmark.full_sync.next is None
    cut = full_walk(Bookmark())
    cut.stopped_early = True  # the page held an object older than start_date
    cut.page_done({"results": RECORDS, "previous": "newest", "next": "n2", "hasNext": True})
    assert cut.bookmark.full_sync is not None
    assert cut.bookmark.full_sync.next is None


def test_a_finished_walk_keeps_its_version_so_the_next_one_is_above_it():
    bookmark = Bookmark()
    walk = full_walk(bookmark, version=1_700_000_123)
    walk.page_done({"results": RECORDS, "previous": "newest", "hasNext": False})
    walk.finish()
    assert (bookmark.previous, bookmark.full_sync) == ("newest", None)
    assert bookmark.last_version == 1_700_000_123


def test_a_signal_inside_a_poll_page_keeps_its_last_record_sent_with_or_without_a_child():
    walk = poll(None)
    stopped_after_first_record(walk, {"results": list(RECORDS), "previous": "page-2"})
    assert walk.bookmark.poll_place == PollPlace("page-1", "c", None)
