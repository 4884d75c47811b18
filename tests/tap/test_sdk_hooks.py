"""The private singer-sdk hooks the tap relies on are still called the way it expects.

singer-sdk 0.54 offers no public way to write one SCHEMA per stream, to send
ACTIVATE_VERSION after the last record, or to skip per-record work that does nothing
here, so the tap overrides these private methods. An SDK upgrade that renames or stops
calling one of them must fail here, not silently change what a run writes.

Nor does it offer a way to quiet its routine INFO lines: tap_mixmax/sdk_logs.py matches
their text, so an SDK upgrade that rewords one must fail here, not make runs noisy again.
"""

from __future__ import annotations

import inspect
import logging
import re
from pathlib import Path

import pytest
import singer_sdk
from singer_sdk.streams.core import Stream

from tap_mixmax.client import MixmaxStream
from tap_mixmax.sdk_logs import SDK_CHATTER
from tests.tap.test_quiet_logs import logged_run


@pytest.mark.parametrize(
    ("caller", "call"),
    [
        (Stream.sync, "self._write_schema_message()"),
        (Stream._write_record_message, "self._generate_record_messages(record)"),
        (Stream._sync_records, "self._increment_stream_state("),
        (Stream._generate_record_messages, "version=self._stream_version"),
    ],
)
def test_the_sdk_still_calls_the_hook(caller, call):
    assert call in inspect.getsource(caller)


@pytest.mark.parametrize(
    "name",
    [
        "_write_schema_message",
        "_generate_record_messages",
        "_increment_stream_state",
        "_write_activate_version_message",
    ],
)
def test_every_overridden_or_called_hook_exists_in_the_sdk(name):
    assert callable(getattr(Stream, name, None)), name


def test_the_overrides_keep_the_sdk_signatures():
    for name in ("_generate_record_messages", "_increment_stream_state", "_write_schema_message"):
        ours = inspect.signature(getattr(MixmaxStream, name))
        theirs = inspect.signature(getattr(Stream, name))
        assert list(ours.parameters) == list(theirs.parameters), name
    activate = inspect.signature(Stream._write_activate_version_message)
    assert list(activate.parameters) == ["self", "full_table_version"]


def test_the_sdk_still_logs_every_line_the_tap_quiets(sim, caplog):
    logged = {
        record.msg
        for parse_env in (False, True)
        for record in logged_run(sim, caplog, logging.DEBUG, parse_env=parse_env)
    }
    # A line that this run's data does not provoke (an empty page ending the pagination)
    # must at least still stand, word for word, in the SDK's code.
    source = "".join(
        path.read_text(encoding="utf-8") for path in Path(singer_sdk.__file__).parent.rglob("*.py")
    )
    source = re.sub(r'"\s*\n\s*"', "", source)  # implicitly joined string literals
    missing = sorted(line for line in SDK_CHATTER - logged if line not in source)
    assert not missing, f"reworded by the SDK, update sdk_logs.SDK_CHATTER: {missing}"
