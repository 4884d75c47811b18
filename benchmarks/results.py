"""Save what a benchmark printed as its results file, for the README's figure blocks.

A benchmark prints its lines as it measures (through ``Printed.line``) and ends with
``Printed.save()``, which writes ``benchmarks/results/<script name>.json``: the script's
path, the arguments it ran with, the date, and the printed lines. ``scripts/readme_figures.py``
renders each ``<!-- figures:<script name> start -->`` block of README.md and docs/*.md from
that file; tests/test_readme_figures.py fails when a block differs from its rendering.
"""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


class Printed:
    """The lines a benchmark prints, kept to be saved with the script's name and arguments."""

    def __init__(self, script: str, arguments: list[str] | None = None) -> None:
        self.script = Path(script).resolve()
        self.arguments = list(sys.argv[1:] if arguments is None else arguments)
        self.lines: list[str] = []

    def line(self, text: str) -> None:
        print(text, flush=True)
        self.lines.append(text)

    def save(self) -> Path:
        """Write the results file; the README blocks are rendered from it."""
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{self.script.stem}.json"
        document = {
            "script": f"{HERE.name}/{self.script.name}",
            "arguments": self.arguments,
            "date": datetime.datetime.now(datetime.UTC).date().isoformat(),
            "lines": self.lines,
        }
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        print(f"saved {path.relative_to(HERE.parent)}", file=sys.stderr)
        return path
