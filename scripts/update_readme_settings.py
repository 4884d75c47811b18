#!/usr/bin/env python3
"""Rewrite README.md's settings table from `tap-mixmax --about --format=markdown`.

The table sits between the markers ``<!-- settings:start -->`` and ``<!-- settings:end -->``.
Usage (from the repo root):

    .venv/bin/python scripts/update_readme_settings.py           # rewrite README.md
    .venv/bin/python scripts/update_readme_settings.py --check   # exit 1 if it is stale

tests/e2e/test_readme_settings.py runs the --check logic.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
START = "<!-- settings:start -->"
END = "<!-- settings:end -->"
FIX = ".venv/bin/python scripts/update_readme_settings.py"


def tap_executable() -> Path:
    return Path(sys.executable).parent / "tap-mixmax"


def about_markdown() -> str:
    proc = subprocess.run(  # noqa: S603 - our own console script
        [str(tap_executable()), "--about", "--format=markdown"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return proc.stdout


def settings_table(markdown: str) -> str:
    """The settings table of the --about markdown: its header row through its last row."""
    lines = markdown.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("| Setting "):
            end = i
            while end < len(lines) and lines[end].startswith("|"):
                end += 1
            return "\n".join(lines[i:end])
    raise ValueError("no settings table (a line starting with '| Setting ') in --about output")


def render_block(table: str) -> str:
    return f"{START}\n{table}\n{END}"


def current_block(readme: str) -> str | None:
    start = readme.find(START)
    end = readme.find(END, start + len(START))
    if start < 0 or end < 0:
        return None
    return readme[start : end + len(END)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report a stale table")
    args = parser.parse_args(argv)
    readme = README.read_text()
    wanted = render_block(settings_table(about_markdown()))
    block = current_block(readme)
    if block is None:
        print(f"README.md has no {START} ... {END} block; add both markers first")
        return 1
    if block == wanted:
        print("README.md settings table is current")
        return 0
    if args.check:
        print(f"README.md settings table is stale: run {FIX}")
        return 1
    README.write_text(readme.replace(block, wanted, 1))
    print("README.md settings table rewritten")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
