"""Routes, auth, per-user data, feature gate, 404s, singletons, children, fields and expand."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sim_helpers import ADA, BOB, Client, oid, seed_doc, user, users_only

from tap_mixmax.simulator import Simulator, topology
from tap_mixmax.simulator.endpoints import MSG_NO_TOKEN, MSG_NOT_FOUND

LISTED = [c.key for c in topology.TOPOLOGY if c.parent is None and c.shape == "cursor"]


@pytest.mark.parametrize("collection", LISTED)
def test_every_collection_lists_what_visible_says(client: Client, collection: str) -> None:
    expected = client.sim.visible(collection, ADA)
    rows = client.walk_next(f"/{collection}", 300)
    assert rows == expected


def test_meetings_need_the_feature(client: Client) -> None:
    bob = client.get("/meetings/summaries/search", BOB)
    assert bob.status_code == 403
    assert set(bob.json()) == {"message"}
    summaries = client.get("/meetings/summaries/search").json()["results"]
    assert summaries
    transcript = client.get(f"/meetings/transcripts/{summaries[0]['_id']}")
    assert transcript.status_code == 200
    assert isinstance(transcript.json(), dict)
    assert client.get(f"/meetings/transcripts/{oid(1)}").status_code == 404
    seq = client.sim.visible("sequences", ADA)[0]["_id"]
    assert client.get(f"/meetings/transcripts/{seq}").status_code == 404
    client.sim.set_feature(ADA, "mixmaxApi", False)
    assert client.get("/meetings/summaries/search").status_code == 403
    client.sim.set_feature(BOB, "mixmaxApi", True)
    assert client.get("/meetings/summaries/search", BOB).status_code == 200


def test_auth_by_header_or_query_and_401s(client: Client) -> None:
    assert (
        client.get("/users/me").json()["_id"]
        == client.get("/users/me", via_query=True).json()["_id"]
    )
    for token in (None, "not-a-token"):
        resp = client.get("/users/me", token)
        assert resp.status_code == 401
        assert resp.json() == {"message": MSG_NO_TOKEN}


def test_each_token_sees_its_own_data(client: Client) -> None:
    ada_me = client.get("/users/me").json()
    bob_me = client.get("/users/me", BOB).json()
    assert ada_me["_id"] != bob_me["_id"]
    ada_seqs = {s["_id"] for s in client.walk_next("/sequences", 300)}
    bob_seqs = {s["_id"] for s in client.walk_next("/sequences", 300, token=BOB)}
    assert bob_seqs == {s["_id"] for s in client.sim.visible("sequences", BOB)}
    assert ada_seqs != bob_seqs
    assert ada_seqs & bob_seqs, "some sequences are shared"
    only_ada = next(iter(ada_seqs - bob_seqs))
    assert client.get(f"/sequences/{only_ada}", BOB).status_code == 404
    assert client.get(f"/sequences/{only_ada}/recipients", BOB).status_code == 404


def test_unknown_paths_and_parents_are_404(client: Client) -> None:
    for path in ("/nope", "/sequences/x/y/z", "/integrations", f"/rules/{oid(1)}/actions", "/"):
        resp = client.get(path)
        assert resp.status_code == 404, path
        assert resp.json() == {"message": MSG_NOT_FOUND}
    rule = client.sim.visible("rules", ADA)[0]["_id"]
    assert client.get(f"/rules/{rule}/actions").status_code == 200
    client.sim.delete("rules", rule)
    assert client.get(f"/rules/{rule}/actions").status_code == 404
    assert client.get(f"/rules/{rule}").status_code == 404


def test_singletons_and_by_id(client: Client) -> None:
    for path in ("/users/me", "/userpreferences/me", "/appointmentlinks/me"):
        body = client.get(path).json()
        assert isinstance(body, dict)
        assert "results" not in body
    prefs = client.get("/userpreferences/me", fields="weekStartDay").json()
    assert set(prefs) <= {"_id", "weekStartDay"}
    seq = client.sim.visible("sequences", ADA)[0]
    assert client.get(f"/sequences/{seq['_id']}").json() == seq


def test_child_collections_use_cursor_envelopes(client: Client) -> None:
    pairs = [
        ("snippettags", "snippets", "snippettags/snippets"),
        ("contacts", "notes", "contacts/notes"),
        ("contactgroups", "contacts", "contactgroups/contacts"),
        ("rules", "actions", "rules/actions"),
        ("teams", "members", "teams/members"),
    ]
    for parent, segment, child in pairs:
        for p in client.sim.visible(parent, ADA)[:3]:
            expected = client.sim.visible(child, ADA, p["_id"])
            assert client.walk_next(f"/{parent}/{p['_id']}/{segment}", 2) == expected


def test_recipients_bare_array_offset_and_variables(client: Client) -> None:
    seq = max(
        client.sim.visible("sequences", ADA),
        key=lambda s: len(client.sim.visible("sequences/recipients", ADA, s["_id"])),
    )["_id"]
    expected = client.sim.visible("sequences/recipients", ADA, seq)
    assert len(expected) > 3
    first = client.get(f"/sequences/{seq}/recipients").json()
    assert isinstance(first, list)
    assert first == expected[:50]
    assert all("variables" not in r for r in first)
    page = client.get(f"/sequences/{seq}/recipients", limit=2, offset=1).json()
    assert page == expected[1:3]
    with_vars = client.get(f"/sequences/{seq}/recipients", limit=2, includeVariables="true").json()
    assert all("variables" in r for r in with_vars)
    assert [{k: v for k, v in r.items() if k != "variables"} for r in with_vars] == expected[:2]


def test_recipients_cap_at_10000(make_sim: Callable[..., Simulator]) -> None:
    data = users_only()
    ada = user(data, ADA).user_id
    data.collections["sequences"] = [seed_doc({"_id": oid(1), "name": "big"}, ada)]
    data.collections["sequences/recipients"] = [
        seed_doc({"_id": oid(n), "email": f"r{n}@x.io"}, ada, parent_id=oid(1))
        for n in range(2, 10_152)
    ]
    c = Client(make_sim(data, max_limits={"/sequences/recipients": 300}))
    url = f"/sequences/{oid(1)}/recipients"
    assert len(c.get(url, limit=300, offset=9_900).json()) == 100
    assert len(c.get(url, limit=300, offset=9_999).json()) == 1
    assert c.get(url, limit=300, offset=10_000).json() == []
    assert len(c.get(url, limit=5000).json()) == 300
    c.close()


def test_livefeed_events_single_page_capped_at_200(make_sim: Callable[..., Simulator]) -> None:
    data = users_only()
    ada = user(data, ADA).user_id
    data.collections["livefeed"] = [seed_doc({"_id": "m" * 17, "sent": 1}, ada)]
    data.collections["livefeed/events"] = [
        seed_doc({"_id": oid(n), "type": "opened", "timestamp": n}, ada, parent_id="m" * 17)
        for n in range(1, 251)
    ]
    sim = make_sim(data)
    c = Client(sim)
    body = c.get("/livefeed/events", messageId="m" * 17).json()
    assert list(body) == ["results"]
    assert len(body["results"]) == 200
    assert body["results"][0]["timestamp"] == 250
    assert c.get("/livefeed/events", messageId="n" * 17).status_code == 404
    assert c.get("/livefeed/events").status_code == 400
    sim.delete("livefeed", "m" * 17)
    assert c.get("/livefeed/events", messageId="m" * 17).status_code == 404
    c.close()


def test_fields_projection_with_dot_notation(client: Client) -> None:
    rows = client.get("/sequences", fields="name,cc.email", limit=5).json()["results"]
    assert rows
    for row in rows:
        assert "_id" not in row
        assert set(row) <= {"name", "cc"}
        assert all(set(entry) <= {"email"} for entry in row.get("cc", []))
    with_id = client.get("/sequences", fields="_id,name", limit=5).json()["results"]
    assert all(set(r) == {"_id", "name"} for r in with_id)


def test_expansions(client: Client) -> None:
    seq = client.get("/sequences", expand="stages", limit=1).json()["results"][0]
    assert all(isinstance(s, dict) and "_id" in s for s in seq["stages"])
    plain = client.get("/sequences", limit=1).json()["results"][0]
    assert [s["_id"] for s in seq["stages"]] == plain["stages"]
    assert not any(k.startswith("_") and k != "_id" for k in plain)
    rules = client.get("/rules", expand="actions", limit=300).json()["results"]
    for rule in rules:
        assert rule["actions"] == client.sim.visible("rules/actions", ADA, rule["_id"])
    groups = client.get("/contactgroups", expand="count").json()["results"]
    for group in groups:
        assert group["count"] == len(
            client.sim.visible("contactgroups/contacts", ADA, group["_id"])
        )
    assert client.get("/teams", expand="whatever").status_code == 200
