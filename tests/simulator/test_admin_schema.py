"""``/_admin/insert`` and ``/_admin/update`` refuse documents Mixmax could never send.

A document such as ``{"_id": 5}`` would make every later tap run against the simulator
fail; the route answers 400 naming the field and the schema, and stores nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from sim_helpers import ADA, Client

from tap_mixmax.simulator import Simulator
from tap_mixmax.simulator.doccheck import misfit, stream_schema
from tap_mixmax.simulator.topology import TOPOLOGY


@pytest.mark.parametrize(
    ("collection", "doc", "named"),
    [
        ("sequences", {"_id": 5, "name": "x"}, "_id must be string, not 5"),
        ("teams", {"createdAt": "not a time"}, "createdAt must be an ISO 8601 date-time"),
        ("messages", {"created": True}, "created must be string or null, not True"),
        ("polls", {"options": [{"respondents": "x"}]}, "options[0].respondents must be array"),
        ("sequences", {"stages": 5}, "stages must be array"),
    ],
)
def test_an_insert_that_breaks_the_schema_is_a_400_naming_the_field(
    client: Client, collection: str, doc: dict[str, Any], named: str
) -> None:
    before = client.sim.store.count(collection)
    resp = client.admin("insert", {"collection": collection, "doc": doc})
    assert resp.status_code == 400, resp.text
    message = resp.json()["message"]
    assert named in message
    assert f"schemas/{client.sim.store.spec(collection).stream}.json" in message
    assert client.sim.store.count(collection) == before


def test_an_update_that_breaks_the_schema_is_a_400_and_changes_nothing(client: Client) -> None:
    team = client.sim.visible("teams", ADA)[0]
    resp = client.admin(
        "update", {"collection": "teams", "_id": team["_id"], "changes": {"name": ["x"]}}
    )
    assert resp.status_code == 400
    assert "name must be string or null" in resp.json()["message"]
    assert client.sim.visible("teams", ADA)[0] == team


def test_documents_mixmax_sends_are_accepted(client: Client) -> None:
    # A copy of a seeded message (its `created` in epoch milliseconds), a field no schema
    # declares, and an ISO time.
    message = {k: v for k, v in client.sim.visible("messages", ADA)[0].items() if k != "_id"}
    assert isinstance(message["created"], int)
    for collection, doc in (
        ("messages", message),
        ("sequences", {"name": "new", "brandNewField": {"any": ["shape"]}}),
        ("teams", {"createdAt": "2026-01-02T03:04:05.678Z", "name": "t"}),
    ):
        resp = client.admin("insert", {"collection": collection, "doc": doc})
        assert resp.status_code == 200, (collection, resp.text)


def test_every_seeded_document_fits_its_schema(sim: Simulator) -> None:
    # The check must never refuse what the simulator itself serves as Mixmax data.
    checked = 0
    for collection in TOPOLOGY:
        schema = stream_schema(collection.stream)
        for entry in sim.store.all_entries(collection.key):
            assert misfit(entry.public_doc(reveal=collection.hidden), schema) is None
            checked += 1
    assert checked > 1000
