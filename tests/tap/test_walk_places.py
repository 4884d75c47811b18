"""A walk's place inside its page in hand, checked on the walks themselves: what the
resumed page skips, and which child place a signal may keep."""

from __future__ import annotations

from tap_mixmax.bookmarks import Bookmark, ChildPlace, PollPlace
from tap_mixmax.walk import Keeper, Poll, child_in_hand

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
