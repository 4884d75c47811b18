"""A signal in the middle of a whole read: the last STATE keeps the read's place, so the
rerun asks again for at most the one page in hand and sends none of its parents twice.

The simulator sends the signal itself, from its request hook, while it answers the
request for the children of a chosen parent: the run is then deterministically inside a
page, some of whose parents (with their children) were written and some not.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from tap_mixmax.simulator import LoggedRequest, Simulator
from tests.adversarial.conftest import Outcome, Runner, Started, assert_clean
from tests.tap.conftest import run_in_process, select

STREAMS = ["sequences", "sequence_recipients"]
PAGE_SIZE = 5
LIST = "/v1/sequences"
BOUND_SECONDS = 60


def list_requests(sim: Simulator) -> int:
    """Requests for pages of the sequences list (not for a sequence's recipients)."""
    return sum(1 for item in sim.requests if item.path == LIST)


def pages_of_a_whole_read(sim: Simulator, runner: Runner) -> int:
    """How many list pages a whole read takes, measured on an uninterrupted run."""
    before = list_requests(sim)
    run_in_process(runner.config(page_size=PAGE_SIZE), select(STREAMS, {}), None)
    return list_requests(sim) - before


def stop_while_reading_children_of(
    runner: Runner, sim: Simulator, parent: str, signum: int
) -> Outcome:
    """Start a whole read and signal it once it asks for ``parent``'s recipients."""
    started: list[Started] = []

    def on_request(item: LoggedRequest) -> None:
        if item.path == f"{LIST}/{parent}/recipients" and started:
            started[0].process.send_signal(signum)

    remove = sim.after_response(on_request)
    try:
        started.append(runner.start(STREAMS, page_size=PAGE_SIZE))
        return started[0].finish(BOUND_SECONDS)
    finally:
        remove()


def ends_with_state(run: Outcome) -> bool:
    return bool(run.messages) and run.messages[-1]["type"] == "STATE"


def pairs(run: Outcome) -> set[tuple[str, str]]:
    return {(row["sequenceId"], row["_id"]) for row in run.records.get("sequence_recipients", [])}


# (signal, exit code, index of the parent being read): index 2 is inside the first page
# (a rerun asks for it again from the top), index 6 inside the second (from its cursor).
@pytest.mark.parametrize(
    ("signum", "code", "index"),
    [
        (signal.SIGTERM, 143, 2),
        (signal.SIGINT, 130, 6),
        (signal.SIGHUP, 129, 7),
    ],
)
def test_a_signal_mid_whole_read_keeps_its_place_to_within_one_page(
    sim: Simulator, tmp_path: Path, signum: int, code: int, index: int
):
    runner = Runner(tmp_path, sim.base_url)
    token = sim.tokens["ada"]
    sequences = [doc["_id"] for doc in sim.visible("sequences", token)]
    assert len(sequences) > 2 * PAGE_SIZE, "the read must span more than two pages"
    every_pair = {
        (sequence, row["_id"])
        for sequence in sequences
        for row in sim.visible("sequences/recipients", token, parent_id=sequence)
    }
    whole = pages_of_a_whole_read(sim, runner)

    sim.clear_log()
    stopped = stop_while_reading_children_of(runner, sim, sequences[index], signum)
    assert stopped.returncode == code, stopped.stderr[-2000:]
    assert f"stopped by {signal.Signals(signum).name} after writing the state" in stopped.error
    assert ends_with_state(stopped)
    assert_clean(stopped)
    # The parents before the one being read went out, with their children.
    assert stopped.ids("sequences") == sequences[:index]
    first_pages = list_requests(sim)

    sim.clear_log()
    rerun = runner.run(STREAMS, page_size=PAGE_SIZE, state_text=json.dumps(stopped.state))
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert_clean(rerun)
    # At most the one page in hand is asked for again, and none of its parents sent twice.
    assert first_pages + list_requests(sim) <= whole + 1
    assert not set(stopped.ids("sequences")) & set(rerun.ids("sequences"))
    assert set(stopped.ids("sequences")) | set(rerun.ids("sequences")) == set(sequences)
    # Nothing lost; only the children of the parent in progress may be read again.
    assert pairs(stopped) | pairs(rerun) == every_pair
    assert {sequence for sequence, _ in pairs(stopped) & pairs(rerun)} <= {sequences[index]}


def test_a_resumed_page_whose_last_sent_record_is_gone_is_sent_whole(
    sim: Simulator, tmp_path: Path
):
    # The record a signal stopped after was deleted before the rerun: the page cannot be
    # cut at it, so all of it goes out again (records twice, never a record lost).
    runner = Runner(tmp_path, sim.base_url)
    token = sim.tokens["ada"]
    sequences = [doc["_id"] for doc in sim.visible("sequences", token)]
    stopped = stop_while_reading_children_of(runner, sim, sequences[7], signal.SIGTERM)
    assert stopped.returncode == 143, stopped.stderr[-2000:]
    assert stopped.ids("sequences") == sequences[:7]
    sim.delete("sequences", sequences[6])

    rerun = runner.run(STREAMS, page_size=PAGE_SIZE, state_text=json.dumps(stopped.state))
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    # The second page, from its start: sequences[5] again, then everything after.
    assert rerun.ids("sequences") == [sequences[5], *sequences[7:]]


def test_a_signal_mid_search_read_keeps_its_place_too(sim: Simulator, tmp_path: Path):
    # meeting_summaries is a search, read whole every run, with no `previous`: its place is
    # kept all the same. Stopped while a transcript is asked for, the rerun asks for the page
    # in hand again and sends no summary (nor its transcript) twice.
    streams = ["meeting_summaries", "meeting_transcripts"]
    runner = Runner(tmp_path, sim.base_url)
    token = sim.tokens["ada"]
    summaries = [doc["_id"] for doc in sim.visible("meetings/summaries", token)]
    assert len(summaries) >= 4, "the read must span four pages of one"
    index = 2
    started: list[Started] = []

    def on_request(item: LoggedRequest) -> None:
        if item.path == f"/v1/meetings/transcripts/{summaries[index]}" and started:
            started[0].process.send_signal(signal.SIGTERM)

    remove = sim.after_response(on_request)
    try:
        started.append(runner.start(streams, page_size=1))
        stopped = started[0].finish(BOUND_SECONDS)
    finally:
        remove()
    assert stopped.returncode == 143, stopped.stderr[-2000:]
    assert ends_with_state(stopped)
    assert_clean(stopped)
    assert stopped.ids("meeting_summaries") == summaries[:index]

    rerun = runner.run(streams, page_size=1, state_text=json.dumps(stopped.state))
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert_clean(rerun)
    assert rerun.ids("meeting_summaries") == summaries[index:]
    before = {row["summaryId"] for row in stopped.records.get("meeting_transcripts", [])}
    after = {row["summaryId"] for row in rerun.records.get("meeting_transcripts", [])}
    assert before | after == set(summaries)
    # Only the transcript of the summary in hand may go out twice.
    assert before & after <= {summaries[index]}
    # The next run reads the search whole again, as every run does.
    again = runner.run(streams, page_size=1, state_text=json.dumps(rerun.state))
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.ids("meeting_summaries") == summaries
