"""One ISO reader serves the API's time fields and the ``start_date`` setting.

Expected values are literals or the standard library's own ``datetime`` objects, never
another copy of the tap's parser.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from tap_mixmax.conform import normalize
from tap_mixmax.errors import SettingsError
from tap_mixmax.settings import check_settings
from tap_mixmax.simulator.seed import DEMO_TOKEN
from tap_mixmax.tap import TapMixmax
from tap_mixmax.timestamps import parse_iso, to_rfc3339

LOGGER = logging.getLogger("tests.one_time_parser")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01T12:34:56Z", datetime(2024, 3, 1, 12, 34, 56, tzinfo=UTC)),
        ("2024-03-01T12:34:56.789Z", datetime(2024, 3, 1, 12, 34, 56, 789000, tzinfo=UTC)),
        (
            " 2024-03-01T14:34:56+02:00 ",
            datetime(2024, 3, 1, 14, 34, 56, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("2024-03-01T12:34:56", datetime(2024, 3, 1, 12, 34, 56, tzinfo=UTC)),  # UTC assumed
        ("2024-03-01", datetime(2024, 3, 1, tzinfo=UTC)),
    ],
)
def test_iso_text_is_read_as_an_aware_datetime(text: str, expected: datetime) -> None:
    parsed = parse_iso(text)
    assert parsed == expected
    assert parsed is not None
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("text", ["", "yesterday", "2024-13-01", "1709296496789", "12:00"])
def test_what_is_not_iso_text_is_none(text: str) -> None:
    assert parse_iso(text) is None


def _start_date_problem(text: str) -> str | None:
    settings: dict[str, Any] = {"api_token": DEMO_TOKEN, "start_date": text}
    schema = TapMixmax.config_jsonschema
    TapMixmax.append_builtin_config(schema)
    try:
        check_settings(settings, schema, LOGGER)
    except SettingsError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("2024-01-01T00:00:00Z", True),
        ("2024-01-01T02:00:00+02:00", True),
        ("2024-01-01", True),
        (" 2024-01-01T00:00:00Z ", True),
        ("2024-02-30T00:00:00Z", False),
        ("soon", False),
        ("1704067200000", False),  # epoch text is an API time, not a start_date
    ],
)
def test_start_date_is_checked_by_the_same_iso_reader(text: str, accepted: bool) -> None:
    problem = _start_date_problem(text)
    if accepted:
        assert problem is None
    else:
        assert problem is not None
        assert "start_date must be an RFC 3339 date-time" in problem


def test_an_api_time_and_the_setting_read_the_same_text_as_the_same_moment() -> None:
    assert to_rfc3339("2024-01-01T02:00:00+02:00") == "2024-01-01T00:00:00.000Z"
    assert _start_date_problem("2024-01-01T02:00:00+02:00") is None


def test_normalize_converts_declared_times_in_a_copy() -> None:
    schema = {
        "type": "object",
        "properties": {
            "at": {"type": ["string", "null"], "format": "date-time"},
            "inner": {"type": "object", "properties": {"at": {"format": "date-time"}}},
        },
    }
    record = {"at": 1_704_067_200_000, "inner": {"at": "2024-01-01T02:00:00+02:00"}}
    assert normalize(record, schema) == {
        "at": "2024-01-01T00:00:00.000Z",
        "inner": {"at": "2024-01-01T00:00:00.000Z"},
    }
    assert record == {"at": 1_704_067_200_000, "inner": {"at": "2024-01-01T02:00:00+02:00"}}
    either = {"anyOf": [{"type": "object", "properties": {"at": {"format": "date-time"}}}]}
    assert normalize({"at": 0}, either) == {"at": "1970-01-01T00:00:00.000Z"}
