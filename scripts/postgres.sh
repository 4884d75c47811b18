#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for the end-to-end tests, on loopback only.
#
#   scripts/postgres.sh start    # initdb (first time) + start; prints the connection settings
#   scripts/postgres.sh stop     # stop the server (keeps the data dir)
#   scripts/postgres.sh destroy  # stop and delete the data dir
#   scripts/postgres.sh status   # exit 0 when it accepts connections
#
# Settings (environment):
#   E2E_PG_PORT      port on 127.0.0.1               (default 55432)
#   E2E_PG_DIR       cluster folder (data + socket)  (default ${TMPDIR:-/tmp}/tap-mixmax-e2e-pg-$E2E_PG_PORT)
#   E2E_PG_PASSWORD  password of the postgres role   (default e2e-postgres; throwaway)
#
# The server runs as the `postgres` OS user when this script runs as root (CI does), since
# PostgreSQL refuses to run as root. Binaries come from Debian's postgresql package
# (scripts/e2e_setup.sh installs it).
set -euo pipefail
# The server runs as the postgres user, who may not be allowed into the caller's folder.
cd /

PORT="${E2E_PG_PORT:-55432}"
BASE="${E2E_PG_DIR:-${TMPDIR:-/tmp}/tap-mixmax-e2e-pg-${PORT}}"
PASSWORD="${E2E_PG_PASSWORD:-e2e-postgres}"
DATA="${BASE}/data"
SOCK="${BASE}/socket"
LOG="${BASE}/server.log"

pg_bindir() {
    local dir
    if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
        pg_config --bindir
        return
    fi
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -n "${dir}" ] && [ -x "${dir}/initdb" ]; then
        echo "${dir}"
        return
    fi
    echo "postgres.sh: PostgreSQL server binaries not found; run scripts/e2e_setup.sh (apt-get install postgresql)" >&2
    exit 1
}

BIN="$(pg_bindir)"

# Run a command as the cluster owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

is_ready() {
    "${BIN}/pg_isready" -q -h 127.0.0.1 -p "${PORT}" >/dev/null 2>&1
}

init_cluster() {
    mkdir -p "${BASE}" "${SOCK}"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "${BASE}" "${SOCK}"
    fi
    local pwfile
    pwfile="$(mktemp)"
    printf '%s\n' "${PASSWORD}" >"${pwfile}"
    chmod 644 "${pwfile}"
    as_owner "${BIN}/initdb" -D "${DATA}" -U postgres --pwfile="${pwfile}" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "${pwfile}"
    cat >>"${DATA}/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = ${PORT}
unix_socket_directories = '${SOCK}'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
EOF
}

start() {
    if is_ready; then
        echo "postgres.sh: already running on 127.0.0.1:${PORT}"
    else
        [ -f "${DATA}/PG_VERSION" ] || init_cluster
        as_owner "${BIN}/pg_ctl" -D "${DATA}" -l "${LOG}" -w -t 60 start >/dev/null
        echo "postgres.sh: started on 127.0.0.1:${PORT} (data ${DATA}, log ${LOG})"
    fi
    echo "TARGET_POSTGRES_HOST=127.0.0.1 TARGET_POSTGRES_PORT=${PORT} TARGET_POSTGRES_USER=postgres TARGET_POSTGRES_PASSWORD=${PASSWORD} TARGET_POSTGRES_DATABASE=postgres"
}

stop() {
    if [ -f "${DATA}/postmaster.pid" ]; then
        as_owner "${BIN}/pg_ctl" -D "${DATA}" -m fast -w -t 60 stop >/dev/null
        echo "postgres.sh: stopped 127.0.0.1:${PORT}"
    else
        echo "postgres.sh: not running (${DATA})"
    fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
destroy)
    stop
    rm -rf "${BASE}"
    echo "postgres.sh: removed ${BASE}"
    ;;
status)
    if is_ready; then
        echo "postgres.sh: accepting connections on 127.0.0.1:${PORT}"
    else
        echo "postgres.sh: not accepting connections on 127.0.0.1:${PORT}"
        exit 1
    fi
    ;;
*)
    echo "usage: $0 start|stop|destroy|status" >&2
    exit 2
    ;;
esac
