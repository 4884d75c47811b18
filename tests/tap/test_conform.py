"""The compiled in-place conformer against the SDK's conformance and independent times.

For every stream's schema, records built from the schema (right and wrong types, times in
every format the API has used, undeclared properties, nesting) go through the tap's
conformer and through the expected path: times worked out by ``tests/tap/expected_times.py``
(the standard library, none of the tap's code, itself pinned to literals below), then the
SDK's own type conformance. The encoded records must be equal. Encoding is the msgspec
writer's, which writes non-finite floats as null as the SDK's conformance did before its
writer ran.
"""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from singer_sdk.helpers._typing import conform_record_data_types
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_mixmax.conform import RecordConformer
from tap_mixmax.schemas import schema_dir
from tap_mixmax.timestamps import to_rfc3339
from tests.tap.expected_times import expected_record, expected_time

SCHEMAS = {
    path.name.removesuffix(".json"): json.loads(path.read_text())
    for path in sorted(schema_dir().iterdir(), key=lambda p: p.name)
    if path.name.endswith(".json")
}
LOGGER = logging.getLogger("test-conform")

# Epoch milliseconds from 1967 to 2100: outside that span the tap is a millisecond short
# today (test_times_the_tap_gets_wrong_today).
PRECISE_FROM, PRECISE_UNTIL = -(10**11) + 1, 4_102_444_800_000
YEAR_ONE = -62_135_596_800  # in epoch seconds; earlier is no time at all
times = st.one_of(
    st.integers(min_value=PRECISE_FROM, max_value=PRECISE_UNTIL - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.datetimes().map(lambda moment: moment.isoformat()),
    st.sampled_from(["", " ", "2024-01-02", "2024-01-02T03:04:05Z", "1700000000", "nope"]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    times,
)
any_json = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)


def objects(schema: dict[str, Any], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with some of the declared properties and perhaps an undeclared one."""
    declared = {key: shaped(sub, depth + 1) for key, sub in schema["properties"].items()}
    return st.tuples(
        st.fixed_dictionaries({}, optional=declared),
        st.dictionaries(st.sampled_from(["zz", "undeclared"]), any_json, max_size=1),
    ).map(lambda pair: {**pair[0], **pair[1]})


def shaped(schema: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values mostly of the shape ``schema`` declares, sometimes anything at all."""
    options: list[st.SearchStrategy[Any]] = [scalars]
    if depth < 4:
        if "properties" in schema:
            options.append(objects(schema, depth))
        if isinstance(schema.get("items"), dict):
            options.append(st.lists(shaped(schema["items"], depth + 1), max_size=3))
        options.extend(shaped(option, depth + 1) for option in schema.get("anyOf", []))
    if schema.get("format") == "date-time":
        options.append(times)
    return st.one_of(*options)


def encoded(record: dict[str, Any]) -> Any:
    return msgspec.json.decode(msgspec.json.encode(record))


@pytest.mark.parametrize("stream", sorted(SCHEMAS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_fast_path_equals_the_sdk_way(stream: str, data: st.DataObject) -> None:
    schema = SCHEMAS[stream]
    record = data.draw(objects(schema))

    sdk_way = conform_record_data_types(
        stream,
        expected_record(copy.deepcopy(record), schema),
        schema,
        TypeConformanceLevel.RECURSIVE,
        LOGGER,
    )
    fast = RecordConformer(stream, schema, LOGGER)(copy.deepcopy(record))

    assert encoded(fast) == encoded(sdk_way)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_catalog_schema_of_its_own_is_conformed_to_as_the_sdk_did(data: st.DataObject) -> None:
    # A catalog that drops a property and a time format: the SDK conformed records to
    # the catalog's schema, while times followed the stream's declared schema.
    schema = SCHEMAS["sequences"]
    catalog_schema = copy.deepcopy(schema)
    del catalog_schema["properties"]["name"]
    del catalog_schema["properties"]["createdAt"]["format"]
    record = data.draw(objects(schema))

    sdk_way = conform_record_data_types(
        "sequences",
        expected_record(copy.deepcopy(record), schema),
        catalog_schema,
        TypeConformanceLevel.RECURSIVE,
        LOGGER,
    )
    fast = RecordConformer("sequences", schema, LOGGER, catalog_schema)(copy.deepcopy(record))

    assert encoded(fast) == encoded(sdk_way)


# Hand-written: each value, what the README says it becomes. The expected path above is
# checked against these, and so is the tap, through a record of a real stream.
LITERALS: list[tuple[Any, str | None]] = [
    (1_709_296_496_789, "2024-03-01T12:34:56.789Z"),  # epoch milliseconds
    (1_709_296_496_789.0, "2024-03-01T12:34:56.789Z"),
    ("1709296496789", "2024-03-01T12:34:56.789Z"),  # digits in a string
    (1_709_296_496, "2024-03-01T12:34:56.000Z"),  # epoch seconds
    (1_709_296_496.25, "2024-03-01T12:34:56.250Z"),
    (99_999_999_999, "5138-11-16T09:46:39.000Z"),  # the largest seconds
    (100_000_000_000, "1973-03-03T09:46:40.000Z"),  # the smallest milliseconds
    (0, "1970-01-01T00:00:00.000Z"),
    (-1, "1969-12-31T23:59:59.000Z"),
    (1_709_337_599_999, "2024-03-01T23:59:59.999Z"),
    (4_102_444_799_999, "2099-12-31T23:59:59.999Z"),
    ("2024-03-05T06:07:08.9", "2024-03-05T06:07:08.900Z"),  # no offset: UTC
    ("2024-03-05T06:07:08.123456Z", "2024-03-05T06:07:08.123Z"),  # cut, not rounded
    (" 2024-03-05T06:07:08Z ", "2024-03-05T06:07:08.000Z"),
    ("2024-03-05T06:07:08+05:30", "2024-03-05T00:37:08.000Z"),
    ("2024-03-05T01:07:08-05:00", "2024-03-05T06:07:08.000Z"),
    ("2024-03-01T00:30:00+01:00", "2024-02-29T23:30:00.000Z"),  # back across a leap day
    ("2024-03-05", "2024-03-05T00:00:00.000Z"),
    ("", None),
    ("   ", None),
    ("yesterday", None),
    ("31/02/2024", None),
    ("2024-02-30", None),
    (True, None),
    (float("nan"), None),
    (float("inf"), None),
    (1e300, None),
    ({"$date": 1}, None),
    ([1_709_296_496_789], None),
]


@pytest.mark.parametrize(("value", "expected"), LITERALS)
def test_times_become_the_literal_the_readme_gives(value: Any, expected: str | None) -> None:
    assert expected_time(value) == expected
    conformer = RecordConformer("reminders", SCHEMAS["reminders"], LOGGER)
    assert conformer({"_id": "r", "createdAt": copy.deepcopy(value)})["createdAt"] == expected


def test_nested_and_listed_times_become_literals() -> None:
    # sequence_recipients: a time at the top, in an array of objects, and untouched
    # non-time siblings; the expected record is written out by hand.
    schema = SCHEMAS["sequence_recipients"]
    record = {
        "_id": "r1",
        "createdAt": 1_709_296_496_789,
        "stages": [{"scheduledAt": "2024-03-05T01:07:08-05:00", "state": "sent"}],
    }
    expected = {
        "_id": "r1",
        "createdAt": "2024-03-01T12:34:56.789Z",
        "stages": [{"scheduledAt": "2024-03-05T06:07:08.000Z", "state": "sent"}],
    }
    assert expected_record(copy.deepcopy(record), schema) == expected
    fast = RecordConformer("sequence_recipients", schema, LOGGER)(copy.deepcopy(record))
    assert {key: fast[key] for key in expected} == expected


@settings(max_examples=3000, deadline=None)
@given(st.integers(min_value=YEAR_ONE, max_value=PRECISE_UNTIL - 1))
def test_epoch_milliseconds_read_exactly(value: int) -> None:
    expected = expected_time(value)
    assert expected is not None
    assert to_rfc3339(value) == expected
    assert to_rfc3339(float(value)) == expected  # floats take the datetime path


# Faults the tap had (found by issue 21's round-2 tests): integer epoch milliseconds
# outside 1967-2100 went through floating point and came out a millisecond short; "--5"
# passed the digits check and int() raised; an offset that moved a time past year 1 or
# 9999 raised from astimezone. A server can send any of them.
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (72_734_766_026_336, "4274-11-15T13:40:26.336Z"),
        (-9_541_047_957_641, "1667-08-28T04:54:02.359Z"),
        ("--5", None),
        ("0001-01-01T00:00:00+05:00", None),
        ("9999-12-31T23:00:00-05:00", None),
    ],
)
def test_times_the_tap_once_got_wrong(value: Any, expected: str | None) -> None:
    assert expected_time(value) == expected
    assert to_rfc3339(value) == expected


def test_unreadable_times_are_counted_per_field(caplog: pytest.LogCaptureFixture) -> None:
    conformer = RecordConformer("reminders", SCHEMAS["reminders"], LOGGER)
    with caplog.at_level(logging.INFO, logger=LOGGER.name):
        for _ in range(10):
            assert conformer({"_id": "r", "createdAt": "soon"})["createdAt"] is None
        assert conformer({"_id": "r", "createdAt": ""})["createdAt"] is None
    assert conformer.unparsed == {"createdAt": 10}
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2
    assert "reminders: field 'createdAt' holds 'soon'" in lines[0]
    assert "10 values of field 'createdAt'" in lines[1]


def test_a_digit_python_cannot_read_as_a_number_is_not_a_time():
    # Found by hypothesis: '¹'.isdigit() is True, int('¹') raises.
    assert to_rfc3339("¹") is None
    assert to_rfc3339("1700000000000") == "2023-11-14T22:13:20.000Z"
