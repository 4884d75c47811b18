"""start_date on streams whose creation time is a field (not the ObjectId): rows and requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tap_mixmax.simulator import Simulator
from tap_mixmax.simulator.topology import BY_STREAM
from tests.tap.conftest import TapRunner
from tests.tap.times import created

PAGE = 5


def add_teams(sim: Simulator, count: int) -> None:
    """Teams created a day apart: the seed alone has one team per user."""
    first = datetime(2025, 1, 1, tzinfo=UTC)
    for n in range(count):
        when = (first + timedelta(days=n)).isoformat(timespec="milliseconds")
        sim.insert("teams", {"name": f"team {n}", "users": [], "createdAt": when})


@pytest.mark.parametrize("stream", ["messages", "live_feed", "teams"])
def test_start_date_on_a_creation_time_field_cuts_rows_and_requests(
    tap: TapRunner, sim: Simulator, stream: str
):
    collection = BY_STREAM[stream]
    field = collection.sort_field if collection.tuple_key else collection.created_field
    assert field is not None
    if stream == "teams":
        add_teams(sim, 12)
    docs = sim.visible(collection.key, sim.tokens["ada"])
    start = created(docs[len(docs) // 2], field)
    newer = [doc["_id"] for doc in docs if created(doc, field) >= start]
    assert PAGE < len(newer) < len(docs)

    run = tap.run([stream], page_size=PAGE, start_date=start.isoformat())
    assert run.returncode == 0, run.stderr
    assert run.ids(stream) == newer
    assert all(created(row, field) >= start for row in run.records[stream])
    # Newest first: the page holding the first older object is the last one asked for.
    assert sim.count(collection.path) == len(newer) // PAGE + 1
