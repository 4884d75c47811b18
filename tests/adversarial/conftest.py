"""A hostile HTTP server in front of the simulator, and a runner for the real tap CLI.

The proxy forwards every request to the simulator over loopback and then misbehaves as a
test tells it to: trickle a body a byte at a time, answer 429 with absurd headers, add
nonsense rate-limit headers, or rewrite a page's records. Nothing in the tap is patched.
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tap_mixmax.simulator import RateLimit, Simulator
from tap_mixmax.simulator.seed import DEMO_TOKEN
from tests.tap.cli_inprocess import run_cli
from tests.tap.conftest import TapRun, parse_messages, select, tap_command, tap_env

BodyRewrite = Callable[[Any], Any]


@dataclass
class Rule:
    """How the proxy misbehaves for the next ``times`` requests whose path matches."""

    path: str
    times: int = 1_000_000
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    trickle_seconds: float | None = None  # pause between bytes of the body
    trickle_head: bool = False  # trickle the status line and headers too
    rewrite: BodyRewrite | None = None


class HostileProxy:
    """A threaded HTTP server on 127.0.0.1 that forwards to the simulator, then misbehaves."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.rules: list[Rule] = []
        self.hits: list[str] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # A short poll: shutdown() waits up to one poll interval (0.5 s by default).
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def add(self, rule: Rule) -> None:
        with self._lock:
            self.rules.append(rule)

    def count(self, pattern: str) -> int:
        """Requests the proxy received whose path matches ``pattern``."""
        return sum(1 for path in self.hits if re.search(pattern, path))

    def _rule_for(self, path: str) -> Rule | None:
        with self._lock:
            self.hits.append(path)
            for rule in self.rules:
                if rule.times > 0 and re.search(rule.path, path):
                    rule.times -= 1
                    return rule
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                rule = proxy._rule_for(urlparse(self.path).path)
                status, headers, body = proxy._forward(self.path, dict(self.headers))
                if rule is not None:
                    status, body = rule.status or status, proxy._rewrite(rule, body)
                    headers.update(rule.headers)
                headers["Content-Length"] = str(len(body))
                try:
                    if rule is not None and rule.trickle_head:
                        head = f"HTTP/1.1 {status} Whatever\r\n" + "".join(
                            f"{name}: {value}\r\n" for name, value in headers.items()
                        )
                        pause = rule.trickle_seconds or 1.0
                        proxy._trickle(self.wfile, f"{head}\r\n".encode(), pause)
                    else:
                        self.send_response(status)
                        for name, value in headers.items():
                            self.send_header(name, value)
                        self.end_headers()
                    if rule is not None and rule.trickle_seconds is not None:
                        proxy._trickle(self.wfile, body, rule.trickle_seconds)
                    else:
                        self.wfile.write(body)
                except OSError:
                    self.close_connection = True  # the tap gave up on this response

        return Handler

    def _forward(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        upstream = urlparse(self.sim.base_url)
        connection = http.client.HTTPConnection(upstream.hostname or "", upstream.port, timeout=30)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            kept = {
                name: value
                for name, value in response.getheaders()
                if name.lower() not in {"content-length", "connection", "transfer-encoding"}
            }
            return response.status, kept, body
        finally:
            connection.close()

    @staticmethod
    def _rewrite(rule: Rule, body: bytes) -> bytes:
        if rule.rewrite is None:
            return body
        return json.dumps(rule.rewrite(json.loads(body))).encode()

    def _trickle(self, out: Any, body: bytes, pause: float) -> None:
        for index in range(len(body)):
            if self._stopping.is_set():
                return
            out.write(body[index : index + 1])
            out.flush()
            time.sleep(pause)

    def __enter__(self) -> HostileProxy:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()


@dataclass
class Outcome(TapRun):
    """A finished tap process: what it wrote, and how it ended."""

    stdout: str = ""

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if "| ERROR" in line]

    @property
    def error(self) -> str:
        """The one ERROR line, failing the test if there is not exactly one."""
        assert len(self.errors) == 1, self.stderr[-3000:]
        return self.errors[0]

    def all_ids(self, stream: str) -> set[str]:
        return {str(row["_id"]) for row in self.records.get(stream, [])}


class Runner:
    """Writes the files a run reads and runs ``python -m tap_mixmax`` as a subprocess."""

    def __init__(self, tmp_path: Path, api_url: str) -> None:
        self.tmp_path = tmp_path
        self.api_url = api_url
        self.runs = 0

    def folder(self) -> Path:
        self.runs += 1
        path = self.tmp_path / f"run{self.runs}"
        path.mkdir()
        return path

    def config(self, **overrides: Any) -> dict[str, Any]:
        config: dict[str, Any] = {
            "api_token": DEMO_TOKEN,
            "api_url": self.api_url,
            "progress_interval_seconds": 3600,
        }
        config.update(overrides)
        return {key: value for key, value in config.items() if value is not None}

    def command(
        self,
        streams: list[str],
        *,
        config_text: str | None = None,
        catalog_text: str | None = None,
        state_text: str | None = None,
        **settings: Any,
    ) -> list[str]:
        folder = self.folder()
        config = folder / "config.json"
        config.write_text(
            config_text if config_text is not None else json.dumps(self.config(**settings))
        )
        catalog = folder / "catalog.json"
        catalog.write_text(
            catalog_text if catalog_text is not None else json.dumps(select(streams, {}))
        )
        state = None
        if state_text is not None:
            state = folder / "state.json"
            state.write_text(state_text)
        return tap_command(config, catalog, state)

    def run(self, streams: list[str], env: dict[str, str] | None = None, **kwargs: Any) -> Outcome:
        return self.run_command(self.command(streams, **kwargs), env)

    @staticmethod
    def run_command(command: list[str], env: dict[str, str] | None = None) -> Outcome:
        """Run ``command`` to its end, with the test's environment plus ``env``."""
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=300,
            env={**tap_env(), **(env or {})},
            check=False,
        )
        return outcome(done.returncode, done.stdout, done.stderr)

    def start(self, streams: list[str], launcher: tuple[str, ...] = (), **kwargs: Any) -> Started:
        """Start a run; ``launcher`` goes before the command (a shell that sets it up)."""
        command = [*launcher, *self.command(streams, **kwargs)]
        folder = self.tmp_path / f"run{self.runs}"
        # Files, not pipes: a pipe nobody reads would stall the tap before the test is done.
        with (folder / "stdout").open("w") as out, (folder / "stderr").open("w") as err:
            process = subprocess.Popen(command, stdout=out, stderr=err, env=tap_env())
        return Started(process, folder)


class InProcessRunner(Runner):
    """A :class:`Runner` whose runs go through the tap's command in this process.

    For what the tap decides in-process (settings, input files, messages); the wiring
    of a real process (exit status, stderr, signals) is tested with :class:`Runner`.
    """

    @staticmethod
    def run_command(command: list[str], env: dict[str, str] | None = None) -> Outcome:
        done = run_cli(command, env)
        return outcome(done.returncode, done.stdout, done.stderr)


@dataclass
class Started:
    """A tap process under way, writing to files in ``folder``."""

    process: subprocess.Popen[bytes]
    folder: Path

    def finish(self, bound: float) -> Outcome:
        """Wait for the run; one that outlives ``bound`` seconds is a hang: kill it, fail."""
        try:
            self.process.wait(timeout=bound)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        return outcome(
            self.process.returncode,
            (self.folder / "stdout").read_text(),
            (self.folder / "stderr").read_text(),
        )

    def stop(self, signum: int, bound: float) -> Outcome:
        """Signal the run, then wait for it as :meth:`finish` does."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        return self.finish(bound)


def outcome(returncode: int, stdout: str, stderr: str) -> Outcome:
    run = Outcome(returncode=returncode, stderr=stderr, stdout=stdout)
    parse_messages(stdout.splitlines(), run)
    return run


def assert_clean(run: Outcome, *secrets: str) -> None:
    """No traceback, and no secret, anywhere the tap wrote."""
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    for secret in (DEMO_TOKEN, *secrets):
        assert secret not in run.stderr
        assert secret not in run.stdout


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(seed=7, scale=0.3, rate_limit=RateLimit(100_000, 60.0)) as simulator:
        yield simulator


@pytest.fixture
def proxy(sim: Simulator) -> Iterator[HostileProxy]:
    with HostileProxy(sim) as hostile:
        yield hostile


@pytest.fixture
def tap(tmp_path: Path, proxy: HostileProxy) -> Runner:
    """Runs the tap against the hostile proxy."""
    return Runner(tmp_path, proxy.base_url)


@pytest.fixture
def cli(tmp_path: Path, proxy: HostileProxy) -> InProcessRunner:
    """Runs the tap's command in this process against the hostile proxy."""
    return InProcessRunner(tmp_path, proxy.base_url)
