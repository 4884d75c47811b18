"""The SDK features the tap advertises, run through the real tap CLI against the simulator.

Flattening and stream maps must produce records that validate against the SCHEMA the tap
announces for them; ``--test`` must check the connection and the token with one request
and exit 0 or 1 truthfully; ``--test=schema`` must write every stream's whole schema.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from tap_mixmax.simulator import Simulator
from tap_mixmax.simulator.seed import DEMO_TOKEN
from tap_mixmax.streams import STREAM_TYPES
from tap_mixmax.user_column import USER_COLUMN

from .conftest import TapRun, TapRunner, tap_env

# Properties declared with ``anyOf`` of object/array alternatives: the SDK's flattening
# sends them as JSON text, so the flattened schema must say string.
ANY_OF_NESTED = {"sequences": "stages", "snippet_tags": "shared"}
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def invalid_records(run: TapRun) -> list[str]:
    """Every record that fails its stream's announced schema (format checks included)."""
    problems = []
    for stream, records in run.records.items():
        validator = Draft202012Validator(run.schemas[stream], format_checker=FormatChecker())
        for record in records:
            problems.extend(
                f"{stream}.{'/'.join(map(str, error.absolute_path))}: {error.message[:120]}"
                for error in validator.iter_errors(record)
            )
    return problems


def test_flattened_records_match_the_flattened_schema(tap: TapRunner) -> None:
    run = tap.run(
        expand={"sequences": ["stages"]},
        flattening_enabled=True,
        flattening_max_depth=3,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    # Flattening really happened: nested objects became columns ...
    assert any(key.startswith("shared__") for key in run.schemas["sequences"]["properties"])
    # ... and the anyOf properties arrived, as JSON text, in the records.
    for stream, name in ANY_OF_NESTED.items():
        values = [r[name] for r in run.records[stream] if r.get(name) is not None]
        assert values, f"no {stream} record carries {name}: the test would prove nothing"
        assert all(isinstance(v, str) for v in values), (stream, name, values[:2])
        assert run.schemas[stream]["properties"][name] == {"type": ["string", "null"]}
    assert not invalid_records(run), "\n".join(invalid_records(run)[:10])


def test_flattening_at_depth_one_keeps_every_record_valid(tap: TapRunner) -> None:
    run = tap.run(flattening_enabled=True, flattening_max_depth=1)
    assert run.returncode == 0, run.stderr[-3000:]
    assert sum(len(r) for r in run.records.values()) > 500
    assert not invalid_records(run), "\n".join(invalid_records(run)[:10])


def test_stream_maps_alias_compute_and_drop(tap: TapRunner) -> None:
    run = tap.run(
        expand={"sequences": ["stages"]},
        stream_maps={
            "sequences": {
                "__alias__": "mixmax_sequences",
                "name_upper": "name.upper() if name else None",
                "has_stages": "bool(stages)",
                "shared": "__NULL__",
            },
            "events": "__NULL__",
            "snippet_tags": {"__filter__": "name is not None and name[0] < 'N'"},
        },
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "sequences" not in run.records
    assert "events" not in run.records
    assert "events" not in run.schemas
    sequences = run.records["mixmax_sequences"]
    assert len(sequences) == len(tap.sim.visible("sequences", DEMO_TOKEN))
    schema = run.schemas["mixmax_sequences"]["properties"]
    assert "shared" not in schema
    assert all("shared" not in r for r in sequences)
    assert schema["has_stages"]["type"] == ["boolean", "null"]
    for record in sequences:
        assert record["name_upper"] == (record["name"].upper() if record["name"] else None)
        assert record["has_stages"] is bool(record.get("stages"))
    tags = [t["name"] for t in tap.sim.visible("snippettags", DEMO_TOKEN)]
    kept = [t for t in tags if t is not None and t[0] < "N"]
    assert 0 < len(kept) < len(tags), "the filter should keep some tags and drop others"
    assert sorted(r["name"] for r in run.records["snippet_tags"]) == sorted(kept)
    assert not invalid_records(run), "\n".join(invalid_records(run)[:10])


def test_stream_maps_and_flattening_together(tap: TapRunner) -> None:
    run = tap.run(
        expand={"sequences": ["stages"]},
        stream_maps={"snippet_tags": {"__alias__": "tags", "label": "'tag ' + str(name)"}},
        flattening_enabled=True,
        flattening_max_depth=2,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.schemas["tags"]["properties"]["shared"] == {"type": ["string", "null"]}
    assert run.records["tags"]
    assert not invalid_records(run), "\n".join(invalid_records(run)[:10])


def cli(tmp_path: Path, config: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return subprocess.run(
        [sys.executable, "-m", "tap_mixmax", "--config", str(path), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=tap_env(),
        check=False,
    )


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "| ERROR" in line]


def test_connection_test_passes_with_one_request(tmp_path: Path, sim: Simulator) -> None:
    sim.clear_log()
    done = cli(tmp_path, {"api_token": DEMO_TOKEN, "api_url": sim.base_url}, "--test")
    assert done.returncode == 0, done.stderr[-3000:]
    assert [r.path for r in sim.requests] == ["/v1/users/me"]
    assert done.stdout == ""
    assert "connection test passed" in done.stderr
    assert not error_lines(done.stderr)
    assert "Traceback" not in done.stderr


def test_connection_test_fails_on_a_refused_token(tmp_path: Path, sim: Simulator) -> None:
    token = "not-a-token-0123456789"
    done = cli(tmp_path, {"api_token": token, "api_url": sim.base_url}, "--test")
    assert done.returncode == 1
    errors = error_lines(done.stderr)
    assert len(errors) == 1, done.stderr[-3000:]
    assert "connection test failed: Mixmax refused the API token" in errors[0]
    assert "Traceback" not in done.stderr
    assert token not in done.stderr + done.stdout
    assert done.stdout == ""


def test_connection_test_fails_when_nothing_listens(tmp_path: Path, sim: Simulator) -> None:
    url = sim.base_url
    sim.stop()  # the port is now closed
    done = cli(tmp_path, {"api_token": DEMO_TOKEN, "api_url": url, "max_retries": 0}, "--test")
    assert done.returncode == 1
    assert "connection test failed" in error_lines(done.stderr)[-1]
    assert "Traceback" not in done.stderr


def test_connection_test_fails_on_bad_settings(tmp_path: Path, sim: Simulator) -> None:
    done = cli(
        tmp_path, {"api_token": DEMO_TOKEN, "api_url": sim.base_url, "page_size": 1000}, "--test"
    )
    assert done.returncode == 2  # bad settings, as in a run
    errors = error_lines(done.stderr)
    assert len(errors) == 1, done.stderr[-3000:]
    assert "page_size must be 300 or less" in errors[0]
    assert not sim.requests


def test_schema_test_writes_every_whole_schema(tmp_path: Path, sim: Simulator) -> None:
    sim.clear_log()
    done = cli(tmp_path, {"api_token": DEMO_TOKEN, "api_url": sim.base_url}, "--test=schema")
    assert done.returncode == 0, done.stderr[-3000:]
    messages = [json.loads(line) for line in done.stdout.splitlines()]
    assert {m["type"] for m in messages} == {"SCHEMA"}
    schemas = {m["stream"]: m["schema"] for m in messages}
    assert set(schemas) == {s.name for s in STREAM_TYPES}
    inferred = {s.name for s in STREAM_TYPES if getattr(s, "field_source") == "inferred"}  # noqa: B009
    assert inferred == {"current_user", "meeting_summaries", "meeting_transcripts"}
    for name, schema in schemas.items():
        on_disk = json.loads((SCHEMAS / f"{name}.json").read_text())
        # Every stream also carries the tap's user column (tap_mixmax/user_column.py), and
        # the streams of inferred fields keep undeclared ones by default (_mixmax_extra).
        extra = {"_mixmax_extra"} if name in inferred else set()
        assert set(schema["properties"]) == {*on_disk["properties"], USER_COLUMN, *extra}, name
    assert not sim.requests


def test_a_stream_map_that_cannot_run_is_one_line(tmp_path: Path, sim: Simulator) -> None:
    config = {
        "api_token": DEMO_TOKEN,
        "api_url": sim.base_url,
        "stream_maps": {"sequences": {"n": "len(stages)"}},
    }
    done = cli(tmp_path, config)
    assert done.returncode == 1
    errors = error_lines(done.stderr)
    assert "len(stages)" in errors[-1], done.stderr[-3000:]
    assert "Traceback" not in done.stderr


def test_help_says_what_test_does() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tap_mixmax", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env=tap_env(),
        check=True,
    )
    assert "one request (/users/me)" in " ".join(done.stdout.split())
