"""Run the tap in this process against a simulator, capturing its messages and log lines."""

from __future__ import annotations

import io
import json
import logging
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from typing import Any

from tap_mixmax.simulator import Simulator
from tap_mixmax.simulator.seed import DEMO_TOKEN
from tap_mixmax.tap import TapMixmax
from tests.tap.conftest import select


@dataclass
class InProcessRun:
    """What one in-process sync wrote: Singer messages and log records."""

    messages: list[dict[str, Any]]
    logs: list[logging.LogRecord] = field(default_factory=list)
    # What ended a run started with ``fails=True``.
    error: Exception | None = None
    # The tap's state when the run ended, written in a STATE message or not: what any
    # later STATE message (a team run's merged one, say) would carry.
    held_state: dict[str, Any] = field(default_factory=dict)
    # The tap that ran, for tests of what it holds once the run is over.
    tap: TapMixmax | None = None

    def records(self, stream: str) -> list[dict[str, Any]]:
        return [
            m["record"] for m in self.messages if m["type"] == "RECORD" and m["stream"] == stream
        ]

    def schema(self, stream: str) -> dict[str, Any]:
        found = [m for m in self.messages if m["type"] == "SCHEMA" and m["stream"] == stream]
        return dict(found[-1]["schema"])

    def lines(self, level: int | None = None) -> list[str]:
        return [r.getMessage() for r in self.logs if level is None or r.levelno == level]

    @property
    def state(self) -> dict[str, Any]:
        states = [m["value"] for m in self.messages if m["type"] == "STATE"]
        return dict(states[-1]) if states else {}


class Collect(logging.Handler):
    """Every log record it is handed, kept."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def sync(
    sim: Simulator,
    streams: list[str],
    state: dict[str, Any] | None = None,
    *,
    fails: bool = False,
    **config: Any,
) -> InProcessRun:
    """One run of the tap with ``streams`` selected and ``config`` on top of the basics.

    With ``fails`` the run must raise: its error is kept and the messages written before
    it are returned, so a test can read the state a failed run left behind."""
    tap = TapMixmax(
        config={"api_token": DEMO_TOKEN, "api_url": sim.base_url, **config},
        catalog=select(streams, {}),
        state=state,
        parse_env_config=False,
    )
    handler = Collect()
    logger = logging.getLogger(tap.name)
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    captured = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    error: Exception | None = None
    try:
        with redirect_stdout(captured):
            try:
                tap.sync_all()
            except Exception as exc:
                if not fails:
                    raise
                error = exc
                # What a real process's exit writes out: records no STATE claimed yet.
                tap.message_writer.flush()
            captured.flush()
            captured.seek(0)
            lines = captured.read().splitlines()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    if fails and error is None:
        raise AssertionError("the run was expected to fail but succeeded")
    held = json.loads(json.dumps(tap.state))
    return InProcessRun([json.loads(line) for line in lines], handler.records, error, held, tap)
