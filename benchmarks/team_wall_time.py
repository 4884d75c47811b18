"""Wall time of N tokens in one team run against the sum of N single-token runs.

Every simulated user gets the same data (``--sequences`` sequences of a few recipients
each: one request per sequence for its recipients, so a user's full read costs more than
one rate window), and the simulator limits each token to Mixmax's real 120 requests a
minute. The script runs the tap once per token, then once with all tokens in
``api_tokens``, checks that the team run delivered exactly the (object, user) pairs of the
single runs (0 lost, 0 duplicated), and prints the figures.

    .venv/bin/python benchmarks/team_wall_time.py [--users 3] [--sequences 150]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from tap_mixmax.simulator import RateLimit, Simulator
from tap_mixmax.user_column import USER_COLUMN

STREAMS = ("current_user", "sequences", "sequence_recipients")


def catalog(folder: Path) -> Path:
    """The discovered catalog with only ``STREAMS`` selected."""
    config = folder / "discover.json"
    config.write_text(json.dumps({"api_token": "discovery-only"}))
    found = subprocess.run(
        [sys.executable, "-m", "tap_mixmax", "--discover", "--config", str(config)],
        capture_output=True,
        text=True,
        check=True,
    )
    document = json.loads(found.stdout)
    for entry in document["streams"]:
        for item in entry["metadata"]:
            if not item["breadcrumb"]:
                item["metadata"]["selected"] = entry["tap_stream_id"] in STREAMS
    path = folder / "catalog.json"
    path.write_text(json.dumps(document))
    return path


def run_tap(
    folder: Path, name: str, config: dict[str, Any], catalog_path: Path
) -> tuple[float, Counter[tuple[str, str, str]]]:
    """Seconds one tap run took, and the (stream, id, user) of every record it sent."""
    config_path = folder / f"{name}.json"
    config_path.write_text(json.dumps(config))
    command = [sys.executable, "-m", "tap_mixmax", "--config", str(config_path)]
    command += ["--catalog", str(catalog_path)]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"{name}: the tap failed (exit {done.returncode}): {done.stderr[-500:]}")
    sent: Counter[tuple[str, str, str]] = Counter()
    for line in done.stdout.splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD":
            record = message["record"]
            key = str(record.get("_id") or record.get("email") or record)
            if message["stream"] == "sequence_recipients":
                key = f"{record.get('sequenceId')}/{key}"
            sent[(message["stream"], key, str(record[USER_COLUMN]))] += 1
    return seconds, sent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=3)
    parser.add_argument("--sequences", type=int, default=150)
    parser.add_argument("--limit", type=int, default=120, help="requests per window per token")
    parser.add_argument("--window", type=float, default=60.0, help="seconds")
    args = parser.parse_args()
    limit = RateLimit(args.limit, args.window)
    with Simulator(seed=1, scale=0, rate_limit=limit) as sim, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tokens = [sim.add_user(f"rep{n}") for n in range(1, args.users + 1)]
        for token in tokens:
            for _ in range(args.sequences):
                sequence = sim.insert("sequences", token=token)
                for _ in range(3):
                    sim.insert("sequences/recipients", token=token, parent_id=sequence["_id"])
        catalog_path = catalog(folder)
        base = {"api_url": sim.base_url, "progress_interval_seconds": 3600}
        singles: Counter[tuple[str, str, str]] = Counter()
        total = 0.0
        for number, token in enumerate(tokens, start=1):
            sim.clear_log()
            seconds, sent = run_tap(
                folder, f"single{number}", {**base, "api_token": token}, catalog_path
            )
            print(
                f"single-token run {number}: {seconds:.1f} s, {sum(sent.values())} records, "
                f"{sim.count()} requests"
            )
            total += seconds
            singles += sent
        # A fresh window for the team run: each token's budget starts as the singles' did.
        sim.set_rate_limit(RateLimit(args.limit, args.window))
        team_seconds, team = run_tap(folder, "team", {**base, "api_tokens": tokens}, catalog_path)
        lost = sum((singles - team).values())
        duplicated = sum(count - 1 for count in team.values() if count > 1)
        extra = sum((team - singles).values()) - duplicated
        print(f"sum of {args.users} single-token runs: {total:.1f} s")
        print(f"{args.users} tokens together (api_tokens): {team_seconds:.1f} s")
        print(f"ratio: {team_seconds / total:.2f}x the sum (target <= 0.45x)")
        print(
            f"records: {sum(team.values())} team, {sum(singles.values())} singles; "
            f"lost {lost}, duplicated {duplicated}, unexpected {extra}"
        )
        print(
            f"rate limit: {args.limit} requests per {args.window:.0f} s per token; "
            f"{sim.count(status=429)} answered 429"
        )
    return 0 if lost == duplicated == extra == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
