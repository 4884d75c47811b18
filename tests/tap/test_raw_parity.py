"""The fast record path against what it replaced, and the benchmark's raw client against the tap.

* The tap's records and states equal those of the same tap run the SDK's way (type
  conformance RECURSIVE, the SDK's default writer), generated in the test, over a
  simulator seeded with values conformance used to change. Time fields on that side come
  from ``tests/tap/expected_times.py`` (the standard library, none of the tap's code), so
  a fault in the tap's time reading shows as a difference.
* A time value the tap cannot read is written as null, warned about once per stream and
  field, and the record stays valid against its schema, ``format`` included.
* ``benchmarks/raw_client.py`` reads the same records with the same requests as the tap,
  so ``benchmarks/compare_raw.py`` compares the same work.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tap_mixmax.simulator import Simulator
from tap_mixmax.simulator.seed import DEMO_TOKEN
from tap_mixmax.user_column import USER_COLUMN
from tests.tap.conftest import TapRun, TapRunner, parse_messages, tap_env

ROOT = Path(__file__).resolve().parents[2]

# The tap as it was before the fast path (the SDK's conformance and its default simplejson
# writer), with times from the tests' own reading rather than the tap's. Run from the
# repository's root, so that ``tests`` imports.
SDK_WAY = """
import sys
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.io_base import SingerWriter
from singer_sdk.streams.core import Stream
from tap_mixmax.client import MixmaxStream
from tap_mixmax.tap import TapMixmax
from tap_mixmax.user_column import USER_COLUMN, reader_id
from tests.tap.expected_times import expected_record

def post_process(self, row, context=None):
    parent_id = self._parent_id(context)
    if self.parent_key and parent_id is not None:
        row.setdefault(self.parent_key, parent_id)
    self.run_context.progress.record(self.name)
    row[USER_COLUMN] = reader_id(self, row)
    return expected_record(row, self.schema)

MixmaxStream.post_process = post_process
MixmaxStream._generate_record_messages = Stream._generate_record_messages
MixmaxStream.TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.RECURSIVE
TapMixmax.message_writer_class = SingerWriter
sys.argv = ["tap-mixmax", *sys.argv[1:]]
TapMixmax.cli()
"""


def run_sdk_way(tap: TapRunner, streams: list[str]) -> TapRun:
    config_path, catalog_path, _ = tap.files(tap.config(), streams, None)
    command = [sys.executable, "-c", SDK_WAY, "--config", str(config_path)]
    command += ["--catalog", str(catalog_path)]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=300,
        env=tap_env(),
        cwd=ROOT,
        check=False,
    )
    run = TapRun(returncode=done.returncode, stderr=done.stderr)
    parse_messages(done.stdout.splitlines(), run)
    return run


def final_state(run: TapRun) -> dict[str, Any]:
    state = json.loads(json.dumps(run.state))
    for bookmark in state.get("bookmarks", {}).values():
        bookmark.pop("last_full_sync_at", None)
    return state


ODD_SEQUENCE = {
    # Times the way Mixmax has sent them: epoch ms, epoch seconds, ISO without offset.
    "createdAt": 1_700_000_000,
    "updatedAt": "2024-03-05T06:07:08.9",
    # Booleans the SDK's conformance turned into booleans.
    "sendStagesAsReplies": 1,
    "linkTrackingEnabled": 0,
    "notificationsEnabled": "no",
    # Properties the schema does not declare, at the root and nested.
    "undeclaredTopLevel": {"x": 1},
    "cc": [{"email": "a@example.com", "undeclaredNested": True}],
    "shared": {"users": [{"userId": "u1", "accepted": 1, "extra": "x"}], "extra": 2},
    "name": "odd values",
}


def test_records_and_state_equal_the_sdk_way(tap: TapRunner, sim: Simulator) -> None:
    sim.insert("sequences", dict(ODD_SEQUENCE))
    odd = sim.insert("sequences", {**ODD_SEQUENCE, "createdAt": "not a time"})
    sim.insert("sequences", {**ODD_SEQUENCE, "createdAt": "still not a time"})
    streams = ["sequences", "sequence_recipients", "contacts", "messages", "teams"]
    streams += ["team_members", "snippet_tags", "meeting_invites", "live_feed"]

    sdk_way = run_sdk_way(tap, streams)
    fast = tap.run(streams=streams)

    assert sdk_way.returncode == 0, sdk_way.stderr[-2000:]
    assert fast.returncode == 0, fast.stderr[-2000:]
    assert set(fast.records) == set(streams)
    for stream in streams:
        assert fast.records[stream] == sdk_way.records[stream], stream
    assert final_state(fast) == final_state(sdk_way)

    by_id = {row["_id"]: row for row in fast.records["sequences"]}
    assert by_id[odd["_id"]]["createdAt"] is None
    assert by_id[odd["_id"]]["updatedAt"] == "2024-03-05T06:07:08.900Z"
    assert by_id[odd["_id"]]["sendStagesAsReplies"] is True
    assert by_id[odd["_id"]]["notificationsEnabled"] is True  # "no" != 0, as the SDK had it
    assert "undeclaredTopLevel" not in by_id[odd["_id"]]
    assert by_id[odd["_id"]]["shared"] == {"users": [{"userId": "u1", "accepted": True}]}


def test_a_time_the_tap_cannot_read_is_null_and_warned_once(tap: TapRunner, sim: Simulator) -> None:
    for text in ("not a time", "yesterday", "31/02/2024"):
        sim.insert("sequences", {**ODD_SEQUENCE, "createdAt": text})

    run = tap.run(streams=["sequences"])

    assert run.returncode == 0, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    warnings = [line for line in run.stderr.splitlines() if "not a time" in line]
    assert len(warnings) == 1, warnings
    assert "sequences" in warnings[0]
    assert "'createdAt'" in warnings[0]
    # and the total, once the run's syncing is over
    assert "sequences: 3 value(s) of 'createdAt' were not times" in run.stderr
    nulls = [row for row in run.records["sequences"] if row["name"] == "odd values"]
    assert len(nulls) == 3
    assert all(row["createdAt"] is None for row in nulls)
    schema = run.schemas["sequences"]
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    for row in run.records["sequences"]:
        validator.validate(row)


def load_benchmark() -> Any:
    benchmarks = str(ROOT / "benchmarks")
    if benchmarks not in sys.path:
        sys.path.append(benchmarks)  # its sibling modules, as when it runs as a script
    spec = importlib.util.spec_from_file_location(
        "compare_raw", ROOT / "benchmarks" / "compare_raw.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defined
    spec.loader.exec_module(module)
    return module


def keys_of(run_records: list[dict[str, Any]], key: list[str]) -> list[tuple[Any, ...]]:
    return [tuple(row[name] for name in key) for row in run_records]


def test_the_raw_client_reads_what_the_tap_reads(
    tap: TapRunner, sim: Simulator, tmp_path: Path
) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(load_benchmark().endpoint_plan()))
    # A server-side cap below the page size asked for: both must page past short pages.
    sim.set_max_limit("sequences/recipients", 50)
    sequence = sim.insert("sequences")
    for _ in range(120):
        sim.insert("sequences/recipients", parent_id=sequence["_id"])
    # Contacts of a group shared with the user: the tap lists them (includeShared).
    bob = sim.tokens["bob"]
    sim.share("contactgroups", sim.visible("contactgroups", bob)[0]["_id"], sim.tokens["ada"])

    sim.clear_log()
    run = tap.run()
    tap_requests = sim.count()
    sim.clear_log()
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "raw_client.py"),
            "--plan",
            str(plan),
            "--api-url",
            sim.base_url,
            "--token",
            DEMO_TOKEN,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    raw_requests = sim.count()

    assert run.returncode == 0, run.stderr[-2000:]
    assert done.returncode == 0, done.stderr[-2000:]
    raw = TapRun(returncode=0)
    parse_messages(done.stdout.splitlines(), raw)
    assert set(raw.records) == set(run.records)
    assert len(run.records) > 25
    for stream, rows in run.records.items():
        # live_feed_stats is keyed by the moment each client ran: compare its counters.
        key = ["sent", "query"] if stream == "live_feed_stats" else run.keys[stream]
        assert key, stream
        assert keys_of(raw.records[stream], key) == keys_of(rows, key), stream
        # The same fields asked for (expansions, variables), not only the same objects.
        # The user column is the tap's own, not Mixmax's.
        tapped = set().union(*rows) - {USER_COLUMN}
        assert set().union(*raw.records[stream]) == tapped, stream
    per_sequence = Counter(row["sequenceId"] for row in run.records["sequence_recipients"])
    assert per_sequence[sequence["_id"]] == 120
    assert raw_requests == tap_requests


# A loopback api_url never goes through a proxy, NO_PROXY or not (the token would travel
# in clear to it); proxies for other hosts: tests/adversarial (the redirect and proxy tests).
@pytest.mark.parametrize(
    ("no_proxy", "expect_success"), [("", True), ("127.0.0.1,localhost", True)]
)
def test_a_proxy_in_the_environment_is_not_used_for_a_loopback_api_url(
    tap: TapRunner, no_proxy: str, expect_success: bool
) -> None:
    config_path, catalog_path, _ = tap.files(tap.config(max_retries=0), ["current_user"], None)
    # Nothing listens on port 9: a request sent through this proxy fails.
    env = {**tap_env(), "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": no_proxy}
    env.pop("http_proxy", None)
    env.pop("no_proxy", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tap_mixmax",
            "--config",
            str(config_path),
            "--catalog",
            str(catalog_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert (done.returncode == 0) is expect_success, done.stderr[-2000:]
    assert ('"type":"RECORD"' in done.stdout) is expect_success
