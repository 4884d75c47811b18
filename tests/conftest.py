"""Suite-wide rule: a skipped test fails the run.

A skip reads as a pass in a summary nobody scrolls to; the one documented way to leave
tests out is deselecting them (``SKIP_E2E=1`` runs ``-m "not e2e"``), which is no skip.
Under pytest-xdist the controller decides: the workers' reports reach its terminal
reporter, so it counts every worker's skips.

The end-to-end tests share one PostgreSQL server, the Meltano plugin installs and ``.e2e``:
they run in one process, never spread over xdist workers (``scripts/test.sh`` runs them
after the others, which each use their own simulator, loopback port and ``tmp_path``).
xdist's ``--dist loadgroup`` cannot keep them together on pytest 9.2: it still renames
node ids, which pytest 9.2 no longer reads (pytest-dev/pytest-xdist#1386).
"""

from __future__ import annotations

import signal

import pytest

# A shell without job control starts a background command (`bash scripts/test.sh &`,
# scripts/mutation.sh's copies) with SIGINT ignored, and every process it starts inherits
# that: the signal tests' taps would ignore their SIGINT and run to the end. Python's own
# handler is what a run from a terminal has, and the taps it starts get SIGINT's default.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
# Under `nohup` SIGHUP is ignored the same way: the suite itself goes on ignoring it (a
# handler that does nothing), while the taps it starts get SIGHUP's default again.
if signal.getsignal(signal.SIGHUP) is signal.SIG_IGN:
    signal.signal(signal.SIGHUP, lambda signum, frame: None)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller counts
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter is not None else 0
    if skipped and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter is not None:
            reporter.write_line(f"{skipped} test(s) skipped: a skip is a failure in this suite")
