"""SIGINT in the first milliseconds of the tap's own code: one line, exit 130, no traceback.

The interpreter's import-time profile (``PYTHONPROFILEIMPORTTIME``) writes a line to
stderr as each import ends; the one for the ``tap_mixmax`` package marks the first moment
the tap's code has run, and the signal is sent then, or a few tenths of a millisecond
later, while the rest of the tap is still being imported.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.tap.conftest import tap_env

LAUNCHERS = {
    "script": [str(Path(sys.executable).with_name("tap-mixmax"))],
    "module": [sys.executable, "-m", "tap_mixmax"],
}


def signal_once_the_package_is_imported(
    command: list[str], delay: float, signum: int = signal.SIGINT
) -> tuple[int, str]:
    with subprocess.Popen(
        [*command, "--config", "/nonexistent/config.json"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**tap_env(), "PYTHONPROFILEIMPORTTIME": "1"},
    ) as process:
        assert process.stderr is not None
        lines: list[bytes] = []
        try:
            for line in process.stderr:
                lines.append(line)
                if line.rstrip().split(b"|")[-1].strip() == b"tap_mixmax":
                    time.sleep(delay)
                    process.send_signal(signum)
                    break
            lines.extend(process.stderr)
            code = process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    text = b"".join(lines).decode(errors="replace")
    return code, "".join(row for row in text.splitlines(True) if not row.startswith("import time"))


@pytest.mark.parametrize("launcher", sorted(LAUNCHERS))
@pytest.mark.parametrize("delay", [0.0, 0.0002, 0.0005, 0.001, 0.003])
def test_sigint_as_the_tap_starts_ends_with_one_line_and_130(launcher: str, delay: float):
    code, stderr = signal_once_the_package_is_imported(LAUNCHERS[launcher], delay)
    assert code == 130, stderr[-2000:]
    assert "stopped by SIGINT while starting, before sending anything" in stderr
    assert "Traceback" not in stderr
    assert "KeyboardInterrupt" not in stderr
    assert len([row for row in stderr.splitlines() if row.strip()]) == 1, stderr
