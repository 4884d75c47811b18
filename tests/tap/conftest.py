"""Run the real tap CLI against the bundled simulator over loopback HTTP."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tap_mixmax.simulator import RateLimit, Simulator
from tap_mixmax.simulator.seed import DEMO_TOKEN
from tests.stream_collections import CURSOR_COLLECTIONS

COLLECTIONS = CURSOR_COLLECTIONS


@dataclass
class TapRun:
    """What one tap process wrote."""

    returncode: int
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    states: list[dict[str, Any]] = field(default_factory=list)
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, list[str]] = field(default_factory=dict)
    # Every message, in the order written: where ACTIVATE_VERSION falls matters.
    messages: list[dict[str, Any]] = field(default_factory=list)
    stderr: str = ""
    stdout: str = ""

    @property
    def state(self) -> dict[str, Any]:
        """The last STATE the tap emitted."""
        return self.states[-1] if self.states else {}

    def ids(self, stream: str, key: str = "_id") -> list[str]:
        return [row[key] for row in self.records.get(stream, [])]

    def bookmark(self, stream: str) -> dict[str, Any]:
        return dict(self.state.get("bookmarks", {}).get(stream, {}))


def parse_messages(lines: list[str], run: TapRun) -> None:
    for line in lines:
        if not line.strip():
            continue
        message = json.loads(line)
        run.messages.append(message)
        kind = message.get("type")
        if kind == "RECORD":
            run.records.setdefault(message["stream"], []).append(message["record"])
        elif kind == "STATE":
            run.states.append(message["value"])
        elif kind == "SCHEMA":
            run.schemas[message["stream"]] = message["schema"]
            run.keys[message["stream"]] = message.get("key_properties") or []


def tap_command(config_path: Path, catalog_path: Path | None, state_path: Path | None) -> list[str]:
    command = [sys.executable, "-m", "tap_mixmax", "--config", str(config_path)]
    if catalog_path is not None:
        command += ["--catalog", str(catalog_path)]
    if state_path is not None:
        command += ["--state", str(state_path)]
    return command


def tap_env() -> dict[str, str]:
    # Settings must come from the test's config alone, never from a developer's shell.
    return {k: v for k, v in os.environ.items() if not k.startswith("TAP_MIXMAX_")}


class TapRunner:
    """Writes config, catalog and state files and runs ``python -m tap_mixmax``."""

    def __init__(self, tmp_path: Path, sim: Simulator) -> None:
        self.tmp_path = tmp_path
        self.sim = sim
        self.runs = 0

    def config(self, **overrides: Any) -> dict[str, Any]:
        config: dict[str, Any] = {
            "api_token": DEMO_TOKEN,
            "api_url": self.sim.base_url,
            "progress_interval_seconds": 3600,
        }
        config.update(overrides)
        return config

    def files(
        self,
        config: dict[str, Any],
        streams: list[str] | None,
        state: dict[str, Any] | None,
        deselect: dict[str, list[str]] | None = None,
        catalog: dict[str, Any] | None = None,
    ) -> tuple[Path, Path | None, Path | None]:
        self.runs += 1
        folder = self.tmp_path / f"run{self.runs}"
        folder.mkdir()
        config_path = folder / "config.json"
        config_path.write_text(json.dumps(config))
        catalog_path = None
        if streams is not None:
            catalog = select(streams, deselect or {})
        if catalog is not None:
            catalog_path = folder / "catalog.json"
            catalog_path.write_text(json.dumps(catalog))
        state_path = None
        if state is not None:
            state_path = folder / "state.json"
            state_path.write_text(json.dumps(state))
        return config_path, catalog_path, state_path

    def run(
        self,
        streams: list[str] | None = None,
        state: dict[str, Any] | None = None,
        deselect: dict[str, list[str]] | None = None,
        catalog: dict[str, Any] | None = None,
        timeout: float = 300,
        *,
        log_level: str | None = None,
        **config: Any,
    ) -> TapRun:
        paths = self.files(self.config(**config), streams, state, deselect, catalog)
        extra = {} if log_level is None else {"LOGLEVEL": log_level}
        returncode, stdout, stderr = self.execute(tap_command(*paths), extra, timeout)
        run = TapRun(returncode=returncode, stderr=stderr, stdout=stdout)
        parse_messages(stdout.splitlines(), run)
        return run

    def execute(
        self, command: list[str], extra_env: dict[str, str], timeout: float
    ) -> tuple[int, str, str]:
        """Run ``command`` as a process: its exit code, stdout and stderr."""
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**tap_env(), **extra_env},
            check=False,
        )
        return done.returncode, done.stdout, done.stderr


class InProcessTapRunner(TapRunner):
    """A :class:`TapRunner` whose runs go through the tap's command in this process
    (``tests/tap/cli_inprocess.py``): for what the tap decides and says, not for the
    wiring of a real process (exit status, stderr, signals)."""

    def execute(
        self, command: list[str], extra_env: dict[str, str], timeout: float
    ) -> tuple[int, str, str]:
        from tests.tap.cli_inprocess import run_cli  # noqa: PLC0415 - imports the tap

        done = run_cli(command, extra_env)
        return done.returncode, done.stdout, done.stderr


@cache
def discovered_catalog() -> str:
    config = {"api_token": "discovery-only", "api_url": "http://127.0.0.1:9/v1"}
    done = subprocess.run(
        [sys.executable, "-m", "tap_mixmax", "--discover", "--config", "ENV"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**tap_env(), **{f"TAP_MIXMAX_{k.upper()}": v for k, v in config.items()}},
        check=True,
    )
    return done.stdout


def select(streams: list[str], deselect: dict[str, list[str]]) -> dict[str, Any]:
    """The discovered catalog with exactly ``streams`` selected."""
    catalog: dict[str, Any] = json.loads(discovered_catalog())
    for entry in catalog["streams"]:
        chosen = entry["tap_stream_id"] in streams
        dropped = set(deselect.get(entry["tap_stream_id"], []))
        for item in entry["metadata"]:
            breadcrumb = item["breadcrumb"]
            if not breadcrumb:
                item["metadata"]["selected"] = chosen
            elif len(breadcrumb) == 2 and breadcrumb[1] in dropped:
                item["metadata"]["selected"] = False
            elif chosen:
                item["metadata"]["selected"] = True
    return catalog


def run_in_process(
    config: dict[str, Any], catalog: dict[str, Any], state: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """The messages of one run of the tap in this process (no subprocess: fast)."""
    from tap_mixmax.tap import TapMixmax  # noqa: PLC0415 - the tests of the CLI need not load it

    tap = TapMixmax(config=config, catalog=catalog, state=state, parse_env_config=False)
    captured = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with redirect_stdout(captured):
        tap.sync_all()
        captured.flush()
        captured.seek(0)
        return [json.loads(line) for line in captured.read().splitlines()]


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A small simulator, fresh for each test, whose rate limit no test run reaches."""
    with Simulator(seed=7, scale=0.3, rate_limit=RateLimit(100_000, 60.0)) as simulator:
        yield simulator


@pytest.fixture
def tap(tmp_path: Path, sim: Simulator) -> TapRunner:
    return TapRunner(tmp_path, sim)


@pytest.fixture
def cli(tmp_path: Path, sim: Simulator) -> InProcessTapRunner:
    """Runs the tap's command in this process against the simulator."""
    return InProcessTapRunner(tmp_path, sim)
