"""What target-postgres makes of the tap's array properties, as docs/meltano.md says.

target-postgres 0.8.1 gives an array property a PostgreSQL array column, not one
``jsonb`` value: ``text[]`` for an array of strings, ``jsonb[]`` for one of objects,
``numeric[]`` for one of numbers. A loader upgrade that changes this fails here, so the
sentence in docs/meltano.md is checked, not remembered.
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Catalog, MeltanoProject, Postgres, plugin_venv

SCHEMA = "mixmax"


def item_types(prop: dict[str, Any]) -> list[str]:
    items = prop.get("items") or {}
    types = items.get("type", [])
    return [t for t in ([types] if isinstance(types, str) else types) if t != "null"]


# The PostgreSQL type name (``udt_name``) of the column, by the array's item type.
ARRAY_COLUMNS = {"string": "_text", "number": "_numeric", "object": "_jsonb"}


def expected_udt(prop: dict[str, Any]) -> str:
    """The column type an array property lands in; an item type not seen yet fails."""
    items = item_types(prop)
    assert len(items) == 1, f"items of {items}: add what target-postgres makes of them"
    assert items[0] in ARRAY_COLUMNS, f"items of {items[0]}: add it to ARRAY_COLUMNS"
    return ARRAY_COLUMNS[items[0]]


def array_properties(catalog: Catalog, streams: list[str]) -> dict[tuple[str, str], str]:
    """(stream, property) → expected column type, for every top-level array property."""
    found = {}
    for stream in streams:
        for name, prop in catalog.schema(stream).get("properties", {}).items():
            types = prop.get("type", [])
            types = [t for t in ([types] if isinstance(types, str) else types) if t != "null"]
            if types == ["array"]:
                found[(stream, name)] = expected_udt(prop)
    return found


@pytest.mark.e2e
def test_arrays_land_as_postgres_arrays(
    meltano_project: MeltanoProject, catalog: Catalog, postgres: Postgres
) -> None:
    plugin_venv("loaders", "target-postgres")
    meltano_project.overrides.update(postgres.loader_settings(SCHEMA))
    streams = catalog.mirrored_by_default()
    meltano_project("run", "tap-mixmax", "target-postgres")
    columns = postgres.query_json(
        "SELECT table_name, column_name, udt_name FROM information_schema.columns "
        "WHERE table_schema = 'mixmax'"
    )
    landed = {(c["table_name"], c["column_name"].lower()): c["udt_name"] for c in columns}
    wanted = array_properties(catalog, streams)
    kinds = set(wanted.values())
    assert {"_text", "_jsonb"} <= kinds, f"the catalog no longer has both kinds: {wanted}"
    problems = [
        f"{stream}.{name}: {landed.get((stream, name.lower()))}, expected {udt}"
        for (stream, name), udt in sorted(wanted.items())
        if (stream, name.lower()) in landed and landed[(stream, name.lower())] != udt
    ]
    checked = [key for key in wanted if (key[0], key[1].lower()) in landed]
    assert checked, f"no array column landed: {sorted(landed)[:20]}"
    assert not problems, "\n".join(problems)
