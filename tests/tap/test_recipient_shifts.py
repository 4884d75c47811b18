"""Recipients are paged by offset: a recipient added or deleted between two page reads
shifts the rows below it. Each page after the first starts one row early and checks that
row; a shift is read again from the top once, so no row is lost or sent twice, and a list
that shifts again is read on with a warning that rows may be missing."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from tap_mixmax.simulator import Simulator
from tests.tap.inprocess import InProcessRun, sync
from tests.tap.test_recipient_cap import resize_recipients

STREAMS = ["sequences", "sequence_recipients"]
PAGE = {"page_size": 10}
SIZE = 25
SHIFTED = "changed between two pages"
UNSETTLED = "changed during the read and again"


@pytest.fixture
def sequence(sim: Simulator) -> str:
    first: str = sim.visible("sequences", sim.tokens["ada"])[0]["_id"]
    resize_recipients(sim, first, SIZE)
    return first


def on_each_page(sim: Simulator, sequence: str, change: Callable[[int], None]) -> None:
    """Call ``change(n)`` after the n-th page of ``sequence``'s recipients is answered,
    before the tap can ask for the next one."""
    served = 0

    def hook(request: object) -> None:
        nonlocal served
        if getattr(request, "path", "") == f"/v1/sequences/{sequence}/recipients":
            served += 1
            change(served)

    sim.after_response(hook)


def recipients(sim: Simulator, sequence: str) -> list[str]:
    return [
        r["_id"] for r in sim.visible("sequences/recipients", sim.tokens["ada"], parent_id=sequence)
    ]


def emitted(run: InProcessRun, sequence: str) -> list[str]:
    return [r["_id"] for r in run.records("sequence_recipients") if r["sequenceId"] == sequence]


def warned(run: InProcessRun, what: str) -> list[str]:
    return [line for line in run.lines(logging.WARNING) if what in line]


def test_an_unchanged_list_is_read_once_with_one_row_of_overlap(sim: Simulator, sequence: str):
    run = sync(sim, STREAMS, **PAGE)
    assert sorted(emitted(run, sequence)) == sorted(recipients(sim, sequence))
    asked = [
        (r.query["offset"], r.query["limit"])
        for r in sim.requests
        if r.path == f"/v1/sequences/{sequence}/recipients"
    ]
    # 25 rows: 0-9, then 9-19 and 19-24, each starting at the last row already read.
    assert asked == [("0", "10"), ("9", "11"), ("19", "11")]
    assert warned(run, SHIFTED) == warned(run, UNSETTLED) == []


def test_a_recipient_deleted_between_pages_is_not_a_lost_row(sim: Simulator, sequence: str):
    newest = recipients(sim, sequence)[0]
    on_each_page(
        sim, sequence, lambda n: sim.delete("sequences/recipients", newest) if n == 1 else None
    )
    run = sync(sim, STREAMS, **PAGE)
    got = emitted(run, sequence)
    assert len(got) == len(set(got)), "a recipient was sent twice"
    # Every recipient still there was read, besides the deleted one read before it went.
    assert set(got) == {*recipients(sim, sequence), newest}
    assert len(warned(run, SHIFTED)) == 1
    assert warned(run, UNSETTLED) == []


def test_recipients_added_between_pages_are_read_and_none_twice(sim: Simulator, sequence: str):
    def add(n: int) -> None:
        if n == 2:
            for _ in range(3):
                sim.insert("sequences/recipients", parent_id=sequence)

    on_each_page(sim, sequence, add)
    run = sync(sim, STREAMS, **PAGE)
    got = emitted(run, sequence)
    assert len(got) == len(set(got)), "a recipient was sent twice"
    assert set(got) == set(recipients(sim, sequence))
    assert len(recipients(sim, sequence)) == SIZE + 3
    assert len(warned(run, SHIFTED)) == 1


def test_a_list_changing_on_every_page_is_read_on_with_one_warning(sim: Simulator, sequence: str):
    before = set(recipients(sim, sequence))
    on_each_page(sim, sequence, lambda n: sim.insert("sequences/recipients", parent_id=sequence))
    run = sync(sim, STREAMS, **PAGE)
    got = emitted(run, sequence)
    assert len(got) == len(set(got)), "a recipient was sent twice"
    # Rows added at the top push the others down: none of those is skipped.
    assert before <= set(got)
    assert len(warned(run, UNSETTLED)) == 1, run.lines(logging.WARNING)
    assert sequence in warned(run, UNSETTLED)[0]
    assert warned(run, SHIFTED) == []
