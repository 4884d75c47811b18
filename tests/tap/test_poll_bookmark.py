"""A poll's bookmark never moves backwards, at any STATE the run writes."""

from __future__ import annotations

from tap_mixmax.cursors import decode_cursor
from tap_mixmax.simulator import Simulator
from tests.tap.conftest import TapRunner

POLL_ONLY = {"refresh_changed_objects": False}


def bookmarked_oids(states: list[dict], stream: str) -> list[str]:
    """The ObjectId inside the ``previous`` cursor of every STATE that has one."""
    oids = []
    for state in states:
        previous = state.get("bookmarks", {}).get(stream, {}).get("previous")
        if previous is not None:
            oids.append(str(decode_cursor(previous)["$oid"]))
    return oids


def test_every_intermediate_bookmark_of_a_lookback_poll_is_non_decreasing(
    tap: TapRunner, sim: Simulator
):
    first = tap.run(["sequences"], **POLL_ONLY)
    assert first.returncode == 0, first.stderr
    (start,) = bookmarked_oids([first.state], "sequences")
    # Objects the lookback re-reads, one page each, before any newer one: their pages'
    # `previous` cursors lie below the bookmark.
    skewed = [f"{int(start[:8], 16) - s:08x}" + "e" * 16 for s in (3, 2, 1)]
    for _id in skewed:
        sim.insert("sequences", _id=_id)
    inserted = [sim.insert("sequences")["_id"] for _ in range(3)]

    second = tap.run(
        ["sequences"], state=first.state, page_size=1, skew_lookback_seconds=10, **POLL_ONLY
    )
    assert second.returncode == 0, second.stderr
    assert set(skewed) | set(inserted) <= set(second.ids("sequences"))
    oids = bookmarked_oids(second.states, "sequences")
    # The first run's, then one per page that moved it (unchanged STATEs are not re-sent).
    assert len(oids) >= 1 + len(inserted)
    assert oids == sorted(oids)
    assert oids[0] >= start
    assert oids[-1] == max(inserted)
