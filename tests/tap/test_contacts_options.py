"""/contacts: shared contacts by default (includeShared) and analytics on request."""

from __future__ import annotations

import logging

from tap_mixmax.simulator import Simulator
from tests.tap.inprocess import sync


def shared_group_contacts(sim: Simulator, token: str) -> set[str]:
    """Contacts in the groups ``token``'s user can see but does not own."""
    user_id = sim.visible("users/me", token)[0]["_id"]
    found = set()
    for group in sim.visible("contactgroups", token):
        if group["userId"] != user_id:
            members = sim.visible("contactgroups/contacts", token, parent_id=group["_id"])
            found |= {member["_id"] for member in members}
    return found


def share_a_group_of_bob(sim: Simulator) -> None:
    bob = sim.tokens["bob"]
    sim.share("contactgroups", sim.visible("contactgroups", bob)[0]["_id"], sim.tokens["ada"])


def test_contacts_include_those_of_shared_groups_by_default(sim: Simulator) -> None:
    token = sim.tokens["ada"]
    share_a_group_of_bob(sim)
    own = {doc["_id"] for doc in sim.visible("contacts", token)}
    shared = shared_group_contacts(sim, token) - own
    assert shared, "the seed shares no contact group with ada"
    run = sync(sim, ["contacts"], page_size=300)
    got = [row["_id"] for row in run.records("contacts")]
    assert len(got) == len(set(got))
    assert set(got) == own | shared
    asked = [r.query for r in sim.requests if r.path == "/v1/contacts"]
    assert asked
    assert all(q.get("includeShared") == "true" for q in asked)
    assert all("withAnalytics" not in q for q in asked)
    assert all(row.get("analytics") is None for row in run.records("contacts"))


def test_own_contacts_only_when_asked(sim: Simulator) -> None:
    token = sim.tokens["ada"]
    share_a_group_of_bob(sim)
    run = sync(sim, ["contacts"], page_size=300, contacts_include_shared=False)
    own = {doc["_id"] for doc in sim.visible("contacts", token)}
    assert {row["_id"] for row in run.records("contacts")} == own
    assert all("includeShared" not in r.query for r in sim.requests if r.path == "/v1/contacts")


def test_analytics_are_filled_with_contacts_with_analytics(sim: Simulator) -> None:
    run = sync(sim, ["contacts"], page_size=300, contacts_with_analytics=True)
    rows = run.records("contacts")
    assert rows
    for row in rows:
        analytics = row["analytics"]
        assert analytics["sent"] == row["usedCount"]
        assert set(analytics["percentages"]) == {"opened", "clicked", "downloaded", "replied"}
    asked = [r.query for r in sim.requests if r.path == "/v1/contacts"]
    assert all(q.get("withAnalytics") == "true" for q in asked)


def test_a_refused_include_shared_falls_back_to_own_contacts_with_one_warning(
    sim: Simulator,
) -> None:
    token = sim.tokens["ada"]
    share_a_group_of_bob(sim)
    sim.faults.schedule("/contacts", [400])
    run = sync(sim, ["contacts"], page_size=300)
    own = {doc["_id"] for doc in sim.visible("contacts", token)}
    assert {row["_id"] for row in run.records("contacts")} == own
    warned = [w for w in run.lines(logging.WARNING) if "refused includeShared=true" in w]
    assert len(warned) == 1
    asked = [r.query for r in sim.requests if r.path == "/v1/contacts"]
    assert asked[0].get("includeShared") == "true"
    assert all("includeShared" not in q for q in asked[1:])
