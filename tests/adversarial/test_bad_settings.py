"""Settings that cannot work are refused in one line before any request; typos are named.

The checks run through the tap's command in this process (``cli``); two runs of a real
process check the wiring: exit status 2, one ERROR line on stderr, no traceback, no token.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tap_mixmax.simulator.seed import DEMO_TOKEN
from tests.adversarial.conftest import (
    HostileProxy,
    InProcessRunner,
    Outcome,
    Runner,
    assert_clean,
)

STREAMS = ["polls"]


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"skew_lookback_seconds": -3}, "skew_lookback_seconds must be 0 or more"),
        ({"full_refresh_interval_hours": -5}, "full_refresh_interval_hours must be 0 or more"),
        ({"max_retries": -1}, "max_retries must be 0 or more"),
        ({"request_timeout": 0}, "request_timeout must be 1 or more"),
        ({"request_timeout": -1}, "request_timeout must be 1 or more"),
        ({"max_rate_limit_wait_seconds": 5}, "max_rate_limit_wait_seconds must be 60 or more"),
        ({"page_size": 1000}, "page_size must be 300 or less"),
        ({"start_date": "yesterday"}, "start_date must be an RFC 3339 date-time"),
        (
            {"full_refresh_interval_hours_by_stream": {"sequence_recipients": 1}},
            "accepts only top-level collections, not 'sequence_recipients'",
        ),
        (
            {"full_refresh_interval_hours_by_stream": {"sequencs": 1}},
            "names 'sequencs', which is not a stream; did you mean 'sequences'?",
        ),
        ({"expand": {"sequences": ["stage"]}}, "expand.sequences.0 must be one of"),
        ({"batch_config": {"encoding": {"format": "jsonl"}}}, "does not support BATCH"),
        ({"api_url": "http://example.com/v1"}, "plain http only for loopback"),
        ({"api_token": ""}, "api_token is empty"),
        ({"api_token": "  "}, "api_token is empty"),
        ({"api_token": f"{DEMO_TOKEN[:4]}\n{DEMO_TOKEN[4:]}"}, "api_token contains a line break"),
        ({"api_token": f"{DEMO_TOKEN}\u2028x"}, "non-latin-1 character"),
        ({"api_token": "two words"}, "api_token contains a space"),
        ({"api_token": [DEMO_TOKEN]}, "api_token must be a string"),
        ({"api_token": {"value": DEMO_TOKEN}}, "api_token must be a string"),
        ({"api_token": None}, "api_token is required"),
        ({"api_url": "ftp://example.com/v1"}, "api_url must be an https URL"),
        ({"user_agent": "etl\nX-Evil: 1"}, "user_agent must be printable latin-1 text"),
        ({"page_size": "300"}, "page_size must be a integer or null, not '300'"),
        ({"expand": {"nope": ["x"]}}, "expand has unknown keys ['nope']"),
        ({"api_tokens": []}, "api_tokens must be a non-empty list"),
        ({"api_tokens": ["two words"]}, "token 1 of api_tokens contains a space"),
        ({"api_tokens": [DEMO_TOKEN, DEMO_TOKEN]}, "lists the same token twice"),
        (
            {"api_tokens": [DEMO_TOKEN], "emit_activate_version_messages": True},
            "emit_activate_version_messages cannot be used with api_tokens",
        ),
    ],
)
def test_bad_settings_are_refused_in_one_line_before_any_request(
    cli: InProcessRunner, proxy: HostileProxy, settings: dict[str, Any], problem: str
):
    run = cli.run(STREAMS, **settings)
    assert_refused_before_any_request(run, problem, proxy)
    assert run.records == {}
    assert_clean(run, "two words", "\u2028")


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"skew_lookback_seconds": -3}, "skew_lookback_seconds must be 0 or more"),
        ({"api_tokens": [DEMO_TOKEN, DEMO_TOKEN]}, "lists the same token twice"),
    ],
)
def test_a_process_given_bad_settings_exits_2_with_one_line(
    tap: Runner, proxy: HostileProxy, settings: dict[str, Any], problem: str
):
    run = tap.run(STREAMS, **settings)
    assert_refused_before_any_request(run, problem, proxy)
    assert run.stdout == ""
    assert_clean(run)


def assert_refused_before_any_request(run: Outcome, problem: str, proxy: HostileProxy) -> None:
    """Exit 2, the problem in the one ERROR line, and no request reached the server."""
    assert run.returncode == 2, run.stderr[-2000:]
    assert problem in run.error
    assert proxy.hits == []


def test_every_problem_is_named_in_the_one_line(cli: InProcessRunner, proxy: HostileProxy):
    run = cli.run(STREAMS, skew_lookback_seconds=-3, start_date="yesterday", max_retries=-1)
    assert run.returncode == 2
    for setting in ("skew_lookback_seconds", "start_date", "max_retries"):
        assert setting in run.error
    assert proxy.hits == []


@pytest.mark.parametrize("padding", ["\n", "\r\n", " ", "\t"])
def test_whitespace_around_the_token_is_ignored(cli: InProcessRunner, sim, padding: str):
    run = cli.run(STREAMS, api_token=f"{padding}{DEMO_TOKEN}{padding}")
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(run.ids("polls")) == len(sim.visible("polls", sim.tokens["ada"]))
    assert_clean(run)


def test_a_misspelt_setting_is_named_with_the_closest_real_one(cli: InProcessRunner, sim):
    run = cli.run(STREAMS, page_sise=5, flattening_enabled=False, stream_maps={})
    assert run.returncode == 0, run.stderr[-2000:]
    warnings = [line for line in run.stderr.splitlines() if "unknown setting" in line]
    assert len(warnings) == 1
    assert "'page_sise'; did you mean 'page_size'?" in warnings[0]
    assert len(run.ids("polls")) == len(sim.visible("polls", sim.tokens["ada"]))


def test_a_null_setting_means_its_default(cli: InProcessRunner, sim):
    config = cli.config(max_retries=None, request_timeout=None, page_size=None)
    config.update(max_retries=None, request_timeout=None, page_size=None)
    run = cli.run(STREAMS, config_text=json.dumps(config))
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(run.ids("polls")) == len(sim.visible("polls", sim.tokens["ada"]))
    assert run.errors == []
