#!/usr/bin/env bash
# Mutation testing of the tap's core modules (timestamps, budget, bookmarks, pagination,
# walk, client): each mutant is written over the module's file, the fast tests that
# exercise it run against the tap as a subprocess, and the file is restored.
#
#   bash scripts/mutation.sh                        # all ~300 mutants (hours on 2 cores)
#   bash scripts/mutation.sh --sample 60 --seed 13  # a random sample (about 20 minutes)
#   bash scripts/mutation.sh --module walk --list   # list one module's mutants
#
# Not part of CI: it is slow. Do not edit tap_mixmax/ while it runs; an interrupted run
# restores the module it was mutating (see scripts/mutate.py).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -n "$(git status --porcelain -- tap_mixmax)" ]; then
    echo "mutation: tap_mixmax/ has uncommitted changes; commit or stash them first" >&2
    exit 2
fi
exec .venv/bin/python scripts/mutate.py "$@"
