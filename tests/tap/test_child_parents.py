"""Every child row carries the id of the parent it was listed under, for every child stream."""

from __future__ import annotations

from typing import Any, cast

import pytest

from tap_mixmax.client import MixmaxStream
from tap_mixmax.simulator import Simulator
from tap_mixmax.simulator.topology import TOPOLOGY, Collection
from tap_mixmax.streams import STREAM_TYPES
from tests.tap.conftest import TapRunner

CHILDREN: list[Collection] = [c for c in TOPOLOGY if c.parent is not None]
PARENT_KEY: dict[str, str] = {
    str(t.name): str(t.parent_key) for t in STREAM_TYPES if getattr(t, "parent_key", None)
}


def add_parents_with_children(sim: Simulator) -> None:
    """More teams, with members, so that no child stream has a single parent."""
    for _ in range(2):
        team = sim.insert("teams")["_id"]
        for _ in range(3):
            sim.insert("teams/members", parent_id=team)


def expected_pairs(sim: Simulator, child: Collection) -> set[tuple[str, str]]:
    token = sim.tokens["ada"]
    assert child.parent is not None
    return {
        (parent["_id"], row[child.id_field])
        for parent in sim.visible(child.parent, token)
        for row in sim.visible(child.key, token, parent_id=parent["_id"])
    }


def test_child_rows_carry_their_own_parents_id(tap: TapRunner, sim: Simulator):
    add_parents_with_children(sim)
    parents = {c.parent for c in CHILDREN}
    streams = [c.stream for c in TOPOLOGY if c.key in parents] + [c.stream for c in CHILDREN]
    # live_feed_events and contact_notes are off by default: the catalog selects them here.
    assert {"live_feed_events", "contact_notes"} <= set(streams)
    run = tap.run(streams)
    assert run.returncode == 0, run.stderr
    for child in CHILDREN:
        key = PARENT_KEY[child.stream]
        want = expected_pairs(sim, child)
        parents_with_rows = {parent for parent, _ in want}
        assert len(parents_with_rows) >= 2, f"{child.stream}: too few parents to tell apart"
        got = [(row[key], row[child.id_field]) for row in run.records.get(child.stream, [])]
        assert len(got) == len(set(got)), child.stream
        assert set(got) == want, child.stream
        # One state entry per child stream, never one per parent object.
        assert "partitions" not in run.state["bookmarks"].get(child.stream, {}), child.stream


def test_state_partitioning_cannot_be_set_on_a_stream():
    """Per-parent state entries would grow with every parent ever read: setting the keys,
    as a subclass or the SDK might, fails loudly instead of being quietly ignored."""
    setter = MixmaxStream.state_partitioning_keys.fset
    assert setter is not None
    with pytest.raises(AttributeError, match="one state entry each"):
        setter(cast(Any, None), ["parent_id"])
