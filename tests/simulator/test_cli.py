"""The ``mixmax-simulator`` command: starts on a free port, answers, exits 0 on SIGTERM, and
refuses mistakes in one line with exit status 2 (the real command, in a subprocess)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
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


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "tap_mixmax.simulator.cli", "--scale", "0", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("mixmax-simulator: error: ")
    for word in words:
        assert word in lines[0], (word, lines[0])


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--port", "99999"), ("--port", "0-65535")),
        (("--port", "http"), ("--port", "number")),
        (("--scale", "-1"), ("--scale", ">= 0")),
        (("--scale", "nan"), ("--scale",)),
        (("--rate-limit", "0"), ("--rate-limit", ">= 1")),
        (("--users", "0"), ("--users", ">= 1")),
        (("--rate-window", "-5"), ("--rate-window", "> 0")),
        (("--rate-limit-scope", "user"), ("--rate-limit-scope",)),
        (("--max-limit", "recipients"), ("--max-limit", "ROUTE=N")),
        (("--max-limit", "/nope=5"), ("/nope",)),
        (("--host", "no-such-host.invalid"), ("--host", "resolve")),
        (("--host", "0.0.0.0"), ("--host", "--allow-remote")),  # noqa: S104 - refused
        (("--port-file", "/nonexistent-folder/port"), ("--port-file", "does not exist")),
        (("--bogus",), ("--bogus",)),
    ],
)
def test_cli_mistakes_are_one_line(args: tuple[str, ...], words: tuple[str, ...]) -> None:
    assert_one_line_error(run_cli("--port", "0", *args), *words)


def test_cli_port_in_use_is_one_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        assert_one_line_error(run_cli("--port", port), port, "another --port")


def test_cli_allow_remote_warns(tmp_path: Path) -> None:
    port_file = tmp_path / "port"
    cmd = [sys.executable, "-m", "tap_mixmax.simulator.cli", "--scale", "0", "--port", "0"]
    cmd += ["--host", "0.0.0.0", "--allow-remote", "--port-file", str(port_file)]  # noqa: S104
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(300):
            if port_file.exists() or proc.poll() is not None:
                break
            time.sleep(0.05)
        assert port_file.exists()
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    assert "warning: serving on 0.0.0.0" in err
    assert "Traceback" not in err
