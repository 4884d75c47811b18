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


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def sync(
    sim: Simulator,
    streams: list[str],
    state: dict[str, Any] | None = None,
    **config: Any,
) -> InProcessRun:
    """One run of the tap with ``streams`` selected and ``config`` on top of the basics."""
    tap = TapMixmax(
        config={"api_token": DEMO_TOKEN, "api_url": sim.base_url, **config},
        catalog=select(streams, {}),
        state=state,
        parse_env_config=False,
    )
    handler = _Collect()
    logger = logging.getLogger(tap.name)
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    captured = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    try:
        with redirect_stdout(captured):
            tap.sync_all()
            captured.flush()
            captured.seek(0)
            lines = captured.read().splitlines()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return InProcessRun([json.loads(line) for line in lines], handler.records)
