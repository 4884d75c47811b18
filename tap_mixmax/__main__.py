"""Run the tap (``python -m tap_mixmax``, and the ``tap-mixmax`` command).

Importing the tap takes a second or more; a signal in that time would otherwise end the
process with a ``KeyboardInterrupt`` traceback (SIGINT) or no word at all (SIGTERM,
SIGHUP). Until the command installs its own handlers, a signal ends it with one line and
the signal's exit code; nothing has been sent yet.
"""

from __future__ import annotations

import signal
import sys
import time
from types import FrameType

EARLY_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _stopped_while_starting(signum: int, _frame: FrameType | None) -> None:
    for number in EARLY_SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    name = signal.Signals(signum).name
    sys.stderr.write(
        f"{stamp} | ERROR    | tap-mixmax | stopped by {name} while starting, before "
        "sending anything; run again\n"
    )
    raise SystemExit(128 + signum)


def main() -> None:
    """Start the tap's command, every stop handled from the first moment."""
    for number in EARLY_SIGNALS:
        signal.signal(number, _stopped_while_starting)
    from tap_mixmax.tap import TapMixmax  # noqa: PLC0415 - after the handlers, on purpose

    TapMixmax.cli()


if __name__ == "__main__":
    main()
