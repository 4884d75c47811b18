"""Suite-wide rule: a skipped test fails the run.

A skip reads as a pass in a summary nobody scrolls to; the one documented way to leave
tests out is deselecting them (``SKIP_E2E=1`` runs ``-m "not e2e"``), which is no skip.
"""

from __future__ import annotations

import pytest


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter is not None else 0
    if skipped and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter is not None:
            reporter.write_line(f"{skipped} test(s) skipped: a skip is a failure in this suite")
