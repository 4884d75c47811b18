"""Cursor tokens and sort keys, as mongo-cursor-pagination produces them.

See docs/pagination.md §1 and §6C.

A cursor is ``base64url_nopad(EJSON.stringify(X))`` where X is the boundary document's ``_id``
alone (endpoints paged on ``_id``) or ``[fieldValue, _id]`` (endpoints paged on another field).

Internally every position is a *sort key* tuple that compares the way MongoDB orders the
values, so the store can answer range queries with ``bisect``:

* ``_id``-paged endpoints: ``(id,)``.
* other endpoints: ``(rank, value, id)`` where ``rank`` follows MongoDB's cross-type order
  (undefined < null < numbers < strings < dates), so missing values sort oldest, as the
  library's ascending sort does (find.test.ts:2025-2091). ``value`` is only ever compared
  with values of the same rank.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import UTC, datetime
from typing import Any, Literal

UNDEFINED_MARKER = "__mixmax__undefined__"

RANK_UNDEFINED = 0
RANK_NULL = 1
RANK_NUMBER = 2
RANK_STRING = 3
RANK_DATE = 4

SortKey = tuple[Any, ...]
FieldKind = Literal["number", "date"]

_OID = re.compile(r"^[0-9a-f]{24}$")
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class CursorError(ValueError):
    """A ``next``/``previous`` value that cannot be decoded for this endpoint."""


def is_object_id(value: object) -> bool:
    return isinstance(value, str) and _OID.match(value) is not None


def iso_to_ms(text: str) -> int:
    """Parse an ISO-8601 UTC timestamp (as Mixmax and EJSON write them) to epoch ms."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)


def ms_to_ejson_date(ms: int) -> str:
    """js-bson's relaxed EJSON date text: milliseconds only when non-zero (PR #134)."""
    moment = datetime.fromtimestamp(ms // 1000, tz=UTC)
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    millis = ms % 1000
    return f"{base}.{millis:03d}Z" if millis else f"{base}Z"


def b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(token: str) -> bytes:
    if not _B64URL.match(token):
        raise CursorError("cursor is not base64url")
    padded = token + "=" * (-len(token) % 4)
    try:
        return base64.urlsafe_b64decode(padded)
    except (binascii.Error, ValueError) as exc:
        raise CursorError("cursor is not base64url") from exc


def _ejson_id(doc_id: str) -> object:
    # ObjectIds travel as {"$oid":…}; string ids (17-char Meteor ids) stay plain strings.
    return {"$oid": doc_id} if is_object_id(doc_id) else doc_id


def _ejson_key(key: SortKey) -> object:
    if len(key) == 1:
        return _ejson_id(key[0])
    rank, value, doc_id = key
    if rank == RANK_UNDEFINED:
        encoded: object = UNDEFINED_MARKER
    elif rank == RANK_NULL:
        encoded = None
    elif rank == RANK_DATE:
        encoded = {"$date": ms_to_ejson_date(value)}
    else:
        encoded = value
    return [encoded, _ejson_id(doc_id)]


def encode(key: SortKey) -> str:
    """The cursor string for a boundary document's sort key (compact JSON, like EJSON)."""
    text = json.dumps(_ejson_key(key), separators=(",", ":"), ensure_ascii=False)
    return b64url_encode(text.encode("utf-8"))


def _decode_id(value: object) -> str:
    if isinstance(value, dict) and set(value) == {"$oid"} and is_object_id(value["$oid"]):
        return str(value["$oid"])
    if isinstance(value, str) and value:
        return value
    raise CursorError("cursor holds no usable _id")


def _decode_value(value: object) -> tuple[int, Any]:
    if value == UNDEFINED_MARKER:
        return RANK_UNDEFINED, 0
    if value is None:
        return RANK_NULL, 0
    if isinstance(value, bool):
        raise CursorError("unsupported cursor value")
    if isinstance(value, int | float):
        return RANK_NUMBER, value
    if isinstance(value, str):
        return RANK_STRING, value
    if isinstance(value, dict) and set(value) == {"$date"}:
        raw = value["$date"]
        try:
            if isinstance(raw, str):
                return RANK_DATE, iso_to_ms(raw)
            if isinstance(raw, dict) and isinstance(raw.get("$numberLong"), str):
                return RANK_DATE, int(raw["$numberLong"])
        except ValueError as exc:
            raise CursorError("bad $date in cursor") from exc
    raise CursorError("unsupported cursor value")


def decode(token: str, *, tuple_key: bool) -> SortKey:
    """Decode a cursor for an endpoint paged on ``_id`` (tuple_key False) or another field."""
    try:
        data = json.loads(b64url_decode(token).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise CursorError("cursor is not JSON") from exc
    if not tuple_key:
        return (_decode_id(data),)
    if not isinstance(data, list) or len(data) != 2:
        raise CursorError("cursor is not a [value, _id] pair")
    rank, value = _decode_value(data[0])
    return (rank, value, _decode_id(data[1]))


def doc_key(doc: dict[str, Any], field: str, kind: FieldKind, id_field: str = "_id") -> SortKey:
    """The sort key of a document for an endpoint paged on ``field``."""
    doc_id = str(doc[id_field])
    if field == "_id":
        return (doc_id,)
    if field not in doc:
        return (RANK_UNDEFINED, 0, doc_id)
    value = doc[field]
    if value is None:
        return (RANK_NULL, 0, doc_id)
    if kind == "date":
        # ISO strings in the JSON are Dates in Mongo, so they sort and encode as {"$date":…}.
        if isinstance(value, str):
            return (RANK_DATE, iso_to_ms(value), doc_id)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return (RANK_DATE, int(value), doc_id)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (RANK_NUMBER, value, doc_id)
    return (RANK_STRING, str(value), doc_id)
