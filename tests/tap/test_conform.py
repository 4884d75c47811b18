"""The compiled in-place conformer gives what the SDK's conformance and ``normalize`` gave.

For every stream's schema, records built from the schema (right and wrong types, times in
every format the API has used, undeclared properties, nesting) go through both paths; the
encoded records must be equal. Encoding is the msgspec writer's, which writes non-finite
floats as null as the SDK's conformance did before its writer ran.
"""

from __future__ import annotations

import copy
import json
import logging
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from singer_sdk.helpers._typing import conform_record_data_types
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_mixmax.conform import RecordConformer, normalize
from tap_mixmax.schemas import schema_dir
from tap_mixmax.timestamps import FAST_MILLISECONDS_END, SECONDS_CEILING, to_rfc3339

SCHEMAS = {
    path.name.removesuffix(".json"): json.loads(path.read_text())
    for path in sorted(schema_dir().iterdir(), key=lambda p: p.name)
    if path.name.endswith(".json")
}
LOGGER = logging.getLogger("test-conform")

times = st.one_of(
    st.integers(min_value=-(10**13), max_value=10**14),
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
        normalize(copy.deepcopy(record), schema),
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
        normalize(copy.deepcopy(record), schema),
        catalog_schema,
        TypeConformanceLevel.RECURSIVE,
        LOGGER,
    )
    fast = RecordConformer("sequences", schema, LOGGER, catalog_schema)(copy.deepcopy(record))

    assert encoded(fast) == encoded(sdk_way)


@settings(max_examples=3000, deadline=None)
@given(st.integers(min_value=SECONDS_CEILING, max_value=FAST_MILLISECONDS_END - 1))
def test_epoch_milliseconds_read_as_the_datetime_path_reads_them(value: int) -> None:
    moment = datetime.fromtimestamp(value / 1000, tz=UTC)
    expected = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert to_rfc3339(value) == expected
    assert to_rfc3339(float(value)) == expected  # floats take the datetime path


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
