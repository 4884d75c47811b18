"""Measure the tap end to end against the simulator: records/s, requests, CPU, memory.

Runs the real CLI (``python -m tap_mixmax``) against a simulator in its own process with a
rate limit no run reaches, so the figures are the tap's own cost, not Mixmax's
120-a-minute ceiling. Prints one line per run: a first (full) run, then an incremental run
with nothing new. CPU seconds and peak RSS are the tap process's own (``os.wait4`` through
``rusage_child.py``), never the simulator's or this script's.

    .venv/bin/python benchmarks/tap_throughput.py --scale 5
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from compare_raw import HERE, SimulatorProcess
from results import Printed

from tap_mixmax.simulator.seed import DEMO_TOKEN


def run_tap(
    config: Path, state: dict[str, Any] | None, folder: Path
) -> tuple[int, float, dict[str, Any], dict[str, Any]]:
    """Records, wall seconds, final state and the tap's own resource usage."""
    command = [sys.executable, "-m", "tap_mixmax", "--config", str(config)]
    if state is not None:
        state_path = folder / "state.json"
        state_path.write_text(json.dumps(state))
        command += ["--state", str(state_path)]
    report = folder / "rusage.json"
    launcher = [sys.executable, str(HERE / "rusage_child.py"), str(report), "--"]
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TAP_MIXMAX_") and k != "PYTHONUNBUFFERED"
    }
    output = folder / "tap.jsonl"
    started = time.perf_counter()
    with output.open("wb") as out:
        subprocess.run(
            launcher + command,
            stdout=out,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=folder,
            check=True,
        )
    elapsed = time.perf_counter() - started
    records, last_state = 0, {}
    with output.open("rb") as lines:
        for line in lines:
            if line.startswith(b'{"type":"RECORD"'):
                records += 1
            elif line.startswith(b'{"type":"STATE"'):
                last_state = json.loads(line)["value"]
    return records, elapsed, last_state, json.loads(report.read_text())


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    return parser


def main() -> None:
    args = parser().parse_args()
    out = Printed(__file__)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sim = SimulatorProcess(folder, args.scale, args.seed)
        try:
            config = folder / "config.json"
            config.write_text(json.dumps({"api_token": DEMO_TOKEN, "api_url": sim.api_url}))
            out.line(f"simulator scale {args.scale}, seed {args.seed}, own process, rate limit off")
            state = None
            requests_made = []
            for label in ("first run (full)", "second run (nothing new)"):
                sim.admin("POST", "reset-log")
                records, elapsed, state, usage = run_tap(config, state, folder)
                requests_made.append(int(sim.admin("GET", "log")["count"]))
                out.line(
                    f"{label:<26} {records:>8} records {requests_made[-1]:>6} requests "
                    f"{elapsed:>7.2f} s {records / elapsed:>9.0f} records/s "
                    f"CPU {usage['cpu_seconds']:.2f} s "
                    f"peak RSS {usage['peak_rss_kib'] / 1024:.0f} MiB"
                )
        finally:
            sim.stop()
        first = requests_made[0]
        out.line(
            f"Against Mixmax (120 requests a minute) the first run's {first} requests "
            f"take at least {max(first - 1, 0) // 120} minute(s) of waiting for the window."
        )
    out.save()


if __name__ == "__main__":
    main()
