"""The streams' JSON schemas agree with the catalog and with the simulator's seed data.

Every generated document of every collection, after the tap's timestamp normalisation and
with the parent id the tap adds to child rows, validates against its stream's schema; no
field of the data is undeclared; every field the catalog lists is declared.
"""

from __future__ import annotations

import copy
import json
import random
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from tap_mixmax.conform import normalize
from tap_mixmax.simulator.seed import (
    CHILD_COLLECTIONS,
    COLLECTIONS,
    REFERENCE_MS,
    Dataset,
    generate,
    new_doc,
)
from tap_mixmax.simulator.topology import DERIVED_STREAMS

RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"

# stream -> (simulator collection, field the tap adds to carry the parent id, or None)
STREAMS: dict[str, tuple[str, str | None]] = {
    "sequences": ("sequences", None),
    "sequence_folders": ("sequencefolders", None),
    "messages": ("messages", None),
    "live_feed": ("livefeed", None),
    "snippets": ("snippets", None),
    "snippet_tags": ("snippettags", None),
    "code_snippets": ("codesnippets", None),
    "contacts": ("contacts", None),
    "contact_groups": ("contactgroups", None),
    "file_requests": ("filerequests", None),
    "meeting_types": ("meetingtypes", None),
    "meeting_invites": ("meetinginvites", None),
    "meeting_summaries": ("meetings/summaries", None),
    "insights_reports": ("insightsreports", None),
    "integration_commands": ("integrations/commands", None),
    "integration_enhancements": ("integrations/enhancements", None),
    "integration_link_resolvers": ("integrations/linkresolvers", None),
    "integration_sidebars": ("integrations/sidebars", None),
    "rules": ("rules", None),
    "teams": ("teams", None),
    "unsubscribes": ("unsubscribes", None),
    "polls": ("polls", None),
    "qa": ("qa", None),
    "yes_no": ("yesno", None),
    "reminders": ("reminders", None),
    "events": ("events", None),
    "current_user": ("users/me", None),
    "user_preferences": ("userpreferences/me", None),
    "appointment_links": ("appointmentlinks/me", None),
    "sequence_recipients": ("sequences/recipients", None),
    "snippet_tag_snippets": ("snippettags/snippets", "tagId"),
    "contact_notes": ("contacts/notes", None),
    "contact_group_members": ("contactgroups/contacts", "groupId"),
    "rule_actions": ("rules/actions", None),
    "team_members": ("teams/members", "teamId"),
    "live_feed_events": ("livefeed/events", "messageId"),
    "meeting_transcripts": ("meetings/transcripts", "summaryId"),
}

# Streams whose records are free-form objects (docs/mixmax-api.md §2.28: "treat as an open object").
OPEN_STREAMS = frozenset({"user_preferences"})

PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "appointment_links": ("userId",),
    "snippet_tag_snippets": ("tagId", "_id"),
    "contact_group_members": ("groupId", "_id"),
    "team_members": ("teamId", "memberId"),
    "live_feed_events": ("messageId", "_id"),
}

# Top-level fields the catalog (docs/mixmax-api.md §2) lists per endpoint.
CONTACT_FIELDS = (
    "_id userId email name timestamp usedCount contactId salesforceId meta locked groups notes "
    "analytics"
)
CATALOG_FIELDS: dict[str, str] = {
    "contacts": CONTACT_FIELDS,
    "contact_notes": "_id userId contactId text createdAt modifiedAt",
    "contact_groups": "_id userId name shared count groupId",
    "contact_group_members": CONTACT_FIELDS,
    "file_requests": "_id userId timestamp uploads",
    "meeting_summaries": "_id",
    "meeting_transcripts": "_id",
    "sequences": (
        "_id userId createdAt updatedAt name sendStagesAsReplies stages cc bcc linkTrackingEnabled "
        "notificationsEnabled fileTrackingEnabled syncToOrg teamIds variables crmsConnected "
        "timezone shared isPaused"
    ),
    "sequence_recipients": (
        "_id userId createdAt updatedAt sequenceId email state variables sequence completedReason "
        "lastStageSentOrdinal rstFailed to analytics stages"
    ),
    "snippet_tags": "_id userId createdAt savedAt name shared isInline count",
    "snippet_tag_snippets": "_id userId createdAt savedAt savedBy name title source isInline",
    "snippets": (
        "_id userId createdAt savedAt savedBy deletedAt archivedAt title source name shared "
        "customShortcut tag_id tag_name"
    ),
    "messages": (
        "_id userId created updatedAt from to cc bcc subject body trackingEnabled "
        "linkTrackingEnabled fileTrackingEnabled notificationsEnabled teamIds followUp "
        "attachments snippetIds sequence scheduled sent sendingError errorResponse crmsConnected "
        "showContentTeamFeed syncToOrg"
    ),
    "live_feed": (
        "_id userId recipients fromEmail fromName subject sent service serviceMessageId "
        "serviceThreadId includeInTeamLiveFeed showContentTeamFeed"
    ),
    "live_feed_events": (
        "_id type timestamp recipientEmail recipientName country region city os program isMobile "
        "linkUrl linkText fileName messageId"
    ),
    "events": (
        "_id threadId subject timestamp recipientEmail recipientName userId device location "
        "object action recipients"
    ),
    "sequence_folders": "_id userId createdAt savedAt name sequenceIds shared",
    "code_snippets": "_id userId createdAt html title background theme language code",
    "integration_commands": (
        "_id id userId createdAt name commands parameterPlaceholder commandResolverUrl "
        "commandParameterHintsUrl shared"
    ),
    "integration_enhancements": (
        "_id id userId createdAt name icon iconTooltip editorUrl resolverUrl activateUrl "
        "editorHeight editorWidth category commands isEditable shared"
    ),
    "integration_link_resolvers": "_id id userId createdAt description resolverUrl regex order",
    "integration_sidebars": (
        "_id name url iconColor iconImage iconName mixmaxId iconHTML userId createdAt"
    ),
    "rules": "_id userId createdAt modifiedAt name trigger filter isPaused actions",
    "rule_actions": "_id ruleId type isPaused createdAt modifiedAt",
    "meeting_types": (
        "_id userId createdAt updatedAt name durationMin daysFromNow day0 day1 day2 day3 day4 "
        "day5 day6 defaults link buffer type calendarIds customFields defaultGuests "
        "guestsCanModifyInvites includeMessagePermaLink integrations preventDoubleBooking "
        "reducedInterval roomsAndResources anyRoomInBuilding roundRobinQueue ruleIds"
    ),
    "meeting_invites": (
        "_id userId creationDate location description title timezone calendarName locale "
        "guestsCanModify timeslots allowDoubleBookings additionalGuests meetingTypeId "
        "createdById customFields integrations"
    ),
    "insights_reports": "_id userId createdAt updatedAt title type query",
    "teams": "_id createdAt modifiedAt name users members",
    "team_members": "userId memberId email role accepted invitedAt acceptedAt teamId",
    "unsubscribes": "_id email name teamId messageId createdAt",
    "polls": "_id userId created livePoll options",
    "qa": "_id creatorId creationDate title questions",
    "yes_no": "_id userId created text answers",
    "reminders": (
        "_id userId trigger threadSubject description date service serviceMessageId "
        "serviceThreadId mixmaxMessageId dismissed createdAt"
    ),
    "current_user": "_id",
    "user_preferences": (
        "_id userId addUnsubscribeLinkToSequences alwaysReplyFromDefaultAddress appHotkeyMac "
        "appHotkeyWin autoBccAddress autoBccExcludedDomains autoBccExcludedEmails "
        "autoLinkConversionEnabled calendarAdditionalGuests calendarAppointmentSlots "
        "calendarAvailabilityDescription defaultTrackingEnabled defaultLinkTrackingEnabled "
        "defaultFileTrackingEnabled defaultNotificationsEnabled defaultFollowup "
        "defaultMeetingLength defaultMeetingType sendFromAccounts signatures undoDelay "
        "undoSendEnabled weekStartDay workHours"
    ),
    "appointment_links": "userId name",
}

# Property names that hold instants wherever they appear; all must be date-time.
TIME_NAMES = frozenset(
    [
        "createdAt",
        "updatedAt",
        "savedAt",
        "modifiedAt",
        "deletedAt",
        "archivedAt",
        "timestamp",
        "created",
        "sent",
        "scheduled",
        "creationDate",
        "date",
        "invitedAt",
        "acceptedAt",
        "dateInvited",
        "dateAccepted",
        "scheduledAt",
        "sentAt",
        "processedAt",
        "startedAt",
        "endedAt",
        "respondedAt",
    ]
)
# Nested start/end that are instants (others are times of day or day counts).
TIME_PATHS = frozenset({"meeting_invites:timeslots[].start", "meeting_invites:timeslots[].end"})
# Time-like names that are counts here (contact analytics: messages sent).
NOT_TIME_PATHS = frozenset({"contacts:analytics.sent", "contact_group_members:analytics.sent"})


@cache
def schema(stream: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMA_DIR / f"{stream}.json").read_text())
    return loaded


@cache
def dataset() -> Dataset:
    return generate(seed=7, scale=0.2)


def as_record(stream: str, raw: dict[str, Any], parent_id: str | None) -> dict[str, Any]:
    """What the tap emits for a simulator document (before normalisation)."""
    record = copy.deepcopy(raw)
    record.pop("_stages", None)  # private to the simulator, removed before serving
    parent_field = STREAMS[stream][1]
    if parent_field and parent_id is not None:
        record[parent_field] = parent_id
    return record


def _accepts(node: dict[str, Any], value: Any) -> bool:
    """Whether ``node``'s type admits the JSON container/scalar kind of ``value``."""
    if "anyOf" in node:
        return any(_accepts(option, value) for option in node["anyOf"])
    types = node.get("type", [])
    types = [types] if isinstance(types, str) else types
    if isinstance(value, dict):
        return "object" in types
    if isinstance(value, list):
        return "array" in types
    return True


def undeclared(value: Any, node: dict[str, Any], path: str = "") -> list[str]:
    """Paths in ``value`` that ``node`` does not declare (objects with declared properties)."""
    options = [o for o in (node, *node.get("anyOf", [])) if _accepts(o, value)]
    found: list[str] = []
    if isinstance(value, dict):
        declared = next((o for o in options if "properties" in o), None)
        if declared is None:
            return found
        properties = declared["properties"]
        for key, item in value.items():
            if key not in properties:
                # Free-form objects (contact meta, user preferences) keep undeclared keys.
                if not declared.get("additionalProperties"):
                    found.append(f"{path}.{key}")
            else:
                found.extend(undeclared(item, properties[key], f"{path}.{key}"))
    elif isinstance(value, list):
        array_options = [o for o in options if isinstance(o.get("items"), dict)]
        for index, item in enumerate(value):
            where = f"{path}[{index}]"
            fitting = [o["items"] for o in array_options if _accepts(o["items"], item)]
            if not fitting:
                found.append(f"{where} (no item schema admits it)")
                continue
            candidates: list[list[str]] = [undeclared(item, o, where) for o in fitting]
            best = min(candidates, key=len)
            found.extend(best)
    return found


def _is_rfc3339(value: object) -> bool:
    """RFC 3339 date-time (jsonschema checks this format only with an optional extra).

    Like every format, it applies to strings only; ``type`` rules out the rest.
    """
    if not isinstance(value, str):
        return True
    if not RFC3339.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return False
    return True


FORMATS = FormatChecker(formats=())
FORMATS.checks("date-time")(_is_rfc3339)


def check(stream: str, record: dict[str, Any]) -> None:
    node = schema(stream)
    normalized = normalize(record, node)
    validator = Draft202012Validator(node, format_checker=FORMATS)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(normalized)]
    assert not errors, (stream, record.get("_id"), errors[:5])
    extra = undeclared(record, node)
    assert not extra, (stream, extra)


def test_every_stream_has_a_schema_and_nothing_else() -> None:
    derived = set(DERIVED_STREAMS)  # validated by the SDK suite against real responses
    assert {path.stem for path in SCHEMA_DIR.glob("*.json")} == set(STREAMS) | derived
    assert {collection for collection, _ in STREAMS.values()} == set(COLLECTIONS)


@pytest.mark.parametrize("stream", sorted(STREAMS))
def test_schema_is_valid_json_schema(stream: str) -> None:
    node = schema(stream)
    Draft202012Validator.check_schema(node)
    assert node["type"] == "object"
    # Only documented free-form objects are open: a typo'd key must not pass silently.
    assert node.get("additionalProperties", False) is (stream in OPEN_STREAMS)


@pytest.mark.parametrize("stream", sorted(STREAMS))
def test_catalog_fields_declared(stream: str) -> None:
    declared = set(schema(stream)["properties"])
    missing = set(CATALOG_FIELDS[stream].split()) - declared
    assert not missing, missing


@pytest.mark.parametrize("stream", sorted(STREAMS))
def test_primary_keys_required_and_everything_else_nullable(stream: str) -> None:
    properties = schema(stream)["properties"]
    keys = PRIMARY_KEYS.get(stream, ("_id",))
    for key in keys:
        assert properties[key] == {"type": "string"}, key
    parent_field = STREAMS[stream][1]
    if parent_field:
        assert parent_field in properties

    def nullable(node: dict[str, Any]) -> bool:
        if "anyOf" in node:
            return any(nullable(option) for option in node["anyOf"])
        types = node.get("type")
        return types == "null" or (isinstance(types, list) and "null" in types)

    def walk(node: dict[str, Any], path: str, top: bool) -> None:
        for name, child in node.get("properties", {}).items():
            if not (top and name in keys):
                assert nullable(child), f"{stream}:{path}{name} is not nullable"
            walk(child, f"{path}{name}.", top=False)
        for option in node.get("anyOf", []):
            walk(option, path, top=False)
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{path}[].", top=False)

    walk(schema(stream), "", top=True)


@pytest.mark.parametrize("stream", sorted(STREAMS))
def test_time_fields_are_date_time(stream: str) -> None:
    def walk(node: dict[str, Any], path: str) -> None:
        for name, child in node.get("properties", {}).items():
            full = f"{path}{name}"
            if f"{stream}:{full}" in NOT_TIME_PATHS:
                assert child["type"] == ["integer", "null"]
            elif name in TIME_NAMES or f"{stream}:{full}" in TIME_PATHS:
                assert child.get("format") == "date-time", f"{stream}:{full}"
                assert child.get("type") == ["string", "null"], f"{stream}:{full}"
            walk(child, f"{full}.")
        for option in node.get("anyOf", []):
            walk(option, path)
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{path[:-1]}[]." if path else "[].")

    walk(schema(stream), "")


@pytest.mark.parametrize("stream", sorted(STREAMS))
def test_seed_documents_validate(stream: str) -> None:
    collection, _ = STREAMS[stream]
    docs = dataset().collections[collection]
    assert docs, collection
    for seed_doc in docs:
        check(stream, as_record(stream, seed_doc.doc, seed_doc.parent_id))


def test_sequences_expanded_stages_validate() -> None:
    for seed_doc in dataset().collections["sequences"]:
        record = as_record("sequences", seed_doc.doc, None)
        record["stages"] = copy.deepcopy(seed_doc.doc["_stages"])
        check("sequences", record)


@pytest.mark.parametrize("stream", sorted(STREAMS))
def test_inserted_documents_validate(stream: str) -> None:
    collection, _ = STREAMS[stream]
    data = dataset()
    parent_collection = CHILD_COLLECTIONS.get(collection)
    parent = data.collections[parent_collection][0] if parent_collection else None
    rng = random.Random(11)
    for owner in data.users:
        for offset in range(10):
            doc = new_doc(
                collection,
                rng=rng,
                owner=owner,
                now_ms=REFERENCE_MS + 40 * 86_400_000 + offset,
                parent=parent.doc if parent else None,
            )
            check(stream, as_record(stream, doc, parent.doc["_id"] if parent else None))


def test_checks_catch_mistakes() -> None:
    """The helpers above really reject bad data (guards against a vacuous suite)."""
    record = {"_id": "x", "stages": [{"foo": 1}], "shared": {"users": [{"zz": 1}]}}
    assert undeclared(record, schema("sequences")) == [".stages[0].foo", ".shared.users[0].zz"]
    assert not _is_rfc3339("2026-13-01T00:00:00Z")
    assert not _is_rfc3339("1793491200000")
    assert _is_rfc3339("2026-11-01T00:00:00.000Z")
    with pytest.raises(AssertionError):
        check("messages", {"_id": "x", "subject": 5})
    with pytest.raises(AssertionError):
        check("messages", {"_id": "x", "surprise": 1})


def test_normalized_timestamps_are_rfc3339() -> None:
    seed_doc = dataset().collections["sequences/recipients"][0]
    record = normalize(
        as_record("sequence_recipients", seed_doc.doc, None), schema("sequence_recipients")
    )
    assert record["createdAt"].endswith("Z")
    assert isinstance(record["stages"][0]["scheduledAt"], str)
    reminder = dataset().collections["reminders"][0].doc
    normalized = normalize(reminder, schema("reminders"))
    assert normalized["date"].startswith("20")
