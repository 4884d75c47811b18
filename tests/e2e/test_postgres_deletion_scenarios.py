"""Issue 17's scenarios, through `meltano run` into meltanolabs-target-postgres with
``hard_delete: true``: after each run, every object in the simulator at the end of the
run is a row of its table (no ACTIVATE_VERSION deleted a live row)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.tap.conftest import select

from .conftest import MeltanoProject, Postgres, plugin_venv, read_postgres, tap_config

SCHEMA = "mixmax"
STATE_ID = "dev:tap-mixmax-to-target-postgres"


def configure(project: MeltanoProject, postgres: Postgres, streams: list[str], **env: str) -> None:
    plugin_venv("loaders", "target-postgres")
    project.overrides.update(
        {
            **postgres.loader_settings(SCHEMA),
            "TARGET_POSTGRES_HARD_DELETE": "true",
            "TAP_MIXMAX_EMIT_ACTIVATE_VERSION_MESSAGES": "true",
            "TAP_MIXMAX__SELECT": json.dumps([f"{stream}.*" for stream in streams]),
            **env,
        }
    )


def rows(postgres: Postgres, table: str) -> set[str]:
    found = read_postgres(postgres, SCHEMA)[table]
    return {str(row[found.column("_id") or "_id"]) for row in found.rows}


def all_recipients(sim: Any) -> set[str]:
    token = sim.tokens["ada"]
    return {
        str(row["_id"])
        for sequence in sim.visible("sequences", token)
        for row in sim.visible("sequences/recipients", token, parent_id=sequence["_id"])
    }


def run(project: MeltanoProject, **env: str) -> None:
    project("run", "tap-mixmax", "target-postgres", extra_env=env or None)


@pytest.mark.e2e
def test_selection_changed_on_resume(
    meltano_project: MeltanoProject,
    simulator: Any,
    postgres: Postgres,
    tap_bin: Path,
    tmp_path: Path,
) -> None:
    configure(
        meltano_project, postgres, ["sequences", "sequence_recipients"], TAP_MIXMAX_PAGE_SIZE="5"
    )
    run(meltano_project)
    # Run 1: recipients deselected, a refresh killed after its first page (the tap alone,
    # failing at its second page: the state it wrote is what Meltano would have kept).
    lines = killed_output(meltano_project.state(STATE_ID), simulator, tap_bin, tmp_path)
    # What the target received of run 1, up to the last STATE: loaded as Meltano would.
    subprocess.run(
        [str(meltano_project.meltano), "invoke", "target-postgres"],
        input="\n".join(lines) + "\n",
        env=meltano_project.env(),
        cwd=meltano_project.root,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    killed = json.loads(lines[-1])["value"]
    meltano_project("state", "set", "--force", STATE_ID, json.dumps({"singer_state": killed}))
    # Run 2: recipients selected again; the walk resumes.
    run(meltano_project)
    assert all_recipients(simulator) <= rows(postgres, "sequence_recipients")
    assert {d["_id"] for d in simulator.visible("sequences", simulator.tokens["ada"])} <= rows(
        postgres, "sequences"
    )


def killed_output(stored: dict[str, Any], sim: Any, tap_bin: Path, folder: Path) -> list[str]:
    """The messages, up to its last STATE mid-walk, of a refresh with only ``sequences``
    selected that fails after a page."""
    config = tap_config(
        sim,
        page_size=5,
        emit_activate_version_messages=True,
        full_refresh_interval_hours=0,
        max_retries=0,
    )
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "catalog.json").write_text(json.dumps(select(["sequences"], {})))
    (folder / "state.json").write_text(json.dumps(stored.get("singer_state", stored)))
    sim.faults.schedule("/sequences", [503], at=[3])
    done = subprocess.run(
        [
            str(tap_bin),
            "--config",
            str(folder / "config.json"),
            "--catalog",
            str(folder / "catalog.json"),
            "--state",
            str(folder / "state.json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    walking = [
        at
        for at, line in enumerate(lines)
        if '"STATE"' in line and "full_sync" in line and '"sequences"' in line
    ]
    assert walking, done.stderr[-3000:]
    return lines[: walking[-1] + 1]


@pytest.mark.e2e
def test_a_recipient_deleted_between_offset_pages(
    meltano_project: MeltanoProject, simulator: Any, postgres: Postgres
) -> None:
    configure(
        meltano_project, postgres, ["sequences", "sequence_recipients"], TAP_MIXMAX_PAGE_SIZE="5"
    )
    run(meltano_project)
    token = simulator.tokens["ada"]
    sequence = max(
        simulator.visible("sequences", token),
        key=lambda s: len(simulator.visible("sequences/recipients", token, parent_id=s["_id"])),
    )["_id"]
    first_page = simulator.visible("sequences/recipients", token, parent_id=sequence)[0]["_id"]
    done = []

    def delete_after_first_page(request: Any) -> None:
        if not done and request.path.endswith(f"/{sequence}/recipients"):
            done.append(True)
            simulator.delete("sequences/recipients", first_page)

    simulator.after_response(delete_after_first_page)
    run(meltano_project, TAP_MIXMAX_FULL_REFRESH_INTERVAL_HOURS="0")
    assert done
    assert all_recipients(simulator) <= rows(postgres, "sequence_recipients")


@pytest.mark.e2e
def test_a_live_feed_row_whose_sent_changes_mid_walk(
    meltano_project: MeltanoProject, simulator: Any, postgres: Postgres
) -> None:
    configure(meltano_project, postgres, ["live_feed"], TAP_MIXMAX_PAGE_SIZE="20")
    run(meltano_project)
    token = simulator.tokens["ada"]
    oldest = simulator.visible("livefeed", token)[-1]
    moved = []

    def move_after_first_page(request: Any) -> None:
        if not moved and request.path.endswith("/livefeed"):
            moved.append(True)
            newest = simulator.visible("livefeed", token)[0]["sent"]
            simulator.update("livefeed", oldest["_id"], {"sent": int(newest) + 1000})

    simulator.after_response(move_after_first_page)
    run(meltano_project, TAP_MIXMAX_FULL_REFRESH_INTERVAL_HOURS="0")
    assert moved
    live = {str(d["_id"]) for d in simulator.visible("livefeed", token)}
    assert live <= rows(postgres, "live_feed")


@pytest.mark.e2e
def test_a_meeting_summaries_read_cut_by_start_date(
    meltano_project: MeltanoProject, simulator: Any, postgres: Postgres
) -> None:
    configure(meltano_project, postgres, ["meeting_summaries"])
    run(meltano_project)
    token = simulator.tokens["ada"]
    docs = sorted(simulator.visible("meetings/summaries", token), key=lambda d: d["createdAt"])
    run(meltano_project, TAP_MIXMAX_START_DATE=docs[len(docs) // 2]["createdAt"])
    assert {str(d["_id"]) for d in docs} <= rows(postgres, "meeting_summaries")
