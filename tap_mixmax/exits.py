"""How a run ends: one ERROR line of the tap's own and an exit code that tells the truth.

======  ===========================================================================
code    meaning
======  ===========================================================================
0       success, including streams skipped with a warning
1       a failed run (Mixmax refused, the network failed, the API broke its rules)
2       bad settings or a bad config, catalog or state file, before any request but
        ``/users/me`` (a state written for another user: ``state_owner``)
129     hung up (SIGHUP), after writing the state of what was sent
130     interrupted by SIGINT (Ctrl-C), after writing the state of what was sent
141     the target stopped reading (stdout closed), as a shell reports SIGPIPE
143     terminated by SIGTERM, after writing the state of what was sent
======  ===========================================================================
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any, NoReturn
from urllib.parse import urlparse

import click
import requests
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.plugin_base import SingerCommand

from tap_mixmax import IGNORED_ON_ENTRY
from tap_mixmax.bookmarks import BookmarkError
from tap_mixmax.errors import SettingsError, network_problem
from tap_mixmax.inputs import InputError
from tap_mixmax.kept_stops import keep

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_CLOSED_PIPE = 128 + signal.SIGPIPE
TERMINATING_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class TargetStoppedReading(Exception):
    """stdout was closed: a ``BrokenPipeError`` that click would otherwise swallow."""


class Interrupted(BaseException):
    """A SIGINT, SIGTERM or SIGHUP, unwinding the run; not an ``Exception`` so nothing swallows it.

    ``flush`` writes the state of what was already sent, once the stack has unwound
    and stdout is no longer in the middle of a write.
    """

    def __init__(self, signum: int, flush: Callable[[], None] | None = None) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.flush = flush


def on_signal(flush: Callable[[], None] | None) -> Callable[[int, FrameType | None], None]:
    """A handler that unwinds the run; a second signal must not cut the state line short."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        for number in TERMINATING_SIGNALS:
            signal.signal(number, signal.SIG_IGN)
        raise Interrupted(signum, flush)

    return handle


def handle_stops(handler: Callable[[int, FrameType | None], None]) -> None:
    """Stop the run with ``handler`` on SIGINT, SIGTERM and SIGHUP, except those the
    process was started ignoring, which stay ignored (the SDK sets its own for two)."""
    for number in TERMINATING_SIGNALS:
        ignored = number in IGNORED_ON_ENTRY
        signal.signal(number, signal.SIG_IGN if ignored else handler)
    if sys.unraisablehook is not _keep_stops:
        global _reporting_hook  # noqa: PLW0603 - the hook Python had, for other exceptions
        _reporting_hook = sys.unraisablehook
        sys.unraisablehook = _keep_stops


_reporting_hook = sys.unraisablehook


def _keep_stops(unraisable: Any) -> None:  # noqa: ANN401 - sys.UnraisableHookArgs
    """A signal handled while a finaliser or a weakref callback runs raises its stop where
    Python prints "Exception ignored" and goes on: keep it for the writer to raise."""
    if isinstance(unraisable.exc_value, Interrupted):
        keep(unraisable.exc_value)
    else:
        _reporting_hook(unraisable)


class GuardedCommand(SingerCommand):
    """The SDK's command, with every way out of a run mapped to one line and a code."""

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:  # noqa: ANN401
        kwargs["standalone_mode"] = False
        handle_stops(on_signal(None))
        logger = self.logger
        if sys.stdout is None:  # started with stdout closed (`>&-`)
            logger.error("stdout is closed: the tap has nowhere to write its output")
            sys.exit(EXIT_CLOSED_PIPE)
        try:
            result = super().main(*args, **kwargs)
        except Interrupted as stop:
            sys.exit(_interrupted(stop, logger))
        except BaseException as exc:  # every way out gets one line and a code
            code = exit_code(exc)
            if code is None:
                raise
            if code == EXIT_CLOSED_PIPE:
                _silence_stdout()
                logger.error("the target stopped reading the tap's output (stdout closed)")  # noqa: TRY400
            else:
                logger.error("%s", failure_line(exc))  # noqa: TRY400 - one line, no traceback
                logger.debug("details of the failure", exc_info=exc)
            sys.exit(code)
        sys.exit(result if isinstance(result, int) else EXIT_OK)


def exit_code(exc: BaseException) -> int | None:
    """The code a run ending with ``exc`` exits with; ``None`` lets it through."""
    if isinstance(exc, SystemExit | KeyboardInterrupt | GeneratorExit):
        return None
    if isinstance(exc, BrokenPipeError | TargetStoppedReading):
        return EXIT_CLOSED_PIPE
    if isinstance(
        exc,
        SettingsError | InputError | BookmarkError | ConfigValidationError | click.ClickException,
    ):
        return EXIT_BAD_INPUT
    return EXIT_FAILED


def failure_line(exc: BaseException) -> str:
    """An exception's message on one line, for a person reading a failed run."""
    if isinstance(exc, click.ClickException):
        text = exc.format_message()
    elif isinstance(exc, ConfigValidationError) and exc.errors:
        text = "invalid settings: " + "; ".join(exc.errors)
    elif isinstance(exc, requests.RequestException):
        # Streams name their own network failures; this is one outside a stream's request.
        path = urlparse(exc.request.url or "").path if exc.request is not None else "?"
        text = f"network failure ({path}): {network_problem(exc)}"
    else:
        text = str(exc) or type(exc).__name__
        if not _is_ours(exc):
            text = f"unexpected {type(exc).__name__}: {text} (LOGLEVEL=DEBUG shows where)"
    return " ".join(text.split())


def _is_ours(exc: BaseException) -> bool:
    """Whether ``exc`` was raised with a message written for a person."""
    module = type(exc).__module__
    return module.startswith(("tap_mixmax", "singer_sdk.exceptions"))


def _interrupted(stop: Interrupted, logger: logging.Logger) -> int:
    name = signal.Signals(stop.signum).name
    flushed = False
    if stop.flush is not None:
        try:
            stop.flush()
            flushed = True
        except (OSError, ValueError):
            _silence_stdout()  # the target is gone too: nothing left to tell it
    kept = "after writing the state of what was sent" if flushed else "before sending anything"
    logger.error("stopped by %s %s; run again to resume", name, kept)
    return 128 + stop.signum


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the exit's final flush cannot fail again."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
