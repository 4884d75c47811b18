"""The live feed's scope (``live_feed_search``) and its counters (``live_feed_stats``)."""

from __future__ import annotations

from tap_mixmax.simulator import Simulator
from tests.tap.conftest import TapRunner


def test_default_feed_is_the_users_own_and_its_stats_count_it(tap: TapRunner, sim: Simulator):
    run = tap.run(["live_feed", "live_feed_stats"])
    assert run.returncode == 0, run.stderr
    own = {doc["_id"] for doc in sim.visible("livefeed", sim.tokens["ada"])}
    assert set(run.ids("live_feed")) == own
    [row] = run.records["live_feed_stats"]
    assert row["query"] == "(default)"
    assert row["sent"] == len(own)
    assert row["capturedAt"].endswith("Z")
    assert set(row["percentages"]) >= {"opened", "replied"}
    stats_requests = [r for r in sim.requests if r.query.get("stats") == "true"]
    assert len(stats_requests) == 1
    assert stats_requests[0].query["limit"] == "1"


def test_a_team_search_reads_teammates_messages_too(tap: TapRunner, sim: Simulator):
    own = tap.run(["live_feed", "live_feed_stats"])
    sim.clear_log()
    team = tap.run(["live_feed", "live_feed_stats"], live_feed_search="from:everyone")
    assert team.returncode == 0, team.stderr
    assert set(own.ids("live_feed")) < set(team.ids("live_feed"))
    [row] = team.records["live_feed_stats"]
    assert row["query"] == "from:everyone"
    assert row["sent"] == len(team.ids("live_feed"))
    assert all(
        r.query.get("query") == "from:everyone" for r in sim.requests if "livefeed" in r.path
    )


def test_a_search_mixmax_refuses_fails_in_one_line(tap: TapRunner, sim: Simulator):
    run = tap.run(["live_feed"], live_feed_search="frm:me")
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "HTTP 400" in run.stderr.strip().splitlines()[-1]
