"""tap-mixmax: a Singer tap for the Mixmax REST API, with a bundled API simulator.

When this package is imported because the tap is starting (``tap-mixmax``, or
``python -m tap_mixmax``), it is the first of the tap's code to run, and the first thing
it does is install a handler for SIGINT, SIGTERM and SIGHUP: importing the rest of the
tap takes a second or more, and a signal in that time would otherwise end the process
with a ``KeyboardInterrupt`` traceback (SIGINT) or no word at all (SIGTERM, SIGHUP). The
handler ends the run with one line and the signal's exit code; nothing has been sent
yet. The command installs its own handlers once it runs (``exits.GuardedCommand``).
Nothing here imports a module that runs Python code (``_signal`` is the interpreter's
built-in half of ``signal``, which would import ``enum`` first).

What runs before this package is the interpreter's own start-up (``site``; ``runpy``
for ``python -m``; ``import re`` in the script pip writes for ``tap-mixmax``): a SIGINT
in those few milliseconds is still Python's to report.

``__version__`` is looked up when first asked for, for the same reason.
"""

# No `from __future__ import annotations`: that statement imports the `__future__` module.
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import signal as _signal
    from types import FrameType
else:
    import _signal

EARLY_SIGNALS: dict[int, str] = {
    _signal.SIGINT: "SIGINT",
    _signal.SIGTERM: "SIGTERM",
    _signal.SIGHUP: "SIGHUP",
}

# Signals the process was started ignoring (`nohup` ignores SIGHUP; a shell's background
# job, SIGINT): they stay ignored, as every program is expected to keep them.
IGNORED_ON_ENTRY = frozenset(
    number for number in EARLY_SIGNALS if _signal.getsignal(number) == _signal.SIG_IGN
)


def _stopped_while_starting(signum: int, _frame: "FrameType | None") -> None:
    for number in EARLY_SIGNALS:
        _signal.signal(number, _signal.SIG_IGN)
    import time  # noqa: PLC0415 - built in, and needed only now

    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    sys.stderr.write(
        f"{stamp} | ERROR    | tap-mixmax | stopped by {EARLY_SIGNALS[signum]} while "
        "starting, before sending anything; run again\n"
    )
    raise SystemExit(128 + signum)


def install_early_handlers() -> None:
    """End the process cleanly on a signal until the command installs its handlers."""
    for number in EARLY_SIGNALS.keys() - IGNORED_ON_ENTRY:
        _signal.signal(number, _stopped_while_starting)


def _starting_the_tap() -> bool:
    """Whether this process is the tap starting, rather than a program importing it."""
    if sys.argv[:1] == ["-m"]:  # `python -m …`: runpy is still looking for the module
        args = sys.orig_argv
        return any(
            arg == "-mtap_mixmax" or (arg == "-m" and after == "tap_mixmax")
            for arg, after in zip(args, [*args[1:], ""], strict=True)
        )
    return sys.argv[0].rsplit("/", 1)[-1] == "tap-mixmax"


if _starting_the_tap():
    install_early_handlers()


def __getattr__(name: str) -> str:
    if name != "__version__":
        msg = f"module 'tap_mixmax' has no attribute {name!r}"
        raise AttributeError(msg)
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    try:
        return version("tap-mixmax")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"
