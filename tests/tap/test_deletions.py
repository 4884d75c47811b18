"""Where ACTIVATE_VERSION falls, and which version records carry, run by run.

A target deletes (or marks deleted) every row of a table not sent with the version an
ACTIVATE_VERSION names, so the message may follow only the last record of a complete read
of the whole collection, and must never appear on a poll, after an error, or after a read
that start_date cut short.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tap_mixmax.simulator import Simulator
from tests.tap.conftest import TapRun, TapRunner

ON = {"emit_activate_version_messages": True}
STREAMS = ["sequences", "sequence_recipients", "polls", "current_user"]


def activations(run: TapRun) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for message in run.messages:
        if message["type"] == "ACTIVATE_VERSION":
            found.setdefault(message["stream"], []).append(message["version"])
    return found


def versions(run: TapRun, stream: str) -> set[Any]:
    return {
        m.get("version") for m in run.messages if m["type"] == "RECORD" and m["stream"] == stream
    }


def assert_activated_after_complete_read(run: TapRun, stream: str) -> int:
    """One ACTIVATE_VERSION for ``stream``, after its SCHEMA and all its records, naming
    the version every one of its records carries; returns that version."""
    kinds = [(m["type"], m.get("stream")) for m in run.messages]
    at = [i for i, kind in enumerate(kinds) if kind == ("ACTIVATE_VERSION", stream)]
    assert len(at) == 1, f"{stream}: {len(at)} ACTIVATE_VERSION messages"
    records = [i for i, kind in enumerate(kinds) if kind == ("RECORD", stream)]
    assert not records or max(records) < at[0], f"{stream}: a record after ACTIVATE_VERSION"
    assert kinds.index(("SCHEMA", stream)) < at[0], f"{stream}: ACTIVATE_VERSION before SCHEMA"
    version = run.messages[at[0]]["version"]
    if records:
        assert versions(run, stream) == {version}, f"{stream}: records of another version"
    return int(version)


def test_first_run_activates_every_stream_after_its_records(tap: TapRunner):
    run = tap.run(STREAMS, **ON)
    assert run.returncode == 0, run.stderr
    assert set(activations(run)) == set(STREAMS)
    for stream in STREAMS:
        assert_activated_after_complete_read(run, stream)
    assert run.records["sequence_recipients"], "no recipient rows to carry the version"


def test_off_by_default_no_message_and_no_version(tap: TapRunner):
    run = tap.run(STREAMS)
    assert run.returncode == 0, run.stderr
    assert activations(run) == {}
    assert versions(run, "sequences") == {None}


def test_a_poll_never_activates_with_or_without_new_objects(tap: TapRunner, sim: Simulator):
    first = tap.run(STREAMS, **ON)
    quiet = tap.run(STREAMS, state=first.state, **ON)
    assert quiet.returncode == 0, quiet.stderr
    assert set(activations(quiet)) == {"current_user"}  # a singleton is read whole each run
    new = sim.insert("sequences")["_id"]
    busy = tap.run(STREAMS, state=quiet.state, **ON)
    assert busy.returncode == 0, busy.stderr
    assert busy.ids("sequences") == [new]
    assert set(activations(busy)) == {"current_user"}
    assert versions(busy, "sequences") == {None}


def test_a_refresh_activates_a_newer_version(tap: TapRunner, sim: Simulator):
    first = tap.run(STREAMS, **ON)
    gone = sim.visible("sequences", sim.tokens["ada"])[3]["_id"]
    sim.delete("sequences", gone)
    refresh = tap.run(STREAMS, state=first.state, full_refresh_interval_hours=0, **ON)
    assert refresh.returncode == 0, refresh.stderr
    assert gone not in refresh.ids("sequences")
    for stream in ["sequences", "sequence_recipients", "polls", "current_user"]:
        new = assert_activated_after_complete_read(refresh, stream)
        assert new > activations(first)[stream][0], stream


def test_full_refresh_without_state_activates_like_a_first_run(tap: TapRunner):
    first = tap.run(STREAMS, **ON)
    again = tap.run(STREAMS, **ON)  # what `meltano run --full-refresh` does: no state
    for stream in STREAMS:
        version = assert_activated_after_complete_read(again, stream)
        assert version > activations(first)[stream][0] - 1


def test_no_activation_when_start_date_cuts_the_read(tap: TapRunner, sim: Simulator):
    docs = sorted(sim.visible("polls", sim.tokens["ada"]), key=lambda doc: doc["_id"])
    middle = docs[len(docs) // 2]["_id"]
    start = datetime.fromtimestamp(int(middle[:8], 16), tz=UTC)
    run = tap.run(["polls"], start_date=start.isoformat(), **ON)
    assert run.returncode == 0, run.stderr
    assert 0 < len(run.ids("polls")) < len(docs)
    assert activations(run) == {}


@pytest.mark.parametrize("failing_request", [1, 2])
def test_no_activation_when_the_read_fails(tap: TapRunner, sim: Simulator, failing_request: int):
    sim.faults.schedule("/polls", [503], at=[failing_request])
    run = tap.run(["polls", "current_user"], page_size=5, max_retries=0, **ON)
    assert run.returncode == 1, run.stderr
    assert "polls" not in activations(run)


def test_a_killed_walk_resumes_with_its_version_and_activates_it(tap: TapRunner, sim: Simulator):
    first = tap.run(["polls"], page_size=5, **ON)
    version = activations(first)["polls"][0]
    # The state a run killed after its first page leaves behind.
    killed = next(
        state
        for state in first.states
        if state["bookmarks"].get("polls", {}).get("full_sync", {}).get("next")
    )
    assert killed["bookmarks"]["polls"]["full_sync"]["version"] == version
    # As if killed a while ago: the resumed walk must not mint a version of its own.
    killed["bookmarks"]["polls"]["full_sync"]["version"] = version - 600
    resumed = tap.run(["polls"], state=killed, page_size=5, **ON)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.ids("polls")
    assert assert_activated_after_complete_read(resumed, "polls") == version - 600


def test_a_walk_resumed_from_state_without_a_version_does_not_activate(tap: TapRunner):
    first = tap.run(["polls"], page_size=5)
    killed = next(
        state
        for state in first.states
        if state["bookmarks"].get("polls", {}).get("full_sync", {}).get("next")
    )
    resumed = tap.run(["polls"], state=killed, page_size=5, **ON)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.ids("polls")
    assert "polls" not in activations(resumed)


def test_an_empty_collection_is_a_complete_read(tap: TapRunner, sim: Simulator):
    for doc in sim.visible("polls", sim.tokens["ada"]):
        sim.delete("polls", doc["_id"])
    run = tap.run(["polls"], **ON)
    assert run.returncode == 0, run.stderr
    assert not run.ids("polls")
    assert_activated_after_complete_read(run, "polls")


def test_a_child_left_unread_by_a_skipped_parent_is_not_activated(tap: TapRunner, sim: Simulator):
    sequences = sim.visible("sequences", sim.tokens["ada"])
    sim.faults.schedule(f"/sequences/{sequences[0]['_id']}/recipients", [404])
    run = tap.run(["sequences", "sequence_recipients"], **ON)
    assert run.returncode == 0, run.stderr
    assert "sequences" in activations(run)
    assert "sequence_recipients" not in activations(run)
