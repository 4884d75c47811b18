"""A run logs the tap's own progress and summaries; the SDK's chatter waits for DEBUG.

The runs are in-process against the simulator, with pytest capturing every log record.
"""

from __future__ import annotations

import io
import logging
from contextlib import redirect_stdout
from typing import Any

import pytest

from tap_mixmax.sdk_logs import SDK_CHATTER
from tap_mixmax.simulator import Simulator
from tap_mixmax.simulator.seed import DEMO_TOKEN
from tap_mixmax.tap import TapMixmax
from tests.tap.conftest import select

# A child stream read per parent, and a cursor collection read incrementally.
STREAMS = ["sequences", "sequence_recipients", "polls"]


def logged_run(
    sim: Simulator,
    caplog: pytest.LogCaptureFixture,
    level: int,
    *,
    parse_env: bool = False,
    **config: Any,
) -> list[logging.LogRecord]:
    """Every record a run logs with the root logger at ``level``."""
    caplog.set_level(level)
    tap = TapMixmax(
        config={"api_token": DEMO_TOKEN, "api_url": sim.base_url, **config},
        catalog=select(STREAMS, {}),
        parse_env_config=parse_env,
    )
    with redirect_stdout(io.TextIOWrapper(io.BytesIO(), encoding="utf-8")):
        tap.sync_all()
    return list(caplog.records)


def test_a_default_run_logs_summaries_without_metrics_or_sdk_chatter(sim, caplog):
    records = logged_run(sim, caplog, logging.INFO)
    messages = [record.getMessage() for record in records]
    summaries = [m for m in messages if m.startswith("summary: ")]
    assert [s.split()[1].rstrip(":") for s in summaries] == [
        "polls",
        "sequences",
        "sequence_recipients",
    ]
    assert not [m for m in messages if m.startswith("METRIC")]
    assert not [r.getMessage() for r in records if r.msg in SDK_CHATTER]
    assert all(record.levelno >= logging.INFO for record in records)


def test_log_sdk_metrics_brings_the_sdks_metric_lines_back(sim, caplog):
    records = logged_run(sim, caplog, logging.INFO, log_sdk_metrics=True)
    metrics = {str(r.args[0].metric.value) for r in records if r.msg == "METRIC: %s"}  # type: ignore[index,union-attr]
    assert metrics == {"http_request_count", "record_count", "sync_duration"}


def test_at_debug_the_sdks_chatter_is_there_as_debug_lines(sim, caplog):
    records = logged_run(sim, caplog, logging.DEBUG)
    chatter = [record for record in records if record.msg in SDK_CHATTER]
    assert chatter
    assert {record.levelname for record in chatter} == {"DEBUG"}
