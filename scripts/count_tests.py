"""Count the suite's tests by kind and print the counts.

    .venv/bin/python scripts/count_tests.py

Kinds, by where a test lives:

* SDK-generated: the Singer SDK's standard tap tests (``tests/tap/test_core.py``);
* schema/seed checks: one parametrised check per stream, schema or seeded document
  (``test_schemas.py``, the simulator's seed and topology tests);
* end-to-end: Meltano, target-jsonl, DuckDB and PostgreSQL runs (``tests/e2e``);
* behaviour: everything else, tests of what the tap or the simulator does.

Each kind is given as collected test items and as test functions (a parametrised function
is one function, many items).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("SDK-generated", re.compile(r"^tests/tap/test_core\.py::")),
    (
        "schema/seed checks",
        re.compile(
            r"^tests/(tap/test_schemas|simulator/test_seed|simulator/test_seed_types"
            r"|simulator/test_topology)\.py::"
        ),
    ),
    ("end-to-end", re.compile(r"^tests/e2e/")),
    ("behaviour", re.compile(r"^tests/")),
)


def collected() -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in done.stdout.splitlines() if "::" in line]


def main() -> None:
    items: dict[str, int] = defaultdict(int)
    functions: dict[str, set[str]] = defaultdict(set)
    for node in collected():
        kind = next(name for name, pattern in KINDS if pattern.match(node))
        items[kind] += 1
        functions[kind].add(node.split("[")[0])
    for kind, _ in KINDS:
        print(f"{kind:20} {items[kind]:5} tests from {len(functions[kind]):4} functions")
    print(f"{'total':20} {sum(items.values()):5}")


if __name__ == "__main__":
    main()
