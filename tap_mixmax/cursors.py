"""What the tap reads from inside Mixmax's opaque cursors, and only where it must.

Cursors are base64url EJSON (``docs/pagination.md`` §1): ``{"$oid": …}`` on collections
paged by ObjectId. The tap stores and sends them as received; it looks inside only to
keep a bookmark from moving backwards and to build the optional skew lookback, and it
leaves any cursor of another shape alone.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any


def object_id_time(value: Any) -> datetime | None:  # noqa: ANN401
    """The creation second a 24-hex ObjectId carries in its first 8 digits."""
    if not isinstance(value, str) or len(value) != 24:
        return None
    try:
        return datetime.fromtimestamp(int(value[:8], 16), tz=UTC)
    except ValueError:
        return None


def decode_cursor(cursor: str) -> Any:  # noqa: ANN401
    """The JSON inside a cursor, or ``None`` when it is not the format Mixmax documents."""
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        return json.loads(base64.urlsafe_b64decode(padded))
    except ValueError:
        return None


def _object_id(cursor: str | None) -> str | None:
    decoded = decode_cursor(cursor) if cursor else None
    if isinstance(decoded, dict) and isinstance(decoded.get("$oid"), str):
        return str(decoded["$oid"])
    return None


def cursor_object_id(cursor: str | None) -> str | None:
    """The ObjectId an ``{"$oid": …}`` cursor points at, or ``None`` for other kinds."""
    return _object_id(cursor)


def is_after(cursor: str, bookmark: str | None) -> bool:
    """Whether ``cursor`` lies past ``bookmark``, so moving there never goes backwards."""
    new, old = _object_id(cursor), _object_id(bookmark)
    return new is None or old is None or new > old


def rewind(cursor: str, seconds: int) -> str | None:
    """An ObjectId cursor moved ``seconds`` earlier, or ``None`` for other cursor kinds.

    ObjectIds made in the same second by other servers, or under clock skew, can sort
    just below a bookmark although they were created after it; polling from a little
    earlier catches them, at the cost of re-reading the objects of those seconds.
    """
    oid = _object_id(cursor)
    if oid is None:
        return None
    earlier = max(int(oid[:8], 16) - seconds, 0)
    text = json.dumps({"$oid": f"{earlier:08x}0000000000000000"}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
