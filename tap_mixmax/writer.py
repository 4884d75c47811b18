"""Singer messages on stdout: msgspec-encoded, flushed at each STATE rather than each line.

The SDK's default writer encodes with simplejson (in pure Python for these records) and
flushes stdout after every message, a system call per record; together that was a sixth
of the tap's CPU. This writer hands each message to stdout's own buffer and flushes only
after a STATE, so a target receives every STATE together with all the records it covers
and never waits on records longer than one page. Messages are never held by the writer
itself: whatever stdout is (a pipe, a file, a test's capture), it has them in order, and
the interpreter's exit flushes the rest. With ``PYTHONUNBUFFERED`` set, stdout writes
each message at once, as that setting asks.
"""

from __future__ import annotations

import sys

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib.encoding.simple import Message, StateMessage


class StateFlushingWriter(MsgSpecWriter):
    """msgspec's encoding; stdout flushed after STATE messages only."""

    def write_message(self, message: Message) -> None:
        sys.stdout.buffer.write(self.format_message(message))
        if isinstance(message, StateMessage):
            sys.stdout.flush()
