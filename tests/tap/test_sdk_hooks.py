"""The private singer-sdk hooks the tap relies on are still called the way it expects.

singer-sdk 0.54 offers no public way to write one SCHEMA per stream, to send
ACTIVATE_VERSION after the last record, or to skip per-record work that does nothing
here, so the tap overrides these private methods. An SDK upgrade that renames or stops
calling one of them must fail here, not silently change what a run writes.
"""

from __future__ import annotations

import inspect

import pytest
from singer_sdk.streams.core import Stream

from tap_mixmax.client import MixmaxStream


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
