"""Measure the tap end to end against the simulator: records/s, requests, memory.

Runs the real CLI (``python -m tap_mixmax``) against a loopback simulator with rate
limiting off, so the figures are the tap's own cost, not Mixmax's 120-a-minute ceiling.
Prints one line per run: a first (full) run, then an incremental run with nothing new.

    .venv/bin/python benchmarks/tap_throughput.py --scale 5
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tap_mixmax.simulator import RateLimit, Simulator
from tap_mixmax.simulator.seed import DEMO_TOKEN


def run_tap(config: Path, state: dict | None, folder: Path) -> tuple[int, float, dict]:
    command = [sys.executable, "-m", "tap_mixmax", "--config", str(config)]
    if state is not None:
        state_path = folder / "state.json"
        state_path.write_text(json.dumps(state))
        command += ["--state", str(state_path)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_MIXMAX_")}
    records, last_state = 0, {}
    started = time.perf_counter()
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(b'{"type":"RECORD"'):
                records += 1
            elif line.startswith(b'{"type":"STATE"'):
                last_state = json.loads(line)["value"]
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"tap exited {process.returncode}")
    return records, elapsed, last_state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    # A limit no run reaches, so the simulator still sends the rate-limit headers.
    with (
        Simulator(seed=args.seed, scale=args.scale, rate_limit=RateLimit(10**9, 60.0)) as sim,
        tempfile.TemporaryDirectory() as tmp,
    ):
        folder = Path(tmp)
        config = folder / "config.json"
        config.write_text(json.dumps({"api_token": DEMO_TOKEN, "api_url": sim.base_url}))
        print(f"simulator scale {args.scale}, seed {args.seed}, rate limit off")
        state = None
        requests_made = []
        for label in ("first run (full)", "second run (nothing new)"):
            sim.clear_log()
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            records, elapsed, state = run_tap(config, state, folder)
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            requests_made.append(sim.count())
            print(
                f"{label:<26} {records:>8} records {sim.count():>6} requests "
                f"{elapsed:>7.2f} s {records / elapsed:>9.0f} records/s "
                f"peak RSS {max(peak, before) / 1024:.0f} MiB"
            )
        first = requests_made[0]
        print(
            f"Against Mixmax (120 requests a minute) the first run's {first} requests "
            f"take at least {max(first - 1, 0) // 120} minute(s) of waiting for the window."
        )


if __name__ == "__main__":
    main()
