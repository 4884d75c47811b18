"""The simulator's seed data: deterministic, catalog-shaped, consistent, shared, scalable."""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

from tap_mixmax.simulator.seed import (
    CHILD_COLLECTIONS,
    COLLECTIONS,
    DEMO_TOKEN,
    REFERENCE_MS,
    SINGLETON_COLLECTIONS,
    TOP_LEVEL_COLLECTIONS,
    Dataset,
    SeedDoc,
    User,
    generate,
    generate_users,
    new_doc,
    object_id,
    object_id_seconds,
)
from tap_mixmax.simulator.topology import TOPOLOGY

OBJECT_ID = re.compile(r"[0-9a-f]{24}")
METEOR_ID = re.compile(r"[23456789A-HJ-NP-Za-km-z]{17}")
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")

# Collections whose ``_id`` is a 17-character Meteor id (docs/mixmax-api.md §3.8); the rest
# are ObjectIds.
METEOR_COLLECTIONS = {c.key for c in TOPOLOGY if c.id_shape == "meteor" and c.id_field == "_id"}

# Native encoding of every time field, per collection (see the table in seed.py).
# "ms" epoch milliseconds, "s" 10-digit epoch seconds, "iso" ISO 8601 with ms and Z.
TIME_FORMATS: dict[str, dict[str, str]] = {
    "sequences": {"createdAt": "iso", "updatedAt": "iso"},
    "sequences/recipients": {
        "createdAt": "ms",
        "updatedAt": "ms",
        "stages[].scheduledAt": "ms",
        "stages[].sentAt": "ms",
        "stages[].processedAt": "ms",
    },
    "sequencefolders": {"createdAt": "iso", "savedAt": "iso"},
    "messages": {"created": "ms", "updatedAt": "ms", "scheduled": "ms", "sent": "ms"},
    "livefeed": {"sent": "ms"},
    "livefeed/events": {"timestamp": "ms"},
    "events": {"timestamp": "ms"},
    "snippets": {"createdAt": "ms", "savedAt": "ms", "deletedAt": "ms", "archivedAt": "ms"},
    "snippettags": {"createdAt": "ms", "savedAt": "ms"},
    "snippettags/snippets": {"createdAt": "ms", "savedAt": "ms"},
    "codesnippets": {"createdAt": "iso"},
    "contacts": {"timestamp": "ms"},
    "contactgroups/contacts": {"timestamp": "ms"},
    "contacts/notes": {"createdAt": "ms", "modifiedAt": "ms"},
    "filerequests": {"timestamp": "ms", "uploads[].timestamp": "ms"},
    "meetingtypes": {"createdAt": "iso", "updatedAt": "iso"},
    "meetinginvites": {"creationDate": "ms", "timeslots[].start": "iso", "timeslots[].end": "iso"},
    "meetings/summaries": {"startedAt": "iso", "endedAt": "iso", "createdAt": "iso"},
    "meetings/transcripts": {"startedAt": "iso", "createdAt": "iso"},
    "insightsreports": {"createdAt": "iso", "updatedAt": "iso"},
    "integrations/commands": {"createdAt": "iso"},
    "integrations/enhancements": {"createdAt": "iso"},
    "integrations/linkresolvers": {"createdAt": "iso"},
    "integrations/sidebars": {"createdAt": "iso"},
    "rules": {"createdAt": "iso", "modifiedAt": "iso"},
    "rules/actions": {"createdAt": "iso", "modifiedAt": "iso"},
    "teams": {"createdAt": "iso", "modifiedAt": "iso"},
    "teams/members": {"invitedAt": "iso", "acceptedAt": "iso"},
    "unsubscribes": {"createdAt": "iso"},
    "polls": {"created": "ms", "options[].respondents[].respondedAt": "ms"},
    "qa": {"creationDate": "ms"},
    "yesno": {"created": "ms"},
    "reminders": {"date": "s", "createdAt": "s"},
    "users/me": {"createdAt": "iso"},
}

# The field recording each ObjectId collection's creation, which the _id's time must match.
CREATION_FIELD = {
    c.key: c.created_field for c in TOPOLOGY if c.created_field and c.id_shape == "objectid"
}


@cache
def data() -> Dataset:
    return generate(seed=1, scale=0.5)


def users(dataset: Dataset) -> tuple[User, User]:
    ada, bob = dataset.users
    return ada, bob


def to_ms(value: Any) -> int:
    if isinstance(value, str):
        from datetime import datetime  # noqa: PLC0415 - only needed here

        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
    return int(value) * (1000 if value < 10**11 else 1)


def values(doc: Any, path: str) -> Iterator[Any]:
    """Values at a dotted path where ``name[]`` steps into every element of an array."""
    head, _, rest = path.partition(".")
    if not isinstance(doc, dict):
        return
    if head.endswith("[]"):
        for item in doc.get(head[:-2]) or []:
            yield from values(item, rest) if rest else iter([item])
    elif rest:
        yield from values(doc.get(head), rest)
    elif head in doc:
        yield doc[head]


def by_id(collection: str, dataset: Dataset | None = None) -> dict[str, SeedDoc]:
    return {d.doc["_id"]: d for d in (dataset or data()).collections[collection]}


# --------------------------------------------------------------------------------------


def test_collections_and_users() -> None:
    dataset = data()
    assert set(dataset.collections) == set(COLLECTIONS)
    assert len(COLLECTIONS) == 37
    for name in COLLECTIONS:
        assert dataset.collections[name], name
    ada, bob = users(dataset)
    assert ada.token == DEMO_TOKEN == "sim-token-ada"
    assert bob.token == "sim-token-bob"
    assert ada.features == frozenset({"mixmaxApi"})
    assert bob.features == frozenset()
    for user in (ada, bob):
        assert METEOR_ID.fullmatch(user.user_id)
    for name in SINGLETON_COLLECTIONS:
        docs = dataset.collections[name]
        assert sorted(len(d.readers) for d in docs) == [1, 1]
        assert {next(iter(d.readers)) for d in docs} == {ada.user_id, bob.user_id}


def test_deterministic() -> None:
    assert generate(seed=5, scale=0.3) == generate(seed=5, scale=0.3)
    first, other = generate(seed=5, scale=0.3), generate(seed=6, scale=0.3)
    assert first.users[0].user_id != other.users[0].user_id
    assert first.collections["contacts"] != other.collections["contacts"]


def test_object_id_layout() -> None:
    oid = object_id(0x5F1A0000, 7, "0123456789")
    assert oid == "5f1a0000" + "0123456789" + "000007"
    assert object_id_seconds(oid) == 0x5F1A0000
    assert object_id(1, (1 << 24) + 3) == object_id(1, 3)
    drawn = object_id(1, random.Random(3))
    assert OBJECT_ID.fullmatch(drawn)
    assert drawn == object_id(1, random.Random(3))
    with pytest.raises(ValueError, match="seconds"):
        object_id(1 << 32, 0)
    with pytest.raises(ValueError, match="process"):
        object_id(1, 0, "XYZ")


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_id_shapes(collection: str) -> None:
    docs = data().collections[collection]
    for seed_doc in docs:
        doc = seed_doc.doc
        if collection == "appointmentlinks/me":
            assert METEOR_ID.fullmatch(doc["userId"])
            continue
        if collection == "teams/members":
            # Membership ids come in both shapes (a current example shows ObjectIds).
            assert METEOR_ID.fullmatch(doc["memberId"]) or OBJECT_ID.fullmatch(doc["memberId"])
            assert "_id" not in doc
            assert ("userId" in doc) != ("email" in doc)
            continue
        shape = METEOR_ID if collection in METEOR_COLLECTIONS else OBJECT_ID
        assert shape.fullmatch(doc["_id"]), (collection, doc["_id"])
        for field in ("userId", "creatorId", "ownerUserId", "savedBy"):
            if field in doc:
                assert METEOR_ID.fullmatch(doc[field]), (collection, field)
    ids = [d.doc.get("_id") for d in docs if "_id" in d.doc]
    if collection not in {"contactgroups/contacts", "snippettags/snippets"}:
        assert len(ids) == len(set(ids)), collection


@pytest.mark.parametrize("collection", sorted(TIME_FORMATS))
def test_native_timestamp_formats(collection: str) -> None:
    checks = {
        "ms": lambda v: type(v) is int and 10**12 <= v < 10**13,
        "s": lambda v: type(v) is int and 10**9 <= v < 10**10,
        "iso": lambda v: isinstance(v, str) and ISO.fullmatch(v) is not None,
    }
    docs = data().collections[collection]
    for path, encoding in TIME_FORMATS[collection].items():
        seen = 0
        for seed_doc in docs:
            for value in values(seed_doc.doc, path):
                if value is None:
                    continue
                seen += 1
                assert checks[encoding](value), (collection, path, value)
                if path != "scheduled":  # only scheduled messages point into the future
                    assert to_ms(value) <= REFERENCE_MS + 30 * 86_400_000, (collection, path)
        assert seen, (collection, path)


@pytest.mark.parametrize("collection", sorted(CREATION_FIELD))
def test_object_ids_follow_creation_time(collection: str) -> None:
    docs = [d.doc for d in data().collections[collection]]
    field = CREATION_FIELD[collection]
    for doc in docs:
        assert object_id_seconds(doc["_id"]) == to_ms(doc[field]) // 1000, (collection, doc)
    if collection in TOP_LEVEL_COLLECTIONS:
        by_id_order = [doc["_id"] for doc in sorted(docs, key=lambda d: d["_id"])]
        by_time_order = [doc["_id"] for doc in sorted(docs, key=lambda d: to_ms(d[field]))]
        assert by_id_order == by_time_order


def test_creation_spread_over_two_years() -> None:
    times = [to_ms(d.doc["created"]) for d in data().collections["messages"]]
    assert REFERENCE_MS - 740 * 86_400_000 < min(times) < REFERENCE_MS - 600 * 86_400_000
    assert REFERENCE_MS - 30 * 86_400_000 < max(times) < REFERENCE_MS


def test_paging_fields_present() -> None:
    dataset = data()
    for collection, field in (
        ("messages", "created"),
        ("livefeed", "sent"),
        ("teams", "createdAt"),
    ):
        assert all(field in d.doc for d in dataset.collections[collection]), collection


@pytest.mark.parametrize("child", sorted(CHILD_COLLECTIONS))
def test_children_have_parents(child: str) -> None:
    parents = by_id(CHILD_COLLECTIONS[child])
    docs = data().collections[child]
    for seed_doc in docs:
        assert seed_doc.parent_id in parents, (child, seed_doc.parent_id)
        assert seed_doc.readers == parents[seed_doc.parent_id].readers, child
    parent_field = {
        "sequences/recipients": "sequenceId",
        "contacts/notes": "contactId",
        "rules/actions": "ruleId",
        "meetings/transcripts": "summaryId",
    }.get(child)
    if parent_field:
        assert all(d.doc[parent_field] == d.parent_id for d in docs), child
    for name in TOP_LEVEL_COLLECTIONS:
        assert all(d.parent_id is None for d in data().collections[name])


def test_livefeed_rows_are_sent_messages() -> None:
    messages = by_id("messages")
    rows = data().collections["livefeed"]
    sent = [m for m in messages.values() if "sent" in m.doc]
    assert len(rows) == len(sent)
    for row in rows:
        message = messages[row.doc["_id"]]
        assert row.doc["sent"] == message.doc["sent"]
        assert row.doc["subject"] == message.doc["subject"]
        assert row.readers == message.readers


def test_livefeed_events() -> None:
    rows = by_id("livefeed")
    counts = Counter(d.parent_id for d in data().collections["livefeed/events"])
    assert max(counts.values()) <= 200
    assert len(counts) < len(rows)  # some rows have no events
    assert sum(1 for n in counts.values() if n <= 5) > len(counts) / 2
    for seed_doc in data().collections["livefeed/events"]:
        assert "messageId" not in seed_doc.doc
        parent = rows[seed_doc.parent_id or ""]
        assert seed_doc.doc["timestamp"] >= parent.doc["sent"]


def test_transcript_per_summary() -> None:
    summaries = by_id("meetings/summaries")
    transcripts = data().collections["meetings/transcripts"]
    assert sorted(t.doc["_id"] for t in transcripts) == sorted(summaries)
    assert all(t.doc["_id"] == t.parent_id == t.doc["summaryId"] for t in transcripts)


def test_member_rows_reuse_listed_objects() -> None:
    contacts = by_id("contacts")
    for member in data().collections["contactgroups/contacts"]:
        contact = contacts[member.doc["_id"]].doc
        assert member.doc == contact
        group = by_id("contactgroups")[member.parent_id or ""].doc
        assert contact["userId"] == group["userId"]
    snippets = by_id("snippets")
    tags = by_id("snippettags")
    for row in data().collections["snippettags/snippets"]:
        assert snippets[row.doc["_id"]].doc["title"] == row.doc["title"]
    counts = Counter(row.parent_id for row in data().collections["snippettags/snippets"])
    for tag_id, tag in tags.items():
        assert tag.doc["count"] == counts.get(tag_id, 0)


def test_message_states() -> None:
    states: Counter[str] = Counter()
    for seed_doc in data().collections["messages"]:
        doc = seed_doc.doc
        marks = [key for key in ("sent", "scheduled", "sendingError") if key in doc]
        assert len(marks) <= 1, doc
        states[marks[0] if marks else "draft"] += 1
        if "scheduled" in doc:
            assert doc["scheduled"] > doc["created"]
    assert set(states) == {"sent", "scheduled", "sendingError", "draft"}, states


def test_recipients_shape() -> None:
    recipients = [d.doc for d in data().collections["sequences/recipients"]]
    assert all("variables" in r and r["to"]["email"] for r in recipients)
    with_email = sum(1 for r in recipients if "email" in r)
    assert 0 < with_email < len(recipients)
    sequences = by_id("sequences")
    for recipient in recipients:
        sequence = sequences[recipient["sequenceId"]].doc
        assert recipient["sequence"] == {"_id": sequence["_id"]}
        stage_ids = set(sequence["stages"])
        assert {s["stageId"] for s in recipient["stages"]} <= stage_ids
    counts = Counter(r["sequenceId"] for r in recipients)
    assert max(counts.values()) <= 40


def test_sequence_stages_and_updated_at() -> None:
    recipients: dict[str, list[int]] = {}
    for seed_doc in data().collections["sequences/recipients"]:
        recipients.setdefault(seed_doc.parent_id or "", []).append(seed_doc.doc["createdAt"])
    for seed_doc in data().collections["sequences"]:
        doc = seed_doc.doc
        assert doc["stages"] == [stage["_id"] for stage in doc["_stages"]]
        for stage in doc["_stages"]:
            assert set(stage) == {"_id", "subject", "body", "type", "delayDays"}
            assert OBJECT_ID.fullmatch(stage["_id"])
        if doc["_id"] in recipients:
            assert to_ms(doc["updatedAt"]) == max(recipients[doc["_id"]])
        else:
            assert doc["updatedAt"] == doc["createdAt"]


def test_sharing_and_readers() -> None:
    dataset = data()
    ada, bob = users(dataset)
    teams = by_id("teams")
    bob_sequences = [
        d
        for d in dataset.collections["sequences"]
        if d.doc["userId"] == ada.user_id and bob.user_id in d.readers
    ]
    assert bob_sequences, "bob sees some of ada's sequences"
    via_team = 0
    for seed_doc in dataset.collections["sequences"]:
        doc = seed_doc.doc
        owner = doc["userId"]
        assert owner in seed_doc.readers
        others = seed_doc.readers - {owner}
        shared_users = {u.get("userId") for u in doc["shared"]["users"]}
        team_readers = set().union(*(teams[t].readers for t in doc["teamIds"]))
        via_team += bool(doc["teamIds"])
        assert others <= shared_users | team_readers, doc["_id"]
        for user_id in shared_users | team_readers:
            if user_id in {ada.user_id, bob.user_id}:
                assert user_id in seed_doc.readers
    assert via_team
    shared_teams = [
        t for t in dataset.collections["teams"] if t.readers == {ada.user_id, bob.user_id}
    ]
    assert shared_teams
    for team in shared_teams:
        members = [
            m.doc for m in dataset.collections["teams/members"] if m.parent_id == team.doc["_id"]
        ]
        assert {ada.user_id, bob.user_id} <= {m.get("userId") for m in members}
        assert len(team.doc["users"]) == len(members)
    assert any(bob.user_id in g.readers for g in dataset.collections["contactgroups"])
    assert any(
        g.doc["userId"] == bob.user_id and ada.user_id in g.readers
        for g in dataset.collections["contactgroups"]
    )
    for name in ("contacts", "messages", "livefeed", "rules"):
        assert all(len(d.readers) == 1 for d in dataset.collections[name]), name


def test_ada_has_most_data() -> None:
    dataset = data()
    ada, bob = users(dataset)
    for name in TOP_LEVEL_COLLECTIONS:
        docs = dataset.collections[name]
        ada_count = sum(ada.user_id in d.readers for d in docs)
        bob_count = sum(bob.user_id in d.readers for d in docs)
        assert ada_count >= bob_count, name


def test_scale_is_linear() -> None:
    small, large = generate(seed=2, scale=0.5), generate(seed=2, scale=1.5)
    for name in COLLECTIONS:
        low, high = len(small.collections[name]), len(large.collections[name])
        if name in SINGLETON_COLLECTIONS:
            assert low == high == 2
        elif name in CHILD_COLLECTIONS:  # random per parent: only roughly linear
            if low >= 50:
                assert 2.0 < high / low < 4.0, (name, low, high)
        elif low >= 20:
            assert 2.7 < high / low < 3.3, (name, low, high)


def test_demo_size_fits_a_quick_sync() -> None:
    """Scale 1.0: ada's default streams fit in about 150 requests of 300 rows."""
    dataset = generate()
    ada = dataset.users[0]
    pages = 0
    for name in TOP_LEVEL_COLLECTIONS:
        rows = sum(ada.user_id in d.readers for d in dataset.collections[name])
        pages += max(1, -(-rows // 300))
    pages += len(SINGLETON_COLLECTIONS)
    expensive = {"contacts/notes", "livefeed/events"}  # not selected by default
    for child, parent in CHILD_COLLECTIONS.items():
        if child not in expensive:
            pages += sum(ada.user_id in d.readers for d in dataset.collections[parent])
    assert pages <= 170, pages
    counts = {name: len(docs) for name, docs in dataset.collections.items()}
    assert counts["contacts"] >= 1500
    assert counts["messages"] >= 1200


def test_large_scale_generation(capsys: pytest.CaptureFixture[str]) -> None:
    """Scale 20 yields 100,000+ objects; the time is printed (not asserted)."""
    started = time.perf_counter()
    dataset = generate(seed=1, scale=20)
    elapsed = time.perf_counter() - started
    total = sum(len(docs) for docs in dataset.collections.values())
    with capsys.disabled():
        print(f"\nseed scale=20: {total:,} objects in {elapsed:.2f} s")
    assert total >= 100_000


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_new_doc(collection: str) -> None:
    dataset = data()
    ada = dataset.users[0]
    parent_name = CHILD_COLLECTIONS.get(collection, "messages" if collection == "livefeed" else "")
    parent = None
    if parent_name:
        candidates = [
            d.doc
            for d in dataset.collections[parent_name]
            if "sent" in d.doc or parent_name != "messages"
        ]
        parent = candidates[0]
    now = REFERENCE_MS + 90 * 86_400_000
    first = new_doc(collection, rng=random.Random(4), owner=ada, now_ms=now, parent=parent)
    again = new_doc(collection, rng=random.Random(4), owner=ada, now_ms=now, parent=parent)
    assert first == again
    if (
        "_id" in first
        and OBJECT_ID.fullmatch(first["_id"])
        and collection != "meetings/transcripts"
    ):
        assert object_id_seconds(first["_id"]) == now // 1000
    if collection == "livefeed" and parent:
        assert first["_id"] == parent["_id"]
    if collection == "sequences/recipients" and parent:
        assert first["sequenceId"] == parent["_id"]
    if collection == "messages" and "sent" in first:
        assert first["sent"] >= first["created"] == now
    with pytest.raises(ValueError, match="unknown collection"):
        new_doc("nope", rng=random.Random(1), owner=ada, now_ms=now)


def test_users_beyond_ada_and_bob_each_get_data_like_adas_of_their_own() -> None:
    data = generate_users(seed=4, scale=0.3, users=4)
    assert [user.email for user in data.users] == [
        "ada@mixmax-sim.example",
        "bob@mixmax-sim.example",
        "user3@mixmax-sim.example",
        "user4@mixmax-sim.example",
    ]
    assert [user.token for user in data.users][2:] == ["sim-token-user3", "sim-token-user4"]
    ada, _bob, user3, user4 = data.users
    assert len({user.user_id for user in data.users}) == 4

    def owned(user_id: str) -> Counter[str]:
        return Counter(
            name
            for name, docs in data.collections.items()
            for item in docs
            if item.readers == frozenset({user_id})
        )

    # Each added user reads only its own objects, of every kind ada reads, about as many
    # (what bob shares with ada, and children per parent, vary with the seed).
    alone = generate(seed=4, scale=0.3)
    ada_alone = Counter(
        name
        for name, docs in alone.collections.items()
        for item in docs
        if ada.user_id in item.readers
    )
    for user in (user3, user4):
        kinds = owned(user.user_id)
        assert set(kinds) == set(ada_alone)
        assert 0.75 < kinds.total() / ada_alone.total() < 1.25
    me = {item.doc["_id"]: item.doc["email"] for item in data.collections["users/me"]}
    assert me[user4.user_id] == "user4@mixmax-sim.example"
