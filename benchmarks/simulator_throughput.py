"""Measure the simulator's throughput with 300-object pages over loopback.

Starts ``mixmax-simulator`` in a subprocess (so the load generator does not share its GIL),
walks ``/contacts`` once to collect page cursors, then replays a bounded number of
``limit=300`` page requests from several keep-alive connections and prints the figures.

    .venv/bin/python benchmarks/simulator_throughput.py [--requests 4000] [--connections 4]
"""

from __future__ import annotations

import argparse
import http.client
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from results import Printed

TOKEN = "sim-token-ada"  # noqa: S105 - the simulator's public demo token


def start_server(scale: float, port_file: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "tap_mixmax.simulator.cli", "--port", "0", "--no-rate-limit"]
    cmd += ["--scale", str(scale), "--port-file", str(port_file)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not port_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the simulator did not start")
        time.sleep(0.05)
    return proc


def page_paths(port: int, path: str) -> list[str]:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    paths = [f"/v1{path}?limit=300"]
    while True:
        conn.request("GET", paths[-1], headers={"X-API-Token": TOKEN})
        page = json.loads(conn.getresponse().read())
        if not page["hasNext"]:
            break
        paths.append(f"/v1{path}?limit=300&next={page['next']}")
    conn.close()
    return paths


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--path", default="/contacts")
    return parser


def main() -> int:
    args = parser().parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_server(args.scale, Path(tmp) / "port")
        try:
            port = int((Path(tmp) / "port").read_text())
            paths = page_paths(port, args.path)
            full = paths[:-1] or paths  # full 300-row pages only
            per_conn = args.requests // args.connections
            counts = [0] * args.connections
            volume = [0] * args.connections

            def worker(n: int) -> None:
                conn = http.client.HTTPConnection("127.0.0.1", port)
                headers = {"X-API-Token": TOKEN}
                for i in range(per_conn):
                    conn.request("GET", full[(i + n) % len(full)], headers=headers)
                    resp = conn.getresponse()
                    body = resp.read()
                    if resp.status != 200:
                        raise SystemExit(f"unexpected status {resp.status}")
                    counts[n] += 1
                    volume[n] += len(body)
                conn.close()

            # warm up the server's per-document JSON caches
            warm = threading.Thread(target=worker, args=(0,))
            warm.start()
            warm.join()
            counts[0] = volume[0] = 0
            threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.connections)]
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - started
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    total = sum(counts)
    out = Printed(__file__)
    out.line(f"path {args.path} limit=300, {len(full)} distinct full pages, scale {args.scale}")
    out.line(f"{total} requests over {args.connections} keep-alive connections in {elapsed:.2f} s")
    out.line(
        f"{total / elapsed:,.0f} requests/s, {300 * total / elapsed:,.0f} objects/s, "
        f"{sum(volume) / elapsed / 1e6:,.1f} MB/s, {sum(volume) / max(total, 1) / 1e3:.0f} kB/page"
    )
    out.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
