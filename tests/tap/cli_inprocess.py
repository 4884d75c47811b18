"""Run the tap's command line in this process: the same click command, file checks,
settings checks and exit-code mapping as ``python -m tap_mixmax``, without paying for a
new interpreter and the tap's import on every test.

What a process would write to stdout is captured as text; what it would write to stderr
is the log lines, formatted by the SDK's console formatter at the level a process logs
at. The exit code is the one ``GuardedCommand`` passes to ``sys.exit``. Signal handlers
and ``TAP_MIXMAX_*`` variables are put back as they were after each run, so one run
leaves nothing behind for the next test.

Tests of the wiring itself (a real exit status, a real stderr, signals, pipes) keep
starting a subprocess; see ``tests/adversarial/conftest.py``'s ``Runner``.
"""

from __future__ import annotations

import io
import logging
import os
import signal
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass

from singer_sdk.logging import ConsoleFormatter

from tap_mixmax.tap import TapMixmax

HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# The argv prefix of a tap subprocess; an in-process run takes the arguments after it.
PROCESS_PREFIX = (sys.executable, "-m", "tap_mixmax")


@dataclass
class CliResult:
    """How an in-process run of the command ended, and what it wrote."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(command: list[str], env: Mapping[str, str] | None = None) -> CliResult:
    """Run ``command`` (a tap subprocess's argv, or just its arguments) in this process."""
    args = list(command)
    if tuple(args[: len(PROCESS_PREFIX)]) == PROCESS_PREFIX:
        args = args[len(PROCESS_PREFIX) :]
    stderr = io.StringIO()
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with _environment(env or {}), _signal_handlers_kept(), _logged_to(stderr):
        code = _exit_code(args, stdout)
    stdout.flush()
    stdout.seek(0)
    return CliResult(code, stdout.read(), stderr.getvalue())


def _exit_code(args: list[str], stdout: io.TextIOWrapper) -> int:
    command = TapMixmax.get_singer_command()
    with redirect_stdout(stdout):
        try:
            command.main(args=args, prog_name="tap-mixmax")
        except SystemExit as done:
            code = done.code
            return code if isinstance(code, int) else (0 if code is None else 1)
    msg = "the tap's command returned instead of exiting with a code"
    raise AssertionError(msg)


@contextmanager
def _environment(extra: Mapping[str, str]) -> Iterator[None]:
    """The test's environment without ``TAP_MIXMAX_*`` (as ``tap_env``), plus ``extra``."""
    saved = dict(os.environ)
    try:
        for name in [name for name in os.environ if name.startswith("TAP_MIXMAX_")]:
            del os.environ[name]
        os.environ.update(extra)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def _signal_handlers_kept() -> Iterator[None]:
    saved = {number: signal.getsignal(number) for number in HANDLED_SIGNALS}
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


@contextmanager
def _logged_to(stream: io.StringIO) -> Iterator[None]:
    """Log lines into ``stream`` at the level a process logs at (``LOGLEVEL``, else INFO),
    formatted as the process formats them."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(ConsoleFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(os.environ.get("LOGLEVEL") or logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
