"""Mutation testing of the tap's core modules, one mutant on disk at a time.

The tests run the tap as a subprocess (``python -m tap_mixmax``), so an in-process
mutation tool would miss them; this writes each mutant over the module's file, runs the
fast tests that exercise it with ``-x``, and restores the file. ``scripts/mutation.sh``
runs it in a scratch copy of the last commit, so the working tree is never touched. A
mutant is killed when the tests fail (or run past the timeout), and survives when they
pass.

    python scripts/mutate.py                       # every module, every mutant, in place
    python scripts/mutate.py --sample 40 --seed 1  # 40 mutants drawn at random
    python scripts/mutate.py --module walk --list  # the mutants, without running tests

A line ending in ``# pragma: no mutate`` is left alone.
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The module under test and the fast tests that exercise it, fastest first (-x stops at
# the first failure, so a killed mutant usually costs one short test file).
TARGETS: dict[str, tuple[str, list[str]]] = {
    "timestamps": (
        "tap_mixmax/timestamps.py",
        [
            "tests/tap/test_timestamps.py",
            "tests/tap/test_conform.py",
            "tests/tap/test_timezones.py",
            "tests/tap/test_schemas.py",
        ],
    ),
    "budget": (
        "tap_mixmax/budget.py",
        [
            "tests/tap/test_budget.py",
            "tests/adversarial/test_waits.py",
            "tests/tap/test_rate_limit.py",
            "tests/tap/test_rate_limit_waits.py",
        ],
    ),
    "bookmarks": (
        "tap_mixmax/bookmarks.py",
        [
            "tests/tap/test_bookmarks.py",
            "tests/tap/test_resume.py",
            "tests/tap/test_engine.py",
            "tests/tap/test_deletions.py",
            # The child and poll places a signal keeps.
            "tests/adversarial/test_signal_progress.py",
        ],
    ),
    "pagination": (
        "tap_mixmax/pagination.py",
        [
            "tests/tap/test_page_cap.py",
            "tests/tap/test_malformed_pages.py",
            "tests/tap/test_recipient_cap.py",
            "tests/tap/test_recipient_shifts.py",
            "tests/tap/test_progress.py",
            "tests/tap/test_errors.py",
            "tests/tap/test_endless.py",
            "tests/tap/test_engine.py",
            "tests/tap/test_incremental.py",
            # An offset list resumed from the place a signal kept.
            "tests/adversarial/test_signal_progress.py",
            "tests/tap/test_walk_places.py",
        ],
    ),
    "walk": (
        "tap_mixmax/walk.py",
        [
            "tests/tap/test_poll_bookmark.py",
            "tests/tap/test_malformed_pages.py",
            "tests/tap/test_endless.py",
            "tests/tap/test_walk_properties.py",
            "tests/tap/test_resume.py",
            "tests/tap/test_incremental.py",
            "tests/tap/test_selection.py",
            "tests/tap/test_deletions.py",
            "tests/adversarial/test_signal_progress.py",
            "tests/tap/test_keys_and_requests.py",
            "tests/tap/test_walk_places.py",
            "tests/tap/test_poll_trust.py",
            "tests/tap/test_poll_read_down.py",
        ],
    ),
    "client": (
        "tap_mixmax/client.py",
        [
            "tests/tap/test_failure_paths.py",
            "tests/tap/test_malformed_pages.py",
            "tests/tap/test_rate_limit_waits.py",
            "tests/tap/test_errors.py",
            "tests/tap/test_child_parents.py",
            # Deletions and versions, the catalog, and the row checks and user column.
            "tests/tap/test_deletions.py",
            "tests/tap/test_engine.py",
            "tests/tap/test_team.py",
            # Undeclared fields, the backoff schedule, refused responses, one-attempt lines.
            "tests/tap/test_undeclared_fields.py",
            "tests/adversarial/test_waits.py",
            "tests/adversarial/test_token_origin.py",
            "tests/adversarial/test_quick_failures.py",
            # A plain 500, and a 400 to a bookmark's cursor.
            "tests/tap/test_server_answers.py",
            "tests/tap/test_incremental.py",
            # Deselected fields asked for all the same, and a child list's kept place.
            "tests/tap/test_start_date_cuts.py",
            "tests/adversarial/test_signal_progress.py",
            "tests/tap/test_selection.py",
        ],
    ),
}

SWAPS: dict[type, type] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.And: ast.Or,
    ast.Or: ast.And,
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
}


@dataclass(frozen=True)
class Mutant:
    module: str
    index: int
    line: int
    what: str

    def __str__(self) -> str:
        return f"{TARGETS[self.module][0]}:{self.line}: {self.what}"


class Mutator(ast.NodeTransformer):
    """Walks a module in a fixed order, numbering mutation sites; applies site ``target``."""

    def __init__(self, skip_lines: set[int], target: int | None = None) -> None:
        self.skip_lines = skip_lines
        self.target = target
        self.sites: list[tuple[int, str]] = []
        self.in_annotation = False

    def _site(self, node: ast.AST, what: str) -> bool:
        """Record a site; whether it is the one to mutate."""
        line = getattr(node, "lineno", 0)
        if line in self.skip_lines or self.in_annotation:
            return False
        self.sites.append((line, what))
        return len(self.sites) - 1 == self.target

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        self.in_annotation = True
        node.annotation = self.visit(node.annotation)
        self.in_annotation = False
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        return node  # annotations only

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.returns = None  # annotations are not behaviour
        node.body = [self.visit(statement) for statement in node.body]
        node.args = self.visit(node.args)
        return node

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return node  # docstrings
        self.generic_visit(node)
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        for i, op in enumerate(node.ops):
            swap = SWAPS.get(type(op))
            if swap and self._site(node, f"{type(op).__name__} -> {swap.__name__}"):
                node.ops[i] = swap()
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        swap = SWAPS[type(node.op)]
        if self._site(node, f"{type(node.op).__name__} -> {swap.__name__}"):
            node.op = swap()
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        swap = SWAPS.get(type(node.op))
        if swap and self._site(node, f"{type(node.op).__name__} -> {swap.__name__}"):
            node.op = swap()
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not) and self._site(node, "'not x' -> 'x'"):
            return node.operand
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value = node.value
        if isinstance(value, bool):
            if self._site(node, f"{value} -> {not value}"):
                return ast.copy_location(ast.Constant(not value), node)
        elif isinstance(value, int) and self._site(node, f"{value} -> {value + 1}"):
            return ast.copy_location(ast.Constant(value + 1), node)
        return node

    def visit_Raise(self, node: ast.Raise) -> ast.AST:
        self.generic_visit(node)
        if self._site(node, "raise -> pass"):
            return ast.copy_location(ast.Pass(), node)
        return node

    def visit_Return(self, node: ast.Return) -> ast.AST:
        self.generic_visit(node)
        returns_none = node.value is None or (
            isinstance(node.value, ast.Constant) and node.value.value is None
        )
        if not returns_none and self._site(node, "return value -> return None"):
            return ast.copy_location(ast.Return(ast.Constant(None)), node)
        return node


def skipped_lines(source: str) -> set[int]:
    return {
        n for n, line in enumerate(source.splitlines(), 1) if line.endswith("# pragma: no mutate")
    }


def mutants_of(module: str) -> list[Mutant]:
    source = (ROOT / TARGETS[module][0]).read_text()
    mutator = Mutator(skipped_lines(source))
    mutator.visit(ast.parse(source))
    return [Mutant(module, i, line, what) for i, (line, what) in enumerate(mutator.sites)]


def mutated_source(mutant: Mutant) -> str:
    source = (ROOT / TARGETS[mutant.module][0]).read_text()
    tree = ast.parse(source)
    mutator = Mutator(skipped_lines(source), target=mutant.index)
    mutated = ast.fix_missing_locations(mutator.visit(copy.deepcopy(tree)))
    return ast.unparse(mutated) + "\n"


def run_tests(tests: list[str], timeout: float | None) -> tuple[str, str]:
    """'killed', 'survived' or 'timeout' for the tests against what is on disk now, and
    the end of pytest's output."""
    # No bytecode: two mutants of the same size written in the same second would
    # otherwise share a stale .pyc.
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and test paths
            command, cwd=ROOT, env=env, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return "timeout", f"the tests ran past {timeout:.0f} s"
    tail = "\n".join(done.stdout.decode(errors="replace").splitlines()[-15:])
    return ("survived" if done.returncode == 0 else "killed"), tail


def _interrupted(signum: int, frame: object) -> None:
    # A terminated run must still restore the module it was mutating (see main's finally).
    raise KeyboardInterrupt


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", choices=sorted(TARGETS))
    parser.add_argument("--sample", type=int, help="run this many mutants drawn at random")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument(
        "--pick",
        action="append",
        metavar="MUTANT",
        help="run only the mutant printed as this line (e.g. a survivor of a run), repeatable",
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="most seconds per mutant")
    parser.add_argument(
        "--shard",
        metavar="K/N",
        help="run only every N-th chosen mutant from the K-th (1-based): N copies run in parallel",
    )
    return parser.parse_args()


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupted)
    args = parse_args()

    modules = args.module or list(TARGETS)
    everything = [m for module in modules for m in mutants_of(module)]
    chosen = everything
    if args.sample is not None and args.sample < len(everything):
        chosen = sorted(
            random.Random(args.seed).sample(everything, args.sample),
            key=lambda m: (modules.index(m.module), m.index),
        )
    if args.pick:
        wanted = set(args.pick)
        chosen = [m for m in everything if str(m) in wanted]
    if args.shard:
        k, n = (int(part) for part in args.shard.split("/"))
        chosen = chosen[k - 1 :: n]
    if args.list:
        for mutant in chosen:
            print(mutant)
        print(f"{len(chosen)} of {len(everything)} mutants")
        return 0

    # The unmutated tests must pass; how long they take sets each mutant's timeout (a
    # mutant that makes a loop spin is killed by it, not waited for).
    timeouts: dict[str, float] = {}
    for module in sorted({m.module for m in chosen}, key=modules.index):
        began = time.monotonic()
        # No timeout here: on a loaded machine (JOBS=2) the baseline may take longer than
        # a mutant is later allowed, and a slow baseline is not a failing one.
        status, tail = run_tests(TARGETS[module][1], None)
        if status != "survived":
            print(tail, file=sys.stderr)
            print(f"the tests of {module} fail without any mutant: fix them first", file=sys.stderr)
            return 2
        timeouts[module] = min(args.timeout, 2 * (time.monotonic() - began) + 30)
        print(f"baseline {module}: tests pass; timeout {timeouts[module]:.0f} s", flush=True)

    started = time.monotonic()
    survivors: list[Mutant] = []
    killed = 0
    for n, mutant in enumerate(chosen, 1):
        path = ROOT / TARGETS[mutant.module][0]
        original = path.read_bytes()
        try:
            path.write_text(mutated_source(mutant))
            status, _ = run_tests(TARGETS[mutant.module][1], timeouts[mutant.module])
        finally:
            path.write_bytes(original)
        if status == "survived":
            survivors.append(mutant)
        else:
            killed += 1
        print(f"[{n}/{len(chosen)}] {status:8} {mutant}", flush=True)

    minutes = (time.monotonic() - started) / 60
    score = 100.0 * killed / len(chosen) if chosen else 100.0
    print(
        f"\nmutation score: {killed}/{len(chosen)} killed ({score:.1f}%), "
        f"{len(everything)} mutants in all, {minutes:.1f} min"
    )
    for mutant in survivors:
        print(f"survived: {mutant}")
    return 0 if not survivors else 1


if __name__ == "__main__":
    sys.exit(main())
