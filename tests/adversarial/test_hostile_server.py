"""A server that trickles, asks for absurd waits, sends nonsense headers or broken records."""

from __future__ import annotations

import json
import socket
import time
from email.utils import formatdate
from typing import Any

import pytest

from tap_mixmax.simulator import RateLimit, Simulator
from tests.adversarial.conftest import HostileProxy, Rule, Runner, assert_clean

TRICKLE = 1.0  # seconds per byte, as in the probe that kept a request alive for an hour


def visible(sim: Simulator, stream: str) -> set[str]:
    return {doc["_id"] for doc in sim.visible(stream, sim.tokens["ada"])}


def test_a_trickled_body_fails_within_the_request_timeout(tap: Runner, proxy: HostileProxy):
    proxy.add(Rule(r"/v1/polls$", trickle_seconds=TRICKLE))
    run = tap.start(["polls"], request_timeout=2, max_retries=1).finish(bound=120)
    assert run.returncode == 1, run.stderr[-2000:]
    assert "polls (/v1/polls)" in run.error
    assert "no complete response within 2 s" in run.error
    assert "gave up after 2 attempts" in run.error
    assert proxy.count(r"/v1/polls$") == 2
    assert_clean(run)


def test_trickled_headers_fail_within_the_request_timeout(tap: Runner, proxy: HostileProxy):
    proxy.add(Rule(r"/v1/polls$", trickle_seconds=TRICKLE, trickle_head=True))
    run = tap.start(["polls"], request_timeout=2, max_retries=0).finish(bound=120)
    assert run.returncode == 1, run.stderr[-2000:]
    assert "polls (/v1/polls): no complete response within 2 s" in run.error
    assert_clean(run)


def test_a_trickled_body_is_retried_and_every_object_read(
    tap: Runner, proxy: HostileProxy, sim: Simulator
):
    proxy.add(Rule(r"/v1/polls$", times=2, trickle_seconds=TRICKLE))
    run = tap.start(["polls"], request_timeout=2, max_retries=3).finish(bound=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert set(run.ids("polls")) == visible(sim, "polls")
    assert proxy.count(r"/v1/polls$") == 3
    assert run.stderr.count("no complete response within 2 s") == 2  # one retry line each
    assert_clean(run)


@pytest.mark.parametrize(
    "retry_after",
    [
        "3600",
        formatdate(time.time() + 7200, usegmt=True),
    ],
    ids=["seconds", "http-date"],
)
def test_a_wait_longer_than_allowed_stops_the_run_with_state_intact(
    tap: Runner, proxy: HostileProxy, sim: Simulator, retry_after: str
):
    proxy.add(Rule(r"/v1/qa$", status=429, headers={"Retry-After": retry_after}))
    run = tap.run(["polls", "qa"])
    assert run.returncode == 1, run.stderr[-2000:]
    assert "max_rate_limit_wait_seconds (300)" in run.error
    assert proxy.count(r"/v1/qa$") == 1  # refused at once, not slept
    assert set(run.ids("polls")) == visible(sim, "polls")
    assert_clean(run)

    proxy.rules.clear()
    new_poll = sim.insert("polls")["_id"]
    rerun = tap.run(["polls", "qa"], state_text=json.dumps(run.state))
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert rerun.ids("polls") == [new_poll]  # polls' bookmark survived the stop
    assert set(rerun.ids("qa")) == visible(sim, "qa")


def reset_soon() -> str:
    return str(int(time.time()) + 1)


@pytest.mark.parametrize(
    ("header", "value"),
    [("Retry-After", "inf"), ("Retry-After", "nan"), ("Retry-After", "-5")],
)
def test_a_nonsense_retry_after_is_ignored_with_a_warning(
    tap: Runner, proxy: HostileProxy, sim: Simulator, header: str, value: str
):
    # Without a usable Retry-After, the 429's reset says how long to wait.
    proxy.add(
        Rule(
            r"/v1/polls$",
            times=1,
            status=429,
            headers={header: value, "X-RateLimit-Reset": reset_soon()},
        )
    )
    run = tap.run(["polls"])
    assert run.returncode == 0, run.stderr[-2000:]
    assert f"ignoring {header}: '{value}'" in run.stderr
    assert set(run.ids("polls")) == visible(sim, "polls")
    assert run.errors == []
    assert_clean(run)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "soon"])
def test_a_nonsense_rate_limit_reset_is_ignored_with_one_warning(
    tap: Runner, proxy: HostileProxy, sim: Simulator, value: str
):
    proxy.add(Rule(r"/v1/", headers={"X-RateLimit-Reset": value}))
    run = tap.run(["polls", "qa"], page_size=2)
    assert run.returncode == 0, run.stderr[-2000:]
    if value != "soon":  # not a number at all: simply absent, as before
        assert run.stderr.count("ignoring X-RateLimit-Reset") == 1
    assert set(run.ids("qa")) == visible(sim, "qa")
    assert run.errors == []
    assert_clean(run)


def drop_first_id(page: dict[str, Any]) -> dict[str, Any]:
    page["results"][0].pop("_id", None)
    return page


def test_a_parent_record_without_its_key_stops_the_stream_in_one_line(
    tap: Runner, proxy: HostileProxy
):
    proxy.add(Rule(r"/v1/sequences$", rewrite=drop_first_id))
    run = tap.run(["sequences", "sequence_recipients"])
    assert run.returncode == 1, run.stderr[-2000:]
    assert "sequences: Mixmax sent a record without _id" in run.error
    assert "sequence_recipients" not in run.records
    assert_clean(run)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_no_simulator_running_says_how_to_start_it(tap: Runner):
    port = free_port()
    run = tap.run(["polls"], api_url=f"http://127.0.0.1:{port}/v1", max_retries=1)
    assert run.returncode == 1, run.stderr[-2000:]
    assert "polls (/v1/polls): connection refused; gave up after 2 attempts" in run.error
    assert f"start it with `mixmax-simulator --port {port}`" in run.error
    assert_clean(run)


def test_dropped_connections_name_the_stream_and_path(tap: Runner, sim: Simulator):
    sim.faults.schedule("/polls", ["drop", "drop"])
    run = tap.run(["polls"], api_url=sim.base_url, max_retries=1)
    assert run.returncode == 1, run.stderr[-2000:]
    assert "polls (/v1/polls): the server closed the connection" in run.error
    assert "gave up after 2 attempts" in run.error
    assert_clean(run)


def test_progress_continues_while_waiting_for_the_rate_window(tap: Runner, sim: Simulator):
    sim.set_rate_limit(RateLimit(limit=3, window=4.0))
    run = tap.run(["polls", "qa"], page_size=1, progress_interval_seconds=1)
    assert run.returncode == 0, run.stderr[-2000:]
    waits = [line for line in run.stderr.splitlines() if "progress: waiting" in line]
    assert waits
    assert "for Mixmax's rate window (3/3 used); this is expected" in waits[0]
    assert any("for Mixmax's rate window; rate budget 3/3 used this window" in w for w in waits)
    assert sim.count(status=429) == 0
    assert set(run.ids("qa")) == visible(sim, "qa")
