"""Creation times of simulator documents and tap rows, read with the standard library only:
tests compute their expected values without the tap's own time parser."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def created(doc: dict[str, Any], field: str | None) -> datetime:
    """``doc[field]`` (epoch milliseconds or an ISO string) as a UTC datetime; with no
    field, the time in the first four bytes of the document's ObjectId ``_id``."""
    if field is None:
        return datetime.fromtimestamp(int(doc["_id"][:8], 16), tz=UTC)
    value = doc[field]
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
