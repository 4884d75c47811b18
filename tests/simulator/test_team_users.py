"""Users added while the simulator runs, objects shared with them, tokens revoked."""

from __future__ import annotations

import pytest
from sim_helpers import Client

from tap_mixmax.simulator import Simulator


def test_an_added_user_has_its_own_singletons_and_no_objects(sim: Simulator, client: Client):
    token = sim.add_user("cyd")
    assert sim.tokens["cyd"] == token
    me = client.get("/users/me", token).json()
    assert me["email"] == "cyd@mixmax-sim.example"
    assert me["_id"] != client.get("/users/me", sim.tokens["ada"]).json()["_id"]
    assert client.get("/sequences", token).json()["results"] == []
    own = sim.insert("sequences", token=token)
    assert [row["_id"] for row in client.get("/sequences", token).json()["results"]] == [own["_id"]]
    with pytest.raises(ValueError, match="exists already"):
        sim.add_user("cyd")


def test_sharing_an_object_shares_its_children(sim: Simulator, client: Client):
    cyd = sim.add_user("cyd")
    sequence = next(
        doc for doc in sim.visible("sequences", sim.tokens["ada"])
        if sim.visible("sequences/recipients", sim.tokens["ada"], doc["_id"])
    )  # fmt: skip
    sim.share("sequences", sequence["_id"], cyd)
    assert [row["_id"] for row in client.get("/sequences", cyd).json()["results"]] == [
        sequence["_id"]
    ]
    recipients = client.get(f"/sequences/{sequence['_id']}/recipients", cyd).json()
    ada_recipients = sim.visible("sequences/recipients", sim.tokens["ada"], sequence["_id"])
    assert len(recipients) == len(ada_recipients) > 0
    # Ada still reads it too.
    assert sequence["_id"] in {d["_id"] for d in sim.visible("sequences", sim.tokens["ada"])}


def test_a_revoked_token_is_refused_from_then_on(sim: Simulator, client: Client):
    bob = sim.tokens["bob"]
    assert client.get("/users/me", bob).status_code == 200
    response = client.admin("revoke", {"token": bob})
    assert response.status_code == 200
    assert client.get("/users/me", bob).status_code == 401
    assert client.get("/users/me", sim.tokens["ada"]).status_code == 200
    assert client.admin("revoke", {"token": bob}).status_code == 404
    assert client.admin("revoke", {}).status_code == 400
