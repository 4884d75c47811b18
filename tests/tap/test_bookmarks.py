"""A stream's bookmark in Singer state: what is written is read back, and nothing else."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tap_mixmax.bookmarks import Bookmark, BookmarkError, ChildPlace, FullSync, PollPlace


def test_a_bookmark_survives_a_save_and_load_unchanged():
    bookmark = Bookmark(
        previous="cursor-a",
        last_full_sync_at=datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
        last_version=1_767_000_000,
        full_sync=FullSync("cursor-b", None, 1_767_000_001, ["polls"], ["x"]),
        replication_key="_id",
        newest_key="65f0",
    )
    state: dict = {}
    bookmark.save(state)
    assert state == {
        "previous": "cursor-a",
        "last_full_sync_at": "2026-01-02T03:04:05.678Z",
        "last_version": 1_767_000_000,
        "full_sync": {
            "candidate": "cursor-b",
            "next": None,
            "version": 1_767_000_001,
            "streams": ["polls"],
            "withheld": ["x"],
        },
        "replication_key": "_id",
        "replication_key_value": "65f0",
    }
    assert Bookmark.load("polls", state) == bookmark


def test_a_search_walks_progress_has_a_null_candidate():
    # A search has no `previous`: its place in the walk is kept with no candidate.
    state = {
        "full_sync": {
            "candidate": None,
            "next": "page-3",
            "version": None,
            "streams": ["meeting_summaries"],
        }
    }
    bookmark = Bookmark.load("meeting_summaries", state)
    assert bookmark.full_sync == FullSync(None, "page-3", None, ["meeting_summaries"])
    saved: dict = {}
    bookmark.save(saved)
    assert saved == {"full_sync": {**state["full_sync"], "withheld": []}}
    del state["full_sync"]["candidate"]
    with pytest.raises(BookmarkError, match=r"full_sync\.candidate.*null means 'a search walk'"):
        Bookmark.load("meeting_summaries", state)


@pytest.mark.parametrize(
    ("page", "sent_through"), [("cursor-7", "id-3"), (150, "id-9"), (0, "id-0"), (None, None)]
)
def test_a_child_place_is_saved_and_loaded_as_it_was(page: str | int | None, sent_through: str):
    place = ChildPlace("sequence_recipients", "seq-1", page, sent_through)
    bookmark = Bookmark(full_sync=FullSync("c", "n", None, ["sequences"], child=place))
    state: dict = {}
    bookmark.save(state)
    assert state["full_sync"]["child"] == {
        "stream": "sequence_recipients",
        "parent": "seq-1",
        "page": page,
        "sent_through": sent_through,
    }
    assert Bookmark.load("sequences", json.loads(json.dumps(state))) == bookmark


@pytest.mark.parametrize(
    "child", [None, ChildPlace("contact_group_members", "group-1", "members-2", "member-5")]
)
def test_a_poll_place_is_saved_and_loaded_as_it_was(child: ChildPlace | None):
    bookmark = Bookmark(previous="p", poll_place=PollPlace("page-3", "id-4", child))
    state: dict = {}
    bookmark.save(state)
    assert state["poll_place"] == {
        "page": "page-3",
        "sent_through": "id-4",
        "child": None
        if child is None
        else {
            "stream": "contact_group_members",
            "parent": "group-1",
            "page": "members-2",
            "sent_through": "member-5",
        },
    }
    assert Bookmark.load("contact_groups", json.loads(json.dumps(state))) == bookmark


def test_saving_drops_what_the_bookmark_no_longer_holds():
    state = {
        "previous": "old",
        "full_sync": {"candidate": "c", "next": "n", "version": None},
        "last_version": 3,
        "last_full_sync_at": "2026-01-01T00:00:00.000Z",
    }
    Bookmark(previous="new").save(state)
    assert state == {"previous": "new"}


def test_a_replication_key_without_a_value_is_not_written():
    state: dict = {}
    Bookmark(previous="p", replication_key="_id").save(state)
    assert state == {"previous": "p"}


def test_an_empty_state_is_an_empty_bookmark():
    assert Bookmark.load("polls", {}) == Bookmark()


@pytest.mark.parametrize(
    ("stored", "key"),
    [
        ({"last_version": True}, "last_version"),
        ({"full_sync": {"candidate": "", "next": None}}, "full_sync.candidate"),
        ({"full_sync": {"candidate": "c", "next": None}}, "full_sync.streams"),
        ({"full_sync": {"candidate": "c", "next": None, "version": "1"}}, "full_sync.version"),
        ({"replication_key_value": 5}, "replication_key_value"),
        (
            {"full_sync": {"candidate": "c", "next": None, "streams": ["polls", 7]}},
            "full_sync.streams must be a list of stream names",
        ),
        (
            {"full_sync": {"candidate": "c", "next": None, "streams": [], "withheld": [None]}},
            "full_sync.withheld must be a list of stream names",
        ),
        *(
            ({"full_sync": {"candidate": "c", "next": None, "streams": [], "child": child}}, key)
            for child, key in [
                ([], "full_sync.child must be a dict"),
                ({"parent": "p", "page": None}, "full_sync.child.stream must be a non-empty"),
                ({"stream": "s", "parent": "", "page": None}, "full_sync.child.parent must"),
                ({"stream": "s", "parent": 5}, "full_sync.child.parent must be a str"),
                ({"stream": "s", "parent": "p", "page": -1}, "full_sync.child.page must be a"),
                ({"stream": "s", "parent": "p", "page": True}, "full_sync.child.page must be"),
                ({"stream": "s", "parent": "p", "page": ""}, "full_sync.child.page must be a"),
                ({"stream": "s", "parent": "p", "page": 1.5}, "full_sync.child.page must be"),
                ({"stream": "s", "parent": "p", "sent_through": 3}, "full_sync.child.sent_thr"),
            ]
        ),
        ({"poll_place": []}, "poll_place must be a dict"),
        ({"poll_place": {"sent_through": "x"}}, "poll_place.page must be a cursor string"),
        ({"poll_place": {"page": ""}}, "poll_place.page must be a cursor string"),
        ({"poll_place": {"page": "p", "sent_through": 3}}, "poll_place.sent_through must be"),
        ({"poll_place": {"page": "p", "child": []}}, "poll_place.child must be a dict"),
    ],
)
def test_a_wrongly_shaped_part_is_refused_by_name(stored: dict, key: str):
    with pytest.raises(BookmarkError, match=f"state for stream 'polls': {key}"):
        Bookmark.load("polls", stored)


def test_each_new_version_is_above_the_last_one_used():
    now = int(datetime.now(UTC).timestamp())
    assert Bookmark().new_version() >= now
    ahead = now + 1000  # a version stored by a run whose clock ran ahead
    assert Bookmark(last_version=ahead).new_version() == ahead + 1
