"""The tap's own walks, through the real CLI, with objects created while they run:
over a first run and later polls, every object is emitted exactly once."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tap_mixmax.simulator import RateLimit, Simulator
from tests.tap.conftest import TapRunner

POLL_ONLY = {"refresh_changed_objects": False}
# Each example is three tap processes: few examples, each a different interleaving.
EXAMPLES = 6


def insert_during(sim: Simulator, collection: str, plan: dict[int, int]) -> None:
    """After the n-th request for the collection, create ``plan[n]`` objects."""
    seen = 0

    def hook(request: Any) -> None:
        nonlocal seen
        if request.path == f"/v1/{collection}":
            seen += 1
            for _ in range(plan.get(seen, 0)):
                sim.insert(collection)

    sim.clear_hooks()
    sim.after_response(hook)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(
    keep=st.integers(0, 9),
    page_size=st.integers(1, 4),
    during_first=st.dictionaries(st.integers(1, 6), st.integers(0, 3), max_size=3),
    between=st.integers(0, 6),
    during_poll=st.dictionaries(st.integers(1, 4), st.integers(0, 3), max_size=2),
)
def test_every_object_is_emitted_once_over_a_first_run_and_polls(
    keep: int,
    page_size: int,
    during_first: dict[int, int],
    between: int,
    during_poll: dict[int, int],
) -> None:
    with (
        Simulator(seed=3, scale=0.1, rate_limit=RateLimit(100_000, 60.0)) as sim,
        tempfile.TemporaryDirectory() as folder,
    ):
        token = sim.tokens["ada"]
        for doc in sim.visible("rules", token)[keep:]:
            sim.delete("rules", doc["_id"])
        tap = TapRunner(Path(folder), sim)
        emitted: list[str] = []
        state = None
        for plan, inserted_before in ((during_first, 0), (during_poll, between), ({}, 0)):
            for _ in range(inserted_before):
                sim.insert("rules")
            insert_during(sim, "rules", plan)
            run = tap.run(["rules"], state=state, page_size=page_size, **POLL_ONLY)
            assert run.returncode == 0, run.stderr
            emitted += run.ids("rules")
            state = run.state
        everything = [doc["_id"] for doc in sim.visible("rules", token)]
    assert len(emitted) == len(set(emitted)), "an object was emitted twice"
    assert set(emitted) == set(everything), "an object was never emitted"
