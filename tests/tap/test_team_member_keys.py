"""Team members are keyed by memberId, or, in the older documented shape that has none,
by what identifies the member there; no row is dropped and none stops the stream."""

from __future__ import annotations

import re

from tap_mixmax.simulator import Simulator
from tests.tap.inprocess import sync

OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")


def served_members(sim: Simulator) -> list[dict]:
    token = sim.tokens["ada"]
    return [
        {**member, "teamId": team["_id"]}
        for team in sim.visible("teams", token)
        for member in sim.visible("teams/members", token, parent_id=team["_id"])
    ]


def test_the_seed_has_object_id_and_seventeen_character_member_ids(sim: Simulator) -> None:
    ids = [member["memberId"] for member in served_members(sim)]
    assert any(OBJECT_ID.match(i) for i in ids)
    assert any(len(i) == 17 for i in ids)
    run = sync(sim, ["teams", "team_members"])
    assert sorted((r["teamId"], r["memberId"]) for r in run.records("team_members")) == sorted(
        (m["teamId"], m["memberId"]) for m in served_members(sim)
    )


def test_rows_of_the_older_shape_are_keyed_by_user_id_or_id(sim: Simulator) -> None:
    members = served_members(sim)
    assert any(m.get("userId") is None for m in members), "no pending invite in the seed"
    sim.set_older_member_shape(True)
    run = sync(sim, ["teams", "team_members"])
    rows = run.records("team_members")
    assert len(rows) == len(members)
    # A member is keyed by its user id; a pending invite (no user) by the _id it carries.
    want = sorted((m["teamId"], m.get("userId") or m["memberId"]) for m in members)
    assert sorted((r["teamId"], r["memberId"]) for r in rows) == want
    assert all(r["dateInvited"] for r in rows)
    assert not [line for line in run.lines() if "without" in line and "primary key" in line]
