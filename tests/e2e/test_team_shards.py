"""A team past one machine: two Meltano shards inheriting from tap-mixmax, run in parallel.

Four simulated users, two per shard (``api_tokens``); some objects are shared across the
shards. Each shard loads its own PostgreSQL schema through its own target-postgres (so no
two processes upsert one key), ``scripts/team_shard_views.py`` unions them into views, and
every view must hold exactly the keys all four users can read: none missing, none twice.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import (
    ROOT,
    Catalog,
    MeltanoProject,
    Postgres,
    expected_rows,
    plugin_venv,
    read_postgres,
    row_key,
)

SHARDS = {"a": ("ada", "bob"), "b": ("cyd", "dee")}
VIEWS = "mixmax_team"


def give_team_data(sim: Any) -> None:
    """cyd and dee get objects of their own; some of ada's and bob's are shared with them."""
    for name in ("cyd", "dee"):
        token = sim.add_user(name)
        for _ in range(3):
            sequence = sim.insert("sequences", token=token)
            sim.insert("sequences/recipients", token=token, parent_id=sequence["_id"])
        for collection in ("contacts", "polls", "snippets"):
            sim.insert(collection, token=token)
    ada, bob = sim.tokens["ada"], sim.tokens["bob"]
    sim.share("sequences", sim.visible("sequences", ada)[0]["_id"], sim.tokens["cyd"])
    sim.share("sequences", sim.visible("sequences", bob)[0]["_id"], sim.tokens["dee"])
    sim.share("contactgroups", sim.visible("contactgroups", ada)[0]["_id"], sim.tokens["dee"])


class ShardedProject(MeltanoProject):
    """The repo's meltano.yml plus one extractor and one loader per shard (inherit_from)."""

    sim: Any = None

    def write_meltano_yml(self) -> None:
        project = yaml.safe_load((ROOT / "meltano.yml").read_text())
        plugins = project["plugins"]
        for shard, users in SHARDS.items():
            plugins["extractors"].append(
                {
                    "name": f"tap-mixmax-shard-{shard}",
                    "inherit_from": "tap-mixmax",
                    # "" keeps tap-mixmax's own api_token (set in the dev environment)
                    # from being inherited: a team run refuses both.
                    "config": {
                        "api_token": "",
                        "api_tokens": [self.sim.tokens[user] for user in users],
                    },
                }
            )
            plugins["loaders"].append(
                {
                    "name": f"target-postgres-shard-{shard}",
                    "inherit_from": "target-postgres",
                    "config": {"default_target_schema": f"mixmax_shard_{shard}"},
                }
            )
        (self.root / "meltano.yml").write_text(yaml.safe_dump(project, sort_keys=False))

    def link_shard_venvs(self) -> None:
        """The shards use the venvs `meltano install` built for the plugins they inherit."""
        for kind, base in (("extractors", "tap-mixmax"), ("loaders", "target-postgres")):
            for shard in SHARDS:
                (self.root / ".meltano" / kind / f"{base}-shard-{shard}").symlink_to(
                    ROOT / ".meltano" / kind / base, target_is_directory=True
                )


def run_in_parallel(project: MeltanoProject, sim: Any) -> None:
    """``meltano run`` of every shard at once, as an orchestrator would."""
    runs = [
        subprocess.Popen(
            [str(project.meltano), "run", f"tap-mixmax-shard-{s}", f"target-postgres-shard-{s}"],
            cwd=project.root,
            env=project.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for s in SHARDS
    ]
    try:
        outcomes = [run.communicate(timeout=900) for run in runs]
    finally:
        for run in runs:
            if run.poll() is None:
                run.kill()
                run.communicate()
    for run, (_, stderr) in zip(runs, outcomes, strict=True):
        assert run.returncode == 0, stderr[-3000:]
        for token in sim.tokens.values():
            assert token not in stderr


def expected_readers(
    sim: Any, stream: str, keys: list[str], tokens: list[str]
) -> dict[tuple[str, ...], set[str]]:
    """Each key of ``stream`` the team can read, and the user ids that can read it."""
    readers: dict[tuple[str, ...], set[str]] = {}
    for token in tokens:
        gated = stream in ("meeting_summaries", "meeting_transcripts")
        if gated and "mixmaxApi" not in sim.api.accounts[token].features:
            continue  # Mixmax answers 403 to users without the feature
        user_id = sim.visible("users/me", token)[0]["_id"]
        for parent_id, row in expected_rows(sim, stream, token):
            readers.setdefault(row_key(row, keys, parent_id), set()).add(user_id)
    return readers


@pytest.mark.e2e
def test_two_shards_in_parallel_land_every_key_once(
    meltano_bin: Path, simulator: Any, catalog: Catalog, postgres: Postgres, tmp_path: Path
) -> None:
    plugin_venv("extractors", "tap-mixmax")
    plugin_venv("loaders", "target-postgres")
    give_team_data(simulator)
    project = ShardedProject(
        meltano=meltano_bin,
        root=tmp_path / "meltano-project",
        overrides={
            "TAP_MIXMAX_API_URL": simulator.base_url,
            "TAP_MIXMAX_START_DATE": "2000-01-01T00:00:00Z",
            "TARGET_POSTGRES_HOST": postgres.host,
            "TARGET_POSTGRES_PORT": str(postgres.port),
            "TARGET_POSTGRES_USER": postgres.user,
            "TARGET_POSTGRES_PASSWORD": postgres.password,
            "TARGET_POSTGRES_DATABASE": postgres.database,
        },
    )
    project.sim = simulator
    project.root.mkdir(parents=True)
    project.setup()
    # Meltano's system database is made on first use: once, before the parallel runs.
    project("state", "list")
    run_in_parallel(project, simulator)
    views = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "team_shard_views.py"), VIEWS]
        + [f"mixmax_shard_{shard}" for shard in SHARDS],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    postgres.psql(views)

    tables = read_postgres(postgres, VIEWS)
    shard_tables = [read_postgres(postgres, f"mixmax_shard_{shard}") for shard in SHARDS]
    tokens = [simulator.tokens[user] for users in SHARDS.values() for user in users]
    checked = 0
    for stream in catalog.mirrored_by_default():
        keys = catalog.key_properties(stream)
        readers = expected_readers(simulator, stream, keys, tokens)
        table = tables.get(stream)
        if table is None:
            assert not readers, f"{stream}: no view, but users can read {len(readers)} rows"
            continue
        got = table.keys(keys)
        assert len(got) == len(set(got)), f"{stream}: duplicated keys in the view"
        assert set(got) == set(readers), (
            f"{stream}: missing {sorted(set(readers) - set(got))[:3]}, "
            f"extra {sorted(set(got) - set(readers))[:3]}"
        )
        column = table.column("_mixmax_user_id")
        assert column is not None
        # The view's rule: of the shards' rows for a key, the lowest user id (byte order).
        shard_users: dict[tuple[str, ...], set[str]] = {}
        for shard_table in (t[stream] for t in shard_tables if stream in t):
            for key, row in zip(shard_table.keys(keys), shard_table.rows, strict=True):
                shard_users.setdefault(key, set()).add(row[column])
        for key, row in zip(got, table.rows, strict=True):
            assert row[column] in readers[key], f"{stream}: {key} names a user who cannot read it"
            assert row[column] == min(shard_users[key]), f"{stream}: the view's reader rule"
        checked += len(got)
    assert checked
    shared = tables["sequences"]
    assert len(shared.rows) < sum(len(simulator.visible("sequences", t)) for t in tokens)
    # One state per shard, holding the bookmarks of that shard's users only.
    for shard, users in SHARDS.items():
        state = project.state(f"dev:tap-mixmax-shard-{shard}-to-target-postgres-shard-{shard}")
        held = state["singer_state"]["bookmarks"]["sequences"]["users"]
        wanted = {simulator.visible("users/me", simulator.tokens[u])[0]["_id"] for u in users}
        assert set(held) == wanted
