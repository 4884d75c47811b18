"""The block writer hands over every message by the time a run's syncing is over."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from typing import Any

from singer_sdk.singerlib.encoding.simple import RecordMessage, StateMessage

from tap_mixmax.simulator import Simulator
from tap_mixmax.simulator.seed import DEMO_TOKEN
from tap_mixmax.writer import StateFlushingWriter
from tests.tap.conftest import run_in_process, select

STREAMS = ["current_user", "user_preferences", "appointment_links"]


def run_streams(sim: Simulator, state: dict[str, Any] | None) -> list[dict[str, Any]]:
    config = {"api_token": DEMO_TOKEN, "api_url": sim.base_url}
    return run_in_process(config, select(STREAMS, {}), state)


def test_an_in_process_run_hands_over_every_message_before_it_returns(sim: Simulator) -> None:
    first = run_streams(sim, None)
    state = [message["value"] for message in first if message["type"] == "STATE"][-1]
    second = run_streams(sim, state)

    for messages in (first, second):
        records = [message["stream"] for message in messages if message["type"] == "RECORD"]
        assert sorted(records) == sorted(STREAMS)
        assert messages[-1]["type"] == "STATE"


def test_records_wait_for_their_state_or_a_flush() -> None:
    writer = StateFlushingWriter()
    captured = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with redirect_stdout(captured):
        writer.write_message(RecordMessage(stream="s", record={"_id": "a"}))
        assert captured.buffer.getvalue() == b""  # type: ignore[attr-defined]
        writer.write_message(StateMessage(value={"bookmarks": {"s": {"n": 1}}}))
        after_state = captured.buffer.getvalue()  # type: ignore[attr-defined]
        writer.write_message(RecordMessage(stream="s", record={"_id": "b"}))
        writer.flush()
        after_flush = captured.buffer.getvalue()  # type: ignore[attr-defined]

    kinds = [json.loads(line)["type"] for line in after_state.splitlines()]
    assert kinds == ["RECORD", "STATE"]
    assert after_flush.splitlines()[-1].startswith(b'{"type":"RECORD"')
