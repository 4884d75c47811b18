"""The cursor engine as the SDK and targets see it: the catalog, SCHEMA messages and state.

Every test runs the real tap CLI against the simulator over loopback HTTP.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tap_mixmax.simulator import Simulator
from tap_mixmax.streams import STREAM_TYPES
from tests.tap.conftest import TapRunner, discovered_catalog, select

SINGLETONS = {"current_user", "user_preferences", "appointment_links", "live_feed_stats"}
WHOLE_READ = {"meeting_summaries"}  # a search endpoint: no `previous` to poll
CHILDREN = {
    stream.name
    for stream in STREAM_TYPES
    if stream.parent_stream_type is not None  # type: ignore[attr-defined]
}
CURSOR_KEYS = {
    "messages": "created",
    "live_feed": "sent",
    "teams": "createdAt",
}


def catalog_entries() -> dict[str, dict]:
    catalog = json.loads(discovered_catalog())
    return {entry["tap_stream_id"]: entry for entry in catalog["streams"]}


def test_discovery_declares_cursor_streams_incremental_with_their_creation_key():
    entries = catalog_entries()
    assert len(entries) == 38
    for name, entry in entries.items():
        root = next(m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == [])
        if name in SINGLETONS | WHOLE_READ | CHILDREN:
            assert entry.get("replication_method") == "FULL_TABLE", name
            assert not entry.get("replication_key"), name
            assert root.get("forced-replication-method") in (None, "FULL_TABLE"), name
        else:
            assert entry.get("replication_method") == "INCREMENTAL", name
            key = CURSOR_KEYS.get(name, "_id")
            assert entry.get("replication_key") == key, name
            assert root.get("valid-replication-keys") == [key], name
            assert key in entry["schema"]["properties"], name


def test_replication_key_is_in_every_record_and_state_holds_the_newest(tap: TapRunner):
    run = tap.run()
    assert run.returncode == 0, run.stderr
    incremental = {
        name
        for name, entry in catalog_entries().items()
        if entry.get("replication_method") == "INCREMENTAL"
    }
    assert incremental, "no incremental stream discovered"
    for name in incremental:
        key = CURSOR_KEYS.get(name, "_id")
        rows = run.records.get(name, [])
        assert rows, f"{name}: no records to check"
        assert all(row.get(key) for row in rows), f"{name}: a record lacks {key}"
        bookmark = run.bookmark(name)
        assert bookmark["replication_key"] == key
        assert bookmark["replication_key_value"] == max(row[key] for row in rows), name
        assert bookmark["previous"], name


def test_one_schema_message_per_stream_per_run(tap: TapRunner):
    run = tap.run()
    assert run.returncode == 0, run.stderr
    schemas = Counter(m["stream"] for m in run.messages if m["type"] == "SCHEMA")
    assert schemas, "no SCHEMA written"
    assert max(schemas.values()) == 1, {s: n for s, n in schemas.items() if n > 1}
    # Child streams with many parents are where the SDK would repeat it.
    assert len(run.ids("sequence_recipients")) > 1
    assert "sequence_recipients" in schemas


def test_no_false_claims_of_unsorted_or_unresumable_progress(tap: TapRunner):
    # At DEBUG, the SDK's "Beginning sync" lines say each stream's mode.
    run = tap.run(page_size=5, log_level="DEBUG")
    assert run.returncode == 0, run.stderr
    assert "unsorted" not in run.stderr
    assert "not resumable" not in run.stderr
    assert "in full_table mode" not in run.stderr.split("sequences'")[0][-80:]
    assert "Beginning sync of 'sequences' in incremental mode" in run.stderr
    for state in run.states:
        for stream_state in state.get("bookmarks", {}).values():
            assert "progress_markers" not in stream_state
            assert "replication_key_signpost" not in stream_state


def test_catalog_forcing_full_table_reads_the_collection_whole_every_run(tap: TapRunner):
    catalog = select(["polls"], {})
    for entry in catalog["streams"]:
        entry["replication_method"] = "FULL_TABLE"
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["forced-replication-method"] = "FULL_TABLE"
    first = tap.run(catalog=catalog)
    second = tap.run(catalog=catalog, state=first.state, log_level="DEBUG")
    assert first.returncode == second.returncode == 0, second.stderr
    assert "Beginning sync of 'polls' in full_table mode" in second.stderr
    assert sorted(second.ids("polls")) == sorted(first.ids("polls"))
    assert second.ids("polls")


def test_catalog_asking_an_unknown_replication_key_is_overridden_with_a_warning(
    tap: TapRunner, sim: Simulator
):
    # A key that is no field at all is refused outright (tests/adversarial); one that is a
    # field but not the creation key Mixmax pages by is overridden.
    catalog = select(["polls", "current_user"], {})
    for entry in catalog["streams"]:
        key = "userId" if entry["tap_stream_id"] == "polls" else None
        entry["replication_key"] = key
        entry["replication_method"] = "INCREMENTAL"
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["replication-key"] = key
                item["metadata"]["forced-replication-method"] = "INCREMENTAL"
    run = tap.run(catalog=catalog)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert "polls: the catalog's replication key 'userId' is ignored" in run.stderr
    assert "current_user: the catalog asks INCREMENTAL" in run.stderr
    assert run.bookmark("polls")["replication_key"] == "_id"
    expected = {doc["_id"] for doc in sim.visible("polls", sim.tokens["ada"])}
    assert set(run.ids("polls")) == expected


@pytest.mark.parametrize(
    ("stored", "key"),
    [
        ({"previous": 5}, "previous"),
        ({"previous": ""}, "previous"),
        ({"full_sync": {"candidate": "abc", "next": 7}}, "full_sync.next"),
        ({"full_sync": {"candidate": "abc"}}, "full_sync.next"),
        ({"full_sync": {"candidate": "abc", "next": None, "version": 1}}, "full_sync.streams"),
        ({"full_sync": {"next": None}}, "full_sync.candidate"),
        ({"full_sync": "x"}, "full_sync"),
        ({"last_full_sync_at": "yesterday"}, "last_full_sync_at"),
        ({"last_version": "1"}, "last_version"),
    ],
)
def test_a_malformed_bookmark_is_refused_in_one_line_never_read_as_done(
    tap: TapRunner, stored: dict, key: str
):
    run = tap.run(["polls"], state={"bookmarks": {"polls": stored}})
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert not run.records
    errors = [line for line in run.stderr.splitlines() if "ERROR" in line]
    assert errors, run.stderr
    assert f"state for stream 'polls': {key}" in errors[-1]


def test_a_bookmark_of_only_a_cursor_and_a_date_is_read(tap: TapRunner, sim: Simulator):
    first = tap.run(["polls"], page_size=5)
    bookmark = first.bookmark("polls")
    # The least a bookmark holds: no replication key, no versions.
    old = {"previous": bookmark["previous"], "last_full_sync_at": bookmark["last_full_sync_at"]}
    new = sim.insert("polls")["_id"]
    run = tap.run(["polls"], state={"bookmarks": {"polls": old}}, refresh_changed_objects=False)
    assert run.returncode == 0, run.stderr
    assert run.ids("polls") == [new]
    assert run.bookmark("polls")["replication_key_value"] == new


@pytest.mark.parametrize("server_cap", [50, 300])
def test_offset_paging_reads_every_recipient_under_any_server_cap(
    tap: TapRunner, sim: Simulator, server_cap: int
):
    token = sim.tokens["ada"]
    sequences = [doc["_id"] for doc in sim.visible("sequences", token)]
    present = len(sim.visible("sequences/recipients", token, parent_id=sequences[0]))
    for _ in range(2 * server_cap + 7 - present):
        sim.insert("sequences/recipients", parent_id=sequences[0])
    sim.set_max_limit("/sequences/recipients", server_cap)
    run = tap.run(["sequences", "sequence_recipients"], page_size=300)
    assert run.returncode == 0, run.stderr
    got = Counter((row["sequenceId"], row["_id"]) for row in run.records["sequence_recipients"])
    expected = {
        (sequence, doc["_id"])
        for sequence in sequences
        for doc in sim.visible("sequences/recipients", token, parent_id=sequence)
    }
    assert set(got) == expected
    assert max(got.values()) == 1
    # Pages of 50 (the documented maximum, whatever the server would allow), and the
    # first shorter page ends a list: no confirming request in the whole run.
    sizes = [len(sim.visible("sequences/recipients", token, parent_id=s)) for s in sequences]
    assert any(size > 50 for size in sizes)
    needed = sum(size // 50 + 1 for size in sizes)
    sent = sum(r.path.endswith("/recipients") for r in sim.requests)
    assert sent == needed, (needed, sent)


@pytest.mark.parametrize("shape", ["search", "find"])
def test_search_endpoint_is_read_whole_in_either_envelope(
    tap: TapRunner, sim: Simulator, shape: str
):
    sim.set_search_envelope(shape)
    expected = {doc["_id"] for doc in sim.visible("meetings/summaries", sim.tokens["ada"])}
    assert len(expected) > 2
    run = tap.run(["meeting_summaries"], page_size=2)
    assert run.returncode == 0, run.stderr
    assert sorted(run.ids("meeting_summaries")) == sorted(expected)
    # find() says hasNext; search() sends `next` on every full page, so a last full page
    # costs one empty request more.
    pages = sim.count("/meetings/summaries/search")
    n = len(expected)
    assert pages == (n // 2 + 1 if shape == "search" else -(-n // 2))
