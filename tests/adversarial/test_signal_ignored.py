"""A signal the tap was started ignoring stays ignored: under ``nohup`` (SIGHUP ignored)
a hangup neither stops the run while it starts nor in the middle of a read."""

from __future__ import annotations

import signal
import sys

from tap_mixmax.simulator import LoggedRequest, Simulator
from tests.adversarial.conftest import Runner, Started, assert_clean
from tests.adversarial.test_signal_at_start import signal_once_the_package_is_imported

STREAMS = ["sequences", "sequence_recipients"]
# As `nohup` starts a program: SIGHUP ignored, then exec.
IGNORING_SIGHUP = ("/bin/sh", "-c", "trap '' HUP; exec \"$@\"", "sh")


def test_an_ignored_sighup_while_starting_is_ignored():
    code, stderr = signal_once_the_package_is_imported(
        [*IGNORING_SIGHUP, sys.executable, "-m", "tap_mixmax"], 0.0, signal.SIGHUP
    )
    # The run went on to read its (missing) config file.
    assert code == 2, stderr[-2000:]
    assert "config file /nonexistent/config.json does not exist" in stderr
    assert "stopped by" not in stderr


def test_an_ignored_sighup_mid_read_is_ignored(sim: Simulator, tmp_path):
    runner = Runner(tmp_path, sim.base_url)
    sequences = [doc["_id"] for doc in sim.visible("sequences", sim.tokens["ada"])]
    started: list[Started] = []
    hung_up: list[str] = []

    def on_request(item: LoggedRequest) -> None:
        if item.path.endswith("/recipients") and started and not hung_up:
            hung_up.append(item.path)
            started[0].process.send_signal(signal.SIGHUP)

    remove = sim.after_response(on_request)
    try:
        started.append(runner.start(STREAMS, launcher=IGNORING_SIGHUP, page_size=5))
        run = started[0].finish(120)
    finally:
        remove()
    assert hung_up  # the hangup was sent during the read
    assert run.returncode == 0, run.stderr[-2000:]
    assert "stopped by" not in run.stderr
    assert_clean(run)
    assert run.ids("sequences") == sequences
