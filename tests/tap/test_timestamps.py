"""Mixmax's mixed time formats, each turned into one RFC 3339 UTC string (or None)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tap_mixmax.conform import normalize
from tap_mixmax.timestamps import to_rfc3339

MOMENT = "2024-03-01T12:34:56.789Z"
MILLIS = 1_709_296_496_789


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (MILLIS, MOMENT),
        (float(MILLIS), MOMENT),
        (Decimal(MILLIS), MOMENT),
        (str(MILLIS), MOMENT),
        (f"  {MILLIS} ", MOMENT),
        (1_709_296_496, "2024-03-01T12:34:56.000Z"),  # ten digits: seconds
        (99_999_999_999, "5138-11-16T09:46:39.000Z"),  # the largest value read as seconds
        (100_000_000_000, "1973-03-03T09:46:40.000Z"),  # the smallest read as milliseconds
        (-100_000_000_000, "1966-10-31T14:13:20.000Z"),  # before the epoch: milliseconds too
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),  # the last millisecond of 9999
        ("-5", "1969-12-31T23:59:55.000Z"),
        (-86_400, "1969-12-31T00:00:00.000Z"),
        ("-86400", "1969-12-31T00:00:00.000Z"),
        (0, "1970-01-01T00:00:00.000Z"),
        (MOMENT, MOMENT),
        ("2024-03-01T12:34:56.789+00:00", MOMENT),
        ("2024-03-01T14:34:56.789+02:00", MOMENT),  # offsets become UTC
        ("2024-03-01T12:34:56.789", MOMENT),  # no offset: UTC
        ("2024-03-01", "2024-03-01T00:00:00.000Z"),
    ],
)
def test_times_in_every_format_become_rfc3339_utc(value: Any, expected: str) -> None:
    assert to_rfc3339(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        *(None, True, False, "", "   ", "yesterday", "2024-13-01", 10**20, float("inf"), [], {}),
        253_402_300_800_000,  # year 10000: RFC 3339 has four-digit years
        "--5",
    ],
)
def test_what_is_not_a_time_becomes_none(value: Any) -> None:
    assert to_rfc3339(value) is None


def test_normalize_follows_the_schema_into_objects_arrays_and_any_of() -> None:
    time = {"type": ["string", "null"], "format": "date-time"}
    schema = {
        "type": "object",
        "properties": {
            "at": time,
            "name": {"type": "string"},
            "free": {"type": "object"},  # no declared properties: left as sent
            "list": {"type": "array", "items": {"type": "object", "properties": {"at": time}}},
            "either": {
                "anyOf": [
                    {"type": "string"},
                    {"type": "array", "items": time},
                    {"type": "object", "properties": {"at": time}},
                ]
            },
        },
    }
    record = {
        "at": MILLIS,
        "name": str(MILLIS),  # a string field that looks like a time stays a string
        "undeclared": MILLIS,
        "free": {"at": MILLIS},
        "list": [{"at": MILLIS}, {"at": None}],
        "either": [MILLIS],
    }
    assert normalize(record, schema) == {
        "at": MOMENT,
        "name": str(MILLIS),
        "undeclared": MILLIS,
        "free": {"at": MILLIS},
        "list": [{"at": MOMENT}, {"at": None}],
        "either": [MOMENT],
    }
    assert normalize({**record, "either": "text"}, schema)["either"] == "text"
    assert normalize(None, schema) is None


def test_an_array_whose_items_are_not_described_is_left_as_sent() -> None:
    assert normalize([MILLIS], {"type": "array"}) == [MILLIS]
    assert normalize([MILLIS], {"type": "array", "items": [time_schema()]}) == [MILLIS]


def time_schema() -> dict[str, Any]:
    return {"type": "string", "format": "date-time"}


def test_any_of_picks_the_option_of_the_values_own_container_type() -> None:
    time = time_schema()
    either = {
        "anyOf": [
            {"type": "object", "properties": {"at": time}},
            {"type": ["array", "null"], "items": time},
        ]
    }
    assert normalize([MILLIS], either) == [MOMENT]
    assert normalize(MILLIS, either) == MILLIS  # a scalar matches neither container
