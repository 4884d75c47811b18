"""Team runs (``api_tokens``): the real tap CLI, three simulated users, loopback HTTP."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tap_mixmax.simulator import RateLimit, Simulator
from tap_mixmax.simulator.topology import BY_KEY
from tap_mixmax.user_column import USER_COLUMN
from tests.stream_collections import CURSOR_COLLECTIONS
from tests.tap.conftest import TapRun, TapRunner, parse_messages, tap_command, tap_env

POLL_ONLY = {"refresh_changed_objects": False}


class TeamRunner(TapRunner):
    """A TapRunner whose config names a team of tokens instead of one."""

    def __init__(self, tmp_path: Path, sim: Simulator, tokens: list[str]) -> None:
        super().__init__(tmp_path, sim)
        self.tokens = tokens

    def config(self, **overrides: Any) -> dict[str, Any]:
        config = super().config()
        del config["api_token"]
        config["api_tokens"] = list(self.tokens)
        config.update(overrides)
        return config


def build_team(sim: Simulator) -> str:
    """A third user, cyd, with objects of its own and some of ada's shared with it."""
    cyd = sim.add_user("cyd")
    for _ in range(4):
        sequence = sim.insert("sequences", token=cyd)
        for _ in range(3):
            sim.insert("sequences/recipients", token=cyd, parent_id=sequence["_id"])
    for collection in ("contacts", "polls", "snippets"):
        for _ in range(5):
            sim.insert(collection, token=cyd)
    ada = sim.tokens["ada"]
    sim.share("sequences", sim.visible("sequences", ada)[0]["_id"], cyd)
    sim.share("contactgroups", sim.visible("contactgroups", ada)[0]["_id"], cyd)
    return cyd


@pytest.fixture
def team_sim() -> Iterator[Simulator]:
    with Simulator(seed=7, scale=0.2, rate_limit=RateLimit(100_000, 60.0)) as simulator:
        build_team(simulator)
        yield simulator


@pytest.fixture
def team(tmp_path: Path, team_sim: Simulator) -> TeamRunner:
    return TeamRunner(tmp_path, team_sim, list(team_sim.tokens.values()))


def user_ids(sim: Simulator) -> dict[str, str]:
    """Token -> Mixmax user id."""
    return {token: sim.visible("users/me", token)[0]["_id"] for token in sim.tokens.values()}


def readers(sim: Simulator, collection: str, tokens: list[str]) -> dict[str, set[str]]:
    """Object id -> the ids of the team's users who can list it (with the workspace
    feature the route needs, if any: without it Mixmax answers 403)."""
    ids = user_ids(sim)
    feature = BY_KEY[collection].feature
    seen: dict[str, set[str]] = {}
    for token in tokens:
        if feature and feature not in sim.api.accounts[token].features:
            continue
        # The tap asks /contacts with includeShared=true by default.
        for doc in sim.visible(collection, token, include_shared=True):
            seen.setdefault(doc["_id"], set()).add(ids[token])
    return seen


def assert_clean(run: TapRun, sim: Simulator) -> None:
    assert "Traceback" not in run.stderr
    for token in sim.tokens.values():
        assert token not in run.stderr


def test_every_object_of_every_user_arrives_once_per_reader(team: TeamRunner, team_sim: Simulator):
    run = team.run()
    assert run.returncode == 0, run.stderr[-2000:]
    assert_clean(run, team_sim)
    tokens = list(team_sim.tokens.values())
    for stream, collection in CURSOR_COLLECTIONS.items():
        expected = readers(team_sim, collection, tokens)
        got = Counter(run.ids(stream))
        # One row per key after an upsert: every object, nothing else.
        assert set(got) == set(expected), f"{stream}: keys differ"
        for record in run.records.get(stream, []):
            assert record[USER_COLUMN] in expected[record["_id"]], f"{stream}: wrong user"
        # Before the upsert: each reader sends an object once, no user twice.
        by_user = Counter((r["_id"], r[USER_COLUMN]) for r in run.records.get(stream, []))
        assert set(by_user.values()) <= {1}, f"{stream}: a user sent an object twice"
        assert sum(got.values()) == sum(len(users) for users in expected.values())
    me = {row["_id"]: row[USER_COLUMN] for row in run.records["current_user"]}
    assert me == {uid: uid for uid in user_ids(team_sim).values()}
    # Children follow their parents: cyd's recipients carry cyd's id, the shared
    # sequence's recipients come once per reader.
    cyd = user_ids(team_sim)[team_sim.tokens["cyd"]]
    own = {d["_id"] for d in team_sim.visible("sequences", team_sim.tokens["cyd"])}
    recipients = [r for r in run.records["sequence_recipients"] if r[USER_COLUMN] == cyd]
    assert {r["sequenceId"] for r in recipients} <= own
    assert len(recipients) == sum(
        len(team_sim.visible("sequences/recipients", team_sim.tokens["cyd"], s)) for s in own
    )
    # SCHEMA once per stream, and every schema declares the user column.
    schemas = [m["stream"] for m in run.messages if m["type"] == "SCHEMA"]
    assert len(schemas) == len(set(schemas))
    assert all(USER_COLUMN in s["properties"] for s in run.schemas.values())
    # Only the per-user counters are keyed by their user: an object is one row per key.
    keyed_by_user = {stream for stream, keys in run.keys.items() if USER_COLUMN in keys}
    assert keyed_by_user == {"live_feed_stats"}
    assert "team summary: 3 users read, 0 failed" in run.stderr


def test_single_token_runs_carry_the_user_column(tap: TapRunner, sim: Simulator):
    run = tap.run(["sequences", "sequence_recipients"])
    assert run.returncode == 0, run.stderr
    ada = sim.visible("users/me", sim.tokens["ada"])[0]["_id"]
    assert run.records["sequences"]
    for stream in ("sequences", "sequence_recipients"):
        assert {row[USER_COLUMN] for row in run.records[stream]} == {ada}
        assert USER_COLUMN in run.schemas[stream]["properties"]
    # The user was asked for once, and the state keeps today's single-token layout.
    assert sim.count("/users/me") == 1
    assert "previous" in run.bookmark("sequences")


def test_the_second_run_reads_only_each_users_new_objects(team: TeamRunner, team_sim: Simulator):
    streams = ["sequences", "sequence_recipients", "polls"]
    first = team.run(streams, **POLL_ONLY)
    assert first.returncode == 0, first.stderr[-2000:]
    ids = user_ids(team_sim)
    new: dict[str, str] = {}
    for name, count in (("ada", 2), ("bob", 1), ("cyd", 3)):
        token = team_sim.tokens[name]
        for _ in range(count):
            new[team_sim.insert("sequences", token=token)["_id"]] = ids[token]
    second = team.run(streams, state=first.state, progress_interval_seconds=0, **POLL_ONLY)
    assert second.returncode == 0, second.stderr[-2000:]
    # Progress per user (each child's lines, prefixed) and for the team.
    assert "[user cyd@mixmax-sim.example]" in second.stderr
    assert "team progress: " in second.stderr
    assert "team summary: 3 users read, 0 failed or refused, 6 records" in second.stderr
    got = {row["_id"]: row[USER_COLUMN] for row in second.records["sequences"]}
    assert got == new
    assert len(second.ids("sequences")) == len(new)
    assert "polls" not in second.records


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM])
def test_a_stopped_team_run_resumes_without_loss(
    team: TeamRunner, team_sim: Simulator, stop: signal.Signals
):
    streams = ["sequences", "contacts", "polls"]
    # A merged STATE whenever a user's page ends: the kill falls between STATEs.
    config = team.config(page_size=10, progress_interval_seconds=0, **POLL_ONLY)
    paths = team.files(config, streams, None)
    lines: list[str] = []
    with subprocess.Popen(
        tap_command(*paths), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env=tap_env(),
    ) as process:  # fmt: skip
        assert process.stdout is not None
        records = 0
        for line in process.stdout:
            lines.append(line)
            records += json.loads(line)["type"] == "RECORD"
            if records == 120:
                process.send_signal(stop)
                break
        lines.extend(process.stdout.read().splitlines())
        process.wait(timeout=30)
    killed = TapRun(returncode=process.returncode)
    parse_messages(lines, killed)
    if stop == signal.SIGKILL:
        assert killed.returncode == -signal.SIGKILL
    # The children die with their parent: no request reaches Mixmax after the kill.
    time.sleep(1.0)
    after_kill = team_sim.count()
    time.sleep(1.0)
    assert team_sim.count() == after_kill
    resumed = team.run(streams, state=killed.state, page_size=10, **POLL_ONLY)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    tokens = list(team_sim.tokens.values())
    for stream in streams:
        expected = readers(team_sim, CURSOR_COLLECTIONS[stream], tokens)
        pairs = {(r["_id"], r[USER_COLUMN]) for r in killed.records.get(stream, [])}
        pairs |= {(r["_id"], r[USER_COLUMN]) for r in resumed.records.get(stream, [])}
        wanted = {(oid, uid) for oid, uids in expected.items() for uid in uids}
        assert pairs == wanted, f"{stream}: lost {sorted(wanted - pairs)[:3]}"
    # The killed run's last STATE held: the resumed run did not start over.
    assert killed.states
    assert sum(len(rows) for rows in resumed.records.values()) < sum(
        len(readers(team_sim, CURSOR_COLLECTIONS[stream], tokens)) for stream in streams
    )


def test_every_state_is_the_whole_teams_and_written_on_the_cadence(
    team: TeamRunner, team_sim: Simulator
):
    streams = ["sequences", "polls", "snippets"]
    first = team.run(streams, page_size=5, **POLL_ONLY)
    assert first.returncode == 0, first.stderr[-2000:]
    # An interval longer than the run: one STATE, at the end, with every user's bookmarks.
    assert len(first.states) == 1
    users = set(user_ids(team_sim).values())
    for stream in streams:
        assert set(first.bookmark(stream)["users"]) == users
    team_sim.insert("polls", token=team_sim.tokens["bob"])
    # Interval 0: a STATE after any user's page, each the complete merged state.
    second = team.run(
        streams, state=first.state, page_size=5, progress_interval_seconds=0, **POLL_ONLY
    )
    assert second.returncode == 0, second.stderr[-2000:]
    assert len(second.states) >= 1
    for state in second.states:
        for stream in streams:
            assert set(state["bookmarks"][stream]["users"]) == users
    # Records before the STATE that covers them: no record after the final STATE.
    kinds = [message["type"] for message in second.messages]
    assert "RECORD" not in kinds[len(kinds) - kinds[::-1].index("STATE") :]


def test_a_token_revoked_mid_run_skips_that_user_only(team: TeamRunner, team_sim: Simulator):
    bob = team_sim.tokens["bob"]
    ids = user_ids(team_sim)
    bob_id = ids[bob]
    served: list[int] = []

    def revoke_bob_after_a_few(request: Any) -> None:
        if request.user_id == bob_id and request.status == 200:
            served.append(1)
            if len(served) == 6:
                team_sim.revoke(bob)

    team_sim.after_response(revoke_bob_after_a_few)
    streams = ["current_user", "sequences", "contacts", "polls", "snippets"]
    run = team.run(streams, page_size=5, **POLL_ONLY)
    assert run.returncode == 1
    assert_clean(run, team_sim)
    warnings = [line for line in run.stderr.splitlines() if "refused this user's token" in line]
    assert len(warnings) == 1
    assert "bob@mixmax-sim.example" in warnings[0]
    assert team_sim.count(status=401) >= 1
    # The others finished: every object of ada and cyd arrived.
    for name in ("ada", "cyd"):
        token = team_sim.tokens[name]
        for stream in ("sequences", "contacts", "polls", "snippets"):
            got = {r["_id"] for r in run.records.get(stream, []) if r[USER_COLUMN] == ids[token]}
            listed = team_sim.visible(CURSOR_COLLECTIONS[stream], token, include_shared=True)
            wanted = {d["_id"] for d in listed}
            assert got == wanted, f"{name} {stream}"
    assert "team summary: 2 users read, 1 failed" in run.stderr


def test_a_token_refused_at_the_start_is_named_by_position(team: TeamRunner, team_sim: Simulator):
    team.tokens = [team_sim.tokens["ada"], "sim-token-nobody"]
    run = team.run(["polls"])
    assert run.returncode == 1
    assert "refused token 2 of api_tokens" in run.stderr
    assert "sim-token-nobody" not in run.stderr
    ada = user_ids(team_sim)[team_sim.tokens["ada"]]
    assert {r[USER_COLUMN] for r in run.records["polls"]} == {ada}


def test_tokens_sharing_one_ip_limit_back_off_and_finish(team: TeamRunner, team_sim: Simulator):
    team_sim.set_rate_limit(RateLimit(limit=3, window=1.0, scope="ip"))
    streams = ["sequences", "contacts", "polls", "snippets"]
    run = team.run(streams, page_size=20, **POLL_ONLY)
    assert run.returncode == 0, run.stderr[-2000:]
    assert_clean(run, team_sim)
    tokens = list(team_sim.tokens.values())
    for stream in streams:
        assert set(run.ids(stream)) == set(readers(team_sim, CURSOR_COLLECTIONS[stream], tokens))
    # The budget was contended: tokens were answered 429 and waited, none gave up.
    assert team_sim.count(status=429) > 0
    assert "failed" not in run.stderr.split("team summary:")[-1].split(",")[0]


def test_adding_a_token_starts_that_user_and_removing_one_keeps_its_bookmarks(
    team: TeamRunner, team_sim: Simulator
):
    ada, bob, cyd = (team_sim.tokens[name] for name in ("ada", "bob", "cyd"))
    ids = user_ids(team_sim)
    team.tokens = [ada, bob]
    first = team.run(["sequences"], **POLL_ONLY)
    assert first.returncode == 0, first.stderr[-2000:]
    team.tokens = [ada, bob, cyd]
    second = team.run(["sequences"], state=first.state, **POLL_ONLY)
    assert second.returncode == 0, second.stderr[-2000:]
    assert {r[USER_COLUMN] for r in second.records["sequences"]} == {ids[cyd]}
    assert set(second.ids("sequences")) == {d["_id"] for d in team_sim.visible("sequences", cyd)}
    team.tokens = [ada]
    third = team.run(["sequences"], state=second.state, **POLL_ONLY)
    assert third.returncode == 0, third.stderr[-2000:]
    assert "sequences" not in third.records
    kept = third.bookmark("sequences")["users"]
    assert kept[ids[bob]] == second.bookmark("sequences")["users"][ids[bob]]
    assert set(kept) == {ids[ada], ids[bob], ids[cyd]}


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"api_token": "sim-token-ada"}, "not both"),
        ({"emit_activate_version_messages": True}, "emit_activate_version_messages"),
        ({"api_tokens": []}, "non-empty list"),
        ({"api_tokens": ["sim-token-ada", "sim-token-ada"]}, "the same token twice"),
    ],
)
def test_settings_a_team_cannot_use_are_one_line(
    team: TeamRunner, team_sim: Simulator, settings: dict[str, Any], problem: str
):
    run = team.run(["polls"], **settings)
    assert run.returncode == 2
    assert_clean(run, team_sim)
    errors = [line for line in run.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1
    assert problem in errors[0]
    assert not run.records
    assert team_sim.count() == 0
