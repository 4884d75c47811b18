"""The suite's own rules hold whether pytest runs serially or spread over xdist workers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_skip_fails_the_run(tmp_path: Path, workers: list[str]):
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_skipping.py").write_text(
        "import pytest\n\n"
        "def test_passes():\n    pass\n\n"
        "def test_skips():\n    pytest.skip('left out')\n"
    )
    options = ["-q", "-p", "no:cacheprovider", "-p", "tests.conftest", *workers]
    where = ["--rootdir", str(tmp_path), "-c", str(tmp_path / "pytest.ini")]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *options, *where, str(tmp_path / "test_skipping.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == pytest.ExitCode.TESTS_FAILED, done.stdout[-2000:]
    assert "1 test(s) skipped: a skip is a failure in this suite" in done.stdout
    assert "1 passed, 1 skipped" in done.stdout
