"""What a run says and does when Mixmax refuses, retires, rate limits or garbles an answer.

Each failure must be one ERROR line of the tap's own with no traceback; each skip one
WARNING naming the stream; the token appears nowhere in what the tap writes.
"""

from __future__ import annotations

import re

import pytest

from tap_mixmax.simulator import Simulator
from tests.tap.conftest import TapRun, TapRunner
from tests.tap.logs import assert_clean_failure, errors, warnings_naming

# Since issue 9 a 403 on an ordinary stream is a skip with a warning; before, the run
# failed. False checks the old behaviour (one ERROR line, exit 1).
FORBIDDEN_IS_SKIPPED = True


def assert_secret_absent(run: TapRun, token: str) -> None:
    assert token not in run.stdout
    assert token not in run.stderr


def assert_skipped(run: TapRun, sim: Simulator, stream: str, why: str) -> None:
    """The run succeeded, said once why ``stream`` was skipped, and read ``qa`` whole."""
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert errors(run.stderr) == []
    said = [line for line in warnings_naming(run.stderr, stream) if why in line.message]
    assert len(said) == 1, warnings_naming(run.stderr, stream)
    assert run.ids(stream) == []
    assert sorted(run.ids("qa")) == sorted(d["_id"] for d in sim.visible("qa", sim.tokens["ada"]))


def test_a_refused_token_is_one_line_of_the_taps_own(tap: TapRunner, sim: Simulator):
    token = "not-a-real-token-5678"
    run = tap.run(["current_user", "sequences"], api_token=token)
    assert run.returncode == 1
    line = assert_clean_failure(run.stderr, token)
    assert "refused the API token" in line
    assert "set api_token" in line
    assert len(errors(run.stderr)) == 1, errors(run.stderr)  # not even the SDK's own
    assert_secret_absent(run, token)
    assert run.records == {}


def test_the_token_is_never_in_429_or_retry_warnings(tap: TapRunner, sim: Simulator):
    token = sim.tokens["ada"]
    sim.faults.burst_429("/polls", 2, retry_after=0)
    sim.faults.schedule("/qa", [503, "html502", "drop"])
    run = tap.run(["polls", "qa"], max_retries=5)
    assert run.returncode == 0, run.stderr
    # Both warning paths ran: the 429 wait and the backoff retry.
    assert len(warnings_naming(run.stderr, "Retry-After")) == 2
    retries = [w.message for w in warnings_naming(run.stderr, "qa") if "retrying in" in w.message]
    assert len(retries) == 3
    assert_secret_absent(run, token)
    # The waits the log announces follow the README's schedule, 1, 2, 4 s, each plus
    # less than a second of jitter (read from the log, rounded to 0.1 s: nothing is timed).
    waits = [float(re.search(r"retrying in ([0-9.]+) s", line)[1]) for line in retries]
    for wait, base in zip(waits, [1, 2, 4], strict=True):
        assert base <= wait <= base + 1, waits


def test_a_retired_endpoint_404_is_skipped_with_one_warning(tap: TapRunner, sim: Simulator):
    sim.retire("/polls", 404)
    run = tap.run(["polls", "qa"])
    assert_skipped(run, sim, "polls", "retired")


def test_a_retired_endpoint_410_is_skipped_with_one_warning(tap: TapRunner, sim: Simulator):
    sim.retire("/polls", 410)
    run = tap.run(["polls", "qa"])
    assert_skipped(run, sim, "polls", "retired")


def test_two_retired_endpoints_cost_one_api_url_probe(tap: TapRunner, sim: Simulator):
    # A 404 from a collection is told from a wrong api_url by asking /users/me, once a run.
    sim.retire("/polls", 404)
    sim.retire("/sequences", 404)
    run = tap.run(["polls", "sequences", "qa"])
    assert run.returncode == 0, run.stderr
    assert run.ids("polls") == run.ids("sequences") == []
    # One probe, and the one request every run makes for the user column's id.
    assert sim.count("/users/me") == 2


def test_a_200_whose_body_is_not_json_is_retried(tap: TapRunner, sim: Simulator):
    sim.faults.schedule("/polls", ["html200"])
    run = tap.run(["polls"])
    assert run.returncode == 0, run.stderr
    assert [(r.status, r.fault) for r in sim.requests if r.path == "/v1/polls"] == [
        (200, "html"),
        (200, None),
    ]
    assert "not complete JSON" in run.stderr
    assert sorted(run.ids("polls")) == sorted(
        d["_id"] for d in sim.visible("polls", sim.tokens["ada"])
    )


def test_a_403_on_an_ordinary_stream_is_reported(tap: TapRunner, sim: Simulator):
    sim.faults.schedule("/polls", [403])
    run = tap.run(["polls", "qa"])
    if FORBIDDEN_IS_SKIPPED:
        assert_skipped(run, sim, "polls", "403")
        return
    assert run.returncode == 1
    line = assert_clean_failure(run.stderr, sim.tokens["ada"])
    assert "polls" in line
    assert "403" in line


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        ("409", "polls (/v1/polls): HTTP 409 Conflict"),  # Mixmax's JSON {"message"}
        ("html409", "polls (/v1/polls): HTTP 409 Conflict"),  # a proxy's page: the reason
    ],
)
def test_a_4xx_without_a_rule_ends_the_run_naming_stream_and_status(
    tap: TapRunner, sim: Simulator, fault: str, says: str
):
    sim.faults.schedule("/polls", [fault])
    run = tap.run(["polls"])
    assert run.returncode == 1
    assert says in assert_clean_failure(run.stderr, sim.tokens["ada"])
    assert sim.count("/polls") == 1  # a 4xx is not retried
