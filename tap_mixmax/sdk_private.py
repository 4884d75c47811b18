"""Every private singer-sdk name the tap touches, each where singer-sdk 0.54 has no public way.

The rest of the package uses the SDK's public API only; a private name belongs here, with
the reason it is needed, and tests/tap/test_sdk_hooks.py fails when the SDK renames one,
changes its signature or stops calling it. docs/sdk-seam.md lists them.

Each override hands over to a public method of the tap's own, so the tap's logic stays in
client.py and tap.py.
"""

from __future__ import annotations

from collections.abc import Generator
from types import FrameType
from typing import Any

from singer_sdk import RESTStream, Tap
from singer_sdk import singerlib as singer
from singer_sdk.helpers.types import Context


class StreamHooks(RESTStream[Any]):
    """The three per-stream steps of the SDK's final ``Stream.sync`` that the tap changes."""

    # Whether this run has written the stream's SCHEMA message.
    schema_sent = False

    # `sync` writes a SCHEMA on every call, and a child stream is synced once per parent.
    def _write_schema_message(self) -> None:
        if not self.schema_sent:
            self.schema_sent = True
            super()._write_schema_message()

    def write_schema_once(self) -> None:
        """Write the stream's SCHEMA message(s) unless this run already has."""
        self._write_schema_message()

    # The SDK's body conforms and walks every record again; `record_messages` needs neither.
    def _generate_record_messages(
        self, record: dict[str, Any]
    ) -> Generator[singer.RecordMessage, None, None]:
        return self.record_messages(record)

    def record_messages(
        self, record: dict[str, Any]
    ) -> Generator[singer.RecordMessage, None, None]:
        """The RECORD messages of one record, one per stream map (the tap's streams say)."""
        raise NotImplementedError

    # The SDK's per-record bookmark would call a newest-first stream unsorted; walks save theirs.
    def _increment_stream_state(
        self, latest_record: dict[str, Any], *, context: Context | None = None
    ) -> None:
        return


class TapHooks(Tap):
    """The signal handler the SDK's ``Tap.__init__`` installs."""

    # `PluginBase.__init__` installs this for SIGINT and SIGTERM; the SDK's exits 0.
    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        self.terminate(signum, frame)

    def terminate(self, signum: int, frame: FrameType | None) -> None:
        """End the run on SIGINT or SIGTERM (the SDK's handler unless overridden)."""
        super()._handle_termination(signum, frame)


def environment_settings(tap_class: type[Tap]) -> dict[str, Any]:
    """The settings the SDK reads from ``TAP_MIXMAX_*`` variables, parsed as the SDK does.

    A team run needs them before any tap exists; the SDK's parser is private.
    """
    return dict(tap_class._env_var_config)
