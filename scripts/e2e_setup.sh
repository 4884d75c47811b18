#!/usr/bin/env bash
# Prerequisites of the end-to-end tests (tests/e2e), idempotent:
#   1. PostgreSQL server + client from Debian's packages (apt-get), unless already installed;
#   2. Meltano in its own virtualenv, .e2e/meltano (override: E2E_DIR, PYTHON);
#   3. `meltano install`: the plugins of ./meltano.yml (tap-mixmax from this checkout,
#      target-jsonl, target-duckdb, target-postgres) into .meltano/;
#   4. for each other Python the package claims (E2E_PYTHONS, default "3.12 3.13"): the tap
#      (built and installed from this checkout, not editable) in .e2e/py<version>, and
#      target-jsonl in .e2e/py<version>-target-jsonl, for tests/e2e/test_python_versions.py.
#      A Python is found as python<version> on PATH or under pyenv's versions
#      (${PYENV_ROOT:-~/.pyenv}/versions/<version>.*).
#
# Run from anywhere:  bash scripts/e2e_setup.sh
# Then:               .venv/bin/pytest -m e2e tests/e2e
# (the tests find Meltano through MELTANO_BIN, default .e2e/meltano/bin/meltano).
set -euo pipefail

MELTANO_VERSION="4.4.1"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E_DIR="${E2E_DIR:-${ROOT}/.e2e}"
PYTHON="${PYTHON:-python3}"
started=$(date +%s)

log() { echo "e2e_setup: $*"; }

# 1. PostgreSQL (Debian's packages).
have_pg_server() {
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}
if have_pg_server && command -v psql >/dev/null 2>&1; then
    log "PostgreSQL already installed ($(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1))"
else
    if [ "$(id -u)" -ne 0 ]; then
        log "PostgreSQL is missing and this is not root: run 'sudo apt-get install postgresql'" >&2
        exit 1
    fi
    log "installing PostgreSQL from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends postgresql postgresql-client >/dev/null
fi

# 2. Meltano in its own virtualenv (kept out of git by .e2e/.gitignore).
mkdir -p "${E2E_DIR}"
[ -f "${E2E_DIR}/.gitignore" ] || echo '*' >"${E2E_DIR}/.gitignore"
MELTANO="${E2E_DIR}/meltano/bin/meltano"
if [ -x "${MELTANO}" ] && "${MELTANO}" --version 2>/dev/null | grep -q "version ${MELTANO_VERSION}\$"; then
    log "Meltano ${MELTANO_VERSION} already in ${E2E_DIR}/meltano"
else
    log "installing Meltano ${MELTANO_VERSION} into ${E2E_DIR}/meltano"
    rm -rf "${E2E_DIR}/meltano"
    "${PYTHON}" -m venv "${E2E_DIR}/meltano"
    "${E2E_DIR}/meltano/bin/pip" install -q "meltano==${MELTANO_VERSION}"
fi

# 3. The Meltano project's plugins (uv-built virtualenvs under .meltano/).
cd "${ROOT}"
log "meltano install (tap-mixmax from this checkout, target-jsonl, target-duckdb, target-postgres)"
MELTANO_SEND_ANONYMOUS_USAGE_STATS=false "${MELTANO}" --log-level=warning install

for exe in .meltano/extractors/tap-mixmax/venv/bin/tap-mixmax \
    .meltano/loaders/target-jsonl/venv/bin/target-jsonl \
    .meltano/loaders/target-duckdb/venv/bin/target-duckdb \
    .meltano/loaders/target-postgres/venv/bin/target-postgres; do
    [ -x "${exe}" ] || { log "missing after meltano install: ${exe}" >&2; exit 1; }
done
# 4. The tap under the other Python versions it claims.
find_python() {
    local version="$1" candidate
    for candidate in "python${version}" \
        $(ls -d "${PYENV_ROOT:-${HOME}/.pyenv}/versions/${version}."*/bin/"python${version}" 2>/dev/null | sort -V | tail -n 1); do
        # pyenv's shims exist for every installed version but fail outside it: run it.
        if "${candidate}" -c 'import sys' >/dev/null 2>&1; then
            echo "${candidate}"
            return 0
        fi
    done
    return 1
}
for version in ${E2E_PYTHONS:-3.12 3.13}; do
    if ! python_bin="$(find_python "${version}")"; then
        log "Python ${version} not found (python${version} or pyenv): its tests will say so"
        continue
    fi
    venv="${E2E_DIR}/py${version}"
    [ -x "${venv}/bin/python" ] || "${python_bin}" -m venv "${venv}"
    log "tap-mixmax into ${venv} ($("${venv}/bin/python" --version))"
    "${venv}/bin/pip" install -q "${ROOT}"
    # The same version again from the work tree as it is now (pip skips an equal version).
    "${venv}/bin/pip" install -q --no-deps --force-reinstall "${ROOT}"
    target="${E2E_DIR}/py${version}-target-jsonl"
    if [ ! -x "${target}/bin/target-jsonl" ]; then
        "${python_bin}" -m venv "${target}"
        "${target}/bin/pip" install -q "target-jsonl==0.1.4"
    fi
done

log "done in $(($(date +%s) - started)) s; MELTANO_BIN=${MELTANO}"
