"""Whether a document given to ``/_admin/insert`` fits its collection's stream schema.

A document Mixmax could never send (``_id: 5``, ``createdAt: "not a time"``) would make
every later tap run against the simulator fail, so the admin route refuses it with the
field named. The check follows the tap's schemas (``schemas/<stream>.json``) for the
fields they declare: JSON types, ``anyOf``, nested objects and array items. Fields the
schema does not declare pass (Mixmax adds fields without notice). A ``date-time`` field
takes an ISO 8601 string or a number (Mixmax sends epoch milliseconds in places).
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from typing import Any

from tap_mixmax.schemas import schema_dir

Schema = dict[str, Any]

_KINDS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
    "null": (type(None),),
}


@cache
def stream_schema(stream: str) -> Schema:
    """The tap's schema of ``stream``."""
    schema: Schema = json.loads((schema_dir() / f"{stream}.json").read_text(encoding="utf-8"))
    return schema


def misfit(value: Any, schema: Schema, where: str = "") -> str | None:  # noqa: ANN401
    """The first place ``value`` does not fit ``schema``, with why; ``None`` when it fits."""
    if "anyOf" in schema:
        options = [misfit(value, option, where) for option in schema["anyOf"]]
        return None if None in options else options[0]
    kinds = schema.get("type")
    if kinds is not None:
        names = [kinds] if isinstance(kinds, str) else list(kinds)
        if not any(_is(value, name) for name in names) and not _epoch_time(value, schema):
            return f"{where or 'the document'} must be {' or '.join(names)}, not {value!r:.40}"
    if isinstance(value, str) and schema.get("format") == "date-time" and not _time(value):
        return f"{where} must be an ISO 8601 date-time, not {value!r:.40}"
    if isinstance(value, dict):
        for name, inner in schema.get("properties", {}).items():
            if name in value:
                found = misfit(value[name], inner, f"{where}.{name}" if where else name)
                if found:
                    return found
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            found = misfit(item, schema["items"], f"{where}[{index}]")
            if found:
                return found
    return None


def _is(value: object, kind: str) -> bool:
    if isinstance(value, bool):
        return kind == "boolean"
    return isinstance(value, _KINDS.get(kind, ()))


def _epoch_time(value: object, schema: Schema) -> bool:
    return schema.get("format") == "date-time" and _is(value, "number")


def _time(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True
