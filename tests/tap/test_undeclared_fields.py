"""Properties Mixmax sends that a schema does not declare: counted, warned, kept or left out.

The simulator's undeclared-fields mode gives every object one undeclared top-level
property (an object) and one nested inside its first object-valued property.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tap_mixmax.simulator import RateLimit, Simulator
from tap_mixmax.simulator.undeclared import NESTED, TOP
from tests.tap.inprocess import sync

EXTRA = "_mixmax_extra"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(
        seed=7, scale=0.3, rate_limit=RateLimit(100_000, 60.0), undeclared_fields=True
    ) as simulator:
        yield simulator


def ada_sequences(sim: Simulator) -> list[dict]:
    return sim.visible("sequences", sim.tokens["ada"])


def test_warn_leaves_them_out_warns_once_per_path_and_counts_them(sim: Simulator) -> None:
    run = sync(sim, ["sequences"])
    rows = run.records("sequences")
    assert len(rows) == len(ada_sequences(sim)) > 1
    assert all(TOP not in row and EXTRA not in row for row in rows)
    assert all(NESTED not in row["shared"] for row in rows if row.get("shared"))
    warnings = run.lines(logging.WARNING)
    for path in (TOP, f"shared.{NESTED}"):
        assert sum(f"property '{path}' is not in the stream's schema" in w for w in warnings) == 1
        summary = f"summary: sequences: undeclared property '{path}' in {len(rows)} record(s)"
        assert sum(line.startswith(summary) for line in warnings) == 1, warnings
    assert EXTRA not in run.schema("sequences")["properties"]


def test_keep_sends_top_level_ones_in_one_object_column_and_nested_ones_in_place(
    sim: Simulator,
) -> None:
    sent = {doc["_id"]: doc for doc in ada_sequences(sim)}
    run = sync(sim, ["sequences"], undeclared_fields="keep")
    rows = run.records("sequences")
    assert len(rows) == len(sent)
    for row in rows:
        assert row[EXTRA] == {TOP: sent[row["_id"]][TOP]}
        assert row["shared"][NESTED] is True
    declared = run.schema("sequences")["properties"][EXTRA]
    assert "object" in declared["type"]
    infos = run.lines(logging.INFO)
    kept = f"summary: sequences: undeclared property '{TOP}' in {len(rows)} record(s), kept"
    assert f"{kept} in {EXTRA}" in infos
    assert not [w for w in run.lines(logging.WARNING) if "not in the stream's schema" in w]


def test_keep_with_a_catalog_discovered_without_the_column_conforms_in_one_pass(
    sim: Simulator,
) -> None:
    # The catalog (discovered with the default, warn) lacks _mixmax_extra; the stream's
    # effective schema adds it, so the catalog's schema is the stream's and each record is
    # walked once, not once for each schema.
    run = sync(sim, ["sequences"], undeclared_fields="keep")
    assert run.tap is not None
    assert EXTRA in run.tap.streams["sequences"].effective_schema["properties"]
    assert len(run.tap.run_context.conformers["sequences"].plans) == 1
    assert all(EXTRA in row for row in run.records("sequences"))


def test_keep_is_lossless_for_text_postgres_jsonb_would_refuse(sim: Simulator) -> None:
    odd = {"nul": "a\u0000b", "deep": [{"x": None, "y": 1.5}], "emoji": "\U0001f600"}
    made = sim.insert("sequences", {"name": "odd", "futureField": odd, "createdAt": None})
    run = sync(sim, ["sequences"], undeclared_fields="keep")
    (row,) = [r for r in run.records("sequences") if r["_id"] == made["_id"]]
    # What the simulator served (its mode adds its own nested property to the object).
    assert made["futureField"] == {**odd, NESTED: True}
    assert row[EXTRA]["futureField"] == made["futureField"]


def test_ignore_leaves_them_out_without_warnings_but_still_counts_them(sim: Simulator) -> None:
    run = sync(sim, ["sequences"], undeclared_fields="ignore")
    rows = run.records("sequences")
    assert all(TOP not in row for row in rows)
    assert not [w for w in run.lines(logging.WARNING) if "undeclared" in w or "schema" in w]
    counted = f"summary: sequences: undeclared property '{TOP}' in {len(rows)} record(s)"
    assert any(line.startswith(counted) for line in run.lines(logging.INFO))


def test_streams_with_mostly_inferred_fields_keep_them_by_default(sim: Simulator) -> None:
    run = sync(sim, ["current_user", "meeting_summaries", "sequences"])
    for stream in ("current_user", "meeting_summaries"):
        assert EXTRA in run.schema(stream)["properties"], stream
        assert all(TOP in row[EXTRA] for row in run.records(stream)), stream
    assert EXTRA not in run.schema("sequences")["properties"]
    # Set explicitly, the setting applies to them too.
    warned = sync(sim, ["current_user"], undeclared_fields="warn")
    assert warned.records("current_user")
    assert all(EXTRA not in row for row in warned.records("current_user"))
