"""A signal in the middle of a whole read: the last STATE keeps the read's place, so the
rerun asks again for at most the one page in hand and sends none of its parents twice, and
the child list of the parent in hand goes on from its own page in hand.

The simulator sends the signal itself, from its request hook, while it answers the
request for the children of a chosen parent: the run is then deterministically inside a
page, some of whose parents (with their children) were written and some not.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def stopped_when(
    runner: Runner,
    sim: Simulator,
    stop: Callable[[LoggedRequest], bool],
    *,
    streams: list[str] = STREAMS,
    page_size: int = PAGE_SIZE,
    state: dict[str, Any] | None = None,
    signum: int = signal.SIGTERM,
) -> Outcome:
    """Start a run and signal it once ``stop`` is true of a request it makes: the
    simulator sends the signal before its answer, while the tap waits for it."""
    started: list[Started] = []

    def on_request(item: LoggedRequest) -> None:
        if started and stop(item):
            started[0].process.send_signal(signum)

    remove = sim.after_response(on_request)
    try:
        state_text = None if state is None else json.dumps(state)
        started.append(runner.start(streams, page_size=page_size, state_text=state_text))
        return started[0].finish(BOUND_SECONDS)
    finally:
        remove()


def stop_while_reading_children_of(
    runner: Runner, sim: Simulator, parent: str, signum: int
) -> Outcome:
    """Start a whole read and signal it once it asks for ``parent``'s recipients."""
    path = f"{LIST}/{parent}/recipients"
    return stopped_when(runner, sim, lambda item: item.path == path, signum=signum)


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
    # Nothing lost, and no child twice: the parent in hand's list goes on where it stopped.
    assert pairs(stopped) | pairs(rerun) == every_pair
    assert not pairs(stopped) & pairs(rerun)


# (streams, parent collection, child collection, its path, parent key): an offset child and
# a cursor child, each a list of several pages of PAGE_SIZE.
CHILD_LISTS = {
    "offset": (
        ["sequences", "sequence_recipients"],
        "sequences",
        "sequences/recipients",
        "/v1/sequences/{}/recipients",
        "sequenceId",
    ),
    "cursor": (
        ["contact_groups", "contact_group_members"],
        "contactgroups",
        "contactgroups/contacts",
        "/v1/contactgroups/{}/contacts",
        "groupId",
    ),
}
STOP_AT_CHILD_PAGE = 3


# index 0: the first parent of the first page, none of the page sent yet; 1: the second.
@pytest.mark.parametrize("index", [0, 1])
@pytest.mark.parametrize("kind", sorted(CHILD_LISTS))
def test_a_signal_mid_child_list_goes_on_from_that_lists_page_in_hand(
    sim: Simulator, tmp_path: Path, kind: str, index: int
):
    streams, parents, children, path, parent_key = CHILD_LISTS[kind]
    child = streams[1]
    runner = Runner(tmp_path, sim.base_url)
    token = sim.tokens["ada"]
    parent = sim.visible(parents, token)[index]["_id"]
    listed = [row["_id"] for row in sim.visible(children, token, parent_id=parent)]
    assert len(listed) > STOP_AT_CHILD_PAGE * PAGE_SIZE, "the list must go on past that page"
    every_pair = {
        (doc["_id"], row["_id"])
        for doc in sim.visible(parents, token)
        for row in sim.visible(children, token, parent_id=doc["_id"])
    }

    def child_pages() -> int:
        return sum(1 for item in sim.requests if item.path == path.format(parent))

    run_in_process(runner.config(page_size=PAGE_SIZE), select(streams, {}), None)
    whole = child_pages()
    sim.clear_log()

    def stop(item: LoggedRequest) -> bool:
        # The pages before the one asked for are all written.
        return item.path == path.format(parent) and child_pages() == STOP_AT_CHILD_PAGE

    stopped = stopped_when(runner, sim, stop, streams=streams)
    assert stopped.returncode == 143, stopped.stderr[-2000:]
    assert ends_with_state(stopped)
    assert_clean(stopped)
    sent = [row["_id"] for row in stopped.records.get(child, []) if row[parent_key] == parent]
    assert sent == listed[: (STOP_AT_CHILD_PAGE - 1) * PAGE_SIZE]
    place = stopped.state["bookmarks"][streams[0]]["full_sync"]["child"]
    assert (place["stream"], place["parent"]) == (child, parent)
    asked = child_pages()

    sim.clear_log()
    rerun = runner.run(streams, page_size=PAGE_SIZE, state_text=json.dumps(stopped.state))
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert_clean(rerun)

    def child_pairs(run: Outcome) -> list[tuple[str, str]]:
        return [(row[parent_key], row["_id"]) for row in run.records.get(child, [])]

    # Nothing lost, no child twice, and the list in hand costs one page more at most.
    assert set(child_pairs(stopped)) | set(child_pairs(rerun)) == every_pair
    assert len(child_pairs(stopped)) + len(child_pairs(rerun)) == len(every_pair)
    assert asked + child_pages() <= whole + 1
    # The place is spent: the state the rerun ends with keeps none.
    assert "full_sync" not in rerun.state["bookmarks"][streams[0]]


def test_a_child_place_whose_parent_is_gone_reads_the_next_parent_whole(
    sim: Simulator, tmp_path: Path
):
    # The parent whose list a signal stopped was deleted before the rerun: its place is
    # for no parent the rerun reads, and the next parent's list is read from its start.
    streams = ["sequences", "sequence_recipients"]
    runner = Runner(tmp_path, sim.base_url)
    token = sim.tokens["ada"]
    sequences = [doc["_id"] for doc in sim.visible("sequences", token)]
    stopped = stop_while_reading_children_of(runner, sim, sequences[1], signal.SIGTERM)
    assert stopped.returncode == 143, stopped.stderr[-2000:]
    assert stopped.state["bookmarks"]["sequences"]["full_sync"]["child"]["parent"] == sequences[1]
    sim.delete("sequences", sequences[1])
    every_pair = {
        (sequence, row["_id"])
        for sequence in sequences[2:]
        for row in sim.visible("sequences/recipients", token, parent_id=sequence)
    }

    rerun = runner.run(streams, page_size=PAGE_SIZE, state_text=json.dumps(stopped.state))
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert rerun.ids("sequences") == sequences[2:]
    assert pairs(rerun) == every_pair


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
    transcript = f"/v1/meetings/transcripts/{summaries[index]}"
    stopped = stopped_when(
        runner, sim, lambda item: item.path == transcript, streams=streams, page_size=1
    )
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


def test_a_signal_between_pages_keeps_no_child_place(sim: Simulator, tmp_path: Path):
    # Stopped while the tap asks for the second page of sequences: the first page's
    # parents and their lists are all written, so the STATE keeps the next page and no
    # child's place (the last list read belongs to a parent already sent).
    runner = Runner(tmp_path, sim.base_url)
    token = sim.tokens["ada"]
    sequences = [doc["_id"] for doc in sim.visible("sequences", token)]
    stopped = stopped_when(runner, sim, lambda item: item.path == LIST and "next" in item.query)
    assert stopped.returncode == 143, stopped.stderr[-2000:]
    assert stopped.ids("sequences") == sequences[:PAGE_SIZE]
    kept = stopped.state["bookmarks"]["sequences"]["full_sync"]
    assert kept["next"] is not None
    assert "child" not in kept
    assert "sent_through" not in kept


@pytest.mark.parametrize("level", ["parent", "child"])
def test_a_resumed_page_all_sent_already_is_not_the_end(sim: Simulator, tmp_path: Path, level: str):
    # A signal between a page's last record going out and the walk noting it leaves a
    # place at that last record: the rerun gets a page with nothing left to send, and
    # must go on to the pages after it, not stop there.
    runner = Runner(tmp_path, sim.base_url)
    token = sim.tokens["ada"]
    config = runner.config(page_size=PAGE_SIZE)
    run_in_process(config, select(STREAMS, {}), None)
    sequences = [doc["_id"] for doc in sim.visible("sequences", token)]
    list_pages = [item.query for item in sim.requests if item.path == LIST]
    parent = sequences[PAGE_SIZE]  # the first parent of the second page
    rows = [row["_id"] for row in sim.visible("sequences/recipients", token, parent_id=parent)]
    full_sync: dict = {
        "candidate": "cursor-of-the-first-page",
        "next": list_pages[1]["next"],
        "version": None,
        "streams": STREAMS,
        "withheld": [],
    }
    if level == "parent":
        full_sync["sent_through"] = sequences[2 * PAGE_SIZE - 1]
        expected_parents = sequences[2 * PAGE_SIZE :]
    else:
        # The parent's first recipients page (offset 0, PAGE_SIZE rows) all sent.
        full_sync["child"] = {
            "stream": "sequence_recipients",
            "parent": parent,
            "page": PAGE_SIZE - 1,
            "sent_through": rows[PAGE_SIZE - 1],
        }
        expected_parents = sequences[PAGE_SIZE:]
    state = {"bookmarks": {"sequences": {"full_sync": full_sync}}}

    messages = run_in_process(config, select(STREAMS, {}), state)
    sent = [(m["stream"], m["record"]) for m in messages if m["type"] == "RECORD"]
    assert [r["_id"] for stream, r in sent if stream == "sequences"] == expected_parents
    recipients = [
        r["_id"] for stream, r in sent if stream == STREAMS[1] and r["sequenceId"] == parent
    ]
    assert recipients == ([] if level == "parent" else rows[PAGE_SIZE:])


def test_a_signal_mid_poll_page_goes_on_from_its_last_record_and_child_page(
    sim: Simulator, tmp_path: Path
):
    # A poll (the run after a whole read) stopped inside its first page, while the second
    # new sequence's recipients are read: the rerun polls from the same page, sends only
    # the parents after the first and that second one's recipients from its page in hand.
    runner = Runner(tmp_path, sim.base_url)
    token = sim.tokens["ada"]
    whole = runner.run(STREAMS, page_size=PAGE_SIZE)
    assert whole.returncode == 0, whole.stderr[-2000:]
    new = [sim.insert("sequences")["_id"] for _ in range(PAGE_SIZE + 3)]
    for sequence in new:
        for _ in range(3 * PAGE_SIZE - 1):
            sim.insert("sequences/recipients", parent_id=sequence)
    every_pair = {
        (sequence, row["_id"])
        for sequence in new
        for row in sim.visible("sequences/recipients", token, parent_id=sequence)
    }
    read_order: list[str] = []

    def stop(item: LoggedRequest) -> bool:
        parent = item.path.removeprefix(f"{LIST}/").removesuffix("/recipients")
        if parent == item.path:
            return False
        read_order.append(parent)
        return len(set(read_order)) == 2 and read_order.count(parent) == STOP_AT_CHILD_PAGE

    stopped = stopped_when(runner, sim, stop, state=whole.state)
    assert stopped.returncode == 143, stopped.stderr[-2000:]
    assert ends_with_state(stopped)
    assert_clean(stopped)
    first, second = dict.fromkeys(read_order)
    assert stopped.ids("sequences") == [first]
    place = stopped.state["bookmarks"]["sequences"]["poll_place"]
    assert place["sent_through"] == first
    assert (place["child"]["stream"], place["child"]["parent"]) == (STREAMS[1], second)

    sim.clear_log()
    rerun = runner.run(STREAMS, page_size=PAGE_SIZE, state_text=json.dumps(stopped.state))
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert_clean(rerun)
    assert first not in rerun.ids("sequences")
    assert set(stopped.ids("sequences")) | set(rerun.ids("sequences")) == set(new)
    # No recipient twice, none lost; the second parent's list costs one page more at most.
    assert pairs(stopped) | pairs(rerun) == every_pair
    assert not pairs(stopped) & pairs(rerun)
    asked = [item for item in sim.requests if item.path == f"{LIST}/{second}/recipients"]
    assert len(asked) == 3 - STOP_AT_CHILD_PAGE + 1
    # The place is spent: the rerun's state keeps none, and its next run polls as usual.
    assert "poll_place" not in rerun.state["bookmarks"]["sequences"]


def test_a_signal_between_poll_pages_keeps_no_place_in_a_page(sim: Simulator, tmp_path: Path):
    runner = Runner(tmp_path, sim.base_url)
    whole = runner.run(STREAMS, page_size=PAGE_SIZE)
    assert whole.returncode == 0, whole.stderr[-2000:]
    new = [sim.insert("sequences")["_id"] for _ in range(PAGE_SIZE + 3)]
    polls: list[LoggedRequest] = []

    def stop(item: LoggedRequest) -> bool:
        if item.path == LIST and "previous" in item.query:
            polls.append(item)
        return len(polls) == 2

    stopped = stopped_when(runner, sim, stop, state=whole.state)
    assert stopped.returncode == 143, stopped.stderr[-2000:]
    assert len(stopped.ids("sequences")) == PAGE_SIZE
    assert "poll_place" not in stopped.state["bookmarks"]["sequences"]
    rerun = runner.run(STREAMS, page_size=PAGE_SIZE, state_text=json.dumps(stopped.state))
    assert set(stopped.ids("sequences")) | set(rerun.ids("sequences")) == set(new)
    assert not set(stopped.ids("sequences")) & set(rerun.ids("sequences"))


def test_a_signal_while_a_poll_reads_down_keeps_no_place_in_a_page(sim: Simulator, tmp_path: Path):
    # Mixmax answering `previous` with the newest page makes the poll read down below it
    # with `next`; stopped there, the rerun asks for the newest page again: a place in a
    # `next` page would name no page the rerun's poll starts with.
    runner = Runner(tmp_path, sim.base_url)
    whole = runner.run(STREAMS, page_size=PAGE_SIZE)
    assert whole.returncode == 0, whole.stderr[-2000:]
    new = {sim.insert("sequences")["_id"] for _ in range(2 * PAGE_SIZE + 2)}
    sim.set_ignore_previous(True)
    down: list[LoggedRequest] = []
    below: set[str] = set()

    def stop(item: LoggedRequest) -> bool:
        if item.path == LIST and "next" in item.query:
            down.append(item)
        # Inside the first page read down: its third parent's recipients are asked for.
        elif down and item.path.endswith("/recipients"):
            below.add(item.path)
        return len(below) == 3

    stopped = stopped_when(runner, sim, stop, state=whole.state)
    assert stopped.returncode == 143, stopped.stderr[-2000:]
    assert len(stopped.ids("sequences")) == PAGE_SIZE + 2
    assert "poll_place" not in stopped.state["bookmarks"]["sequences"]
    rerun = runner.run(STREAMS, page_size=PAGE_SIZE, state_text=json.dumps(stopped.state))
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert set(stopped.ids("sequences")) | set(rerun.ids("sequences")) == new
