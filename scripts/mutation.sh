#!/usr/bin/env bash
# Mutation testing of the tap's core modules (timestamps, budget, bookmarks, pagination,
# walk, client): each mutant is written over the module's file, the fast tests that
# exercise it run (they start the tap as a subprocess), and the file is restored.
#
#   bash scripts/mutation.sh                        # all ~300 mutants (hours on 2 cores)
#   bash scripts/mutation.sh --sample 60 --seed 13  # a random sample (about 25 minutes)
#   bash scripts/mutation.sh --module walk --list   # list one module's mutants
#
# It runs in a scratch copy of the last commit (git archive HEAD), so the working tree is
# never mutated and other test runs can go on meanwhile; uncommitted changes are not
# tested. Not part of CI: it is slow.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${ROOT}"
if [ -n "$(git status --porcelain -- tap_mixmax tests scripts/mutate.py)" ]; then
    echo "mutation: uncommitted changes under tap_mixmax/ or tests/ are not tested (HEAD is)" >&2
fi
SCRATCH="$(mktemp -d)"
trap 'rm -rf "${SCRATCH}"' EXIT
git archive HEAD | tar -x -C "${SCRATCH}"
cd "${SCRATCH}"
# `python -m` puts the scratch copy first on sys.path, ahead of the editable install, and
# the tests' `python -m tap_mixmax` subprocesses inherit that working directory.
"${ROOT}/.venv/bin/python" scripts/mutate.py "$@"
