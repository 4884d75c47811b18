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
# Streams listed in ObjectId `_id` order (or singletons): the ones deletions are told for.
STREAMS = ["rules", "rule_actions", "polls", "current_user"]


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
    assert run.records["rule_actions"], "no child rows to carry the version"


def test_off_by_default_no_message_and_no_version(tap: TapRunner):
    run = tap.run(STREAMS)
    assert run.returncode == 0, run.stderr
    assert activations(run) == {}
    assert versions(run, "rules") == {None}


def test_a_poll_never_activates_with_or_without_new_objects(tap: TapRunner, sim: Simulator):
    first = tap.run(STREAMS, **ON)
    quiet = tap.run(STREAMS, state=first.state, **ON)
    assert quiet.returncode == 0, quiet.stderr
    assert set(activations(quiet)) == {"current_user"}  # a singleton is read whole each run
    new = sim.insert("rules")["_id"]
    busy = tap.run(STREAMS, state=quiet.state, **ON)
    assert busy.returncode == 0, busy.stderr
    assert busy.ids("rules") == [new]
    assert set(activations(busy)) == {"current_user"}
    assert versions(busy, "rules") == {None}


def test_a_refresh_activates_a_newer_version(tap: TapRunner, sim: Simulator):
    first = tap.run(STREAMS, **ON)
    gone = sim.visible("rules", sim.tokens["ada"])[3]["_id"]
    sim.delete("rules", gone)
    refresh = tap.run(STREAMS, state=first.state, full_refresh_interval_hours=0, **ON)
    assert refresh.returncode == 0, refresh.stderr
    assert gone not in refresh.ids("rules")
    for stream in STREAMS:
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
    rules = sim.visible("rules", sim.tokens["ada"])
    sim.faults.schedule(f"/rules/{rules[0]['_id']}/actions", [404])
    run = tap.run(["rules", "rule_actions"], **ON)
    assert run.returncode == 0, run.stderr
    assert "rules" in activations(run)
    assert "rule_actions" not in activations(run)


UNSTABLE = {
    # stream: what its one line says
    "sequence_recipients": "paged by offset",
    "messages": "time field `created`",
    "live_feed": "time field `sent`",
    "live_feed_events": "read under live_feed",
    "teams": "time field `createdAt`",
    "team_members": "17-character memberIds",
    "meeting_summaries": "a search endpoint",
    "meeting_transcripts": "read under meeting_summaries",
}


def test_streams_in_an_order_not_known_stable_never_activate(tap: TapRunner):
    run = tap.run(["sequences", *UNSTABLE], **ON)
    assert run.returncode == 0, run.stderr
    assert set(activations(run)) == {"sequences"}
    for stream, why in UNSTABLE.items():
        assert run.records.get(stream), f"{stream}: no rows read"
        assert versions(run, stream) == {None}, f"{stream}: records carry a version"
        lines = [line for line in run.stderr.splitlines() if f"{stream}: no deletions told" in line]
        assert len(lines) == 1, f"{stream}: {lines}"
        assert why in lines[0]


def killed_after_first_page(
    run: TapRun, stream: str, resumed: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The state ``run`` left after its first page of ``stream`` (as if killed there);
    for a run resumed from state ``resumed``, its first page after that state."""
    start = (resumed or {}).get("bookmarks", {}).get(stream, {}).get("full_sync", {})
    return next(
        state
        for state in run.states
        if state["bookmarks"].get(stream, {}).get("full_sync", {}).get("next")
        not in (None, start.get("next"))
    )


def test_a_child_selected_on_resume_waits_for_its_next_complete_read(
    tap: TapRunner, sim: Simulator
):
    tap.run(["rules", "rule_actions"], page_size=2, **ON)
    # Run 1, with the child deselected, is killed mid-walk.
    refresh = tap.run(["rules"], page_size=2, full_refresh_interval_hours=0, **ON)
    killed = killed_after_first_page(refresh, "rules")
    assert killed["bookmarks"]["rules"]["full_sync"]["streams"] == ["rules"]
    # Run 2 selects it again and resumes: the rows run 1 did not send are not deleted.
    resumed = tap.run(["rules", "rule_actions"], state=killed, page_size=2, **ON)
    assert resumed.returncode == 0, resumed.stderr
    assert set(activations(resumed)) == {"rules"}
    lines = [
        line for line in resumed.stderr.splitlines() if "rule_actions: no deletions told" in line
    ]
    assert len(lines) == 1, resumed.stderr
    assert "selected after this walk began" in lines[0]
    # Its next complete read activates it again.
    again = tap.run(
        ["rules", "rule_actions"], state=resumed.state, full_refresh_interval_hours=0, **ON
    )
    assert set(activations(again)) == {"rules", "rule_actions"}


def test_a_child_deselected_in_one_run_of_a_walk_stays_unactivated(tap: TapRunner, sim: Simulator):
    for _ in range(4):  # pages enough for two kills
        sim.insert("rules")
    first = tap.run(["rules", "rule_actions"], page_size=2, **ON)
    killed = killed_after_first_page(first, "rules")
    assert killed["bookmarks"]["rules"]["full_sync"]["streams"] == ["rule_actions", "rules"]
    # Resumed without the child and killed again, then resumed with it.
    middle = tap.run(["rules"], state=killed, page_size=2, **ON)
    killed_again = killed_after_first_page(middle, "rules", resumed=killed)
    assert killed_again["bookmarks"]["rules"]["full_sync"]["streams"] == ["rules"]
    last = tap.run(["rules", "rule_actions"], state=killed_again, page_size=2, **ON)
    assert last.returncode == 0, last.stderr
    assert set(activations(last)) == {"rules"}


def test_a_skip_before_a_kill_still_withholds_after_the_resume(tap: TapRunner, sim: Simulator):
    newest = sim.visible("rules", sim.tokens["ada"])[0]["_id"]
    sim.faults.schedule(f"/rules/{newest}/actions", [404])
    first = tap.run(["rules", "rule_actions"], page_size=2, **ON)
    killed = killed_after_first_page(first, "rules")
    assert killed["bookmarks"]["rules"]["full_sync"]["withheld"] == ["rule_actions"]
    resumed = tap.run(["rules", "rule_actions"], state=killed, page_size=2, **ON)
    assert resumed.returncode == 0, resumed.stderr
    assert set(activations(resumed)) == {"rules"}


def test_a_search_read_cut_by_start_date_does_not_activate(tap: TapRunner, sim: Simulator):
    docs = sorted(
        sim.visible("meetings/summaries", sim.tokens["ada"]), key=lambda d: d["createdAt"]
    )
    # Listed by score, not by time: the walk goes past the cut to the end.
    run = tap.run(["meeting_summaries"], start_date=docs[len(docs) // 2]["createdAt"], **ON)
    assert run.returncode == 0, run.stderr
    assert 0 < len(run.ids("meeting_summaries")) < len(docs)
    assert activations(run) == {}
    assert "meeting_summaries: read down to start_date; no deletions told" in run.stderr
