"""The token goes to api_url's origin only: no redirect is followed, no proxy sees a
loopback request. A second loopback server stands for the host a hostile answer names."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from tap_mixmax.simulator import Simulator
from tap_mixmax.transport import DeadlineSession
from tests.adversarial.conftest import HostileProxy, Rule, Runner, assert_clean
from tests.tap.loopback import serving


class Collector:
    """A loopback server that records every request it receives, headers included."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self._lock = threading.Lock()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with collector._lock:
                    collector.requests.append({"path": self.path, **dict(self.headers)})
                body = b'{"results": [], "next": null, "hasNext": false}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        return Handler


@pytest.fixture
def collector() -> Iterator[tuple[Collector, str]]:
    """A recording server, and its origin (``http://127.0.0.1:port``)."""
    recording = Collector()
    with serving(recording.handler()) as base_url:
        yield recording, base_url.removesuffix("/v1")


def redirect(status: int, location: str, path: str = r"/v1/polls$") -> Rule:
    return Rule(path, status=status, headers={"Location": location})


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_to_another_port_is_refused_and_sends_no_token_there(
    tap: Runner, proxy: HostileProxy, collector: tuple[Collector, str], status: int
):
    recording, origin = collector
    port = origin.rsplit(":", 1)[1]
    proxy.add(redirect(status, f"{origin}/v1/polls"))
    run = tap.run(["polls"])
    assert run.returncode == 1, run.stderr[-2000:]
    assert f"polls (/v1/polls): HTTP {status} redirect to 127.0.0.1:{port} refused" in run.error
    assert proxy.count(r"/v1/polls$") == 1  # not retried
    assert recording.requests == []
    assert_clean(run)


def test_a_redirect_to_a_plain_http_remote_host_is_refused_by_the_tap_itself(
    tap: Runner, proxy: HostileProxy
):
    proxy.add(redirect(302, "http://collector.invalid:8080/steal"))
    run = tap.run(["polls"])
    assert run.returncode == 1, run.stderr[-2000:]
    assert "HTTP 302 redirect to collector.invalid:8080 refused" in run.error
    assert "does not resolve" not in run.stderr  # never looked up, let alone connected to
    assert_clean(run)


def test_a_redirect_keeps_the_state_of_what_was_read(
    tap: Runner, proxy: HostileProxy, sim: Simulator
):
    proxy.add(redirect(302, "http://collector.invalid:8080/", path=r"/v1/qa$"))
    run = tap.run(["polls", "qa"])
    assert run.returncode == 1, run.stderr[-2000:]
    polls = {doc["_id"] for doc in sim.visible("polls", sim.tokens["ada"])}
    assert set(run.ids("polls")) == polls
    proxy.rules.clear()
    rerun = tap.run(["polls", "qa"], state_text=json.dumps(run.state))
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert rerun.ids("polls") == []  # polls' bookmark survived the refused redirect


def test_the_connection_test_refuses_a_redirect(
    tap: Runner, proxy: HostileProxy, collector: tuple[Collector, str]
):
    recording, origin = collector
    proxy.add(redirect(302, f"{origin}/v1/users/me", path=r"/v1/users/me$"))
    run = tap.run_command([*tap.command(["polls"]), "--test"])
    assert run.returncode == 1, run.stderr[-2000:]
    assert "connection test failed" in run.error
    assert "HTTP 302 redirect to" in run.error
    assert recording.requests == []
    assert_clean(run)


@pytest.mark.parametrize("path", [r"/v1/users/me$", r"/v1/polls$"], ids=["identify", "read"])
def test_a_team_run_sends_no_token_to_a_redirect(
    tap: Runner,
    proxy: HostileProxy,
    sim: Simulator,
    collector: tuple[Collector, str],
    path: str,
):
    recording, origin = collector
    proxy.add(redirect(302, f"{origin}/v1/users/me", path=path))
    tokens = sorted(sim.tokens.values())
    assert len(tokens) >= 2
    run = tap.run(["polls"], api_token=None, api_tokens=tokens)
    assert run.returncode == 1, run.stderr[-2000:]
    assert "HTTP 302 redirect to 127.0.0.1:" in run.stderr
    assert recording.requests == []
    assert_clean(run, *tokens)


def test_a_proxy_variable_does_not_carry_a_loopback_request(
    tap: Runner, sim: Simulator, collector: tuple[Collector, str]
):
    recording, origin = collector
    proxies = dict.fromkeys(("HTTP_PROXY", "http_proxy", "ALL_PROXY"), origin)
    run = tap.run(["polls"], env={**proxies, "NO_PROXY": "", "no_proxy": ""})
    assert run.returncode == 0, run.stderr[-2000:]
    assert set(run.ids("polls")) == {doc["_id"] for doc in sim.visible("polls", sim.tokens["ada"])}
    assert recording.requests == []
    assert_clean(run)


def test_a_proxy_still_serves_a_remote_api_url(
    collector: tuple[Collector, str], monkeypatch: pytest.MonkeyPatch
):
    """Proxies work for a real api_url as requests applies them (the collector plays
    the proxy: a plain-http proxy receives the absolute URL)."""
    recording, origin = collector
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, origin)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    with DeadlineSession(5, 1 << 20) as session:
        response = session.get("http://mixmax.invalid/v1/polls")
    assert response.status_code == 200
    assert [request["path"] for request in recording.requests] == ["http://mixmax.invalid/v1/polls"]
