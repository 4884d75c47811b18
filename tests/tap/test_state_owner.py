"""A single-token state belongs to the Mixmax user whose run wrote it.

Another user's cursors would poll nothing of this user's and move the bookmarks on, so a
state of another user is refused with one line (exit 2); a state without a user (as
written before the key existed) is accepted and gets the key.

The runs go through the tap's command in this process (``cli``); the refusal runs a real
process, for its exit status and its one line on stderr.
"""

from __future__ import annotations

from tap_mixmax.simulator import Simulator
from tap_mixmax.state_owner import STATE_USER_KEY
from tests.tap.conftest import InProcessTapRunner, TapRunner

STREAMS = ["polls", "current_user"]


def user_id(sim: Simulator, token: str) -> str:
    return str(sim.visible("users/me", token)[0]["_id"])


def test_a_run_records_its_user_in_every_state_it_writes(cli: InProcessTapRunner, sim: Simulator):
    run = cli.run(["polls"])
    assert run.returncode == 0, run.stderr
    ada = user_id(sim, sim.tokens["ada"])
    assert run.states
    assert {state.get(STATE_USER_KEY) for state in run.states} == {ada}


def test_another_users_state_is_refused_with_one_line(tap: TapRunner, sim: Simulator):
    ada_run = tap.run(STREAMS)
    bob = sim.tokens["bob"]
    sim.insert("polls", token=bob)
    sim.clear_log()
    run = tap.run(STREAMS, state=ada_run.state, api_token=bob)
    assert run.returncode == 2, run.stderr
    errors = [line for line in run.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1, run.stderr
    ada, bob_id = user_id(sim, sim.tokens["ada"]), user_id(sim, bob)
    assert ada in errors[0]
    assert bob_id in errors[0]
    assert "meltano state clear" in errors[0]
    assert "--full-refresh" in errors[0]
    assert "Traceback" not in run.stderr
    assert bob not in run.stderr
    assert sim.tokens["ada"] not in run.stderr
    assert not run.records
    assert [request.path for request in sim.requests] == ["/v1/users/me"]


def test_the_owners_check_reuses_the_one_users_me_answer(cli: InProcessTapRunner, sim: Simulator):
    first = cli.run(STREAMS)
    sim.clear_log()
    again = cli.run(STREAMS, state=first.state)
    assert again.returncode == 0, again.stderr
    assert sim.count("/v1/users/me") == 1
    assert again.ids("current_user") == [user_id(sim, sim.tokens["ada"])]


def test_a_state_without_a_user_is_accepted_and_gets_one(cli: InProcessTapRunner, sim: Simulator):
    first = cli.run(["polls"])
    today = {key: value for key, value in first.state.items() if key != STATE_USER_KEY}
    assert today.get("bookmarks", {}).get("polls"), "no bookmark to resume from"
    new = sim.insert("polls")["_id"]
    run = cli.run(["polls"], state=today)
    assert run.returncode == 0, run.stderr
    assert run.ids("polls") == [new]
    assert run.state[STATE_USER_KEY] == user_id(sim, sim.tokens["ada"])
