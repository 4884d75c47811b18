"""Random histories against a model of target-postgres: no ACTIVATE_VERSION removes a
row of an object that existed in Mixmax throughout the run that sent it.

Each history is a few runs of the tap, in process, against a small simulator: objects
are inserted and deleted between and during runs, live-feed rows get a new ``sent``
mid-walk, streams are selected and deselected, parents' children are refused (404),
refreshes come due, and runs are killed after any message (the next run resumes from the
last STATE the target received). The model target applies target-postgres's rule: a
RECORD upserts its row with the record's version; an ACTIVATE_VERSION deletes every row
of that table whose version is missing or older.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tap_mixmax.simulator import RateLimit, Simulator
from tap_mixmax.simulator.seed import DEMO_TOKEN
from tests.tap.conftest import run_in_process, select

# stream -> (simulator collection, key field): parents before their children.
TRACKED = {
    "rules": ("rules", "_id"),
    "rule_actions": ("rules/actions", "_id"),
    "live_feed": ("livefeed", "_id"),
    "sequences": ("sequences", "_id"),
    "sequence_recipients": ("sequences/recipients", "_id"),
}
PARENTS = {"rule_actions": "rules", "sequence_recipients": "sequences"}
SELECTIONS = [
    ["rules", "rule_actions", "live_feed", "sequences", "sequence_recipients"],
    ["rules", "live_feed", "sequences"],
    ["rules", "rule_actions"],
    ["rule_actions", "sequence_recipients"],
    ["live_feed", "sequence_recipients"],
]


@dataclass
class ModelTarget:
    """target-postgres's rule for versions, one dict per table: key -> version."""

    tables: dict[str, dict[str, int | None]] = field(default_factory=dict)

    def apply(self, message: dict[str, Any]) -> set[str]:
        """Apply one message; return the keys of the rows it deleted."""
        table = self.tables.setdefault(str(message.get("stream")), {})
        deleted: set[str] = set()
        if message["type"] == "RECORD":
            key = str(message["record"][TRACKED[message["stream"]][1]])
            table[key] = message.get("version")
        elif message["type"] == "ACTIVATE_VERSION":
            active = int(message["version"])
            deleted = {k for k, v in table.items() if v is None or v < active}
            for key in deleted:
                del table[key]
        return deleted


def present(sim: Simulator, stream: str) -> set[str]:
    """The ids of every object of ``stream`` the demo user can read now."""
    collection, key = TRACKED[stream]
    user = sim.visible("users/me", DEMO_TOKEN)[0]["_id"]
    if stream in PARENTS:
        parents = sim.store.view(TRACKED[PARENTS[stream]][0], user).entries
        entries = [e for p in parents for e in sim.store.view(collection, user, p.doc_id).entries]
    else:
        entries = sim.store.view(collection, user).entries
    return {str(entry.doc.get(key)) for entry in entries}


def run_tap(sim: Simulator, streams: list[str], state: dict[str, Any], refresh: bool) -> list[Any]:
    config = {
        "api_token": DEMO_TOKEN,
        "api_url": sim.base_url,
        "page_size": 3,
        "emit_activate_version_messages": True,
        "full_refresh_interval_hours": 0 if refresh else 1000,
        "progress_interval_seconds": 3600,
    }
    return run_in_process(config, select(streams, {}), state)


@dataclass(frozen=True)
class Step:
    """One run, and what happens in Mixmax before and during it."""

    selection: int
    refresh: bool
    deletes: tuple[tuple[int, int], ...]  # (stream index, object index) before the run
    inserts: tuple[int, ...]  # stream indexes, before the run
    during: tuple[tuple[int, int, str], ...]  # (after request n, object index, what)
    refuse: int | None  # a parent whose children answer 404
    kill_at: float | None  # fraction of the run's messages the target receives


steps = st.builds(
    Step,
    selection=st.integers(0, len(SELECTIONS) - 1),
    refresh=st.booleans(),
    deletes=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 50)), max_size=2).map(tuple),
    inserts=st.lists(st.integers(0, 2), max_size=2).map(tuple),
    during=st.lists(
        st.tuples(
            st.integers(1, 12),
            st.integers(0, 50),
            st.sampled_from(["delete_recipient", "move_live_feed", "delete_rule", "insert"]),
        ),
        max_size=2,
    ).map(tuple),
    refuse=st.none() | st.integers(0, 50),
    kill_at=st.none() | st.floats(0.0, 1.0),
)


def pick(items: list[Any], index: int) -> Any:
    return items[index % len(items)] if items else None


def visible_ids(sim: Simulator, collection: str) -> list[str]:
    return sorted(str(doc["_id"]) for doc in sim.visible(collection, DEMO_TOKEN))


def change(sim: Simulator, index: int, what: str) -> None:
    """One change made in Mixmax while the tap reads."""
    if what == "delete_recipient":
        sequence = pick(visible_ids(sim, "sequences"), index)
        rows = (
            sim.visible("sequences/recipients", DEMO_TOKEN, parent_id=sequence) if sequence else []
        )
        if rows:
            sim.delete("sequences/recipients", pick(rows, index)["_id"])
    elif what == "move_live_feed":
        row = pick(sim.visible("livefeed", DEMO_TOKEN), index)
        if row:
            # Newer than every row: a walk past it already never sees it.
            sim.update("livefeed", row["_id"], {"sent": int(time.time() * 1000) + 86_400_000})
    elif what == "delete_rule":
        rule = pick(visible_ids(sim, "rules"), index)
        if rule:
            sim.delete("rules", rule)
    else:
        sim.insert("rules")


def prepare(sim: Simulator, step: Step) -> None:
    streams = list(TRACKED)
    for stream_index, object_index in step.deletes:
        stream = streams[stream_index]
        if stream in PARENTS:
            continue  # children go with their parents, or mid-run
        target = pick(sorted(present(sim, stream)), object_index)
        if target:
            sim.delete(TRACKED[stream][0], target)
    for stream_index in step.inserts:
        sim.insert(["rules", "livefeed", "rules"][stream_index])
    if step.refuse is not None:
        rule = pick(visible_ids(sim, "rules"), step.refuse)
        if rule:
            sim.faults.schedule(f"/rules/{rule}/actions", [404])


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(history=st.lists(steps, min_size=1, max_size=4))
def test_no_activation_removes_an_object_that_existed_throughout(history: list[Step]) -> None:
    with Simulator(seed=3, scale=0.02, rate_limit=RateLimit(100_000, 60.0)) as sim:
        target = ModelTarget()
        state: dict[str, Any] = {}
        for step in history:
            prepare(sim, step)
            before = {stream: present(sim, stream) for stream in TRACKED}
            messages = run_with_changes(sim, step, state)
            if step.kill_at is not None:
                messages = messages[: int(len(messages) * step.kill_at)]
            removed: dict[str, set[str]] = {}
            for message in messages:
                removed.setdefault(message.get("stream", ""), set()).update(target.apply(message))
            states = [m["value"] for m in messages if m["type"] == "STATE"]
            state = states[-1] if states else state
            for stream in TRACKED:
                throughout = before[stream] & present(sim, stream)
                lost = throughout & removed.get(stream, set())
                assert not lost, f"{stream}: ACTIVATE_VERSION deleted {sorted(lost)[:3]}"


def run_with_changes(sim: Simulator, step: Step, state: dict[str, Any]) -> list[Any]:
    """The messages of one run, with ``step.during`` made in Mixmax after its n-th request."""
    pending = list(step.during)
    seen = [0]

    def during_run(_request: object) -> None:
        seen[0] += 1
        for item in [p for p in pending if p[0] == seen[0]]:
            pending.remove(item)
            change(sim, item[1], item[2])

    remove = sim.after_response(during_run)
    try:
        return run_tap(sim, SELECTIONS[step.selection], state, step.refresh)
    finally:
        remove()
