"""The ``mixmax-simulator`` command starts on a free port, answers, and exits 0 on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import requests


def test_cli_serves_until_sigterm(tmp_path: Path) -> None:
    port_file = tmp_path / "port"
    cmd = [
        sys.executable,
        "-m",
        "tap_mixmax.simulator.cli",
        "--port",
        "0",
        "--port-file",
        str(port_file),
        "--scale",
        "0.05",
        "--rate-limit",
        "5",
        "--rate-window",
        "30",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(300):
            if port_file.exists() or proc.poll() is not None:
                break
            time.sleep(0.05)
        assert port_file.exists(), proc.stderr.read() if proc.stderr else ""
        port = int(port_file.read_text())
        base = f"http://127.0.0.1:{port}/v1"
        with requests.Session() as s:
            me = s.get(f"{base}/users/me", headers={"X-API-Token": "sim-token-ada"}, timeout=10)
            assert me.status_code == 200
            assert me.headers["X-RateLimit-Limit"] == "5"
            assert s.get(f"{base}/users/me", timeout=10).status_code == 401
        proc.send_signal(signal.SIGTERM)
        out, _err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    assert out.strip() == (
        f"mixmax-simulator listening on {base} (tokens: sim-token-ada, sim-token-bob)"
    )
