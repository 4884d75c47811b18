"""Every stream's keys hold for the records a whole run writes, and requests stay per user.

The docs tables list each stream's primary key; here the records say whether it is one:
present in every row and unique across the run. A replication key must be in every row of
its stream, and the bookmark must hold the newest value the rows carry.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from tap_mixmax.simulator import RateLimit, Simulator
from tests.tap.conftest import TapRun, TapRunner, discovered_catalog


@pytest.fixture(scope="module")
def whole_run(tmp_path_factory: pytest.TempPathFactory) -> TapRun:
    """Every stream selected, read once from a small simulator."""
    with Simulator(seed=7, scale=0.3, rate_limit=RateLimit(100_000, 60.0)) as sim:
        tap = TapRunner(tmp_path_factory.mktemp("keys"), sim)
        run = tap.run(all_streams())
        run.requests = Counter(r.path for r in sim.requests)  # type: ignore[attr-defined]
    assert run.returncode == 0, run.stderr[-3000:]
    return run


def all_streams() -> list[str]:
    catalog = json.loads(discovered_catalog())
    return sorted(entry["tap_stream_id"] for entry in catalog["streams"])


def test_the_run_wrote_rows_for_nearly_every_stream(whole_run: TapRun) -> None:
    empty = set(all_streams()) - set(whole_run.records)
    assert len(empty) <= 3, f"streams without rows prove nothing about their keys: {empty}"


@pytest.mark.parametrize("stream", all_streams())
def test_the_primary_key_is_present_and_unique_in_every_row(whole_run: TapRun, stream: str):
    rows = whole_run.records.get(stream, [])
    key = whole_run.keys.get(stream)
    assert key, f"{stream}: no key_properties"
    values = [tuple(row.get(name) for name in key) for row in rows]
    assert all(None not in value for value in values), f"{stream}: a row without {key}"
    repeated = [value for value, n in Counter(values).items() if n > 1]
    assert not repeated, f"{stream}: {key} is not unique: {repeated[:3]}"


def replication_key(run: TapRun, stream: str) -> str | None:
    message = next(m for m in run.messages if m["type"] == "SCHEMA" and m["stream"] == stream)
    keys: list[str] = message.get("bookmark_properties") or []
    return keys[0] if keys else None


@pytest.mark.parametrize("stream", all_streams())
def test_the_replication_key_is_in_every_row_and_bookmarks_the_newest(
    whole_run: TapRun, stream: str
):
    rows = whole_run.records.get(stream, [])
    if stream not in whole_run.keys:
        pytest.fail(f"{stream}: no SCHEMA message")
    key = replication_key(whole_run, stream)
    if key is None:
        assert "replication_key_value" not in whole_run.bookmark(stream)
        return
    values = [row.get(key) for row in rows]
    assert all(isinstance(value, str) and value for value in values), f"{stream}: {key}"
    bookmark: dict[str, Any] = whole_run.bookmark(stream)
    assert bookmark.get("replication_key") == key
    if values:
        assert bookmark.get("replication_key_value") == max(values)


def test_current_user_is_asked_for_once_per_run_not_per_record(whole_run: TapRun) -> None:
    rows = sum(len(rows) for rows in whole_run.records.values())
    assert rows > 1000
    asked: Counter[str] = whole_run.requests  # type: ignore[attr-defined]
    assert asked["/v1/users/me"] <= 2, asked["/v1/users/me"]
    # A page of a collection, or one per parent for children: fewer than one per row.
    assert sum(asked.values()) < rows / 2, sum(asked.values())
