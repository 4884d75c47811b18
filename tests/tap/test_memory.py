"""A run's memory stays flat: once a stream is read, nothing keeps its pages alive.

Peak RSS is a benchmark figure (benchmarks/compare_raw.py); what is tested here is the
cause of its growth with the data: a walk holding on to the last page it read, so that
every stream read kept one page of objects until the run ended.
"""

from __future__ import annotations

import gc
import types
from typing import Any

from tap_mixmax.simulator import Simulator
from tests.tap.inprocess import sync

# Collections read whole on a first run, one child read per parent, and one read twice.
STREAMS = ["polls", "sequences", "sequence_recipients", "contacts", "contact_groups"]


def pages_held_by(root: object) -> list[dict[str, Any]]:
    """The API pages (dicts with ``results`` and a cursor) reachable from ``root``,
    without going through modules, classes or functions (shared by everything)."""
    seen: set[int] = set()
    todo = [root]
    pages = []
    while todo:
        item = todo.pop()
        if id(item) in seen or isinstance(item, types.ModuleType | type | types.FunctionType):
            continue
        seen.add(id(item))
        if isinstance(item, dict) and "results" in item and ("next" in item or "hasNext" in item):
            pages.append(item)
        todo.extend(gc.get_referents(item))
    return pages


def test_a_finished_run_holds_no_page_of_the_api(sim: Simulator):
    run = sync(sim, STREAMS, page_size=5)
    assert len(run.records("polls")) > 5  # every stream was read in more than one page
    assert len(run.records("contacts")) > 5
    gc.collect()
    assert pages_held_by(run.tap) == []
