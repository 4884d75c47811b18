"""Failures a new user meets first end quickly, in one line that says what to do.

Nothing listening at a loopback api_url is tried once more, not ``max_retries`` times, and
the hint names the command that starts the simulator the way the tap was started (by
hand, or by Meltano, which sets MELTANO_EXTRACTOR_NAME). A 401 says the token was refused
and how to fix it, without quoting the server's body.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
import requests

from tap_mixmax.refusal import LoopbackRefusals, simulator_command
from tests.adversarial.conftest import HostileProxy, Outcome, Rule, Runner, assert_clean

# Mixmax's own body for a token it does not know; quoting it next to a sent token misleads.
CONTRADICTING_BODY = {"message": "No API token provided; please visit https://evil.example/x"}
WRONG_TOKEN = "wrong-token-0123456789"
REFUSED = requests.exceptions.ConnectionError("[Errno 111] Connection refused")


def closed_port() -> int:
    """A loopback port nothing listens on: bound once by the OS, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_refused(tmp_path: Path, port: int, plugin: str) -> Outcome:
    runner = Runner(tmp_path, f"http://127.0.0.1:{port}/v1")
    # Default settings: max_retries is 5, which a refusal on loopback must not wait out.
    return runner.run(["polls"], env={"MELTANO_EXTRACTOR_NAME": plugin})


def retries(run: Outcome) -> list[str]:
    return [line for line in run.stderr.splitlines() if "retrying in" in line]


def test_a_closed_loopback_port_fails_after_one_quick_retry(tmp_path: Path):
    port = closed_port()
    run = run_refused(tmp_path, port, plugin="")
    assert run.returncode == 1, run.stderr[-2000:]
    assert len(retries(run)) == 1, run.stderr[-2000:]
    assert "polls (/v1/polls): connection refused; gave up after 2 attempts" in run.error
    assert run.error.endswith(
        f"is the simulator running? start it with `mixmax-simulator --port {port}`"
    )
    assert run.records == {}
    assert_clean(run)


def test_with_no_retries_a_closed_port_is_tried_once_and_the_line_says_one_attempt(
    tmp_path: Path,
):
    port = closed_port()
    run = Runner(tmp_path, f"http://127.0.0.1:{port}/v1").run(["polls"], max_retries=0)
    assert run.returncode == 1, run.stderr[-2000:]
    assert retries(run) == [], run.stderr[-2000:]
    assert "polls (/v1/polls): connection refused; gave up after 1 attempt;" in run.error
    assert_clean(run)


def test_under_meltano_the_hint_is_the_plugins_simulator_command(tmp_path: Path):
    port = closed_port()
    run = run_refused(tmp_path, port, plugin="tap-mixmax--team")
    assert run.returncode == 1, run.stderr[-2000:]
    assert len(retries(run)) == 1, run.stderr[-2000:]
    assert f"start it with `meltano invoke tap-mixmax--team:simulator --port {port}`" in run.error
    assert "mixmax-simulator" not in run.error
    assert_clean(run)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"MELTANO_EXTRACTOR_NAME": "tap-mixmax"}, "meltano invoke tap-mixmax:simulator"),
        ({}, "mixmax-simulator --port 8765"),
        ({"MELTANO_EXTRACTOR_NAME": "x`; rm -rf ~"}, "mixmax-simulator --port 8765"),
        ({"MELTANO_EXTRACTOR_NAME": "tap\nmixmax"}, "mixmax-simulator --port 8765"),
    ],
    ids=["meltano", "plain", "shell-text", "two-lines"],
)
def test_the_simulator_command_on_its_default_port(environ: dict[str, str], expected: str):
    assert simulator_command(8765, environ) == expected


@pytest.mark.parametrize(
    ("api_url", "tries"),
    [
        ("http://127.0.0.1:9/v1", [False, True]),
        ("http://localhost:9/v1", [False, True]),
        ("https://api.mixmax.com/v1", [False, False, False, False, False, False]),
    ],
)
def test_only_loopback_refusals_give_up_early(api_url: str, tries: list[bool]):
    refusals = LoopbackRefusals(api_url, max_tries=6)
    refusals.start()
    assert [refusals.give_up(REFUSED) for _ in tries] == tries


def test_a_refusal_between_other_faults_starts_the_count_again():
    refusals = LoopbackRefusals("http://127.0.0.1:9/v1", max_tries=6)
    refusals.start()
    timeout = requests.exceptions.ReadTimeout("read timed out")
    said = [refusals.give_up(exc) for exc in (REFUSED, timeout, REFUSED, timeout)]
    assert said == [False, False, False, False]
    assert refusals.tries() == 6


def with_message(_page: Any) -> dict[str, Any]:
    return CONTRADICTING_BODY


def test_a_401_names_the_refused_token_and_the_fix_without_the_body(
    tmp_path: Path, proxy: HostileProxy
):
    proxy.add(Rule(r"/v1/", status=401, rewrite=with_message))
    run = Runner(tmp_path, proxy.base_url).run(["polls"], api_token=WRONG_TOKEN)
    assert run.returncode == 1, run.stderr[-2000:]
    assert "Mixmax refused the API token (HTTP 401)" in run.error
    assert "set api_token to a current token of the Mixmax user" in run.error
    assert "No API token provided" not in run.stderr
    assert "evil.example" not in run.stderr
    assert proxy.count(r"/v1/") == 1  # a refused token is not retried
    assert_clean(run, WRONG_TOKEN)


def test_a_team_at_a_closed_loopback_port_skips_each_user_quickly_and_exits_1(tmp_path: Path):
    port = closed_port()
    tokens = ["closed-port-token-one-0123456789", "closed-port-token-two-0123456789"]
    run = Runner(tmp_path, f"http://127.0.0.1:{port}/v1").run(
        ["polls"], api_token=None, api_tokens=tokens
    )
    assert run.returncode == 1, run.stderr[-2000:]
    # Each user's /users/me is tried twice (one quick retry), then that user is skipped.
    assert len(retries(run)) == len(tokens), run.stderr[-2000:]
    for position in (1, 2):
        assert f"token {position} of api_tokens" in run.stderr, run.stderr[-2000:]
    assert run.stderr.count("gave up after 2 attempts") == len(tokens), run.stderr[-2000:]
    assert run.error.endswith(
        "| team: 2 of 2 users failed (each named above); the others' records and state were written"
    )
    # The SDK's routine lines stay at DEBUG in a team too, its "[token N] " prefix or not.
    assert "as child stream" not in run.stderr
    assert run.records == {}
    assert_clean(run, *tokens)
