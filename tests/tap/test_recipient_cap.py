"""A short recipients page the size of an earlier list's end may still be a server cap."""

from __future__ import annotations

from tap_mixmax.simulator import Simulator
from tests.tap.conftest import TapRunner

CAP = 20


def resize_recipients(sim: Simulator, sequence: str, size: int) -> None:
    token = sim.tokens["ada"]
    rows = sim.visible("sequences/recipients", token, parent_id=sequence)
    for row in rows[size:]:
        sim.delete("sequences/recipients", row["_id"])
    for _ in range(size - len(rows)):
        sim.insert("sequences/recipients", parent_id=sequence)


def test_a_list_ending_at_the_cap_does_not_hide_a_longer_one(tap: TapRunner, sim: Simulator):
    token = sim.tokens["ada"]
    sequences = [doc["_id"] for doc in sim.visible("sequences", token)]
    # Read first (newest first): a list of exactly CAP rows, whose short page is confirmed
    # as its end; then a longer list, whose first page is just as short but is the cap.
    resize_recipients(sim, sequences[0], CAP)
    resize_recipients(sim, sequences[1], 2 * CAP + 5)
    sim.set_max_limit("/sequences/recipients", CAP)
    run = tap.run(["sequences", "sequence_recipients"], page_size=300)
    assert run.returncode == 0, run.stderr
    for sequence in sequences[:2]:
        got = [r["_id"] for r in run.records["sequence_recipients"] if r["sequenceId"] == sequence]
        want = [r["_id"] for r in sim.visible("sequences/recipients", token, parent_id=sequence)]
        assert sorted(got) == sorted(want)
