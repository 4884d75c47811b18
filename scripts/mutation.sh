#!/usr/bin/env bash
# Mutation testing of the tap's core modules (timestamps, budget, bookmarks, pagination,
# walk, client): each mutant is written over the module's file, the fast tests that
# exercise it run (they start the tap as a subprocess), and the file is restored.
#
#   bash scripts/mutation.sh                        # all ~480 mutants (hours on 2 cores)
#   JOBS=2 bash scripts/mutation.sh                 # the same, two copies in parallel
#   bash scripts/mutation.sh --sample 60 --seed 13  # a random sample (about 25 minutes)
#   bash scripts/mutation.sh --module walk --list   # list one module's mutants
#
# It runs in scratch copies of the last commit (git archive HEAD), one per job, so the
# working tree is never mutated and other test runs can go on meanwhile; uncommitted
# changes are not tested. With JOBS=N each copy takes every N-th mutant (--shard), and the
# script prints each copy's results in turn. Not part of CI: it is slow.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS="${JOBS:-1}"
cd "${ROOT}"
if [ -n "$(git status --porcelain -- tap_mixmax tests scripts/mutate.py)" ]; then
    echo "mutation: uncommitted changes under tap_mixmax/ or tests/ are not tested (HEAD is)" >&2
fi
SCRATCH="$(mktemp -d)"
trap 'rm -rf "${SCRATCH}"' EXIT
if [ "${JOBS}" = "1" ]; then
    git archive HEAD | tar -x -C "${SCRATCH}"
    cd "${SCRATCH}"
    # `python -m` puts the scratch copy first on sys.path, ahead of the editable install,
    # and the tests' `python -m tap_mixmax` subprocesses inherit that working directory.
    exec "${ROOT}/.venv/bin/python" scripts/mutate.py "$@"
fi
pids=()
for job in $(seq 1 "${JOBS}"); do
    mkdir "${SCRATCH}/${job}"
    git archive HEAD | tar -x -C "${SCRATCH}/${job}"
    (cd "${SCRATCH}/${job}" && "${ROOT}/.venv/bin/python" scripts/mutate.py "$@" \
        --shard "${job}/${JOBS}" > "${SCRATCH}/${job}.log" 2>&1) &
    pids+=($!)
done
status=0
for job in $(seq 1 "${JOBS}"); do
    wait "${pids[$((job - 1))]}" || status=1
    echo "== job ${job} of ${JOBS}"
    cat "${SCRATCH}/${job}.log"
done
exit "${status}"
