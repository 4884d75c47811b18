"""Deletions reach the warehouse: `meltano run` into meltanolabs-target-postgres.

Objects deleted in Mixmax (the simulator) stay in the tables through a poll, which
deletes nothing, and are gone (``hard_delete``) or marked ``_sdc_deleted_at`` (soft) after
the next refresh, which reads the collections whole and ends with ACTIVATE_VERSION.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import MeltanoProject, Postgres, Table, plugin_venv, read_postgres

SCHEMA = "mixmax"
STREAMS = ["current_user", "sequences", "sequence_recipients", "polls"]


def live_and_deleted(table: Table, key: str) -> tuple[set[str], set[str]]:
    deleted_column = table.column("_sdc_deleted_at")
    live, deleted = set(), set()
    for row in table.rows:
        marked = deleted_column is not None and row[deleted_column] is not None
        (deleted if marked else live).add(str(row[table.column(key) or key]))
    return live, deleted


def visible(sim: Any, collection: str, **kwargs: Any) -> set[str]:
    return {doc["_id"] for doc in sim.visible(collection, sim.tokens["ada"], **kwargs)}


@pytest.mark.e2e
@pytest.mark.parametrize("hard_delete", [True, False])
def test_deleted_objects_leave_the_warehouse_at_the_next_refresh(
    meltano_project: MeltanoProject, simulator: Any, postgres: Postgres, hard_delete: bool
) -> None:
    plugin_venv("loaders", "target-postgres")
    meltano_project.overrides.update(
        {
            **postgres.loader_settings(SCHEMA),
            "TARGET_POSTGRES_HARD_DELETE": "true" if hard_delete else "false",
            "TAP_MIXMAX_EMIT_ACTIVATE_VERSION_MESSAGES": "true",
            "TAP_MIXMAX__SELECT": json.dumps([f"{stream}.*" for stream in STREAMS]),
        }
    )
    sequences_before = visible(simulator, "sequences")
    meltano_project("run", "tap-mixmax", "target-postgres")
    tables = read_postgres(postgres, SCHEMA)
    assert live_and_deleted(tables["sequences"], "_id") == (sequences_before, set())

    sequence = sorted(sequences_before)[0]
    recipients = visible(simulator, "sequences/recipients", parent_id=sequence)
    assert recipients, "the deleted sequence should have recipients to take with it"
    poll = sorted(visible(simulator, "polls"))[0]
    simulator.delete("sequences", sequence)
    simulator.delete("polls", poll)
    new_poll = simulator.insert("polls")["_id"]

    # A poll (the refresh is not due): the new object arrives, nothing is deleted.
    meltano_project("run", "tap-mixmax", "target-postgres")
    tables = read_postgres(postgres, SCHEMA)
    live, deleted = live_and_deleted(tables["polls"], "_id")
    assert {poll, new_poll} <= live
    assert not deleted
    assert sequence in live_and_deleted(tables["sequences"], "_id")[0]

    # The refresh is due: the collections are read whole and end with ACTIVATE_VERSION.
    meltano_project(
        "run",
        "tap-mixmax",
        "target-postgres",
        extra_env={"TAP_MIXMAX_FULL_REFRESH_INTERVAL_HOURS": "0"},
    )
    tables = read_postgres(postgres, SCHEMA)
    for stream, key, gone, kept in [
        ("polls", "_id", {poll}, visible(simulator, "polls")),
        ("sequences", "_id", {sequence}, visible(simulator, "sequences")),
    ]:
        live, deleted = live_and_deleted(tables[stream], key)
        assert not gone & live, f"{stream}: deleted objects still live"
        if hard_delete:
            assert not deleted, f"{stream}: rows marked instead of deleted"
            all_keys = {str(row[tables[stream].column(key) or key]) for row in tables[stream].rows}
            assert not gone & all_keys, f"{stream}: deleted rows still in the table"
        else:
            assert gone <= deleted, f"{stream}: deleted objects not marked _sdc_deleted_at"
        if kept is not None:
            assert live == kept, f"{stream}: live rows differ from Mixmax"
    # The singleton is re-read every run, so it is never marked.
    assert live_and_deleted(tables["current_user"], "_id")[1] == set()
