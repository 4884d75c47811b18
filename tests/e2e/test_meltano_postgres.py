"""`meltano run tap-mixmax target-postgres` (meltanolabs-target-postgres) into a real server.

Run 1 loads everything; objects are inserted and edited; run 2 (refresh off) adds only the
new objects; run 3 (`--full-refresh`) re-reads everything. After every run the tables equal
the simulator by primary key with no duplicates, which needs upserts on the keys; columns
are typed (date-time properties as timestamps, objects as JSON).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import Catalog, MeltanoProject, Postgres, Table, plugin_venv, read_postgres
from .scenario import compare, cursor_streams, mutate, row_counts, save_report

STATE_ID = "dev:tap-mixmax-to-target-postgres"
SCHEMA = "mixmax"  # also spelled out in the SQL below
TIMESTAMP_TYPES = {"timestamp without time zone", "timestamp with time zone"}
JSON_TYPES = {"json", "jsonb"}
# meltanolabs-target-postgres 0.8.1 gives a property declared "string or array of strings"
# (integration_enhancements.category) a text column and stores a list there as PostgreSQL's
# array text, `{a,b}`: lossy, since a comma inside a value cannot be told apart. Listed here
# (docs/meltano.md says so too) and matched exactly, so a change in the loader or the
# schema shows up as a failure.
LOADER_LOSSY = {("integration_enhancements", "category")}


def loader_lossy(mismatch: tuple[str, Any, str, Any, Any]) -> bool:
    stream, _, name, landed, want = mismatch
    return (
        (stream, name) in LOADER_LOSSY
        and isinstance(want, list)
        and landed == "{" + ",".join(map(str, want)) + "}"
    )


def faithful(
    mismatches: list[tuple[str, Any, str, Any, Any]],
) -> list[tuple[str, Any, str, Any, Any]]:
    """The mismatches the loader's known loss does not explain."""
    return [m for m in mismatches if not loader_lossy(m)]


def typing_problems(catalog: Catalog, tables: dict[str, Table], streams: list[str]) -> list[str]:
    problems = []
    checked = 0
    for stream in streams:
        table = tables.get(stream)
        if table is None:
            continue
        for name, prop in catalog.schema(stream).get("properties", {}).items():
            column = table.column(name)
            if column is None:
                continue
            types = prop.get("type", [])
            types = [types] if isinstance(types, str) else types
            data_type = table.types[column]
            if prop.get("format") == "date-time" and "string" in types:
                checked += 1
                if data_type not in TIMESTAMP_TYPES:
                    problems.append(f"{stream}.{column} is {data_type}, expected a timestamp")
            elif "object" in types:
                checked += 1
                if data_type not in JSON_TYPES:
                    problems.append(f"{stream}.{column} is {data_type}, expected json/jsonb")
    assert checked, "no date-time or object property found to check"
    return problems


def soft_deleted(tables: dict[str, Table]) -> dict[str, int]:
    out = {}
    for name, table in tables.items():
        column = table.column("_sdc_deleted_at")
        if column is not None:
            n = sum(1 for row in table.rows if row[column] is not None)
            if n:
                out[name] = n
    return out


@pytest.mark.e2e
def test_meltano_run_into_postgres(
    meltano_project: MeltanoProject,
    simulator: Any,
    catalog: Catalog,
    postgres: Postgres,
    tmp_path: Path,
) -> None:
    plugin_venv("loaders", "target-postgres")
    meltano_project.overrides.update(
        {
            **postgres.loader_settings(SCHEMA),
            "TAP_MIXMAX_REFRESH_CHANGED_OBJECTS": "false",
        }
    )
    streams = catalog.mirrored_by_default()

    def check(label: str, *, allow_stale: bool = False) -> dict[str, Table]:
        tables = read_postgres(postgres, SCHEMA)
        problems, mismatches = compare(simulator, catalog, tables, streams)
        assert not problems, f"after {label}:\n" + "\n".join(problems)
        assert any(map(loader_lossy, mismatches)), "LOADER_LOSSY no longer happens: remove it"
        mismatches = faithful(mismatches)
        if not allow_stale:
            assert not mismatches, f"after {label}, values differ: {mismatches[:5]}"
        deleted = soft_deleted(tables)
        assert not deleted, f"after {label}, rows marked deleted (_sdc_deleted_at): {deleted}"
        return tables

    # Run 1: everything; typed tables.
    meltano_project("run", "tap-mixmax", "target-postgres")
    tables1 = check("run 1")
    problems = typing_problems(catalog, tables1, streams)
    assert not problems, "\n".join(problems)
    state1 = meltano_project.state(STATE_ID)
    assert cursor_streams(state1), f"run 1 stored no cursor in Meltano's state: {state1}"

    # Run 2 after inserts and edits, refresh off: new objects land, edits are not read.
    changes = mutate(simulator, catalog)
    meltano_project("run", "tap-mixmax", "target-postgres")
    tables2 = read_postgres(postgres, SCHEMA)
    _, mismatches = compare(simulator, catalog, tables2, streams)
    stale = {(s, k, f) for s, k, f, _, _ in faithful(mismatches)}
    edited = {(s, k, e.field) for s, edits in changes.edited.items() for k, e in edits.items()}
    assert stale == edited, (
        f"stale rows {sorted(stale)[:5]} are not the edited {sorted(edited)[:5]}"
    )
    check("run 2", allow_stale=True)
    state2 = meltano_project.state(STATE_ID)
    for stream in changes.inserted:
        previous1 = state1["singer_state"]["bookmarks"][stream]["previous"]
        previous2 = state2["singer_state"]["bookmarks"][stream]["previous"]
        assert previous2 != previous1, f"state of {stream} did not advance"

    # Run 3: --full-refresh re-sends every row; upserts keep one row per key, edits current.
    meltano_project("run", "--full-refresh", "tap-mixmax", "target-postgres")
    tables3 = check("run 3 (--full-refresh)")

    keys_declared = postgres.query_json(
        "SELECT tc.table_name FROM information_schema.table_constraints tc "
        "WHERE tc.table_schema = 'mixmax' AND tc.constraint_type = 'PRIMARY KEY'"
    )
    report = {
        "rows_after_run_1": row_counts(tables1),
        "rows_after_run_2": row_counts(tables2),
        "rows_after_run_3": row_counts(tables3),
        "tables_with_primary_key_constraint": sorted(r["table_name"] for r in keys_declared),
        "column_types_sample": {
            name: tables3[name].types for name in ("sequences", "messages") if name in tables3
        },
    }
    save_report("postgres", report)
    print(json.dumps(report, indent=1, default=str))
