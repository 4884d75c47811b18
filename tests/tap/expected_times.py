"""What a time value should become, worked out for tests without the tap's own code.

The README's rule, read independently of ``tap_mixmax.timestamps``: a ``date-time`` field
holds epoch milliseconds (epoch seconds when its magnitude is under 10^11), or an ISO 8601
string with or without an offset (UTC when there is none), or a string of ASCII digits read
as the number it spells; it is written as UTC with milliseconds, ``YYYY-MM-DDTHH:MM:SS.mmmZ``,
and anything else becomes null. Integers are exact here (a ``timedelta`` of whole
milliseconds); fractional floats go through ``timedelta`` too, whose rounding to the
microsecond the README leaves open. The text is assembled field by field, not by
``isoformat``. ``tests/tap/test_conform.py`` pins this module to hand-written literals.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Magnitudes from here up are milliseconds: 10^11 s is the year 5138, 10^11 ms is 1973.
MILLISECONDS_FROM = 10**11
DIGITS = re.compile(r"-?[0-9]+")


def expected_time(value: Any) -> str | None:
    """The RFC 3339 text the README promises for ``value``, or ``None``."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        millis = value if abs(value) >= MILLISECONDS_FROM else value * 1000
        return _after_epoch(lambda: timedelta(milliseconds=millis))
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer():
            return expected_time(int(value))
        if abs(value) >= MILLISECONDS_FROM:
            return _after_epoch(lambda: timedelta(seconds=value / 1000))
        return _after_epoch(lambda: timedelta(seconds=value))
    if isinstance(value, str):
        text = value.strip()
        if DIGITS.fullmatch(text):
            return expected_time(int(text))
        try:
            moment = datetime.fromisoformat(text)  # takes "Z" itself since Python 3.11
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        try:
            return _text(moment.astimezone(UTC))
        except OverflowError:  # an offset pushing year 1 or 9999 out of range
            return None
    return None


def _after_epoch(offset: Callable[[], timedelta]) -> str | None:
    try:
        return _text(EPOCH + offset())
    except OverflowError:  # beyond what a timedelta or a datetime can hold
        return None


def _text(moment: datetime) -> str:
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}."
        f"{moment.microsecond // 1000:03d}Z"
    )


def expected_record(value: Any, schema: dict[str, Any]) -> Any:
    """``value`` with every time field its schema declares replaced by ``expected_time``.

    An object's declared properties are followed, an array's ``items``, and of ``anyOf``
    the first option whose ``type`` admits the value's container kind (object or array);
    values whose schema declares no time anywhere below are returned as they are.
    """
    if schema.get("format") == "date-time":
        return None if value is None else expected_time(value)
    if isinstance(value, dict) and schema.get("properties"):
        declared = schema["properties"]
        return {
            key: expected_record(item, declared[key]) if key in declared else item
            for key, item in value.items()
        }
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [expected_record(item, schema["items"]) for item in value]
    wanted = "object" if isinstance(value, dict) else "array" if isinstance(value, list) else ""
    for option in schema.get("anyOf", []):
        kinds = option.get("type", [])
        if wanted and wanted in ([kinds] if isinstance(kinds, str) else kinds):
            return expected_record(value, option)
    return value
