"""How the tap answers 401, 403, 404, 5xx and broken connections from the simulator.

The runs go through the tap's command in this process (``cli``); a refused token and bad
settings run a real process, for its exit status and its one line on stderr.
"""

from __future__ import annotations

from typing import Any

from tap_mixmax.simulator import Simulator
from tests.tap.conftest import InProcessTapRunner, TapRunner


def test_refused_token_ends_the_run_with_one_line_and_no_secret(tap: TapRunner, sim: Simulator):
    token = "not-a-real-token-1234"
    run = tap.run(["current_user", "sequences"], api_token=token)
    assert run.returncode == 1
    last_line = run.stderr.strip().splitlines()[-1]
    assert "refused the API token" in last_line
    assert "api_token" in last_line
    assert token not in run.stderr
    assert run.records == {}
    assert sim.count() == 1  # /users/me, then nothing else


def test_feature_gated_streams_are_skipped_with_a_warning(cli: InProcessTapRunner, sim: Simulator):
    run = cli.run(
        ["meeting_summaries", "meeting_transcripts", "polls"], api_token=sim.tokens["bob"]
    )
    assert run.returncode == 0, run.stderr
    assert "meeting_summaries" not in run.records
    assert "mixmaxApi" in run.stderr
    assert len(run.ids("polls")) == len(sim.visible("polls", sim.tokens["bob"]))


def test_feature_enabled_reads_summaries_and_one_transcript_each(
    cli: InProcessTapRunner, sim: Simulator
):
    run = cli.run(["meeting_summaries", "meeting_transcripts"])
    assert run.returncode == 0, run.stderr
    summaries = run.ids("meeting_summaries")
    assert summaries
    assert len(run.records["meeting_transcripts"]) == len(summaries)


def test_parent_deleted_during_the_sync_is_skipped(cli: InProcessTapRunner, sim: Simulator):
    doomed = sim.visible("sequences", sim.tokens["ada"])[0]["_id"]

    def delete_after_listing(request: Any) -> None:
        if request.path == "/v1/sequences":
            sim.delete("sequences", doomed)

    sim.after_response(delete_after_listing)
    run = cli.run(["sequences", "sequence_recipients"], refresh_changed_objects=False)
    assert run.returncode == 0, run.stderr
    assert doomed in run.ids("sequences")
    assert f"parent {doomed} is gone" in run.stderr
    assert not any(row["sequenceId"] == doomed for row in run.records["sequence_recipients"])
    assert sim.count(f"/sequences/{doomed}/recipients", status=404) == 1


def test_server_errors_and_broken_connections_are_retried(cli: InProcessTapRunner, sim: Simulator):
    expected = [doc["_id"] for doc in sim.visible("sequences", sim.tokens["ada"])]
    sim.faults.schedule("/sequences", [503, "html502", "drop", "truncate"])
    run = cli.run(["sequences"], page_size=300, max_retries=5)
    assert run.returncode == 0, run.stderr
    assert run.ids("sequences") == expected
    assert sim.count("/sequences") == 5  # four faults, then the page


def test_retries_are_bounded(cli: InProcessTapRunner, sim: Simulator):
    sim.faults.schedule("/sequences", [503, 503, 503])
    run = cli.run(["sequences"], max_retries=2)
    assert run.returncode == 1
    assert "503" in run.stderr.strip().splitlines()[-1]
    assert sim.count("/sequences") == 3


def test_bad_settings_get_one_line_naming_the_fix(tap: TapRunner, sim: Simulator):
    run = tap.run(["sequences"], api_url="http://example.com/v1", page_size=1000)
    assert run.returncode == 2
    last_line = run.stderr.strip().splitlines()[-1]
    assert "plain http only for loopback" in last_line
    assert "page_size must be 300 or less" in last_line
    assert sim.count() == 0


def test_recipients_are_all_read_when_the_server_caps_the_page_lower(
    cli: InProcessTapRunner, sim: Simulator
):
    sequence = sim.visible("sequences", sim.tokens["ada"])[0]["_id"]
    present = len(sim.visible("sequences/recipients", sim.tokens["ada"], parent_id=sequence))
    for _ in range(120 - present):
        sim.insert("sequences/recipients", parent_id=sequence)
    sim.set_max_limit("/sequences/recipients", 50)
    run = cli.run(["sequences", "sequence_recipients"], page_size=300)
    assert run.returncode == 0, run.stderr
    rows = [r for r in run.records["sequence_recipients"] if r["sequenceId"] == sequence]
    assert len(rows) == 120
    assert sim.count(f"/sequences/{sequence}/recipients") == 3  # 50 + 50 + 20


def test_a_wrong_api_url_fails_instead_of_skipping_every_stream(
    cli: InProcessTapRunner, sim: Simulator
):
    wrong = sim.base_url.removesuffix("/v1")  # the path Mixmax's API lives under is missing
    run = cli.run(["sequences", "polls"], api_url=wrong)
    assert run.returncode == 1
    last_line = run.stderr.strip().splitlines()[-1]
    assert "answers 404 even for /users/me: check api_url" in last_line


def test_exhausted_retries_on_dropped_connections_end_with_one_line(
    cli: InProcessTapRunner, sim: Simulator
):
    sim.faults.schedule("/sequences", ["drop", "drop", "drop"])
    run = cli.run(["sequences"], max_retries=2)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "closed the connection" in run.stderr.strip().splitlines()[-1]


def warnings_naming(run: Any, stream: str) -> list[str]:
    return [line for line in run.stderr.splitlines() if "WARNING" in line and f"{stream}:" in line]


def test_a_403_on_an_ordinary_stream_skips_it_with_one_warning(
    cli: InProcessTapRunner, sim: Simulator
):
    sim.faults.schedule("/rules", [403])
    run = cli.run(["rules", "polls"])
    assert run.returncode == 0, run.stderr
    assert "rules" not in run.records
    warned = warnings_naming(run, "rules")
    assert len(warned) == 1, run.stderr
    assert "needs a plan or a permission" in warned[0]
    summary = next(line for line in run.stderr.splitlines() if "summary: rules" in line)
    assert "skipped:" in summary
    assert len(run.ids("polls")) == len(sim.visible("polls", sim.tokens["ada"]))
    assert "Traceback" not in run.stderr


def test_a_403_on_the_current_user_stops_the_run(cli: InProcessTapRunner, sim: Simulator):
    sim.faults.schedule("/users/me", [403])
    run = cli.run(["current_user", "polls"])
    assert run.returncode == 1
    assert "polls" not in run.records
    assert "HTTP 403" in run.stderr.strip().splitlines()[-1]


def test_a_retired_endpoint_answering_410_is_skipped(cli: InProcessTapRunner, sim: Simulator):
    sim.retire("/contacts", 410)
    run = cli.run(["contacts", "contact_groups", "current_user"])
    assert run.returncode == 0, run.stderr
    assert "contacts" not in run.records
    assert run.ids("contact_groups")
    warned = warnings_naming(run, "contacts")
    assert len(warned) == 1, run.stderr
    assert "410 Gone" in warned[0]


def test_a_404_on_a_singleton_endpoint_stops_the_run_pointing_at_api_url(
    cli: InProcessTapRunner, sim: Simulator
):
    # A /…/me object exists for every user: its 404 means a wrong api_url, not a
    # retired endpoint, so it is not skipped like a collection's.
    sim.faults.schedule("/userpreferences/me", [404])
    run = cli.run(["user_preferences", "polls"])
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "check that api_url ends with /v1" in run.stderr.strip().splitlines()[-1]
