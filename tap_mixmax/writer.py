"""Singer messages on stdout: msgspec-encoded, written in blocks that end at a STATE.

The SDK's default writer encodes with simplejson (in pure Python for these records) and
flushes stdout after every message, a system call per record. This writer collects
messages and writes them out when a STATE is written, when a block reaches
``BLOCK_BYTES``, when the run's syncing is over (``flush``, called by the streams), and
at exit. A target therefore receives every STATE together with all the records it
covers, never a STATE ahead of its records; a run killed mid-block loses only records
that no STATE has claimed, which the next run reads again.
"""

from __future__ import annotations

import atexit
import contextlib
import sys
from typing import TextIO

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib.encoding.simple import Message, StateMessage

from tap_mixmax.kept_stops import raise_kept_stop

BLOCK_BYTES = 64 * 1024


class StateFlushingWriter(MsgSpecWriter):
    """msgspec's encoding, written to stdout a block at a time."""

    def __init__(self) -> None:
        super().__init__()
        self._block = bytearray()
        self._target: TextIO | None = None
        atexit.register(self._flush_at_exit)

    def write_message(self, message: Message) -> None:
        raise_kept_stop()
        if sys.stdout is not self._target:
            # stdout was replaced (a caller redirecting it): what was collected goes
            # where it was written, the rest to the new stdout.
            self.flush()
            self._target = sys.stdout
        self._block += self.format_message(message)
        if isinstance(message, StateMessage) or len(self._block) >= BLOCK_BYTES:
            self.flush()

    def flush(self) -> None:
        """Write out every message collected so far."""
        target = self._target or sys.stdout
        if self._block:
            block, self._block = self._block, bytearray()
            target.buffer.write(block)
        target.flush()

    def _flush_at_exit(self) -> None:
        # A reader that has gone away (or a stdout closed from the start) was already
        # reported by the write that failed.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            self.flush()
