"""Responses larger than ``max_response_bytes``: a gzip bomb and a huge plain body end the
run with one line, no retry, and the tap's memory stays bounded (its peak RSS measured)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tap_mixmax.transport import DEFAULT_MAX_RESPONSE_BYTES
from tests.adversarial.conftest import Outcome, Runner, assert_clean, outcome
from tests.tap.conftest import tap_env
from tests.tap.loopback import serving

MIB = 1024 * 1024
# 300 gzip members of 10 MiB of zeros each: about 3 MB on the wire, 3 GB inflated.
_MEMBER = gzip.compress(b"\0" * (10 * MIB))
BOMB = _MEMBER * 300
PLAIN_BYTES = 200 * MIB
PEAK_RSS_BOUND = 200 * MIB
RUSAGE_CHILD = Path(__file__).parents[2] / "benchmarks" / "rusage_child.py"


class Oversized:
    """A loopback server answering every GET with a huge body, counting the requests."""

    def __init__(self, *, gzipped: bool) -> None:
        self.gzipped = gzipped
        self.hits = 0
        self._lock = threading.Lock()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server._lock:
                    server.hits += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if server.gzipped:
                    self.send_header("Content-Encoding", "gzip")
                    self.send_header("Content-Length", str(len(BOMB)))
                else:
                    self.send_header("Content-Length", str(PLAIN_BYTES))
                self.end_headers()
                try:
                    if server.gzipped:
                        self.wfile.write(BOMB)
                    else:
                        block = b" " * MIB
                        for _ in range(PLAIN_BYTES // MIB):
                            self.wfile.write(block)
                except OSError:
                    return  # the tap hung up once it had read enough

            def log_message(self, format: str, *args: object) -> None:
                return

        return Handler


@pytest.fixture(params=[True, False], ids=["gzip-bomb", "plain-200MB"])
def oversized(request: pytest.FixtureRequest) -> Iterator[tuple[Oversized, str]]:
    server = Oversized(gzipped=request.param)
    with serving(server.handler()) as base_url:
        yield server, base_url


def run_measured(command: list[str], folder: Path) -> tuple[Outcome, int]:
    """Run the tap to its end; its outcome and its own peak RSS in bytes.

    Linux carries a process's peak RSS across ``exec``: started straight from pytest (some
    300 MiB deep into the suite) the tap would report pytest's size as its own, so it is
    started through the benchmarks' small launcher, which reports the tap's ``wait4``.
    """
    report = folder / "rusage.json"
    launcher = [sys.executable, str(RUSAGE_CHILD), str(report), "--"]
    with (folder / "stdout").open("w") as out, (folder / "stderr").open("w") as err:
        # Measured without coverage's tracer, whose own memory is not the tap's.
        env = {k: v for k, v in tap_env().items() if not k.startswith("COVERAGE_PROCESS_")}
        returncode = subprocess.run(
            [*launcher, *command], stdout=out, stderr=err, env=env, check=False
        ).returncode
    usage = json.loads(report.read_text())
    assert usage["exit_code"] == returncode
    stdout, stderr = (folder / "stdout").read_text(), (folder / "stderr").read_text()
    return outcome(returncode, stdout, stderr), usage["peak_rss_kib"] * 1024


def test_an_oversized_response_stops_the_run_once_with_bounded_memory(
    tmp_path: Path, oversized: tuple[Oversized, str]
):
    server, base_url = oversized
    tap = Runner(tmp_path, base_url)
    command = tap.command(["polls"], max_retries=3)
    run, peak = run_measured(command, tmp_path / f"run{tap.runs}")
    assert run.returncode == 1, run.stderr[-2000:]
    assert (
        f"polls (/v1/polls): the response grew past max_response_bytes "
        f"({DEFAULT_MAX_RESPONSE_BYTES:,} bytes)" in run.error
    )
    assert server.hits == 1  # not retried
    assert peak < PEAK_RSS_BOUND, f"peak RSS {peak / MIB:.0f} MiB"
    assert_clean(run)


def test_a_smaller_cap_applies_to_an_error_body_too(tmp_path: Path):
    """A 500 with a 2 MiB body and a 1 MiB cap: refused at once, not retried as a 5xx."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = json.dumps({"message": "x" * (2 * MIB)}).encode()
            self.send_response(500)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    with serving(Handler) as base_url:
        run = Runner(tmp_path, base_url).run(["polls"], max_response_bytes=MIB, max_retries=3)
    assert run.returncode == 1, run.stderr[-2000:]
    assert "polls (/v1/polls): the response grew past max_response_bytes (1,048,576" in run.error
    assert len(hits) == 1
    assert_clean(run)
