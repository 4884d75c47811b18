"""The simulator's cursor paging under concurrent inserts: a model client never skips,
repeats or spins.

``sync`` below is a model of a client (a full ``next`` walk bookmarking the first page's
``previous``, then ``previous`` polls until ``hasPrevious`` is false), not the tap: these
properties test that the simulator's pages make such a walk possible at all. The tap's
own walks are driven through the real CLI in ``tests/tap/test_walk_properties.py``.
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sim_helpers import ADA, Client, seed_doc, user, users_only

from tap_mixmax.simulator import Simulator
from tap_mixmax.simulator.cursors import SortKey
from tap_mixmax.simulator.store import Entry, View, paginate
from tap_mixmax.simulator.topology import Collection

MAX_REQUESTS = 500

steps = st.lists(
    st.tuples(st.integers(1, 5), st.integers(0, 3)),  # (limit, inserts before this request)
    min_size=1,
    max_size=40,
)


class Clock:
    """Advances 1 ms per reading, so inserted messages get strictly increasing ``created``."""

    def __init__(self) -> None:
        self.ticks = itertools.count(1_800_000_000_000)

    def __call__(self) -> float:
        return next(self.ticks) / 1000


def sync(c: Client, path: str, plan: list[tuple[int, int]], insert: Any) -> list[str]:
    """Run a full sync then incremental polls, inserting per ``plan``; return emitted ids."""
    script = iter(plan)
    emitted: list[str] = []
    requests = 0

    def get(**params: Any) -> dict[str, Any]:
        nonlocal requests
        limit, inserts = next(script, (3, 0))
        for _ in range(inserts):
            insert()
        requests += 1
        assert requests < MAX_REQUESTS, "the walk does not stop"
        return c.get(path, limit=limit, **params).json()

    page = get()
    candidate = page.get("previous")
    emitted += [r["_id"] for r in page["results"]]
    while page["hasNext"]:
        page = get(next=page["next"])
        emitted += [r["_id"] for r in page["results"]]
    bookmark = candidate
    for _run in range(2):  # a second run must find exactly what arrived after the first
        if bookmark is None:
            page = get()
            bookmark = page.get("previous")
            emitted += [r["_id"] for r in page["results"]]
            while page["hasNext"]:
                page = get(next=page["next"])
                emitted += [r["_id"] for r in page["results"]]
            continue
        while True:
            page = get(previous=bookmark)
            if not page["results"]:
                assert "previous" not in page
                break
            assert page["previous"] != bookmark
            emitted += [r["_id"] for r in page["results"]]
            bookmark = page["previous"]
            if not page["hasPrevious"]:
                break
    return emitted


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(initial=st.integers(0, 12), plan=steps)
def test_objectid_walks_with_inserts(initial: int, plan: list[tuple[int, int]]) -> None:
    data = users_only()
    with Simulator(dataset=data, rate_limit=None, clock=Clock()) as sim:
        for _ in range(initial):
            sim.insert("rules")
        c = Client(sim)
        emitted = sync(c, "/rules", plan, lambda: sim.insert("rules"))
        c.close()
        everything = [r["_id"] for r in sim.visible("rules", ADA)]
    assert len(emitted) == len(set(emitted)), "an object was emitted twice"
    assert set(emitted) == set(everything), "an object was skipped"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(initial=st.integers(0, 12), plan=steps, ties=st.integers(1, 4))
def test_tuple_key_walks_with_inserts(initial: int, plan: list[tuple[int, int]], ties: int) -> None:
    data = users_only()
    ada = user(data, ADA).user_id
    # Seeded messages share ``created`` values in groups of ``ties``.
    data.collections["messages"] = [
        seed_doc({"_id": f"seed{n:013d}", "created": 1_700_000_000_000 + n // ties}, ada)
        for n in range(initial)
    ]
    with Simulator(dataset=data, rate_limit=None, clock=Clock()) as sim:
        c = Client(sim)
        emitted = sync(c, "/messages", plan, lambda: sim.insert("messages"))
        c.close()
        everything = [m["_id"] for m in sim.visible("messages", ADA)]
    assert len(emitted) == len(set(emitted))
    assert set(emitted) == set(everything)


class _Spec:
    spec = Collection("x", "x")


@settings(max_examples=300, deadline=None)
@given(
    keys=st.sets(st.integers(0, 60), max_size=40),
    cursor=st.integers(-1, 61),
    limit=st.integers(1, 10),
    direction=st.sampled_from(["first", "next", "previous"]),
)
def test_paginate_returns_the_rows_adjacent_to_the_cursor(
    keys: set[int], cursor: int, limit: int, direction: str
) -> None:
    ordered = sorted(keys)
    entries = [Entry(_Spec.spec, {"_id": f"{k:024x}"}, frozenset({"u"}), None) for k in ordered]
    view = View(keys=[e.key for e in entries], entries=entries)
    key: SortKey = (f"{cursor:024x}",) if cursor >= 0 else ("",)
    page = paginate(
        view,
        limit,
        key if direction == "next" else None,
        key if direction == "previous" else None,
    )
    got = [int(e.doc["_id"], 16) for e in page.rows]
    if direction == "first":
        want = ordered[::-1][:limit]
        assert (page.has_previous, page.has_next) == (False, len(ordered) > limit)
    elif direction == "next":
        older = [k for k in ordered if k < cursor][::-1]
        want = older[:limit]
        assert (page.has_previous, page.has_next) == (True, len(older) > limit)
    else:
        newer = [k for k in ordered if k > cursor]
        want = newer[:limit][::-1]
        assert (page.has_previous, page.has_next) == (len(newer) > limit, True)
    assert got == want
