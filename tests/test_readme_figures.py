"""The measured figures in README.md and docs/*.md are what the benchmarks saved, never typed.

Each ``<!-- figures:NAME start -->`` block must be exactly what ``scripts/readme_figures.py``
renders from ``benchmarks/results/NAME.json``, and that file must be one
``benchmarks/NAME.py`` writes: its script, arguments the script accepts, its printed lines.
The benchmarks themselves are not run here (they take minutes).
"""

from __future__ import annotations

import datetime
import difflib
import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
FIX = ".venv/bin/python scripts/readme_figures.py"


def load(path: Path, name: str, monkeypatch: pytest.MonkeyPatch | None = None) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    if monkeypatch is not None:  # dataclasses look their module up while it executes
        monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def figures() -> ModuleType:
    return load(ROOT / "scripts" / "readme_figures.py", "readme_figures")


@pytest.fixture
def benchmarks_importable() -> Iterator[None]:
    """The benchmarks import their siblings by name, as when run as scripts."""
    modules = set(sys.modules)
    sys.path.insert(0, str(BENCHMARKS))
    try:
        yield
    finally:
        sys.path.remove(str(BENCHMARKS))
        for name in set(sys.modules) - modules:
            del sys.modules[name]


def blocks(figures: ModuleType) -> list[tuple[Path, str, str]]:
    """(document, block name, block text) of every figures block in README.md and docs/."""
    return [
        (path, match["name"], match[0])
        for path in figures.documents()
        for match in figures.BLOCK.finditer(path.read_text())
    ]


def test_the_readme_and_docs_show_figures_from_results_files(figures: ModuleType) -> None:
    found = blocks(figures)
    assert {name for _, name, _ in found} >= {"team_scale", "tap_throughput"}
    for path, name, text in found:
        assert (figures.RESULTS / f"{name}.json").is_file(), (
            f"{path.name}: block {name} has no benchmarks/results/{name}.json; "
            f"run .venv/bin/python benchmarks/{name}.py, then {FIX}"
        )
        wanted = figures.render(name)
        diff = "\n".join(
            difflib.unified_diff(
                text.splitlines(), wanted.splitlines(), path.name, f"{name}.json", lineterm=""
            )
        )
        assert text == wanted, f"{path.name}: figures {name} differ; run {FIX}\n{diff}"


def test_every_results_file_is_shown_once(figures: ModuleType) -> None:
    shown = [name for _, name, _ in blocks(figures)]
    saved = sorted(path.stem for path in figures.RESULTS.glob("*.json"))
    assert saved
    assert sorted(shown) == saved


@pytest.mark.usefixtures("benchmarks_importable")
def test_each_results_file_was_written_by_its_benchmark(
    figures: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in sorted(figures.RESULTS.glob("*.json")):
        saved = json.loads(path.read_text())
        assert set(saved) == {"script", "arguments", "date", "lines"}, path.name
        script = ROOT / saved["script"]
        assert saved["script"] == f"benchmarks/{path.stem}.py"
        # The script saves what it printed through benchmarks/results.py.
        assert "Printed(__file__)" in script.read_text(), script
        assert ".save()" in script.read_text(), script
        # The arguments recorded are ones the script's own parser accepts.
        module = load(script, f"benchmark_{path.stem}", monkeypatch)
        try:
            module.parser().parse_args(saved["arguments"])
        except SystemExit:
            pytest.fail(f"{path.name}: {script.name} refuses the arguments {saved['arguments']}")
        datetime.date.fromisoformat(saved["date"])
        assert saved["lines"]
        assert all(isinstance(line, str) and line for line in saved["lines"])


def test_a_figure_changed_by_hand_is_stale(figures: ModuleType, tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    match = figures.BLOCK.search(readme)
    assert match is not None
    head, printed = match[0].split("```text", 1)
    edited = head + "```text" + re.sub(r"\d+", lambda n: n[0] + "0", printed, count=1)
    assert edited != match[0]
    copy = tmp_path / "README.md"
    copy.write_text(readme.replace(match[0], edited))
    assert figures.stale(copy) == [match["name"]]
    assert figures.rendered(copy.read_text()) == readme


def test_the_prose_gives_no_test_counts_or_measured_coverage(figures: ModuleType) -> None:
    """Counts and coverage are printed by scripts/count_tests.py and scripts/test.sh."""
    counts = re.compile(r"\b\d[\d,]* (?:tests|test functions|tests passed)\b")
    coverage = re.compile(r"\b\d+(?:\.\d+)? ?%")
    for path in figures.documents():
        prose = figures.BLOCK.sub("", path.read_text())
        assert not counts.findall(prose), f"{path.name}: test counts {counts.findall(prose)}"
        # 95 % is the threshold the run fails under, a setting rather than a measure.
        measured = [p for p in coverage.findall(prose) if p.replace(" ", "") != "95%"]
        assert not measured, f"{path.name}: percentages {measured}"
