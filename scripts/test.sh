#!/usr/bin/env bash
# The whole test suite from a fresh clone: install, lint, type-check, then every test,
# the Meltano / target-jsonl / DuckDB / PostgreSQL end-to-end runs included.
# SKIP_E2E=1 leaves out the end-to-end tests (and their Meltano and PostgreSQL setup); it is
# the one way to: a missing end-to-end prerequisite fails its tests, and any skip fails the run.
# The tests other than end-to-end run first without coverage, spread over twice as many
# workers as cores (pytest-xdist), and the script prints their time: a failure stops it there.
# Then the coverage run: the same tests with -n auto, and the end-to-end tests in one
# process after them (they share one PostgreSQL and Meltano install). pytest prints one
# line per test file with a running count ("[ 412/1394]"); the script ends with the
# coverage run's time and the total time.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
cd "${ROOT}"

say() { echo "test: $*" >&2; }
minutes() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
STARTED=${SECONDS}
trap 'say "total time $(minutes $((SECONDS - STARTED)))"' EXIT

if [ ! -x .venv/bin/python ]; then
    "${PYTHON}" -m venv .venv
fi
say "installing tap-mixmax with its development tools into .venv"
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[dev]'

say "ruff check, ruff format --check, mypy"
.venv/bin/ruff check .
.venv/bin/ruff format --check tap_mixmax tests scripts benchmarks
.venv/bin/mypy

WORKERS="${PYTEST_WORKERS:-auto}"
# Without coverage, twice as many workers as cores: much of the suite waits (rate windows,
# Retry-After, backoff, signals at set moments) rather than computes, and the waits overlap.
FAST_WORKERS="${PYTEST_WORKERS:-$(($(nproc) * 2))}"

# pytest's exit code 5 says the selection held no test: a script run on a few e2e (or
# only non-e2e) paths leaves one of its parts empty, which is no failure.
none_is_fine() {
    local code=0
    "$@" || code=$?
    return $((code == 5 ? 0 : code))
}

say "pytest, end-to-end tests left out, without coverage (-n ${FAST_WORKERS})"
began=${SECONDS}
none_is_fine .venv/bin/pytest -q -p no:cacheprovider -n "${FAST_WORKERS}" -m "not e2e" "$@"
say "pytest without the end-to-end tests took $(minutes $((SECONDS - began))) (no coverage)"

# pytest under coverage: `patch = ["subprocess"]` (pyproject) measures the xdist workers
# and the tap processes the tests start too; the report is branch coverage of tap_mixmax/
# without the simulator, failing under `fail_under`.
coverage_run() {
    none_is_fine .venv/bin/coverage run -m pytest -o console_output_style=count "$@"
}

say_coverage() {
    say "pytest under coverage took $(minutes $((SECONDS - $1)))"
    .venv/bin/coverage combine -q
    say "branch coverage of tap_mixmax/ (simulator left out)"
}

rm -rf .coverage-data && mkdir -p .coverage-data
status=0
began=${SECONDS}
if [ "${SKIP_E2E:-0}" = "1" ]; then
    say "pytest under coverage (end-to-end tests left out: SKIP_E2E=1)"
    coverage_run -n "${WORKERS}" -m "not e2e" "$@" || status=$?
    say_coverage "${began}"
    .venv/bin/coverage report || status=$((status == 0 ? 1 : status))
    exit "${status}"
fi
say "Meltano, its plugins and PostgreSQL for the end-to-end tests"
bash scripts/e2e_setup.sh
bash scripts/postgres.sh start
trap 'bash scripts/postgres.sh stop; say "total time $(minutes $((SECONDS - STARTED)))"' EXIT
began=${SECONDS}
say "pytest under coverage: the other tests (-n ${WORKERS}), then the end-to-end tests"
coverage_run -n "${WORKERS}" -m "not e2e" "$@" || status=$?
coverage_run -m e2e "$@" || status=$((status == 0 ? $? : status))
say_coverage "${began}"
.venv/bin/coverage report || status=$((status == 0 ? 1 : status))
exit "${status}"
