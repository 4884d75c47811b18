"""Compare the tap's CPU per record with raw ``requests`` clients (``json``, ``orjson``).

Starts the simulator in its own process (rate limit high enough never to bite, so the
server still sends the rate-limit headers the tap paces by), then runs the tap and
``raw_client.py`` (once parsing with ``json``, once with ``orjson``) over the same
endpoints, alternating, for several rounds. Each client is a child process whose stdout
is counted by this script; its CPU seconds (user + system) and peak RSS come from
``os.wait4`` for that child alone, so neither the simulator nor this script is counted
in them. The summary gives the tap's records per CPU-second over each raw client's.

    .venv/bin/python benchmarks/compare_raw.py --scale 20 --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from results import Printed

from tap_mixmax.client import SingletonStream
from tap_mixmax.simulator.seed import DEMO_TOKEN
from tap_mixmax.streams import STREAM_TYPES

HERE = Path(__file__).resolve().parent
RECORD_PREFIX = b'\n{"type":"RECORD"'
CHUNK = 1 << 20
# Parameters the tap sends with its default settings, beyond `limit`.
EXTRA_PARAMS = {
    "contacts": {"includeShared": "true"},
    "sequence_recipients": {"includeVariables": "true"},
    "live_feed_stats": {"limit": 1, "stats": "true"},
}
# The JSON libraries of the raw clients the tap is compared with.
RAW_LIBRARIES = ("json", "orjson")
# Streams that are not one object or one cursor collection.
SPECIAL_KINDS = {"sequence_recipients": "offset", "live_feed_stats": "stats"}


@dataclass
class Run:
    client: str
    records: int
    requests: int
    cpu_seconds: float
    peak_rss_mib: float
    wall_seconds: float
    # The launcher's own RSS: a peak at or below this would not be the client's.
    floor_mib: float = 0.0

    @property
    def per_cpu_second(self) -> float:
        return self.records / self.cpu_seconds if self.cpu_seconds else 0.0


def endpoint_plan(page_size: int = 300) -> dict[str, Any]:
    """What the tap reads with its default settings, from its own stream declarations."""

    def spec(stream_type: type[Any]) -> dict[str, Any]:
        name = str(stream_type.name)
        if name in SPECIAL_KINDS:
            kind = SPECIAL_KINDS[name]
        elif issubclass(stream_type, SingletonStream):
            kind = "singleton"
        else:
            kind = "cursor"
        children = [
            spec(child)
            for child in STREAM_TYPES
            if child.parent_stream_type is stream_type and child.selected_by_default
        ]
        return {
            "name": name,
            "path": str(stream_type.path),
            "kind": kind,
            "params": EXTRA_PARAMS.get(name, {}),
            "parent_key": stream_type.parent_key,
            "children": children,
        }

    streams = [
        spec(stream_type)
        for stream_type in STREAM_TYPES
        if stream_type.parent_stream_type is None and stream_type.selected_by_default
    ]
    return {"page_size": page_size, "streams": streams}


class SimulatorProcess:
    """``mixmax-simulator`` in a process of its own, on a free loopback port."""

    def __init__(self, folder: Path, scale: float, seed: int) -> None:
        port_file = folder / "port"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tap_mixmax.simulator.cli",
                "--port",
                "0",
                "--port-file",
                str(port_file),
                "--scale",
                str(scale),
                "--seed",
                str(seed),
                "--rate-limit",
                str(10**9),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 300
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the simulator did not start")
            time.sleep(0.1)
        self.root = f"http://127.0.0.1:{int(port_file.read_text())}"
        self.api_url = f"{self.root}/v1"

    def admin(self, method: str, route: str) -> Any:  # noqa: ANN401 - admin JSON
        request = urllib.request.Request(
            f"{self.root}/_admin/{route}",
            data=b"{}" if method == "POST" else None,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def measure(client: str, command: list[str], folder: Path) -> tuple[Run, int]:
    """Run one client to completion; its records, CPU and peak RSS, and its exit code."""
    # Python's default, buffered stdout for both clients, whatever this shell sets.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TAP_MIXMAX_") and k != "PYTHONUNBUFFERED"
    }
    report = folder / f"{client}.rusage.json"
    launcher = [sys.executable, str(HERE / "rusage_child.py"), str(report), "--"]
    with (folder / f"{client}.stderr").open("wb") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            launcher + command, stdout=subprocess.PIPE, stderr=errors, env=env, cwd=folder
        )
        assert process.stdout is not None
        records, tail = 0, b"\n"
        while chunk := process.stdout.read1(CHUNK):
            window = tail + chunk
            records += window.count(RECORD_PREFIX)
            tail = window[-(len(RECORD_PREFIX) - 1) :]
        process.wait()
        wall = time.perf_counter() - started
    usage = json.loads(report.read_text())
    run = Run(
        client,
        records,
        0,
        usage["cpu_seconds"],
        usage["peak_rss_kib"] / 1024,
        wall,
        usage["launcher_rss_kib"] / 1024,
    )
    return run, process.returncode


def spread(values: list[float]) -> str:
    return f"min {min(values):.2f}  median {statistics.median(values):.2f}  max {max(values):.2f}"


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5)
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
            plan = folder / "plan.json"
            plan.write_text(json.dumps(endpoint_plan()))
            commands = {
                "tap-mixmax": [sys.executable, "-m", "tap_mixmax", "--config", str(config)],
                **{
                    f"raw requests+{library}": [
                        sys.executable,
                        str(HERE / "raw_client.py"),
                        "--plan",
                        str(plan),
                        "--api-url",
                        sim.api_url,
                        "--token",
                        DEMO_TOKEN,
                        "--json",
                        library,
                    ]
                    for library in RAW_LIBRARIES
                },
            }
            out.line(
                f"simulator scale {args.scale}, seed {args.seed}, own process, rate limit "
                f"never reached; {args.rounds} rounds, clients alternating"
            )
            out.line(
                f"{'round':>5}  {'client':<20} {'records':>8} {'requests':>8} "
                f"{'CPU s':>7} {'records/CPU-s':>13} {'peak RSS':>9} {'wall s':>7}"
            )
            runs: dict[str, list[Run]] = {name: [] for name in commands}
            for round_number in range(1, args.rounds + 1):
                order = list(commands)
                if round_number % 2 == 0:
                    order.reverse()
                for name in order:
                    sim.admin("POST", "reset-log")
                    run, code = measure(name, commands[name], folder)
                    if code != 0:
                        tail = (folder / f"{name}.stderr").read_text()[-2000:]
                        raise SystemExit(f"{name} exited {code}:\n{tail}")
                    run.requests = int(sim.admin("GET", "log")["count"])
                    runs[name].append(run)
                    out.line(
                        f"{round_number:>5}  {name:<20} {run.records:>8} {run.requests:>8} "
                        f"{run.cpu_seconds:>7.2f} {run.per_cpu_second:>13,.0f} "
                        f"{run.peak_rss_mib:>6.1f} MiB {run.wall_seconds:>7.2f}"
                    )
        finally:
            sim.stop()

    tap = runs["tap-mixmax"]
    ratios = {}
    for library in RAW_LIBRARIES:
        raw = runs[f"raw requests+{library}"]
        if {r.records for r in tap} != {r.records for r in raw}:
            out.line(f"WARNING: the tap and the {library} client emitted different record counts")
        ratios[library] = [
            t.per_cpu_second / r.per_cpu_second for t, r in zip(tap, raw, strict=True)
        ]
    for name, client_runs in runs.items():
        rates = [r.per_cpu_second for r in client_runs]
        rss = [r.peak_rss_mib for r in client_runs]
        out.line(
            f"{name:<20} records/CPU-s median {statistics.median(rates):,.0f}; "
            f"peak RSS max {max(rss):.1f} MiB"
        )
    floor = max(r.floor_mib for client_runs in runs.values() for r in client_runs)
    out.line(f"(peak RSS per process, from wait4; floor set by the launcher: {floor:.1f} MiB)")
    for library, library_ratios in ratios.items():
        out.line(f"tap / raw {library} records per CPU-second: {spread(library_ratios)}")
    out.save()


if __name__ == "__main__":
    main()
