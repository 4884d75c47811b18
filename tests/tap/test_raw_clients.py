"""The benchmark's raw clients do the same work whichever JSON library parses the pages."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
from pathlib import Path
from types import ModuleType

import orjson

from tap_mixmax.simulator import Simulator
from tap_mixmax.simulator.seed import DEMO_TOKEN
from tests.tap.test_raw_parity import load_benchmark

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def load_raw_client() -> ModuleType:
    spec = importlib.util.spec_from_file_location("raw_client", BENCHMARKS / "raw_client.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def raw_lines(sim: Simulator, library: str) -> tuple[list[bytes], int]:
    raw_client = load_raw_client()
    plan = load_benchmark().endpoint_plan()
    out = io.BytesIO()
    client = raw_client.RawClient(sim.base_url, DEMO_TOKEN, plan["page_size"], out, library)
    client.started = "2024-03-01T12:00:00.000+00:00"  # live_feed_stats' capturedAt
    for spec in plan["streams"]:
        client.sync(spec, {})
    return out.getvalue().splitlines(), client.requests


def test_the_orjson_client_writes_what_the_json_client_writes(sim: Simulator):
    json_lines, json_requests = raw_lines(sim, "json")
    orjson_lines, orjson_requests = raw_lines(sim, "orjson")
    assert orjson_requests == json_requests
    assert len(orjson_lines) == len(json_lines)
    assert [json.loads(line) for line in orjson_lines] == [json.loads(line) for line in json_lines]
    streams = {json.loads(line)["stream"] for line in json_lines}
    assert {"sequences", "polls"} <= streams
    # Each line is one compact RECORD message, whichever library wrote it.
    assert all(line.startswith(b'{"type":"RECORD","stream":') for line in orjson_lines)


def test_the_benchmark_compares_the_tap_with_both_raw_clients():
    assert load_benchmark().RAW_LIBRARIES == ("json", "orjson")
    codec = load_raw_client().codec
    assert codec("orjson") == (orjson.loads, orjson.dumps)
    assert codec("json")[0] is json.loads
