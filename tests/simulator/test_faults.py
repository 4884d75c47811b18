"""Injected faults: schedules, HTML bodies, 429 bursts, slow, dropped and truncated answers."""

from __future__ import annotations

import pytest
import requests
from sim_helpers import Client

from tap_mixmax.simulator import Fault


def test_schedule_hits_exactly_the_named_requests(client: Client) -> None:
    client.sim.faults.schedule("/sequences", statuses=[503, 502], at=[3, 4])
    statuses = [client.get("/sequences", limit=1).status_code for _ in range(6)]
    assert statuses == [200, 200, 503, 502, 200, 200]
    assert client.get("/sequences").status_code == 200
    assert client.sim.count("/sequences", status=503) == 1
    assert [r.fault for r in client.sim.requests][2:4] == ["status", "status"]


def test_schedule_counts_only_matching_paths(client: Client) -> None:
    client.sim.faults.schedule("/rules", [500])
    assert client.get("/sequences").status_code == 200
    resp = client.get("/rules")
    assert resp.status_code == 500
    assert set(resp.json()) == {"message"}


def test_html_error_body(client: Client) -> None:
    client.sim.faults.schedule("/", ["html504"])
    resp = client.get("/users/me")
    assert resp.status_code == 504
    assert resp.headers["Content-Type"].startswith("text/html")
    assert "<html>" in resp.text


def test_429_burst_carries_retry_after(client: Client) -> None:
    client.sim.faults.burst_429("/messages", 2, retry_after=3)
    first, second, third = (client.get("/messages", limit=1) for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 200]
    assert first.headers["Retry-After"] == "3"
    assert set(first.json()) == {"message"}


def test_slow_response_is_delayed_then_answers(client: Client) -> None:
    """The delay is measured by the simulator itself (from reading the request to the final
    response): a lower bound on the wait, not a speed assertion."""
    client.sim.faults.schedule("/users/me", [Fault("slow", delay=0.3), "slow:0.2"])
    first, second = client.get("/users/me"), client.get("/users/me")
    assert (first.status_code, second.status_code) == (200, 200)
    slow_first, slow_second = client.sim.requests[-2:]
    assert (slow_first.fault, slow_second.fault) == ("slow", "slow")
    assert slow_first.elapsed >= 0.3
    assert slow_second.elapsed >= 0.2
    assert slow_second.at - slow_first.at >= 0.3  # the next request came after the delay


def test_dropped_connection(client: Client) -> None:
    client.sim.faults.schedule("/users/me", ["drop"])
    with pytest.raises(requests.ConnectionError):
        client.get("/users/me")
    assert client.sim.requests[-1].status == 0
    assert client.get("/users/me").status_code == 200


def test_truncated_body(client: Client) -> None:
    client.sim.faults.schedule("/sequences", ["truncate"])
    with pytest.raises(requests.RequestException):
        client.get("/sequences").json()
    assert client.get("/sequences").status_code == 200


def test_random_faults_are_reproducible_from_a_seed(client: Client) -> None:
    def run() -> list[int]:
        client.sim.faults.clear()
        client.sim.faults.random(0.3, seed=7, kinds=[500, "html502", 503, 504])
        return [client.get("/users/me").status_code for _ in range(40)]

    first, second = run(), run()
    assert first == second
    assert {500, 502, 503, 504} & set(first)
    assert 200 in first
    client.sim.faults.clear()
    assert all(client.get("/users/me").status_code == 200 for _ in range(5))


def test_bad_fault_names_are_rejected(client: Client) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        client.sim.faults.schedule("/", ["explode"])


def test_html_page_with_status_200(client: Client) -> None:
    client.sim.faults.schedule("/", ["html200"])
    resp = client.get("/sequences")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/html")
    assert "<html>" in resp.text
    assert client.get("/sequences").json()["results"]  # the next answer is data again
