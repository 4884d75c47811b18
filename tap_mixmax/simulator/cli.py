"""``mixmax-simulator``: serve the simulator until SIGINT or SIGTERM.

Every mistake on the command line ends with one line on stderr naming it and its fix, and
exit status 2; nothing prints a traceback.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn

from .app import Simulator, is_loopback
from .endpoints import SEARCH_ENVELOPES
from .ratelimit import SCOPES, RateLimit
from .requestlog import DEFAULT_LOG_SIZE

USAGE_ERROR = 2


class UsageError(Exception):
    """A command-line mistake, reported in one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints the whole usage block before its message; one line is enough.
        raise UsageError(f"{message} (see --help)")


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be 0-65535 (0 picks a free one), got {value}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value}")
    return value


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text}")
    return value


def _max_limit(text: str) -> tuple[str, int]:
    route, sep, number = text.partition("=")
    if not sep or not route:
        raise argparse.ArgumentTypeError(
            f"expected ROUTE=N (e.g. /sequences/recipients=50), got {text!r}"
        )
    return route, _positive_int(number)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mixmax-simulator", description="A local simulator of the Mixmax REST API."
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="bind address (default loopback)")
    add("--allow-remote", action="store_true", help="allow a non-loopback --host")
    add("--port", type=_port, default=8765, help="port; 0 picks a free one")
    add("--seed", type=int, default=1, help="data seed")
    add("--scale", type=_scale, default=1.0, help="data volume multiplier (>= 0)")
    add(
        "--users",
        type=_positive_int,
        default=2,
        help="simulated users: ada, bob, then user3, user4, ... each with data like ada's",
    )
    add("--rate-limit", type=_positive_int, default=120, help="requests per window")
    add("--rate-window", type=_seconds, default=60.0, help="window in seconds")
    add(
        "--rate-limit-scope",
        choices=SCOPES,
        default="token",
        help="one budget per token or per client address",
    )
    add("--no-rate-limit", action="store_true", help="switch rate limiting off")
    add(
        "--search-envelope",
        choices=SEARCH_ENVELOPES,
        default="search",
        help="envelope of /meetings/summaries/search",
    )
    add(
        "--max-limit",
        type=_max_limit,
        action="append",
        default=[],
        metavar="ROUTE=N",
        help="page-size cap of one route (repeatable)",
    )
    add(
        "--log-size",
        type=_positive_int,
        default=DEFAULT_LOG_SIZE,
        help="requests kept in the request log",
    )
    add(
        "--strict-limits",
        action="store_true",
        help="answer 400 to a recipients limit above its cap instead of lowering it",
    )
    add(
        "--ignore-previous",
        action="store_true",
        help="answer the newest page to a 'previous' cursor, as a route that ignores it",
    )
    add(
        "--older-member-shape",
        action="store_true",
        help="serve team members in the older documented shape, without memberId",
    )
    add(
        "--undeclared-fields",
        action="store_true",
        help="give every object properties no schema declares, top-level and nested",
    )
    add("--port-file", type=Path, help="write the bound port here when ready")
    return parser


def _check(args: argparse.Namespace) -> None:
    folder = args.port_file.parent if args.port_file is not None else None
    if folder is not None and not folder.is_dir():
        raise UsageError(f"--port-file: the folder {str(folder)!r} does not exist; create it first")
    try:
        loopback = is_loopback(args.host)
    except (OSError, UnicodeError):
        raise UsageError(
            f"--host {args.host!r} is not an address or a name this machine can resolve"
        ) from None
    if not loopback and not args.allow_remote:
        raise UsageError(
            f"--host {args.host} is not a loopback address; the admin routes and test tokens "
            "would be open to the network: add --allow-remote if you mean it"
        )
    if not loopback:
        print(
            f"mixmax-simulator: warning: serving on {args.host}: anyone who can reach it can "
            "read the data and drive the /_admin routes",
            file=sys.stderr,
            flush=True,
        )


def _serve(args: argparse.Namespace) -> int:
    rate = None
    if not args.no_rate_limit:
        rate = RateLimit(args.rate_limit, args.rate_window, args.rate_limit_scope)
    signals: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # Only an append: a handler that takes a lock (Event.set) deadlocks forever when
        # the signal lands while this same thread holds that lock inside Event.wait.
        signals.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    sim = Simulator(
        args.seed,
        args.scale,
        rate,
        args.host,
        args.port,
        search_envelope=args.search_envelope,
        max_limits=dict(args.max_limit),
        log_size=args.log_size,
        allow_remote=args.allow_remote,
        undeclared_fields=args.undeclared_fields,
        strict_limits=args.strict_limits,
        users=args.users,
    )
    sim.set_older_member_shape(args.older_member_shape)
    sim.set_ignore_previous(args.ignore_previous)
    try:
        sim.start()
    except OSError as exc:
        raise UsageError(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}; "
            "pick another --port (0 picks a free one)"
        ) from None
    with sim:
        if args.port_file is not None:
            # Write then rename, so a watcher never reads a half-written port.
            tmp = args.port_file.with_name(args.port_file.name + f".{os.getpid()}.tmp")
            tmp.write_text(f"{sim.port}\n", encoding="utf-8")
            tmp.replace(args.port_file)
        tokens = ", ".join(sim.tokens.values())
        print(f"mixmax-simulator listening on {sim.base_url} (tokens: {tokens})", flush=True)
        while not signals:
            time.sleep(0.2)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        _check(args)
        return _serve(args)
    except (UsageError, ValueError, KeyError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"mixmax-simulator: error: {message}", file=sys.stderr, flush=True)
        return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
