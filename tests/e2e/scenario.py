"""The two-run scenario shared by the DuckDB and PostgreSQL tests.

Run 1 loads everything. Between the runs, new objects are inserted into a few collections
and existing objects of collections whose objects change are edited. Run 2 then reads
what the tap promises (``refresh_changed_objects`` / ``full_refresh_interval_hours``):

* refresh off: only the new objects of cursor collections; edits are not seen, so the
  edited rows keep their old values in the warehouse;
* refresh on with ``full_refresh_interval_hours=0``: collections whose objects change are
  re-read whole, so the edited rows end current.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .conftest import (
    CHILD_STREAMS,
    DEMO_TOKEN,
    TOP_LEVEL_COLLECTIONS,
    Catalog,
    Key,
    Table,
    expected_by_key,
    expected_rows,
    norm,
    row_key,
)

# New objects per collection between the runs; unsubscribes and events never change after
# creation, the others do.
INSERTS: dict[str, int] = {"sequences": 3, "snippets": 2, "contacts": 4, "unsubscribes": 2}
# Existing objects edited between the runs (collections whose objects change).
EDITS: dict[str, int] = {"sequences": 2, "snippets": 2, "contacts": 3}
PREFERRED_FIELDS = ("name", "title", "firstName", "subject", "description")


@dataclass
class Edit:
    field: str
    old: str
    new: str


@dataclass
class Mutations:
    inserted: dict[str, set[Key]] = field(default_factory=dict)
    edited: dict[str, dict[Key, Edit]] = field(default_factory=dict)


def string_fields(schema: dict[str, Any]) -> list[str]:
    """Top-level properties typed as plain strings (no date-time or other format)."""
    out = []
    for name, prop in schema.get("properties", {}).items():
        types = prop.get("type", [])
        types = [types] if isinstance(types, str) else types
        if "string" in types and "format" not in prop and not prop.get("anyOf"):
            out.append(name)
    return out


def editable_field(schema: dict[str, Any], doc: dict[str, Any], keys: list[str]) -> str | None:
    candidates = [f for f in string_fields(schema) if f not in keys and not f.startswith("_")]
    ordered = [f for f in PREFERRED_FIELDS if f in candidates] + candidates
    for name in ordered:
        if isinstance(doc.get(name), str):
            return name
    return None


def mutate(sim: Any, catalog: Catalog) -> Mutations:
    """Insert and edit objects in the simulator; return what changed, by primary key."""
    result = Mutations()
    for stream, n in INSERTS.items():
        keys = catalog.key_properties(stream)
        collection = TOP_LEVEL_COLLECTIONS[stream]
        docs = [sim.insert(collection, token=DEMO_TOKEN) for _ in range(n)]
        result.inserted[stream] = {row_key(doc, keys) for doc in docs}
    for stream, n in EDITS.items():
        keys = catalog.key_properties(stream)
        collection = TOP_LEVEL_COLLECTIONS[stream]
        schema = catalog.schema(stream)
        edits: dict[Key, Edit] = {}
        new_keys = result.inserted.get(stream, set())
        for _, doc in expected_rows(sim, stream):
            if len(edits) == n:
                break
            key = row_key(doc, keys)
            name = editable_field(schema, doc, keys)
            if key in new_keys or name is None:
                continue
            edit = Edit(name, doc[name], f"e2e-edited-{stream}-{len(edits)}")
            sim.update(collection, doc["_id"], {name: edit.new})
            edits[key] = edit
        assert edits, f"found no {stream} object with an editable string field"
        result.edited[stream] = edits
    return result


def key_problems(stream: str, landed: list[Key], expected: Iterable[Key]) -> list[str]:
    """What is wrong with the primary keys that landed, against the simulator's."""
    problems = []
    counts = Counter(landed)
    dupes = sorted(k for k, n in counts.items() if n > 1)
    if dupes:
        problems.append(f"{stream}: {len(dupes)} duplicate primary keys, e.g. {dupes[:2]}")
    missing = set(expected) - set(counts)
    extra = set(counts) - set(expected)
    if missing or extra:
        problems.append(
            f"{stream}: {len(missing)} rows missing (e.g. {sorted(missing)[:2]}), "
            f"{len(extra)} not in the simulator (e.g. {sorted(extra)[:2]})"
        )
    return problems


def types_of(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def epoch_ms(value: Any) -> int | Any:
    """A time as UTC epoch milliseconds, from ms or s numbers or ISO / SQL timestamp text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return round(value if abs(value) > 1e11 else value * 1000)
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T", 1))
        except ValueError:
            return value
    else:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)


def json_value(value: Any) -> Any:
    """Nested values arrive as JSON text from some targets (DuckDB) and parsed from others."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def fits(value: Any, schema: dict[str, Any]) -> bool:
    kinds = set(types_of(schema))
    return (
        (isinstance(value, dict) and "object" in kinds)
        or (isinstance(value, list) and "array" in kinds)
        or (isinstance(value, str) and "string" in kinds)
        or (isinstance(value, bool) and "boolean" in kinds)
        or (isinstance(value, int | float) and bool(kinds & {"integer", "number"}))
    )


def normal(value: Any, schema: dict[str, Any]) -> Any:
    """One form for a warehouse value and the simulator's, so that equal data compares equal.

    Times become epoch milliseconds (Mixmax sends ms, s or ISO; the tap RFC 3339; targets
    their own timestamp text), nested JSON is parsed and normalised by its sub-schema,
    numbers compare as floats, and nulls inside objects are dropped (a missing key and a
    null are the same to a reader).
    """
    if value is None:
        return None
    if "anyOf" in schema:
        value = json_value(value)
        chosen = next((alt for alt in schema["anyOf"] if fits(value, alt)), {})
        return normal(value, chosen)
    kinds = types_of(schema)
    if schema.get("format") == "date-time":
        return epoch_ms(value)
    if "object" in kinds or "array" in kinds:
        value = json_value(value)
    if isinstance(value, dict):
        props = schema.get("properties", {})
        return {k: normal(v, props.get(k, {})) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [normal(v, schema.get("items", {})) for v in value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return float(value)


def compare(
    sim: Any, catalog: Catalog, tables: dict[str, Table], streams: list[str]
) -> tuple[list[str], list[tuple[str, Key, str, Any, Any]]]:
    """(key problems, field mismatches (stream, key, field, warehouse, simulator)).

    Every property of the stream's schema that the simulator's row holds is compared, after
    ``normal``; properties the simulator leaves out are not (the tap adds parent ids).
    """
    problems: list[str] = []
    mismatches: list[tuple[str, Key, str, Any, Any]] = []
    for stream in streams:
        keys = catalog.key_properties(stream)
        expected = expected_by_key(sim, stream, keys)
        table = tables.get(stream)
        if table is None:
            if expected:
                problems.append(f"{stream}: no table, the simulator has {len(expected)} rows")
            continue
        problems.extend(key_problems(stream, table.keys(keys), expected))
        rows = table.by_key(keys)
        properties = catalog.schema(stream).get("properties", {})
        for key, sim_row in expected.items():
            row = rows.get(key)
            if row is None:
                continue
            for name, prop in properties.items():
                if name not in sim_row:
                    continue
                column = table.column(name)
                landed = normal(row[column], prop) if column is not None else None
                want = normal(sim_row[name], prop)
                if landed != want:
                    mismatches.append((stream, key, name, landed, want))
    return problems, mismatches


def touched_between(
    before: dict[str, Table], after: dict[str, Table], catalog: Catalog, marker: str
) -> dict[str, set[Key]]:
    """Rows a run wrote: new, or whose load-time metadata column changed."""
    out: dict[str, set[Key]] = {}
    for stream, table in after.items():
        if stream not in catalog.streams:
            continue
        keys = catalog.key_properties(stream)
        column = table.column(marker)
        assert column is not None, f"{stream} has no {marker} column: {list(table.types)}"
        old = before.get(stream)
        old_rows = old.by_key(keys) if old else {}
        old_column = old.column(marker) if old else None
        touched = set()
        for key, row in table.by_key(keys).items():
            prev = old_rows.get(key)
            if prev is None or old_column is None or prev[old_column] != row[column]:
                touched.add(key)
        out[stream] = touched
    return out


def children_of(sim: Any, stream: str, parents: set[Key], keys: list[str]) -> set[Key]:
    """Keys of ``stream``'s rows whose parent is one of ``parents`` (single-key parents)."""
    parent_ids = {p[0] for p in parents}
    return {
        row_key(row, keys, parent_id)
        for parent_id, row in expected_rows(sim, stream)
        if parent_id in parent_ids
    }


def cursor_streams(state: dict[str, Any]) -> set[str]:
    bookmarks = state.get("singer_state", state).get("bookmarks", {})
    return {
        name for name, mark in bookmarks.items() if isinstance(mark, dict) and mark.get("previous")
    }


def row_counts(tables: dict[str, Table]) -> dict[str, int]:
    return {name: len(table.rows) for name, table in sorted(tables.items())}


def child_streams_of(parent: str) -> list[str]:
    return [name for name, spec in CHILD_STREAMS.items() if spec.parent_stream == parent]


def save_report(name: str, report: dict[str, Any]) -> None:
    """Write a run's numbers to $E2E_REPORT_DIR/<name>.json when that is set."""
    folder = os.environ.get("E2E_REPORT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"{name}.json").write_text(json.dumps(report, indent=2, default=str))


__all__ = ["Edit", "Mutations", "compare", "mutate", "norm", "touched_between"]
