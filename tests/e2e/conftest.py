"""Fixtures for the end-to-end tests: real processes, real Singer targets, no mocks.

Prerequisites come from ``bash scripts/e2e_setup.sh`` (PostgreSQL from Debian's packages,
Meltano in ``.e2e/meltano``, ``meltano install`` of ``meltano.yml``'s plugins into
``.meltano/``). Where a prerequisite is missing the test fails, in CI and outside it alike,
with a one-line message naming that command: a skipped end-to-end test would let the
README's test command pass without having run it. ``SKIP_E2E=1`` (scripts/test.sh) is the
one way to leave these tests out.

Environment:
  MELTANO_BIN   the meltano executable (default ``.e2e/meltano/bin/meltano``)
  E2E_PG_PORT   port of the throwaway PostgreSQL cluster (default 55432, scripts/postgres.sh)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest
import yaml

from tests.stream_collections import CURSOR_COLLECTIONS, SINGLETON_COLLECTIONS

ROOT = Path(__file__).resolve().parents[2]
SETUP_CMD = "bash scripts/e2e_setup.sh"
DEMO_TOKEN = "sim-token-ada"
SIM_SCALE = 0.3
PG_PASSWORD = os.environ.get("E2E_PG_PASSWORD", "e2e-postgres")
PG_PORT = int(os.environ.get("E2E_PG_PORT", "55432"))


def missing_prerequisite(what: str) -> NoReturn:
    """Fail with one line that names the setup command (or SKIP_E2E=1 to leave e2e out)."""
    pytest.fail(f"{what}: run `{SETUP_CMD}` first, or leave e2e out with SKIP_E2E=1", pytrace=False)


# --------------------------------------------------------------------------------------
# Stream ↔ simulator collection mapping (the tap's streams, the simulator's endpoints).
# --------------------------------------------------------------------------------------

TOP_LEVEL_COLLECTIONS = {**CURSOR_COLLECTIONS, **SINGLETON_COLLECTIONS}


@dataclass(frozen=True)
class ChildSpec:
    """A child stream: its collection, its parent stream, and the parent field its rows hang on."""

    collection: str
    parent_stream: str
    parent_field: str = "_id"


CHILD_STREAMS: dict[str, ChildSpec] = {
    "sequence_recipients": ChildSpec("sequences/recipients", "sequences"),
    "snippet_tag_snippets": ChildSpec("snippettags/snippets", "snippet_tags"),
    "contact_notes": ChildSpec("contacts/notes", "contacts"),
    "contact_group_members": ChildSpec("contactgroups/contacts", "contact_groups"),
    "rule_actions": ChildSpec("rules/actions", "rules"),
    "team_members": ChildSpec("teams/members", "teams"),
    "live_feed_events": ChildSpec("livefeed/events", "live_feed"),
    "meeting_transcripts": ChildSpec("meetings/transcripts", "meeting_summaries"),
}


def expected_rows(
    sim: Any, stream: str, token: str = DEMO_TOKEN
) -> list[tuple[str | None, dict[str, Any]]]:
    """(parent id, row) for what the API lists for ``stream`` to the user of ``token``.

    Top-level streams have no parent id; children are listed under every parent the user
    can see.
    """
    if stream in TOP_LEVEL_COLLECTIONS:
        # The tap asks /contacts with includeShared=true by default.
        listed = sim.visible(TOP_LEVEL_COLLECTIONS[stream], token, include_shared=True)
        return [(None, row) for row in listed]
    if stream in CHILD_STREAMS:
        spec = CHILD_STREAMS[stream]
        rows: list[tuple[str | None, dict[str, Any]]] = []
        seen: set[str] = set()
        for _, parent in expected_rows(sim, spec.parent_stream, token):
            parent_id = parent.get(spec.parent_field)
            if parent_id is None or str(parent_id) in seen:
                continue
            seen.add(str(parent_id))
            rows.extend(
                (str(parent_id), row)
                for row in sim.visible(spec.collection, token, parent_id=str(parent_id))
            )
        return rows
    raise KeyError(f"tests/e2e/conftest.py knows no simulator collection for stream {stream!r}")


Key = tuple[str, ...]


def row_key(row: dict[str, Any], keys: list[str], parent_id: str | None = None) -> Key:
    """A row's primary key as strings; a key field the row lacks is its parent's id."""
    out = []
    for key in keys:
        value = row.get(key)
        if value is None:
            value = parent_id
        out.append(str(value))
    return tuple(out)


def expected_by_key(sim: Any, stream: str, keys: list[str]) -> dict[Key, dict[str, Any]]:
    """The simulator's rows of ``stream`` by primary key (duplicates are a test error)."""
    out: dict[Key, dict[str, Any]] = {}
    for parent_id, row in expected_rows(sim, stream):
        key = row_key(row, keys, parent_id)
        assert key not in out, f"simulator lists {stream} key {key} twice"
        out[key] = row
    return out


def norm(name: str) -> str:
    """Column-name normal form: targets lower-case (duckdb) or keep (postgres) names."""
    return "".join(ch for ch in name.lower() if ch.isalnum())


# --------------------------------------------------------------------------------------
# The tap as installed in the dev venv.
# --------------------------------------------------------------------------------------


def tap_executable() -> Path:
    exe = Path(sys.executable).parent / "tap-mixmax"
    if not exe.exists():
        pytest.fail(f"{exe} not found: install the project (`pip install -e .[dev]`)")
    return exe


@pytest.fixture(scope="session")
def tap_bin() -> Path:
    return tap_executable()


@dataclass
class Catalog:
    """The tap's discovered catalog, reduced to what the tests need."""

    raw: dict[str, Any]
    streams: dict[str, dict[str, Any]] = field(init=False)

    def __post_init__(self) -> None:
        self.streams = {s["tap_stream_id"]: s for s in self.raw["streams"]}

    def stream_metadata(self, stream: str) -> dict[str, Any]:
        for entry in self.streams[stream].get("metadata", []):
            if entry.get("breadcrumb") == []:
                return dict(entry.get("metadata", {}))
        return {}

    def mirrored_by_default(self) -> list[str]:
        """Streams selected by default whose rows mirror a simulator collection: the derived
        ``live_feed_stats`` (a run-time snapshot of counters) has none to compare."""
        from tap_mixmax.simulator.topology import DERIVED_STREAMS  # noqa: PLC0415

        return [name for name in self.selected_by_default() if name not in DERIVED_STREAMS]

    def selected_by_default(self) -> list[str]:
        out = []
        for name in self.streams:
            meta = self.stream_metadata(name)
            if meta.get("selected", meta.get("selected-by-default", False)):
                out.append(name)
        return sorted(out)

    def key_properties(self, stream: str) -> list[str]:
        keys = self.streams[stream].get("key_properties")
        if keys is None:
            keys = self.stream_metadata(stream).get("table-key-properties", [])
        return list(keys)

    def schema(self, stream: str) -> dict[str, Any]:
        return dict(self.streams[stream]["schema"])


def run_checked(
    cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run a command; on failure show its command line, exit code and the end of stderr."""
    proc = subprocess.run(
        cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or "").splitlines()[-60:])
        pytest.fail(f"{' '.join(cmd)} exited {proc.returncode}\n--- stderr (tail) ---\n{tail}")
    return proc


@pytest.fixture(scope="session")
def tap_about(tap_bin: Path) -> dict[str, Any]:
    out = run_checked([str(tap_bin), "--about", "--format=json"]).stdout
    return dict(json.loads(out))


# --------------------------------------------------------------------------------------
# Simulator.
# --------------------------------------------------------------------------------------


@pytest.fixture
def simulator() -> Iterator[Any]:
    """A fresh simulator on a free loopback port, no rate limit, scale 0.3."""
    # Imported here so the settings-drift tests don't need the simulator.
    from tap_mixmax.simulator import Simulator  # noqa: PLC0415

    with Simulator(seed=1, scale=SIM_SCALE, rate_limit=None, port=0) as sim:
        yield sim


def tap_config(sim: Any, **extra: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "api_url": sim.base_url,
        "api_token": DEMO_TOKEN,
        "start_date": "2000-01-01T00:00:00Z",
    }
    config.update(extra)
    return config


@pytest.fixture(scope="session")
def offline_catalog(tap_bin: Path) -> Catalog:
    """The tap's catalog, discovered without any server (discovery sends no request)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_MIXMAX_")}
    env.update(TAP_MIXMAX_API_TOKEN="discovery-only", TAP_MIXMAX_API_URL="http://127.0.0.1:9/v1")
    out = run_checked([str(tap_bin), "--config", "ENV", "--discover"], env=env).stdout
    return Catalog(json.loads(out))


@pytest.fixture
def catalog(tap_bin: Path, simulator: Any, tmp_path: Path) -> Catalog:
    cfg = tmp_path / "discover-config.json"
    cfg.write_text(json.dumps(tap_config(simulator)))
    out = run_checked([str(tap_bin), "--config", str(cfg), "--discover"]).stdout
    return Catalog(json.loads(out))


# --------------------------------------------------------------------------------------
# Meltano and the plugins it installed.
# --------------------------------------------------------------------------------------

PLUGIN_EXECUTABLES = {
    ("extractors", "tap-mixmax"): "tap-mixmax",
    ("loaders", "target-jsonl"): "target-jsonl",
    ("loaders", "target-duckdb"): "target-duckdb",
    ("loaders", "target-postgres"): "target-postgres",
}


def plugin_venv(kind: str, name: str) -> Path:
    venv = ROOT / ".meltano" / kind / name / "venv"
    exe = venv / "bin" / PLUGIN_EXECUTABLES[(kind, name)]
    if not exe.exists():
        missing_prerequisite(f"Meltano plugin {name} is not installed ({exe} missing)")
    return venv


@pytest.fixture(scope="session")
def meltano_bin() -> Path:
    default = ROOT / ".e2e" / "meltano" / "bin" / "meltano"
    path = Path(os.environ.get("MELTANO_BIN", str(default)))
    if not path.exists():
        found = shutil.which(str(path))
        if found is None:
            missing_prerequisite(f"meltano not found at {path} (MELTANO_BIN)")
        path = Path(found)
    return path


@dataclass
class MeltanoProject:
    """``meltano`` on a copy of this repo's meltano.yml, in a folder of the test's own.

    The copy shares the plugin virtualenvs ``meltano install`` built under the repo's
    ``.meltano/`` (symlinked), and has its own system database, so Meltano's state starts
    empty for every test. Runs use environment ``dev``; the tap and loaders are pointed at
    the test's simulator and files through Meltano's environment-variable overrides
    (TAP_MIXMAX_API_URL, TARGET_DUCKDB_FILEPATH, ...).

    ``decimal`` settings are the exception: Meltano 4.4.1 turns such a value read from an
    environment variable into a ``Decimal`` and then fails to serialise the plugin's config
    ("Object of type Decimal is not JSON serializable"), so those go into the copy's ``dev``
    environment in meltano.yml instead (``tap_config``).
    """

    meltano: Path
    root: Path
    overrides: dict[str, str] = field(default_factory=dict)
    tap_config: dict[str, Any] = field(default_factory=dict)
    logs: list[str] = field(default_factory=list)

    def setup(self) -> None:
        sys_dir = self.root / ".meltano"
        sys_dir.mkdir(parents=True, exist_ok=True)
        for kind in ("extractors", "loaders"):
            link = sys_dir / kind
            if not link.exists():
                link.symlink_to(ROOT / ".meltano" / kind, target_is_directory=True)
        self.write_meltano_yml()

    def write_meltano_yml(self) -> None:
        project = yaml.safe_load((ROOT / "meltano.yml").read_text())
        if self.tap_config:
            dev = next(e for e in project["environments"] if e["name"] == "dev")
            plugins = dev.setdefault("config", {}).setdefault("plugins", {})
            extractors = plugins.setdefault("extractors", [])
            entry = next((p for p in extractors if p["name"] == "tap-mixmax"), None)
            if entry is None:
                entry = {"name": "tap-mixmax"}
                extractors.append(entry)
            entry.setdefault("config", {}).update(self.tap_config)
        (self.root / "meltano.yml").write_text(yaml.safe_dump(project, sort_keys=False))

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TAP_MIXMAX_", "TARGET_", "MELTANO_"))
        }
        env.update(
            {
                "MELTANO_ENVIRONMENT": "dev",
                "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
                "MELTANO_CLI_LOG_LEVEL": "info",
                "NO_COLOR": "1",
            }
        )
        env.update(self.overrides)
        env.update(extra or {})
        return env

    def __call__(
        self, *args: str, extra_env: dict[str, str] | None = None, timeout: float = 900
    ) -> subprocess.CompletedProcess[str]:
        self.write_meltano_yml()
        started = time.monotonic()
        proc = run_checked(
            [str(self.meltano), *args], env=self.env(extra_env), cwd=self.root, timeout=timeout
        )
        log = self.root / f"meltano-{len(self.logs) + 1}-{args[0]}.log"
        log.write_text(f"$ meltano {' '.join(args)}\n{proc.stderr}")
        self.logs.append(f"{log} ({time.monotonic() - started:.1f}s)")
        return proc

    def state(self, state_id: str) -> dict[str, Any]:
        out = self("state", "get", state_id).stdout.strip()
        return dict(json.loads(out)) if out else {}


@pytest.fixture
def meltano_project(meltano_bin: Path, tmp_path: Path, simulator: Any) -> MeltanoProject:
    plugin_venv("extractors", "tap-mixmax")
    project = MeltanoProject(
        meltano=meltano_bin,
        root=tmp_path / "meltano-project",
        overrides={
            "TAP_MIXMAX_API_URL": simulator.base_url,
            "TAP_MIXMAX_API_TOKEN": DEMO_TOKEN,
            "TAP_MIXMAX_START_DATE": "2000-01-01T00:00:00Z",
        },
    )
    project.setup()
    return project


# --------------------------------------------------------------------------------------
# PostgreSQL (scripts/postgres.sh).
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    user: str
    password: str
    database: str

    def loader_settings(self, schema: str) -> dict[str, str]:
        """Meltano overrides that point target-postgres at this database and ``schema``."""
        return {
            "TARGET_POSTGRES_HOST": self.host,
            "TARGET_POSTGRES_PORT": str(self.port),
            "TARGET_POSTGRES_USER": self.user,
            "TARGET_POSTGRES_PASSWORD": self.password,
            "TARGET_POSTGRES_DATABASE": self.database,
            "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema,
            "TARGET_POSTGRES_ADD_RECORD_METADATA": "true",
        }

    def psql(self, sql: str) -> str:
        env = dict(os.environ, PGPASSWORD=self.password)
        proc = subprocess.run(
            [
                "psql",
                "-X",
                "-q",
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                self.host,
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                self.database,
                "-c",
                sql,
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if proc.returncode != 0:
            pytest.fail(f"psql failed ({proc.returncode}) on {sql!r}: {proc.stderr.strip()}")
        return proc.stdout

    def query_json(self, sql: str) -> Any:
        wrapped = f"SELECT coalesce(json_agg(q), '[]'::json) FROM ({sql}) q"  # noqa: S608
        out = self.psql(wrapped).strip()
        return json.loads(out)


def _pg_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "postgres.sh"), *args],
        env=dict(os.environ, E2E_PG_PORT=str(PG_PORT)),
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    """The cluster of scripts/postgres.sh; started here (and stopped after) if not running."""
    if shutil.which("psql") is None:
        missing_prerequisite("psql (PostgreSQL client) not found")
    started_here = False
    if _pg_script("status").returncode != 0:
        proc = _pg_script("start")
        if proc.returncode != 0:
            missing_prerequisite(
                f"scripts/postgres.sh start failed: {proc.stderr.strip().splitlines()[-1:]}"
            )
        started_here = True
    try:
        yield Postgres("127.0.0.1", PG_PORT, "postgres", PG_PASSWORD, "postgres")
    finally:
        if started_here:
            _pg_script("stop")


@pytest.fixture
def postgres(postgres_server: Postgres) -> Iterator[Postgres]:
    """A fresh database per test on the shared server, dropped afterwards."""
    name = f"e2e_{uuid.uuid4().hex[:12]}"
    postgres_server.psql(f'CREATE DATABASE "{name}"')
    try:
        yield Postgres(
            postgres_server.host,
            postgres_server.port,
            postgres_server.user,
            postgres_server.password,
            name,
        )
    finally:
        postgres_server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --------------------------------------------------------------------------------------
# Reading what the targets wrote.
# --------------------------------------------------------------------------------------

_DUCKDB_DUMP = """
import json, sys, duckdb
path, schema = sys.argv[1], sys.argv[2]
con = duckdb.connect(path, read_only=True)
out = {}
tables = con.execute(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", [schema]
).fetchall()
for (table,) in tables:
    cur = con.execute(f'SELECT * FROM "{schema}"."{table}"')
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    types = dict(con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ?", [schema, table]
    ).fetchall())
    out[table] = {"types": types, "rows": rows}
json.dump(out, sys.stdout, default=str)
"""


@dataclass
class Table:
    """One target table: column types and rows, keyed by normalised column name."""

    types: dict[str, str]
    rows: list[dict[str, Any]]

    def column(self, name: str) -> str | None:
        """The column holding property ``name``: exact, then case-insensitive, then normal form."""
        if name in self.types:
            return name
        for match in (str.lower, norm):
            found = [c for c in self.types if match(c) == match(name)]
            if len(found) == 1:
                return found[0]
        return None

    def keys(self, keys: list[str]) -> list[Key]:
        columns = [self.column(k) for k in keys]
        assert None not in columns, f"primary key columns {keys} not all in {list(self.types)}"
        return [tuple(str(row[c]) for c in columns if c is not None) for row in self.rows]

    def by_key(self, keys: list[str]) -> dict[Key, dict[str, Any]]:
        return dict(zip(self.keys(keys), self.rows, strict=True))


def read_duckdb(path: Path, schema: str) -> dict[str, Table]:
    """Every table of ``schema``, read with the target-duckdb venv's own duckdb."""
    python = plugin_venv("loaders", "target-duckdb") / "bin" / "python"
    out = run_checked([str(python), "-c", _DUCKDB_DUMP, str(path), schema]).stdout
    return {name: Table(t["types"], t["rows"]) for name, t in json.loads(out).items()}


def read_postgres(pg: Postgres, schema: str) -> dict[str, Table]:
    """Every table of ``schema`` (names come from the catalog, not from user input)."""
    sql = f"SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = '{schema}'"  # noqa: E501, S608
    columns = pg.query_json(sql)
    types: dict[str, dict[str, str]] = {}
    for c in columns:
        types.setdefault(c["table_name"], {})[c["column_name"]] = c["data_type"]
    return {
        name: Table(cols, pg.query_json(f'SELECT * FROM "{schema}"."{name}"'))  # noqa: S608
        for name, cols in types.items()
    }
