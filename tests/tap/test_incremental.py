"""The nine scenarios of docs/pagination.md §6(C), run through the real tap CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tap_mixmax.cursors import decode_cursor
from tap_mixmax.simulator import Simulator
from tests.tap.conftest import TapRunner

POLL_ONLY = {"refresh_changed_objects": False}


def newest_first(sim: Simulator, collection: str) -> list[str]:
    return [doc["_id"] for doc in sim.visible(collection, sim.tokens["ada"])]


def resize(sim: Simulator, collection: str, size: int) -> list[str]:
    """Delete the oldest objects until ``size`` remain; return their ids."""
    ids = newest_first(sim, collection)
    assert len(ids) >= size, f"the seed has only {len(ids)} {collection}"
    for _id in ids[size:]:
        sim.delete(collection, _id)
    return ids[:size]


def bookmark_oid(bookmark: dict[str, Any]) -> str:
    return str(decode_cursor(bookmark["previous"])["$oid"])


def test_empty_collection_writes_no_bookmark_then_full_syncs(tap: TapRunner, sim: Simulator):
    resize(sim, "qa", 0)
    first = tap.run(["qa"], **POLL_ONLY)
    assert first.returncode == 0, first.stderr
    assert first.ids("qa") == []
    assert "previous" not in first.bookmark("qa")
    assert sim.count("/qa") == 1

    inserted = [sim.insert("qa")["_id"] for _ in range(3)]
    second = tap.run(["qa"], state=first.state, **POLL_ONLY)
    assert sorted(second.ids("qa")) == sorted(inserted)
    assert bookmark_oid(second.bookmark("qa")) == max(inserted)


def test_exact_multiple_of_page_size_needs_no_trailing_empty_page(tap: TapRunner, sim: Simulator):
    ids = resize(sim, "sequences", 12)
    run = tap.run(["sequences"], page_size=4, **POLL_ONLY)
    assert run.ids("sequences") == ids
    assert sim.count("/sequences") == 3


def test_objects_created_during_a_full_sync_come_in_the_next_run_exactly_once(
    tap: TapRunner, sim: Simulator
):
    resize(sim, "sequences", 10)
    created: list[str] = []

    def insert_after_first_page(request: Any) -> None:
        if request.path == "/v1/sequences" and not created:
            created.extend(sim.insert("sequences")["_id"] for _ in range(2))

    sim.after_response(insert_after_first_page)
    first = tap.run(["sequences"], page_size=3, **POLL_ONLY)
    sim.clear_hooks()
    assert len(first.ids("sequences")) == 10
    assert not set(created) & set(first.ids("sequences"))

    second = tap.run(["sequences"], state=first.state, **POLL_ONLY)
    assert sorted(second.ids("sequences")) == sorted(created)


def test_more_new_objects_than_a_page_poll_several_pages_oldest_first(
    tap: TapRunner, sim: Simulator
):
    resize(sim, "sequences", 5)
    first = tap.run(["sequences"], page_size=4, **POLL_ONLY)
    inserted = [sim.insert("sequences")["_id"] for _ in range(9)]
    sim.clear_log()

    second = tap.run(["sequences"], state=first.state, page_size=4, **POLL_ONLY)
    assert sorted(second.ids("sequences")) == sorted(inserted)
    assert len(second.ids("sequences")) == 9
    # 4 + 4 + 1: the third page says hasPrevious=false, so no fourth request.
    assert sim.count("/sequences") == 3
    # Pages move forward in time; each page is newest first.
    assert second.ids("sequences") == [*inserted[3::-1], *inserted[7:3:-1], inserted[8]]
    assert bookmark_oid(second.bookmark("sequences")) == inserted[-1]


def test_nothing_new_costs_one_request_and_keeps_the_bookmark(tap: TapRunner, sim: Simulator):
    first = tap.run(["sequences"], **POLL_ONLY)
    sim.clear_log()
    second = tap.run(["sequences"], state=first.state, **POLL_ONLY)
    assert second.returncode == 0, second.stderr
    assert second.ids("sequences") == []
    assert sim.count("/sequences") == 1
    assert second.bookmark("sequences")["previous"] == first.bookmark("sequences")["previous"]


def test_update_of_an_old_object_is_not_seen_by_polling(tap: TapRunner, sim: Simulator):
    first = tap.run(["sequences"], **POLL_ONLY)
    old = first.ids("sequences")[-1]
    sim.update("sequences", old, {"name": "renamed after the first run"})
    second = tap.run(["sequences"], state=first.state, **POLL_ONLY)
    assert second.ids("sequences") == []


def test_update_of_an_old_object_is_captured_by_the_refresh_setting(tap: TapRunner, sim: Simulator):
    first = tap.run(["sequences"])
    old = first.ids("sequences")[-1]
    sim.update("sequences", old, {"name": "renamed after the first run"})

    # Within the interval: a poll, which cannot see the change.
    second = tap.run(["sequences"], state=first.state, full_refresh_interval_hours=24)
    assert second.ids("sequences") == []
    # Interval elapsed (0 hours): the whole collection is read again, change included.
    third = tap.run(["sequences"], state=second.state, full_refresh_interval_hours=0)
    renamed = [row for row in third.records["sequences"] if row["_id"] == old]
    assert renamed
    assert renamed[0]["name"] == "renamed after the first run"
    assert len(third.ids("sequences")) == len(first.ids("sequences"))


def test_server_clamped_limit_still_reads_everything(tap: TapRunner, sim: Simulator):
    sim.set_max_limit("/sequences", 5)
    ids = resize(sim, "sequences", 14)
    run = tap.run(["sequences"], page_size=300, **POLL_ONLY)
    assert run.ids("sequences") == ids
    assert sim.count("/sequences") == 3  # 5 + 5 + 4, stopped by hasNext, not page length


def test_skewed_id_below_the_bookmark_needs_the_lookback(tap: TapRunner, sim: Simulator):
    first = tap.run(["sequences"], **POLL_ONLY)
    newest = bookmark_oid(first.bookmark("sequences"))
    # Created after the run, but stamped one second before the bookmarked object.
    skewed_id = f"{int(newest[:8], 16) - 1:08x}" + "f" * 16
    sim.insert("sequences", _id=skewed_id)

    without = tap.run(["sequences"], state=first.state, **POLL_ONLY)
    assert skewed_id not in without.ids("sequences")

    with_lookback = tap.run(["sequences"], state=first.state, skew_lookback_seconds=5, **POLL_ONLY)
    assert skewed_id in with_lookback.ids("sequences")
    # The bookmark never moves backwards.
    assert bookmark_oid(with_lookback.bookmark("sequences")) == newest


def test_a_run_where_nothing_changed_costs_one_request_per_collection(
    tap: TapRunner, sim: Simulator
):
    first = tap.run(**POLL_ONLY)  # the default selection: every stream but two children
    assert first.returncode == 0, first.stderr
    sim.clear_log()
    second = tap.run(state=first.state, **POLL_ONLY)
    assert second.returncode == 0, second.stderr
    # meeting_summaries is a search endpoint without `previous` (the simulator serves it
    # search()'s envelope, which has none): it is read whole, one page here; transcripts
    # do not change, and no summary is new, so none is read.
    polled = [
        s
        for s, b in first.state["bookmarks"].items()
        if "previous" in b and s != "meeting_summaries"
    ]
    singletons = ["current_user", "user_preferences", "appointment_links", "live_feed_stats"]
    expected = len(polled) + len(singletons) + 1
    assert sim.count() == expected
    assert set(second.records) == {*singletons, "meeting_summaries"}


def test_a_refused_bookmark_cursor_falls_back_to_a_full_read(tap: TapRunner, sim: Simulator):
    stale = {"bookmarks": {"sequences": {"previous": "not-a-cursor"}}}
    run = tap.run(["sequences"], state=stale, **POLL_ONLY)
    assert run.returncode == 0, run.stderr
    assert sorted(run.ids("sequences")) == sorted(newest_first(sim, "sequences"))
    assert "Mixmax refused the stored cursor" in run.stderr
    assert sim.count("/sequences", status=400) == 1
    assert bookmark_oid(run.bookmark("sequences")) == newest_first(sim, "sequences")[0]


def test_a_per_stream_interval_refreshes_one_stream_and_its_children_every_run(
    tap: TapRunner, sim: Simulator
):
    streams = ["sequences", "sequence_recipients", "polls"]
    first = tap.run(streams)
    old_sequence = first.ids("sequences")[-1]
    added = sim.insert("sequences/recipients", parent_id=old_sequence)["_id"]
    sim.insert("polls")
    every_run = {"sequences": 0}
    second = tap.run(streams, state=first.state, full_refresh_interval_hours_by_stream=every_run)
    assert added in second.ids("sequence_recipients")
    assert len(second.ids("sequences")) == len(first.ids("sequences"))
    assert len(second.ids("polls")) == 1  # still polled: only the new one


def test_a_per_stream_interval_for_an_unknown_stream_is_refused(tap: TapRunner, sim: Simulator):
    run = tap.run(["sequences"], full_refresh_interval_hours_by_stream={"sequencez": 0})
    assert run.returncode == 2
    assert "names 'sequencez', which is not a stream" in run.stderr.strip().splitlines()[-1]


def test_append_only_collections_are_refreshed_weekly_not_daily(tap: TapRunner, sim: Simulator):
    first = tap.run(["events"])
    state = first.state
    stamp = "last_full_sync_at"
    # As if the last complete read of events was two days ago: a poll, not a refresh.
    now = datetime.now(UTC)
    two_days = (now - timedelta(days=2)).isoformat()
    state["bookmarks"]["events"][stamp] = two_days
    polled = tap.run(["events"], state=state)
    assert polled.returncode == 0, polled.stderr
    assert polled.ids("events") == []
    eight_days = (now - timedelta(days=8)).isoformat()
    state["bookmarks"]["events"][stamp] = eight_days
    refreshed = tap.run(["events"], state=state)
    assert sorted(refreshed.ids("events")) == sorted(first.ids("events"))
    off = tap.run(["events"], state=state, refresh_changed_objects=False)
    assert off.ids("events") == []
    daily = tap.run(["events"], state=state, full_refresh_interval_hours_by_stream={"events": 24})
    assert sorted(daily.ids("events")) == sorted(first.ids("events"))


def test_transcripts_are_read_for_new_summaries_and_all_of_them_at_a_refresh(
    tap: TapRunner, sim: Simulator
):
    streams = ["meeting_summaries", "meeting_transcripts"]
    on = {"emit_activate_version_messages": True}
    first = tap.run(streams, **on)
    summaries = first.ids("meeting_summaries")
    assert sorted(first.ids("meeting_transcripts", "summaryId")) == sorted(summaries)
    new = sim.insert("meetings/summaries")["_id"]
    sim.insert("meetings/transcripts", parent_id=new)
    sim.clear_log()
    second = tap.run(streams, state=first.state, **on)
    assert second.returncode == 0, second.stderr
    assert second.ids("meeting_transcripts", "summaryId") == [new]
    assert sim.count("/meetings/transcripts/") == 1
    activated = {m["stream"] for m in second.messages if m["type"] == "ACTIVATE_VERSION"}
    # A search endpoint's order is not known stable: its deletions are never told.
    assert activated == set()
    refresh = tap.run(streams, state=second.state, full_refresh_interval_hours=0, **on)
    assert sorted(refresh.ids("meeting_transcripts", "summaryId")) == sorted([*summaries, new])
    activated = {m["stream"] for m in refresh.messages if m["type"] == "ACTIVATE_VERSION"}
    assert activated == set()
