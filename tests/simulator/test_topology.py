"""The topology table is the one list of collections: seed, schemas and routes agree with it."""

from __future__ import annotations

from pathlib import Path

from tap_mixmax.simulator import seed, topology
from tap_mixmax.simulator.endpoints import match_route

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


def test_seed_builds_every_collection_and_nothing_else() -> None:
    keys = {c.key for c in topology.TOPOLOGY}
    assert set(seed.BUILDERS) == keys
    assert set(seed.COLLECTIONS) == keys
    # livefeed rows are derived from sent messages; every other top-level one has a count
    assert set(seed.TOP_LEVEL_COUNTS) == set(topology.TOP_LEVEL) - {"livefeed"}


def test_one_stream_per_collection_and_one_schema_per_stream() -> None:
    streams = [c.stream for c in topology.TOPOLOGY]
    assert len(streams) == len(set(streams))
    assert set(topology.DERIVED_STREAMS.values()) <= set(topology.BY_KEY)
    schemas = {p.stem for p in SCHEMA_DIR.glob("*.json")}
    assert schemas == set(streams) | set(topology.DERIVED_STREAMS)


def test_every_path_routes_to_its_collection() -> None:
    for coll in topology.TOPOLOGY:
        path = coll.path.partition("?")[0].replace("{id}", "abc")
        found = match_route([s for s in path.split("/") if s])
        assert found is not None, coll.key
        route, item_id = found
        assert route.collection is coll
        assert not route.by_id
        assert item_id == ("abc" if "{id}" in coll.path.partition("?")[0] else None)
        if coll.shape == "cursor" and coll.parent is None:
            by_id = match_route([*coll.key.split("/"), "x"])
            assert by_id is not None
            assert by_id[0].by_id
            assert by_id[0].collection is coll


def test_children_name_existing_parents() -> None:
    for child, parent in topology.CHILDREN.items():
        assert parent in topology.BY_KEY, child
    assert topology.DEFAULT_MAX_LIMITS == {"messages": 100, "sequences/recipients": 50}
