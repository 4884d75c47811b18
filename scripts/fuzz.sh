#!/usr/bin/env bash
# The hostile-server fuzzer (tests/adversarial/test_fuzz_server.py) with more examples than
# the suite's default: FUZZ_EXAMPLES=2000 bash scripts/fuzz.sh. Prints its time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export FUZZ_EXAMPLES="${FUZZ_EXAMPLES:-500}"
began=${SECONDS}
status=0
.venv/bin/pytest -q -p no:cacheprovider tests/adversarial/test_fuzz_server.py \
    --hypothesis-show-statistics "$@" || status=$?
echo "fuzz: ${FUZZ_EXAMPLES} examples in $((SECONDS - began)) s" >&2
exit "${status}"
