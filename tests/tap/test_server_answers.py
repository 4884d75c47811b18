"""A plain 500 is retried like every 5xx, and a token a server echoes never reaches a log.

The echo server quotes the ``X-API-Token`` header it received in its error body, the way
a careless proxy or API might; the tap quotes Mixmax's ``message`` in its error lines, so
only the redaction stands between that body and the log, at every ``LOGLEVEL``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tap_mixmax.simulator import Simulator
from tests.tap.conftest import TapRunner, select, tap_command, tap_env
from tests.tap.loopback import JsonHandler, serving

ECHOED_TOKEN = "echoed-secret-7f3a9c21"


def test_a_plain_500_is_retried_like_the_other_server_errors(tap: TapRunner, sim: Simulator):
    expected = [doc["_id"] for doc in sim.visible("sequences", sim.tokens["ada"])]
    sim.faults.schedule("/sequences", [500, 500])
    run = tap.run(["sequences"], page_size=300, max_retries=2)
    assert run.returncode == 0, run.stderr
    assert run.ids("sequences") == expected
    assert sim.count("/sequences", status=500) == 2
    assert sim.count("/sequences") == 3  # two 500s, then the page


def test_500s_beyond_max_retries_fail_the_run_with_exit_1(tap: TapRunner, sim: Simulator):
    sim.faults.schedule("/sequences", [500, 500])
    run = tap.run(["sequences"], max_retries=1)
    assert run.returncode == 1, run.stderr
    assert "500" in run.stderr.strip().splitlines()[-1]
    assert sim.count("/sequences") == 2


def echo_handler(answer_status: int) -> type[JsonHandler]:
    class Echo(JsonHandler):
        status = answer_status

        def answer(self) -> dict[str, str]:
            token = self.headers.get("X-API-Token", "")
            return {"message": f"token {token} is not valid here"}

    return Echo


def run_against(url: str, folder: Path, level: str) -> subprocess.CompletedProcess[str]:
    config = folder / "config.json"
    config.write_text(json.dumps({"api_token": ECHOED_TOKEN, "api_url": url, "max_retries": 0}))
    catalog = folder / "catalog.json"
    catalog.write_text(json.dumps(select(["current_user", "sequences"], {})))
    return subprocess.run(
        tap_command(config, catalog, None),
        capture_output=True,
        text=True,
        timeout=120,
        env={**tap_env(), "LOGLEVEL": level},
        check=False,
    )


@pytest.mark.parametrize("level", ["DEBUG", "INFO", "WARNING", "ERROR"])
@pytest.mark.parametrize("status", [401, 403, 404])
def test_a_token_echoed_in_an_error_body_is_redacted_at_every_log_level(
    tmp_path: Path, level: str, status: int
) -> None:
    with serving(echo_handler(status)) as url:
        done = run_against(url, tmp_path, level)
    assert done.returncode == 1, done.stderr[-3000:]
    assert ECHOED_TOKEN not in done.stderr
    assert ECHOED_TOKEN not in done.stdout
    errors = [line for line in done.stderr.splitlines() if "ERROR" in line]
    assert errors, done.stderr[-3000:]
    if level != "DEBUG":  # DEBUG adds the traceback on purpose ("LOGLEVEL=DEBUG shows where")
        assert "Traceback" not in done.stderr
    if status != 401:  # the body is quoted, redacted: the line still says what the server said
        assert "<api_token>" in errors[-1]
