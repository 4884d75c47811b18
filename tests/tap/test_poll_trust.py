"""Polls do not trust ``previous`` blindly: a server that ignores it (the simulator's
ignore-previous mode answers the newest page instead) costs a warning and a bounded
top-down read, never a duplicate or a lost object."""

from __future__ import annotations

import logging

import pytest

from tap_mixmax.simulator import Simulator
from tests.tap.inprocess import sync

NO_REFRESH = {"refresh_changed_objects": False, "page_size": 5}


@pytest.mark.parametrize("new", [0, 3, 5, 12])
def test_a_server_ignoring_previous_yields_each_new_object_once(sim: Simulator, new: int):
    first = sync(sim, ["polls"], **NO_REFRESH)
    assert first.records("polls")
    made = [sim.insert("polls")["_id"] for _ in range(new)]
    sim.set_ignore_previous(True)
    sim.clear_log()
    run = sync(sim, ["polls"], state=first.state, **NO_REFRESH)
    assert sorted(r["_id"] for r in run.records("polls")) == sorted(made)
    warned = [w for w in run.lines(logging.WARNING) if "ignored 'previous'" in w]
    # Exactly one full page of new objects looks the same whether `previous` was
    # honoured or not: the read is right either way, and nothing is said.
    assert len(warned) == (0 if new == 5 else 1)
    # Pages of 5 from the newest down to the first one reaching the bookmark.
    assert sim.count("/polls") == new // 5 + 1
    # The bookmark moved to the newest object; the next poll finds nothing new.
    again = sync(sim, ["polls"], state=run.state, **NO_REFRESH)
    assert again.records("polls") == []


@pytest.mark.parametrize(("new", "requests"), [(12, 3), (10, 2), (5, 2), (3, 1)])
def test_a_server_honouring_previous_is_polled_as_before(sim: Simulator, new: int, requests: int):
    first = sync(sim, ["polls"], **NO_REFRESH)
    made = [sim.insert("polls")["_id"] for _ in range(new)]
    sim.clear_log()
    run = sync(sim, ["polls"], state=first.state, **NO_REFRESH)
    assert sorted(r["_id"] for r in run.records("polls")) == sorted(made)
    assert not [w for w in run.lines(logging.WARNING) if "ignored 'previous'" in w]
    # Exactly one full page of new objects costs one look below it; nothing else does.
    assert sim.count("/polls") == requests


def test_with_a_lookback_only_objects_above_the_rewound_cursor_come_again(sim: Simulator):
    first = sync(sim, ["polls"], **NO_REFRESH)
    newest = max(r["_id"] for r in first.records("polls"))
    made = [sim.insert("polls")["_id"] for _ in range(3)]
    sim.set_ignore_previous(True)
    lookback = 3600
    run = sync(sim, ["polls"], state=first.state, skew_lookback_seconds=lookback, **NO_REFRESH)
    got = [r["_id"] for r in run.records("polls")]
    assert len(got) == len(set(got))
    assert set(made) <= set(got)
    # Nothing from before the look-back window, however the server answered.
    floor = f"{int(newest[:8], 16) - lookback:08x}"
    assert all(i[:8] >= floor for i in got)
    older = [r["_id"] for r in first.records("polls") if r["_id"][:8] < floor]
    assert older, "the seed has no poll older than the look-back window"
