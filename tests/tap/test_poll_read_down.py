"""A poll reading top-down (the server ignored ``previous``) moves its bookmark only once
the read down has reached the old bookmark: a run that fails on the way keeps the old one,
and the next run still finds every new object."""

from __future__ import annotations

from typing import Any

import pytest

from tap_mixmax.errors import BadRequestError
from tap_mixmax.simulator import Simulator
from tests.tap.inprocess import sync

NO_REFRESH = {"refresh_changed_objects": False, "page_size": 5}


def bookmark(state: dict[str, Any]) -> dict[str, Any]:
    return dict(state["bookmarks"]["polls"])


# 12 new polls in pages of 5: the newest page, then two pages read down to the bookmark.
@pytest.mark.parametrize("failing_request", [2, 3])
def test_a_read_down_cut_by_a_failure_keeps_the_old_bookmark(sim: Simulator, failing_request: int):
    first = sync(sim, ["polls"], **NO_REFRESH)
    made = {sim.insert("polls")["_id"] for _ in range(12)}
    sim.set_ignore_previous(True)
    sim.faults.schedule("/polls", [400], at=[failing_request])
    cut = sync(sim, ["polls"], state=first.state, fails=True, **NO_REFRESH)
    assert isinstance(cut.error, BadRequestError)
    emitted = {r["_id"] for r in cut.records("polls")}
    assert emitted, "the failure came before any page of new objects was written"
    assert emitted < made
    # The newest page was written, but the objects below it were not: the bookmark
    # must still point where everything was complete.
    for state in (cut.state, cut.held_state):
        assert bookmark(state)["previous"] == bookmark(first.state)["previous"]
        assert (
            bookmark(state)["replication_key_value"]
            == (bookmark(first.state)["replication_key_value"])
        )

    again = sync(sim, ["polls"], state=cut.state, **NO_REFRESH)
    assert {r["_id"] for r in again.records("polls")} == made
    # Once the read down ended, the bookmark is the newest object: nothing comes again.
    newest = max(made)
    assert bookmark(again.state)["replication_key_value"] == newest
    assert sync(sim, ["polls"], state=again.state, **NO_REFRESH).records("polls") == []


def test_a_read_down_ending_on_the_last_page_of_new_objects_moves_the_bookmark(sim: Simulator):
    """10 new polls, two full pages: the read down's last page holds only old polls and
    emits nothing, and the bookmark still moves when it is read."""
    first = sync(sim, ["polls"], **NO_REFRESH)
    made = {sim.insert("polls")["_id"] for _ in range(10)}
    sim.set_ignore_previous(True)
    run = sync(sim, ["polls"], state=first.state, **NO_REFRESH)
    assert {r["_id"] for r in run.records("polls")} == made
    assert bookmark(run.state)["replication_key_value"] == max(made)
    assert sync(sim, ["polls"], state=run.state, **NO_REFRESH).records("polls") == []
