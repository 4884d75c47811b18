"""Times read the same whatever the machine's time zone: a time without an offset is UTC.

The CI machine runs in UTC, where reading a naive time as local time changes nothing;
these tests set ``TZ`` to zones east and west of Greenwich (POSIX rules, no tz database
needed), in-process with ``time.tzset`` and for a whole tap run in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tap_mixmax.cursors import object_id_time
from tap_mixmax.simulator import Simulator
from tap_mixmax.timestamps import to_rfc3339
from tests.tap.conftest import TapRun, TapRunner, parse_messages, tap_command, tap_env

# Five hours west of UTC, and five and a half east: a half-hour offset catches more.
ZONES = ["XST+5", "YST-5:30"]


@pytest.fixture(params=ZONES)
def zone(request: pytest.FixtureRequest) -> Iterator[str]:
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    assert time.timezone != 0  # the zone took effect
    try:
        yield request.param
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-01T12:34:56.789", "2024-03-01T12:34:56.789Z"),  # no offset: UTC
        ("2024-03-01", "2024-03-01T00:00:00.000Z"),
        ("2024-03-01T12:34:56.789Z", "2024-03-01T12:34:56.789Z"),
        ("2024-03-01T14:34:56.789+02:00", "2024-03-01T12:34:56.789Z"),
        (1_709_296_496_789, "2024-03-01T12:34:56.789Z"),  # epoch milliseconds
        (1_709_296_496_789.0, "2024-03-01T12:34:56.789Z"),
        (1_709_296_496, "2024-03-01T12:34:56.000Z"),  # epoch seconds
        (4_102_444_800_001, "2100-01-01T00:00:00.001Z"),  # past the fast path
        (1_709_337_599_999, "2024-03-01T23:59:59.999Z"),  # the last millisecond of a day
        (100_000_000_000.0, "1973-03-03T09:46:40.000Z"),  # a float at the seconds ceiling
    ],
)
def test_times_are_utc_in_any_local_zone(zone: str, value: Any, expected: str) -> None:
    assert to_rfc3339(value) == expected


def test_an_object_id_time_is_utc_in_any_local_zone(zone: str) -> None:
    # 0x65e1cb70 = 1709296496 s = 2024-03-01T12:34:56Z
    assert object_id_time("65e1cb70" + "0" * 16) == datetime(2024, 3, 1, 12, 34, 56, tzinfo=UTC)


def add_team(sim: Simulator, name: str, created: str) -> None:
    sim.insert("teams", {"name": name, "users": [], "createdAt": created})


@pytest.mark.parametrize("tz", ZONES)
def test_a_run_in_a_non_utc_zone_reads_naive_times_as_utc(
    tap: TapRunner, sim: Simulator, tz: str
) -> None:
    # Teams an hour apart around 03:00 UTC, their times written without an offset.
    for hour in range(12):
        add_team(sim, f"t{hour:02d}", f"2031-01-01T{hour:02d}:00:00.000")
    paths = tap.files(tap.config(start_date="2031-01-01T03:00:00"), ["teams"], None)
    done = subprocess.run(
        tap_command(*paths),
        capture_output=True,
        text=True,
        timeout=120,
        env={**tap_env(), "TZ": tz},
        check=False,
    )
    run = TapRun(returncode=done.returncode, stderr=done.stderr)
    parse_messages(done.stdout.splitlines(), run)
    assert run.returncode == 0, run.stderr
    created = sorted(row["createdAt"] for row in run.records["teams"])
    assert created == [f"2031-01-01T{hour:02d}:00:00.000Z" for hour in range(3, 12)]
