"""Seed data exercises every documented type, so a schema guessing a type wrong fails a test.

The seed rows, after the tap's timestamp normalisation, must show every branch of every union
in the schemas (a type list with two non-null types, or ``anyOf``), and a fractional value for
every field typed ``number`` (so typing it ``integer`` would fail validation); fields Mixmax
sends only on request (``expand``, ``withAnalytics``) are listed below. Free-form objects carry
keys the schema does not list. (Every row validating against its schema is
``tests/tap/test_schemas.py``.)
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tap_mixmax.conform import normalize
from tap_mixmax.simulator import topology
from tap_mixmax.simulator.seed import Dataset, generate
from tap_mixmax.simulator.topology import BY_STREAM

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"

# Fields only present when a request asks for them (or never in the simulator's data), with
# the reason; their types come from the catalog alone.
ON_REQUEST: dict[str, str] = {
    "contacts:analytics": "withAnalytics=true",
    "contacts:groups": "expand=groups",
    "contacts:notes": "expand=notes",
    "contact_group_members:analytics": "withAnalytics=true",
    "contact_group_members:groups": "expand=groups",
    "contact_group_members:notes": "expand=notes",
    "contact_groups:count": "expand=count",
    "contact_groups:groupId": "catalog lists it; no seeded group has one",
    "rules:actions": "expand=actions",
    "sequences:stages": "expand=stages gives objects; ids are checked below",
    "snippets:tag_id": "a tag listing's field",
    "snippets:tag_name": "a tag listing's field",
    "teams:members": "expand=members",
    "meeting_summaries:score": "only in search() envelopes; tested with the route",
}
# Documented as numbers but positions in a queue: whole numbers are all a real row can hold.
WHOLE_NUMBERS = {"meeting_types:roundRobinQueue[]"}
# The tap adds these parent ids to child rows; the seed holds them as parent_id.
ADDED_BY_TAP = {"tagId", "groupId", "teamId", "messageId", "summaryId"}

JSON_TYPES = {
    "string": str,
    "boolean": bool,
    "object": dict,
    "array": list,
}


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number" if not value.is_integer() else "integer"
    for name, kind in JSON_TYPES.items():
        if isinstance(value, kind):
            return name
    raise AssertionError(f"not JSON: {value!r}")


@cache
def dataset() -> Dataset:
    return generate(seed=3, scale=0.5)


def schema(stream: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMA_DIR / f"{stream}.json").read_text())
    return loaded


def seen_types(stream: str) -> dict[str, set[str]]:
    """Path ("a.b[]") -> JSON types of the values found there in the seed."""
    seen: dict[str, set[str]] = defaultdict(set)

    def walk(value: Any, path: str) -> None:
        seen[path].add(json_type(value))
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else key)
        elif isinstance(value, list):
            for item in value:
                walk(item, f"{path}[]")

    node = schema(stream)
    for seed_doc in dataset().collections[BY_STREAM[stream].key]:
        record = {k: v for k, v in seed_doc.doc.items() if not k.startswith("_") or k == "_id"}
        for key, item in normalize(record, node).items():
            walk(item, key)
    return seen


def branches(node: dict[str, Any], path: str) -> Iterator[tuple[str, set[str], dict[str, Any]]]:
    """(path, admitted non-null types, node) for every typed node of a schema."""
    options = node.get("anyOf")
    if options:
        types = {t for o in options for t in _types(o)}
        yield path, types, node
        for option in options:
            yield from branches(option, path)
        return
    yield path, _types(node), node
    for key, child in node.get("properties", {}).items():
        yield from branches(child, f"{path}.{key}" if path else key)
    if isinstance(node.get("items"), dict):
        yield from branches(node["items"], f"{path}[]")


def _types(node: dict[str, Any]) -> set[str]:
    raw = node.get("type", [])
    return {t for t in ([raw] if isinstance(raw, str) else raw) if t != "null"}


def covers(wanted: str, seen: set[str]) -> bool:
    if wanted == "number":  # a fractional value proves "integer" would be wrong
        return "number" in seen
    return wanted in seen


STREAMS = sorted(
    path.stem
    for path in SCHEMA_DIR.glob("*.json")
    if path.stem not in topology.DERIVED_STREAMS  # no documents of their own
)


@pytest.mark.parametrize("stream", STREAMS)
def test_every_documented_type_occurs_in_the_seed(stream: str) -> None:
    seen = seen_types(stream)
    missing = []
    for path, types, node in branches(schema(stream), ""):
        if not path or path.split(".")[0] in ADDED_BY_TAP:
            continue
        if any(
            path == p.split(":")[1]
            or path.startswith(p.split(":")[1] + ".")
            or path.startswith(p.split(":")[1] + "[]")
            for p in ON_REQUEST
            if p.startswith(stream + ":")
        ):
            continue
        if len(types) < 2 and "anyOf" not in node and types != {"number"}:
            continue  # a single type: test_schemas validates every row against it
        seen_here = seen.get(path, set())
        if f"{stream}:{path}" in WHOLE_NUMBERS and "integer" in seen_here:
            seen_here = seen_here | {"number"}
        missing += [f"{path}: {t}" for t in sorted(types) if not covers(t, seen_here)]
    assert not missing, (stream, missing)


def test_the_type_fixes_of_issue_9() -> None:
    """The documented types, spelled out: a schema reverting one fails here."""
    crms = schema("sequences")["properties"]["crmsConnected"]["items"]["properties"]
    assert crms["logTo"]["type"] == ["boolean", "null"]
    window = schema("sequence_recipients")["properties"]["stages"]["items"]["properties"][
        "scheduleBetween"
    ]["properties"]
    assert (
        set(window["start"]["type"])
        == set(window["end"]["type"])
        == {
            "number",
            "string",
            "null",
        }
    )
    for stream, field in (
        ("meeting_types", "durationMin"),
        ("meeting_types", "buffer"),
        ("integration_link_resolvers", "order"),
        ("integration_enhancements", "editorHeight"),
        ("integration_enhancements", "editorWidth"),
    ):
        assert schema(stream)["properties"][field]["type"] == ["number", "null"], field


@pytest.mark.parametrize(
    ("stream", "path"),
    [
        ("contacts", ("meta",)),
        ("contact_group_members", ("meta",)),
        ("sequence_recipients", ("variables",)),
    ],
)
def test_free_form_objects_are_open_and_the_seed_uses_it(
    stream: str, path: tuple[str, ...]
) -> None:
    node = schema(stream)
    for key in path:
        node = node["properties"][key]
    assert node["additionalProperties"] is True
    declared = set(node.get("properties", {}))
    extra = set()
    for seed_doc in dataset().collections[BY_STREAM[stream].key]:
        value: Any = seed_doc.doc
        for key in path:
            value = value.get(key) or {}
        extra |= set(value) - declared
    assert extra, f"no {stream} row carries an undeclared key under {path}"


def test_user_preferences_are_an_open_object() -> None:
    """docs/mixmax-api.md §2.28: "treat as an open object", so keys no one has listed
    reach the records.
    The seed itself sends only declared keys at the top level: the SDK's standard tap tests
    require every top-level record key to be in the catalog."""
    assert schema("user_preferences")["additionalProperties"] is True
