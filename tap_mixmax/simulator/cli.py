"""``mixmax-simulator``: serve the simulator until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from .app import Simulator
from .ratelimit import RateLimit


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mixmax-simulator", description="A local simulator of the Mixmax REST API."
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default loopback)")
    parser.add_argument("--port", type=int, default=8765, help="port; 0 picks a free one")
    parser.add_argument("--seed", type=int, default=1, help="data seed")
    parser.add_argument("--scale", type=float, default=1.0, help="data volume multiplier")
    parser.add_argument("--rate-limit", type=int, default=120, help="requests per window")
    parser.add_argument("--rate-window", type=float, default=60.0, help="window in seconds")
    parser.add_argument("--no-rate-limit", action="store_true", help="switch rate limiting off")
    parser.add_argument("--port-file", type=Path, help="write the bound port here when ready")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    rate = None if args.no_rate_limit else RateLimit(args.rate_limit, args.rate_window)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with Simulator(args.seed, args.scale, rate, args.host, args.port) as sim:
        if args.port_file is not None:
            # Write then rename, so a watcher never reads a half-written port.
            tmp = args.port_file.with_name(args.port_file.name + f".{os.getpid()}.tmp")
            tmp.write_text(f"{sim.port}\n", encoding="utf-8")
            tmp.replace(args.port_file)
        tokens = ", ".join(sim.tokens.values())
        print(f"mixmax-simulator listening on {sim.base_url} (tokens: {tokens})", flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
