"""How long the simulator takes to listen: plain, and through `meltano invoke`.

Run from the repository, after `meltano install` (scripts/e2e_setup.sh does it):

    .venv/bin/python scripts/simulator_start_time.py [--runs 3]

Each run starts the simulator on a free loopback port with a port file, times the moment
the file appears (the simulator writes it once it listens, its data seeded), then stops it.
Prints the median of the runs for ``mixmax-simulator`` from .venv and for ``meltano invoke
tap-mixmax:simulator`` (Meltano from MELTANO_BIN, default .e2e/meltano/bin/meltano).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LONGEST_WAIT = 120.0


def seconds_to_listen(command: list[str], env: dict[str, str]) -> float:
    """Seconds from starting ``command`` (plus a port file) to the file's appearing."""
    with tempfile.TemporaryDirectory() as folder:
        port_file = Path(folder) / "port"
        started = time.monotonic()
        process = subprocess.Popen(  # noqa: S603 - our own console scripts
            [*command, "--port", "0", "--port-file", str(port_file)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            while not (port_file.exists() and port_file.read_text().strip()):
                if process.poll() is not None:
                    sys.exit(f"{' '.join(command)} exited {process.returncode} before listening")
                if time.monotonic() - started > LONGEST_WAIT:
                    sys.exit(f"{' '.join(command)} did not listen within {LONGEST_WAIT:.0f} s")
                time.sleep(0.05)
            return time.monotonic() - started
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    meltano = os.environ.get("MELTANO_BIN", str(ROOT / ".e2e" / "meltano" / "bin" / "meltano"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MELTANO_", "TAP_MIXMAX_"))}
    env["MELTANO_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    commands = {
        "mixmax-simulator": [str(ROOT / ".venv" / "bin" / "mixmax-simulator")],
        "meltano invoke tap-mixmax:simulator": [meltano, "invoke", "tap-mixmax:simulator"],
    }
    for label, command in commands.items():
        times = [seconds_to_listen(command, env) for _ in range(args.runs)]
        print(f"{label}: listening after {statistics.median(times):.1f} s (median of {args.runs})")


if __name__ == "__main__":
    main()
