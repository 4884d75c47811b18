#!/usr/bin/env bash
# Quick start: a real extraction from the bundled Mixmax simulator through a real Singer
# target (target-jsonl), then what landed per stream. Safe to run again; needs only
# Python 3.11+ and the package indexes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
DEMO="${ROOT}/.demo"
cd "${ROOT}"

say() { echo "demo: $*" >&2; }

if [ ! -x .venv/bin/tap-mixmax ]; then
    say "installing tap-mixmax into .venv"
    "${PYTHON}" -m venv .venv
    .venv/bin/pip install -q --upgrade pip
    .venv/bin/pip install -q -e .
fi
if [ ! -x "${DEMO}/target-venv/bin/target-jsonl" ]; then
    # target-jsonl pins an old jsonschema, so it lives in a virtualenv of its own.
    say "installing target-jsonl 0.1.4 into .demo/target-venv"
    "${PYTHON}" -m venv "${DEMO}/target-venv"
    "${DEMO}/target-venv/bin/pip" install -q "target-jsonl==0.1.4"
fi

rm -rf "${DEMO}/output" "${DEMO}/port"
mkdir -p "${DEMO}/output"
.venv/bin/mixmax-simulator --host 127.0.0.1 --port 0 --seed 1 --scale 1.0 \
    --port-file "${DEMO}/port" >"${DEMO}/simulator.log" 2>&1 &
SIMULATOR=$!
trap 'kill "${SIMULATOR}" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -s "${DEMO}/port" ] && break; sleep 0.1; done
[ -s "${DEMO}/port" ] || { say "the simulator did not start: see .demo/simulator.log"; exit 1; }
PORT="$(cat "${DEMO}/port")"
say "simulator listening on http://127.0.0.1:${PORT}/v1"

cat >"${DEMO}/tap-config.json" <<JSON
{"api_token": "sim-token-ada", "api_url": "http://127.0.0.1:${PORT}/v1", "progress_interval_seconds": 10}
JSON
cat >"${DEMO}/target-config.json" <<JSON
{"destination_path": "${DEMO}/output", "do_timestamp_file": false}
JSON

say "extracting: tap-mixmax | target-jsonl (its progress below, the whole log in .demo/tap.log)"
started=$(date +%s.%N)
# The tap's records (fd 3) go to the target; its log goes to .demo/tap.log, and its
# progress, warning and error lines to the terminal as they come. The group ends when the
# tap and every filter have, so .demo/tap.log is whole when it is read below.
{
    .venv/bin/tap-mixmax --config "${DEMO}/tap-config.json" 2>&1 1>&3 3>&- \
        | tee "${DEMO}/tap.log" 3>&- \
        | { grep --line-buffered -E '[|] (WARNING|ERROR) |[|] progress: ' || true; } 3>&- \
        | sed -u 's/^[^|]*|[^|]*|[^|]*| /demo: tap: /' >&2 3>&-
} 3>&1 | "${DEMO}/target-venv/bin/target-jsonl" --config "${DEMO}/target-config.json" \
    >"${DEMO}/state.jsonl"
finished=$(date +%s.%N)

.venv/bin/python - "${DEMO}" "${started}" "${finished}" <<'PY'
import json, pathlib, sys

demo = pathlib.Path(sys.argv[1])
elapsed = float(sys.argv[3]) - float(sys.argv[2])
files = sorted((demo / "output").glob("*.jsonl"))
total = 0
print(f"{'stream':<28} {'rows':>7}")
for path in files:
    rows = sum(1 for line in path.open() if line.strip())
    total += rows
    print(f"{path.stem:<28} {rows:>7}")
print(f"{'total':<28} {total:>7}  ({len(files)} streams in {elapsed:.1f} s)")
lines = [l for l in (demo / "state.jsonl").read_text().splitlines() if l.strip()]
state = json.loads(lines[-1]) if lines else {}
bookmarks = state.get("bookmarks", {})
with_cursor = sorted(s for s, b in bookmarks.items() if "previous" in b)
print(f"final state: {len(with_cursor)} streams bookmarked with a 'previous' cursor "
      f"(saved to .demo/state.jsonl; rows in .demo/output/)")
PY
grep "so far: rate budget" "${DEMO}/tap.log" | tail -n 1 | sed 's/.*so far: /demo: /' >&2
