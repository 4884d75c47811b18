"""start_date, fields= for deselected properties, expansions, and primary keys."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from tap_mixmax.simulator import Simulator
from tests.tap.conftest import COLLECTIONS, TapRunner, select


def test_start_date_skips_older_objects_and_pages(tap: TapRunner, sim: Simulator):
    docs = sim.visible("sequences", sim.tokens["ada"])
    middle = docs[len(docs) // 2]
    start = datetime.fromtimestamp(int(middle["_id"][:8], 16), tz=UTC)
    newer = [
        d["_id"] for d in docs if datetime.fromtimestamp(int(d["_id"][:8], 16), tz=UTC) >= start
    ]
    run = tap.run(["sequences"], page_size=5, start_date=start.isoformat())
    assert run.ids("sequences") == newer
    assert sim.count("/sequences") == len(newer) // 5 + 1  # stops at the first older page


def test_deselected_properties_are_not_asked_for(tap: TapRunner, sim: Simulator):
    run = tap.run(["sequences"], deselect={"sequences": ["variables", "cc", "bcc"]})
    assert run.returncode == 0, run.stderr
    fields = next(r.query["fields"] for r in sim.requests if r.path == "/v1/sequences")
    asked = set(fields.split(","))
    assert {"_id", "name", "createdAt"} <= asked
    assert not asked & {"variables", "cc", "bcc"}
    assert all("variables" not in row for row in run.records["sequences"])
    assert all(row["_id"] for row in run.records["sequences"])


def test_a_deselected_nested_property_is_left_out_and_its_siblings_kept(
    tap: TapRunner, sim: Simulator
):
    # fields= names top-level properties only: Mixmax sends `from` whole, and the tap
    # drops `from.email` from each record itself.
    catalog = select(["messages"], {})
    (entry,) = (e for e in catalog["streams"] if e["tap_stream_id"] == "messages")
    for item in entry["metadata"]:
        if item["breadcrumb"] == ["properties", "from", "properties", "email"]:
            item["metadata"]["selected"] = False
    run = tap.run(catalog=catalog)
    assert run.returncode == 0, run.stderr
    senders = [row["from"] for row in run.records["messages"]]
    served = [doc["from"] for doc in sim.visible("messages", sim.tokens["ada"])]
    assert len(senders) == len(served) > 0
    assert all("email" not in sender for sender in senders)
    assert sorted(sender["name"] for sender in senders) == sorted(s["name"] for s in served)


def test_expansions_are_passed_on(tap: TapRunner, sim: Simulator):
    run = tap.run(["sequences"], expand={"sequences": ["stages"]})
    assert run.returncode == 0, run.stderr
    assert all(r.query.get("expand") == "stages" for r in sim.requests if r.path == "/v1/sequences")
    with_stages = [row for row in run.records["sequences"] if row.get("stages")]
    assert with_stages
    assert all(isinstance(stage, dict) for stage in with_stages[0]["stages"])


def test_unknown_expansion_is_refused_before_any_request(tap: TapRunner, sim: Simulator):
    run = tap.run(["sequences"], expand={"sequences": ["everything"]})
    assert run.returncode == 2
    assert "expand.sequences.0 must be one of ['stages'], not 'everything'" in run.stderr
    assert sim.count() == 0


def test_every_stream_reads_everything_with_unique_primary_keys(tap: TapRunner, sim: Simulator):
    every_stream = [
        *COLLECTIONS,
        "current_user",
        "user_preferences",
        "appointment_links",
        "sequence_recipients",
        "snippet_tag_snippets",
        "contact_notes",
        "contact_group_members",
        "rule_actions",
        "team_members",
        "live_feed_events",
        "meeting_transcripts",
    ]
    run = tap.run(every_stream)
    assert run.returncode == 0, run.stderr
    ada = sim.tokens["ada"]
    for stream, collection in COLLECTIONS.items():
        listed = sim.visible(collection, ada, include_shared=True)
        assert sorted(run.ids(stream)) == sorted(d["_id"] for d in listed), stream
    for stream in every_stream:
        rows = run.records.get(stream, [])
        assert rows, f"{stream} read nothing"
        key_names = run.keys[stream]
        assert key_names, f"{stream} declares no primary key"
        tuples = Counter(tuple(row.get(k) for k in key_names) for row in rows)
        assert all(None not in key for key in tuples), f"{stream}: a row lacks {key_names}"
        duplicates = [key for key, n in tuples.items() if n > 1]
        assert not duplicates, f"{stream}: duplicate keys {duplicates[:3]}"
    recipients = sum(
        len(sim.visible("sequences/recipients", ada, parent_id=s)) for s in run.ids("sequences")
    )
    assert len(run.records["sequence_recipients"]) == recipients


def test_start_date_within_the_first_page_still_bookmarks_the_newest_object(
    tap: TapRunner, sim: Simulator
):
    docs = sim.visible("sequences", sim.tokens["ada"])
    start = datetime.fromtimestamp(int(docs[1]["_id"][:8], 16), tz=UTC)
    first = tap.run(["sequences"], page_size=300, start_date=start.isoformat())
    assert first.ids("sequences") == [d["_id"] for d in docs[:2]]
    assert first.bookmark("sequences")["previous"]
    assert "last_full_sync_at" in first.bookmark("sequences")
    new = sim.insert("sequences")["_id"]
    second = tap.run(
        ["sequences"],
        state=first.state,
        start_date=start.isoformat(),
        refresh_changed_objects=False,
    )
    assert second.ids("sequences") == [new]
