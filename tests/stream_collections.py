"""Which simulator collection serves each of the tap's top-level streams (from the
simulator's topology table, so the tests never keep a copy of it)."""

from __future__ import annotations

from tap_mixmax.simulator.topology import TOPOLOGY

CURSOR_COLLECTIONS: dict[str, str] = {
    c.stream: c.key for c in TOPOLOGY if c.parent is None and c.shape in ("cursor", "search")
}

SINGLETON_COLLECTIONS: dict[str, str] = {
    c.stream: c.key for c in TOPOLOGY if c.shape == "singleton"
}
