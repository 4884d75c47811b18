"""Team runs against a server that answers one token's ``/users/me`` with hostile data.

A loopback server forwards every request to the simulator, except ``/users/me`` for the
tokens a test names, which it answers as told: an ``_id`` shaped like a path, an e-mail
with a newline, a 429 with an absurd Retry-After, a trickled body, a 500. The team runs
in-process (``run_team``), so its log lines are caught by ``caplog``.
"""

from __future__ import annotations

import http.client
import io
import json
import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tap_mixmax.simulator import RateLimit, Simulator
from tap_mixmax.tap import TapMixmax
from tap_mixmax.team import run_team
from tap_mixmax.user_column import USER_COLUMN
from tests.tap.conftest import TapRun, parse_messages, select
from tests.tap.loopback import serving

STREAMS = ["current_user", "polls"]


@dataclass
class Answer:
    """How the server answers ``/users/me`` for one token, ``times`` times."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None  # None: the simulator's own answer
    trickle_seconds: float | None = None
    times: int = 1_000_000


class UsersMeServer:
    """The simulator behind a loopback server that lies about ``/users/me``."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.answers: dict[str, Answer] = {}
        self.asked: dict[str, int] = {}

    def handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                token = self.headers.get("X-API-Token", "")
                status, headers, body = server.forward(self.path, dict(self.headers))
                answer = server.answers.get(token)
                is_me = urlparse(self.path).path.endswith("/users/me")
                if is_me:
                    server.asked[token] = server.asked.get(token, 0) + 1
                if is_me and answer is not None and answer.times > 0:
                    answer.times -= 1
                    status = answer.status
                    headers = dict(answer.headers)
                    if answer.body is not None:
                        body = json.dumps(answer.body).encode()
                headers["Content-Length"] = str(len(body))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    if is_me and answer is not None and answer.trickle_seconds is not None:
                        for index in range(len(body)):
                            self.wfile.write(body[index : index + 1])
                            self.wfile.flush()
                            time.sleep(answer.trickle_seconds)
                    else:
                        self.wfile.write(body)
                except OSError:
                    self.close_connection = True  # the tap gave up on this response

        return Handler

    def forward(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        upstream = urlparse(self.sim.base_url)
        connection = http.client.HTTPConnection(upstream.hostname or "", upstream.port, timeout=30)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            dropped = {"content-length", "connection", "transfer-encoding"}
            kept = {k: v for k, v in response.getheaders() if k.lower() not in dropped}
            return response.status, kept, body
        finally:
            connection.close()


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(seed=3, scale=0.1, rate_limit=RateLimit(100_000, 60.0)) as simulator:
        simulator.add_user("cyd")
        yield simulator


@pytest.fixture
def server(sim: Simulator) -> Iterator[tuple[UsersMeServer, str]]:
    hostile = UsersMeServer(sim)
    with serving(hostile.handler()) as base_url:
        yield hostile, base_url


@pytest.fixture
def temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder any temporary file of the run would land in."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


TeamRun = Callable[..., tuple[int, TapRun, list[str]]]


@pytest.fixture
def team(
    server: tuple[UsersMeServer, str], sim: Simulator, caplog: pytest.LogCaptureFixture
) -> TeamRun:
    _hostile, base_url = server

    def run(**settings: Any) -> tuple[int, TapRun, list[str]]:
        config = {
            "api_tokens": list(sim.tokens.values()),
            "api_url": base_url,
            "progress_interval_seconds": 3600,
            "max_retries": 1,
            **settings,
        }
        out = io.BytesIO()
        caplog.clear()
        with caplog.at_level(logging.INFO):
            code = run_team(TapMixmax, config, {}, select(STREAMS, {}), out)
        result = TapRun(returncode=code)
        parse_messages(out.getvalue().decode().splitlines(), result)
        return code, result, [record.getMessage() for record in caplog.records]

    return run


def ids(sim: Simulator) -> dict[str, str]:
    return {token: sim.visible("users/me", token)[0]["_id"] for token in sim.tokens.values()}


def readers_of(run: TapRun, stream: str) -> set[str]:
    return {row[USER_COLUMN] for row in run.records.get(stream, [])}


def assert_no_secrets(lines: list[str], sim: Simulator) -> None:
    text = "\n".join(lines)
    assert "Traceback" not in text
    assert "unexpected" not in text
    for token in sim.tokens.values():
        assert token not in text


@pytest.mark.parametrize("user_id", ["../../..", "/etc/mixmax", ".", "a/b", "nul\x00here"])
def test_a_user_id_shaped_like_a_path_is_only_a_key(
    team: TeamRun, server: tuple[UsersMeServer, str], sim: Simulator, temp: Path, user_id: str
):
    hostile, _ = server
    bob = sim.tokens["bob"]
    hostile.answers[bob] = Answer(body={"_id": user_id, "email": "bob@example.com"})
    code, run, lines = team()
    assert code == 0, lines[-5:]
    assert_no_secrets(lines, sim)
    assert user_id in readers_of(run, "current_user")
    assert set(readers_of(run, "current_user")) == {*ids(sim).values(), user_id} - {ids(sim)[bob]}
    assert user_id in run.bookmark("polls")["users"]
    assert list(temp.iterdir()) == []


def test_an_email_with_a_newline_cannot_forge_log_lines(
    team: TeamRun, server: tuple[UsersMeServer, str], sim: Simulator
):
    hostile, _ = server
    bob = sim.tokens["bob"]
    forged = "bob@example.com\n2026-01-01 | ERROR | forged\x1b[31m"
    hostile.answers[bob] = Answer(body={"_id": ids(sim)[bob], "email": forged})
    code, _run, lines = team(progress_interval_seconds=0)
    assert code == 0
    assert_no_secrets(lines, sim)
    mentioning = [line for line in lines if "bob@example.com" in line]
    assert mentioning, "the user's label appears in the progress lines"
    for line in mentioning:
        assert "\n" not in line
        assert "\x1b" not in line
        assert "bob@example.com\\n2026-01-01" in line


def test_retry_after_3600_on_users_me_skips_that_user_only(
    team: TeamRun, server: tuple[UsersMeServer, str], sim: Simulator
):
    hostile, _ = server
    bob = sim.tokens["bob"]
    hostile.answers[bob] = Answer(status=429, headers={"Retry-After": "3600"})
    code, run, lines = team(max_rate_limit_wait_seconds=60)
    assert code == 1
    assert_no_secrets(lines, sim)
    warnings = [line for line in lines if "token 2 of api_tokens" in line]
    assert len(warnings) == 1
    assert "max_rate_limit_wait_seconds" in warnings[0]
    assert hostile.asked[bob] == 1
    # The others were read.
    others = {uid for token, uid in ids(sim).items() if token != bob}
    assert readers_of(run, "current_user") == others


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999"])
def test_a_nonsense_retry_after_on_users_me_is_ignored(
    team: TeamRun, server: tuple[UsersMeServer, str], sim: Simulator, value: str
):
    hostile, _ = server
    bob = sim.tokens["bob"]
    # Once: the window's reset (1 s) then says when to ask again.
    hostile.answers[bob] = Answer(
        status=429, headers={"Retry-After": value, "X-RateLimit-Reset": "1"}, times=1
    )
    code, run, lines = team()
    assert code == 0, lines[-5:]
    assert_no_secrets(lines, sim)
    assert any("ignoring Retry-After" in line for line in lines)
    assert hostile.asked[bob] == 2
    assert readers_of(run, "current_user") == set(ids(sim).values())


@pytest.mark.parametrize(
    "answer",
    [
        Answer(status=500, body={"error": "boom"}),
        Answer(trickle_seconds=0.2),
    ],
    ids=["500", "trickled"],
)
def test_a_failing_users_me_skips_that_user_only(
    team: TeamRun, server: tuple[UsersMeServer, str], sim: Simulator, answer: Answer
):
    hostile, _ = server
    bob = sim.tokens["bob"]
    hostile.answers[bob] = answer
    code, run, lines = team(request_timeout=1, max_retries=1)
    assert code == 1
    assert_no_secrets(lines, sim)
    warnings = [line for line in lines if "token 2 of api_tokens" in line]
    assert len(warnings) == 1, warnings
    assert "/users/me failed for token 2 of api_tokens" in warnings[0]
    # Asked once and retried once, as max_retries says.
    assert hostile.asked[bob] == 2
    others = {uid for token, uid in ids(sim).items() if token != bob}
    assert readers_of(run, "current_user") == others
    assert set(run.bookmark("polls")["users"]) == others
