#!/usr/bin/env python3
"""Write the measured figures of README.md and docs/*.md from the benchmarks' results files.

A figures block sits between ``<!-- figures:NAME start -->`` and ``<!-- figures:NAME end -->``;
its text is rendered from ``benchmarks/results/NAME.json``, which ``benchmarks/NAME.py``
writes when it runs (benchmarks/results.py): the command that ran, its date, and what it
printed. Nothing between the markers is typed by hand. Usage (from the repo root):

    .venv/bin/python scripts/readme_figures.py           # rewrite the blocks
    .venv/bin/python scripts/readme_figures.py --check   # exit 1 if a block is stale

tests/test_readme_figures.py runs the --check logic.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
FIX = ".venv/bin/python scripts/readme_figures.py"
BLOCK = re.compile(
    r"<!-- figures:(?P<name>[a-z0-9_]+) start -->\n.*?<!-- figures:(?P=name) end -->", re.DOTALL
)


def documents() -> list[Path]:
    """The files whose figure blocks this script writes."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def results(name: str) -> dict[str, object]:
    """The results file a benchmark saved for block ``name``."""
    loaded: dict[str, object] = json.loads((RESULTS / f"{name}.json").read_text())
    return loaded


def command(saved: dict[str, object]) -> str:
    """The command line that produced a results file."""
    arguments = saved["arguments"]
    assert isinstance(arguments, list)
    return shlex.join([".venv/bin/python", str(saved["script"]), *map(str, arguments)])


def render(name: str) -> str:
    """Block ``name`` as the results file says it: the command, its date, its printed lines."""
    saved = results(name)
    lines = saved["lines"]
    assert isinstance(lines, list)
    printed = "\n".join(map(str, lines))
    return (
        f"<!-- figures:{name} start -->\n"
        f"`{command(saved)}` printed on {saved['date']}\n"
        f"(saved in `benchmarks/results/{name}.json`; `scripts/readme_figures.py` writes this "
        "block):\n\n"
        f"```text\n{printed}\n```\n"
        f"<!-- figures:{name} end -->"
    )


def rendered(text: str) -> str:
    """``text`` with every figures block rewritten from its results file."""
    return BLOCK.sub(lambda match: render(match["name"]), text)


def stale(path: Path) -> list[str]:
    """Names of the blocks in ``path`` that differ from their results files."""
    text = path.read_text()
    return [m["name"] for m in BLOCK.finditer(text) if m[0] != render(m["name"])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale blocks")
    args = parser.parse_args(argv)
    status = 0
    for path in documents():
        names = stale(path)
        if not names:
            continue
        where = path.relative_to(ROOT)
        if args.check:
            print(f"{where}: figures {', '.join(names)} differ from benchmarks/results: run {FIX}")
            status = 1
        else:
            path.write_text(rendered(path.read_text()))
            print(f"{where}: figures {', '.join(names)} rewritten")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
