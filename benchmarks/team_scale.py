"""A team of N users in one run against one user alone, at Mixmax's real rate limit.

The simulator runs as its own process (``mixmax-simulator --users N``: ada, bob, then
user3 ... userN, each with data built like ada's) limited to 120 requests a minute per
token. The script runs the tap once with ada's token alone, then once per team size with
every token in ``api_tokens``, and prints for each: wall time, the tap's CPU and the
simulator's CPU (apart), the tap's peak RSS (the team is one process: that is its whole
tree), STATE bytes against the final state's size, and ada's keys lost or duplicated
against her run alone.

    .venv/bin/python benchmarks/team_scale.py [--teams 10 50 100] [--scale 1.0]

What it printed is saved in benchmarks/results/team_scale.json, from which
``scripts/readme_figures.py`` writes the README's team figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from results import Printed

from tap_mixmax.user_column import USER_COLUMN

BIN = Path(sys.executable).parent
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    """What one tap run cost and sent."""

    wall: float
    tap_cpu: float
    sim_cpu: float
    peak_rss_mib: float
    state_bytes: int
    final_state_bytes: int
    states: int
    records: int
    sent: Counter[tuple[str, str, str]]
    exit_code: int


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def start_simulator(folder: Path, users: int, scale: float) -> tuple[subprocess.Popen[bytes], str]:
    port_file = folder / f"port-{users}"
    command = [str(BIN / "mixmax-simulator"), "--port", "0", "--seed", "1"]
    command += ["--scale", str(scale), "--users", str(users), "--port-file", str(port_file)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not port_file.exists():
        if process.poll() is not None:
            sys.exit("the simulator did not start")
        time.sleep(0.2)
    return process, f"http://127.0.0.1:{port_file.read_text().strip()}/v1"


# Keyed by when the run read it: no two runs share a key.
RUN_STAMPED = {"live_feed_stats"}


def key_of(record: dict[str, Any], keys: list[str]) -> str:
    """The record's primary key (its stream's key properties) as text."""
    return json.dumps([record.get(name) for name in keys], default=str)


def run_tap(folder: Path, config: dict[str, Any], simulator: int) -> Run:
    path = folder / "config.json"
    path.write_text(json.dumps(config))
    sim_before = cpu_seconds(simulator)
    started = time.monotonic()
    process = subprocess.Popen(
        [str(BIN / "tap-mixmax"), "--config", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    sent: Counter[tuple[str, str, str]] = Counter()
    keys: dict[str, list[str]] = {}
    state_bytes = final = states = records = 0
    for line in process.stdout:
        if line.startswith(b'{"type":"STATE"'):
            states += 1
            state_bytes += len(line)
            final = len(line)
            continue
        message = json.loads(line)
        if message["type"] == "SCHEMA":
            keys[message["stream"]] = list(message.get("key_properties") or [])
        elif message["type"] == "RECORD":
            records += 1
            stream, record = message["stream"], message["record"]
            if stream not in RUN_STAMPED:
                key = key_of(record, keys.get(stream, []))
                sent[(stream, key, str(record.get(USER_COLUMN)))] += 1
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    return Run(
        wall=wall,
        tap_cpu=usage.ru_utime + usage.ru_stime,
        sim_cpu=cpu_seconds(simulator) - sim_before,
        peak_rss_mib=usage.ru_maxrss / 1024,
        state_bytes=state_bytes,
        final_state_bytes=final,
        states=states,
        records=records,
        sent=sent,
        exit_code=os.waitstatus_to_exitcode(status),
    )


def measure(folder: Path, users: int, scale: float, tokens: list[str] | None) -> Run:
    simulator, url = start_simulator(folder, users, scale)
    try:
        config: dict[str, Any] = {"api_url": url, "progress_interval_seconds": 30}
        if tokens is None:
            config["api_tokens"] = ["sim-token-ada", "sim-token-bob"] + [
                f"sim-token-user{n}" for n in range(3, users + 1)
            ]
        else:
            config["api_token"] = tokens[0]
        return run_tap(folder, config, simulator.pid)
    finally:
        simulator.terminate()
        simulator.wait()


def describe(name: str, run: Run, alone: Run | None) -> str:
    ratio = f", {run.wall / alone.wall:.2f}x alone" if alone else ""
    state = f"{run.state_bytes / 1e6:.2f} MB in {run.states} STATEs"
    times = run.state_bytes / max(run.final_state_bytes, 1)
    return (
        f"{name}: wall {run.wall:.0f} s{ratio}; CPU tap {run.tap_cpu:.0f} s, simulator "
        f"{run.sim_cpu:.0f} s; tap peak RSS {run.peak_rss_mib:.0f} MiB; {run.records} records; "
        f"STATE {state} ({times:.1f}x the final state's {run.final_state_bytes / 1e3:.0f} kB); "
        f"exit {run.exit_code}"
    )


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--teams", type=int, nargs="+", default=[10, 50, 100])
    parser.add_argument("--scale", type=float, default=1.0)
    return parser


def main() -> int:
    args = parser().parse_args()
    out = Printed(__file__)
    out.line(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at the start")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        alone = measure(folder, 2, args.scale, ["sim-token-ada"])
        out.line(describe("ada alone", alone, None))
        ada = set(alone.sent)
        failed = alone.exit_code != 0
        for users in args.teams:
            team = measure(folder, users, args.scale, None)
            lost = len(ada - set(team.sent))
            duplicated = sum(n - 1 for n in team.sent.values() if n > 1)
            out.line(
                describe(f"{users} users", team, alone) + f"; ada's keys lost {lost}, "
                f"keys duplicated {duplicated}"
            )
            failed |= team.exit_code != 0 or lost > 0 or duplicated > 0
        out.line(f"load average {os.getloadavg()[0]:.1f} at the end (other work on the machine)")
    out.save()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
