"""A read that ``start_date`` cut short tells no deletions, whichever walk made it.

With ``emit_activate_version_messages`` on, an ACTIVATE_VERSION after a cut read would
tell the target that every row older than ``start_date`` is gone. Each walk kind is run
twice: whole (where ACTIVATE_VERSION is due, for the parent and its child) and cut.
Creation times come from the simulator's documents by the standard library alone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tap_mixmax.simulator import Simulator
from tap_mixmax.simulator.topology import BY_STREAM
from tests.tap.conftest import TapRun, TapRunner
from tests.tap.times import created

ON = {"emit_activate_version_messages": True}

# (parent, child, the parent's creation-time field or None for its ObjectId, what a whole
# read activates: only streams listed in a stable order, README "Deletions" table)
WALKS = [
    pytest.param(
        "sequences",
        "sequence_recipients",
        None,
        {"sequences"},
        id="cursor-objectid+offset-child",
    ),
    pytest.param(
        "contact_groups",
        "contact_group_members",
        None,
        {"contact_groups", "contact_group_members"},
        id="cursor+cursor-child",
    ),
    pytest.param("teams", "team_members", "createdAt", set(), id="cursor-time-field+cursor-child"),
    pytest.param("meeting_summaries", "meeting_transcripts", "createdAt", set(), id="search+child"),
]


def activated(run: TapRun) -> set[str]:
    return {m["stream"] for m in run.messages if m["type"] == "ACTIVATE_VERSION"}


def parent_docs(sim: Simulator, parent: str) -> list[dict[str, Any]]:
    if parent == "teams":  # the seed has one team per user: add some a day apart
        first = datetime(2025, 1, 1, tzinfo=UTC)
        for n in range(6):
            when = (first + timedelta(days=n)).isoformat(timespec="milliseconds")
            sim.insert("teams", {"name": f"team {n}", "users": [], "createdAt": when})
    return sim.visible(BY_STREAM[parent].key, sim.tokens["ada"])


@pytest.mark.parametrize(("parent", "child", "field", "stable"), WALKS)
def test_a_whole_read_activates_the_streams_in_a_stable_order(
    tap: TapRunner, sim: Simulator, *, parent: str, child: str, field: str | None, stable: set[str]
) -> None:
    parent_docs(sim, parent)
    run = tap.run([parent, child], page_size=2, **ON)
    assert run.returncode == 0, run.stderr
    assert run.records.get(child), f"no {child} rows: the cut test below would prove nothing"
    assert activated(run) == stable


@pytest.mark.parametrize(("parent", "child", "field", "stable"), WALKS)
def test_a_read_cut_by_start_date_sends_no_activate_version(
    tap: TapRunner, sim: Simulator, *, parent: str, child: str, field: str | None, stable: set[str]
) -> None:
    docs = parent_docs(sim, parent)
    times = sorted(created(doc, field) for doc in docs)
    start = times[len(times) // 2]
    newer = {str(doc["_id"]) for doc in docs if created(doc, field) >= start}
    assert 0 < len(newer) < len(docs)

    run = tap.run([parent, child], page_size=2, start_date=start.isoformat(), **ON)
    assert run.returncode == 0, run.stderr
    assert set(run.ids(parent)) == newer
    assert activated(run) == set(), "ACTIVATE_VERSION after a read start_date cut short"
    assert "read down to start_date" in run.stderr


def test_fields_without_the_creation_field_and_id_still_stop_at_start_date(
    tap: TapRunner, sim: Simulator
) -> None:
    # meeting_summaries has no replication key, so createdAt can be deselected (and
    # `_id`, the primary key, is asked to be): the walk must still ask Mixmax for both.
    docs = sim.visible(BY_STREAM["meeting_summaries"].key, sim.tokens["ada"])
    times = sorted(created(doc, "createdAt") for doc in docs)
    start = times[len(times) // 2]
    newer = {doc["_id"] for doc in docs if created(doc, "createdAt") >= start}
    assert 0 < len(newer) < len(docs)

    deselect = {"meeting_summaries": ["createdAt", "_id"]}
    run = tap.run(["meeting_summaries"], deselect=deselect, start_date=start.isoformat())
    assert run.returncode == 0, run.stderr
    assert set(run.ids("meeting_summaries")) == newer
    asked = [r.query.get("fields", "") for r in sim.requests if "summaries" in r.path]
    assert asked
    assert all({"_id", "createdAt"} <= set(fields.split(",")) for fields in asked), asked
    assert all("createdAt" not in row for row in run.records["meeting_summaries"])
