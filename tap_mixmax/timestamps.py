"""Normalise Mixmax's mixed timestamp formats to RFC 3339 strings.

Mixmax has no single convention: epoch milliseconds on some objects, ISO strings on
others, and 10-digit epoch seconds in at least one documented example. Streams declare
their time fields as ``format: date-time`` in their JSON schema; ``to_rfc3339`` converts
whatever the API sent for one such field (conform.py applies it to every record, and
``conform.normalize`` to any value), and ``parse_iso`` reads the ISO text of both the
API and the settings.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

# Epoch numbers below this are seconds, above it milliseconds: 1e11 seconds is the
# year 5138, while 1e11 milliseconds is March 1973, before Mixmax existed.
SECONDS_CEILING = 100_000_000_000
# Year 10000 in epoch milliseconds: RFC 3339 has four-digit years, and past this the
# exact path's datetime overflows (no time) where the fast path would print five digits.
FAST_MILLISECONDS_END = 253_402_300_800_000


def to_rfc3339(value: Any) -> str | None:  # noqa: ANN401 - the API sends any JSON type here
    """Return ``value`` as an RFC 3339 UTC string, or ``None`` when it is not a time.

    Numbers are epoch milliseconds (or seconds when small enough); strings are ISO 8601
    with or without an offset (UTC assumed when absent). Anything unparseable yields
    ``None`` rather than failing the whole sync on one odd value.
    """
    # The commonest time value first: a bool's class is bool, not int.
    if value.__class__ is int and SECONDS_CEILING <= value < FAST_MILLISECONDS_END:
        return epoch_milliseconds_text(value)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        # Whole numbers in exact arithmetic: through a float, milliseconds past 2100 or
        # before 1967 can come out one short.
        try:
            if abs(value) >= SECONDS_CEILING:
                return _format(_EPOCH + timedelta(milliseconds=value))
            return _format(_EPOCH + timedelta(seconds=value))
        except OverflowError:
            return None
    if isinstance(value, float | Decimal):
        seconds = float(value)
        if abs(seconds) >= SECONDS_CEILING:
            seconds /= 1000
        try:
            moment = datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
        return _format(moment)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        # isdigit() also accepts digits int() refuses, such as '¹'; one sign at most.
        digits = text[1:] if text.startswith("-") else text
        if digits.isascii() and digits.isdigit():
            return to_rfc3339(int(text))
        parsed = parse_iso(text)
        try:
            return None if parsed is None else _format(parsed.astimezone(UTC))
        except OverflowError:  # an offset that moves the time past year 1 or 9999
            return None
    return None


def parse_iso(text: str) -> datetime | None:
    """``text`` as an aware datetime when it is an ISO 8601 date or date-time (``Z`` or
    an offset, UTC when absent, surrounding whitespace ignored), else ``None``."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# "YYYY-MM-DDT" by days since the epoch: records' times cluster on few dates.
_DATES: dict[int, str] = {}
_DATES_KEPT = 4096


def epoch_milliseconds_text(value: int) -> str:
    """Epoch milliseconds as RFC 3339, without a datetime: the same text ``to_rfc3339``
    gives for them, at half the cost, for the most common time value by far."""
    whole, millis = divmod(value, 1000)
    days, rest = divmod(whole, 86_400)
    date = _DATES.get(days)
    if date is None:
        if len(_DATES) >= _DATES_KEPT:
            _DATES.clear()  # memory stays flat whatever the spread of dates
        t = time.gmtime(days * 86_400)
        date = _DATES[days] = "%04d-%02d-%02dT" % (t[0], t[1], t[2])  # noqa: UP031
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    return "%s%02d:%02d:%02d.%03dZ" % (date, hours, minutes, seconds, millis)  # noqa: UP031


def _format(moment: datetime) -> str:
    text = moment.isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")
