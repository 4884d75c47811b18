"""The sdist carries its tests and what they read; the wheel carries the license and schemas.

The sdist is built from this checkout with ``python -m build``; the tests that read the
repository's own files (README, docs, Meltano project, Hub definition, scripts, schemas)
then run from the unpacked sdist, so a file left out of it fails them there.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT, run_checked

# Tests whose subject is a file of the repository rather than the installed package.
FILE_READING_TESTS = [
    "tests/e2e/test_plugin_definitions.py",
    "tests/e2e/test_readme_settings.py",
    "tests/e2e/test_docs.py",
    "tests/tap/test_readme.py",
    "tests/tap/test_schemas.py",
]


def build(kind: str, out: Path) -> Path:
    run_checked([sys.executable, "-m", "build", f"--{kind}", "--outdir", str(out), str(ROOT)])
    (artifact,) = out.iterdir()
    return artifact


@pytest.mark.e2e
def test_sdist_runs_its_own_file_tests(tmp_path: Path) -> None:
    sdist = build("sdist", tmp_path / "dist")
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "unpacked", filter="data")
    (tree,) = (tmp_path / "unpacked").iterdir()
    assert (tree / "LICENSE").read_text() == (ROOT / "LICENSE").read_text()
    for test in FILE_READING_TESTS:
        assert (tree / test).exists(), f"the sdist lacks {test}"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "not e2e",  # those need the checkout's Meltano and loaders
            *FILE_READING_TESTS,
        ],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:]
    assert " passed" in done.stdout.splitlines()[-1]


@pytest.mark.e2e
def test_wheel_carries_license_and_schemas(tmp_path: Path) -> None:
    wheel = build("wheel", tmp_path / "dist")
    names = zipfile.ZipFile(wheel).namelist()
    assert "tap_mixmax-0.1.0.dist-info/licenses/LICENSE" in names
    schemas = {Path(n).name for n in names if n.startswith("tap_mixmax/schemas/")}
    assert schemas == {p.name for p in (ROOT / "schemas").glob("*.json")}
    metadata = zipfile.ZipFile(wheel).read("tap_mixmax-0.1.0.dist-info/METADATA").decode()
    assert "License-Expression: Apache-2.0" in metadata
    assert "Project-URL: Source, https://github.com/" in metadata
