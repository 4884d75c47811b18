"""`meltano run tap-mixmax target-duckdb` twice, with objects inserted and edited between."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from .conftest import ROOT, Catalog, MeltanoProject, plugin_venv, read_duckdb, run_checked
from .scenario import (
    child_streams_of,
    children_of,
    compare,
    cursor_streams,
    mutate,
    row_counts,
    save_report,
    touched_between,
)

STATE_ID = "dev:tap-mixmax-to-target-duckdb"


def walked_whole_every_run() -> set[str]:
    """Cursor streams the tap reads whole on every run: endpoints without ``previous``."""
    from tap_mixmax.streams import STREAM_TYPES  # noqa: PLC0415 - the tap's own promise

    return {s.name for s in STREAM_TYPES if not getattr(s, "supports_previous", True)}  # type: ignore[misc]


SCHEMA = "mixmax"
DUCKDB_QUERY = re.compile(
    r"<!-- duckdb-query:start -->\s*```bash\n(.*?)\n```\s*<!-- duckdb-query:end -->", re.S
)


def documented_query() -> str:
    found = DUCKDB_QUERY.search((ROOT / "docs" / "meltano.md").read_text())
    assert found, "docs/meltano.md has no duckdb-query block between its markers"
    return found.group(1)


@pytest.mark.e2e
@pytest.mark.parametrize("refresh", [False, True], ids=["refresh-off", "refresh-on"])
def test_meltano_run_into_duckdb_twice(
    refresh: bool,
    meltano_project: MeltanoProject,
    simulator: Any,
    catalog: Catalog,
    tap_about: dict[str, Any],
) -> None:
    plugin_venv("loaders", "target-duckdb")
    # The skew look-back re-reads a few older objects on purpose; off here (as by default)
    # so that "run 2 reads only the new objects" can be checked exactly.
    assert "skew_lookback_seconds" in tap_about["settings"]["properties"]
    meltano_project.overrides["TAP_MIXMAX_SKEW_LOOKBACK_SECONDS"] = "0"
    # Where the dev environment writes it, so docs/meltano.md's query line can read it.
    db = meltano_project.root / ".meltano" / "dev.duckdb"
    meltano_project.overrides.update(
        {
            "TARGET_DUCKDB_FILEPATH": str(db),
            "TARGET_DUCKDB_DEFAULT_TARGET_SCHEMA": SCHEMA,
            # refresh-off tells which rows run 2 wrote from _sdc_batched_at; refresh-on keeps
            # the loader's defaults (no metadata columns, so some tables have text columns
            # only: the shape in which target-duckdb with duckdb >= 1.1 loses rows).
            "TARGET_DUCKDB_ADD_METADATA_COLUMNS": "false" if refresh else "true",
            "TAP_MIXMAX_REFRESH_CHANGED_OBJECTS": "true" if refresh else "false",
        }
    )
    # With refresh on, collections whose objects change are read whole on every run.
    meltano_project.overrides["TAP_MIXMAX_FULL_REFRESH_INTERVAL_HOURS"] = "0"
    streams = catalog.mirrored_by_default()

    # Run 1: everything.
    meltano_project("run", "tap-mixmax", "target-duckdb")
    state1 = meltano_project.state(STATE_ID)
    tables1 = read_duckdb(db, SCHEMA)
    problems, mismatches = compare(simulator, catalog, tables1, streams)
    assert not problems, "after run 1:\n" + "\n".join(problems)
    assert not mismatches, f"after run 1, values differ from the simulator: {mismatches[:5]}"
    cursors = cursor_streams(state1)
    assert cursors, f"run 1 stored no `previous` cursor in Meltano's state: {state1}"
    # docs/meltano.md's way to look inside, run as written from the project's folder.
    query = documented_query()
    printed = run_checked(["bash", "-c", query], cwd=meltano_project.root).stdout.strip()
    assert printed == f"[({len(tables1['sequences'].rows)},)]", printed

    # Between the runs: new objects and edits.
    changes = mutate(simulator, catalog)

    # Run 2.
    meltano_project("run", "tap-mixmax", "target-duckdb")
    state2 = meltano_project.state(STATE_ID)
    tables2 = read_duckdb(db, SCHEMA)
    bookmarks1 = state1["singer_state"]["bookmarks"]
    bookmarks2 = state2["singer_state"]["bookmarks"]
    for stream in changes.inserted:
        assert bookmarks2[stream]["previous"] != bookmarks1[stream]["previous"], (
            f"Meltano's state for {stream} did not advance past the new objects"
        )

    problems, mismatches = compare(simulator, catalog, tables2, streams)
    assert not problems, "after run 2:\n" + "\n".join(problems)
    edited = {
        (stream, key, edit.field): edit
        for stream, edits in changes.edited.items()
        for key, edit in edits.items()
    }
    touched: dict[str, set[Any]] = {}

    if refresh:
        # Collections whose objects change were read whole again: edits are current.
        assert not mismatches, f"after run 2, values differ from the simulator: {mismatches[:5]}"
    else:
        touched = touched_between(tables1, tables2, catalog, "_sdc_batched_at")
        # Only new objects were read: edited rows keep the values of run 1, nothing else differs.
        stale = {(s, k, f): (w, v) for s, k, f, w, v in mismatches}
        assert set(stale) == set(edited), (
            f"with refresh off only the edited rows may be stale; stale: {sorted(stale)[:5]}, "
            f"edited: {sorted(edited)[:5]}"
        )
        for ident, (warehouse, current) in stale.items():
            assert warehouse == edited[ident].old, (ident, warehouse)
            assert current == edited[ident].new, (ident, current)
        whole = walked_whole_every_run()
        for stream in sorted(cursors & set(streams) & whole):
            assert touched.get(stream, set()) == set(
                tables2[stream].keys(catalog.key_properties(stream))
            ), f"{stream}: the tap reads it whole on every run, but run 2 did not write all rows"
        for stream in sorted((cursors & set(streams)) - whole):
            new = changes.inserted.get(stream, set())
            assert touched.get(stream, set()) == new, (
                f"{stream}: run 2 wrote {len(touched.get(stream, set()))} rows, expected only "
                f"the {len(new)} new objects"
            )
            for child in child_streams_of(stream):
                if child in streams:
                    child_keys = catalog.key_properties(child)
                    allowed = children_of(simulator, child, new, child_keys)
                    assert touched.get(child, set()) <= allowed, (
                        f"{child}: run 2 re-read children of old {stream}"
                    )

    report = {
        "refresh_changed_objects": refresh,
        "rows_after_run_1": row_counts(tables1),
        "rows_after_run_2": row_counts(tables2),
        "rows_written_by_run_2": {s: len(k) for s, k in sorted(touched.items()) if k},
        "inserted": {s: len(k) for s, k in changes.inserted.items()},
        "edited": {s: len(k) for s, k in changes.edited.items()},
        "state_after_run_1": state1,
        "state_after_run_2": state2,
    }
    save_report(f"duckdb-{'refresh-on' if refresh else 'refresh-off'}", report)
    print(json.dumps(report, indent=1, default=str))
