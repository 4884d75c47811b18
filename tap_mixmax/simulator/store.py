"""The simulator's in-memory document store and the cursor-paging algorithm.

The algorithm is the one docs/pagination.md §6C describes.

Each document lives in one ``Entry`` that caches its serialized JSON, so a 300-row page is a
join of cached byte strings rather than 300 ``json.dumps`` calls. Per (collection, reader,
parent) the store keeps an ascending, bisectable *view*; any mutation of a collection drops
that collection's views, and they are rebuilt lazily on the next read. Mutations are rare and
reads are many, which is the trade this makes.
"""

from __future__ import annotations

import bisect
import copy
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .cursors import SortKey, doc_key
from .topology import Collection


def dumps(value: object) -> bytes:
    """Compact JSON as Express's ``res.json`` writes it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class Entry:
    """One stored document plus what the server needs to list it quickly."""

    __slots__ = ("_json", "doc", "hidden", "key", "parent_id", "readers", "spec")

    def __init__(
        self,
        spec: Collection,
        doc: dict[str, Any],
        readers: frozenset[str],
        parent_id: str | None,
    ) -> None:
        self.spec = spec
        self.doc = doc
        self.readers = readers
        self.parent_id = parent_id
        self.key: SortKey = doc_key(doc, spec.sort_field, spec.sort_kind, spec.id_field)
        # Seed docs may carry server-side-only data under "_"-prefixed keys (a sequence's
        # "_stages" feeds expand=stages); they never appear in a response.
        internal = tuple(k for k in doc if k.startswith("_") and k != "_id")
        self.hidden: tuple[str, ...] = spec.hidden + internal
        self._json: bytes | None = None

    @property
    def doc_id(self) -> str:
        return str(self.doc[self.spec.id_field])

    def public_doc(self, *, reveal: tuple[str, ...] = ()) -> dict[str, Any]:
        """A private copy of the doc as a listing shows it: hidden fields removed, except
        the ``reveal``-ed ones (``variables`` with includeVariables=true)."""
        return {
            k: copy.deepcopy(v) for k, v in self.doc.items() if k not in self.hidden or k in reveal
        }

    def json(self) -> bytes:
        if self._json is None:
            if self.hidden:
                self._json = dumps({k: v for k, v in self.doc.items() if k not in self.hidden})
            else:
                self._json = dumps(self.doc)
        return self._json


@dataclass
class View:
    """The docs one reader can list under one parent, in ascending key order."""

    keys: list[SortKey] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Page:
    rows: list[Entry]
    has_previous: bool
    has_next: bool


def paginate(view: View, limit: int, next_key: SortKey | None, prev_key: SortKey | None) -> Page:
    """One page exactly as ``prepareResponse`` builds it (newest-first endpoints).

    When both cursors are sent the value comes from ``next`` and the direction from
    ``previous``, reproducing the library's ``op = next || previous`` quirk.
    """
    backwards = prev_key is not None
    op = next_key if next_key is not None else prev_key
    keys, entries = view.keys, view.entries
    if backwards:
        assert op is not None
        start = bisect.bisect_right(keys, op)
        rows = entries[start : start + limit + 1]
    else:
        stop = len(keys) if op is None else bisect.bisect_left(keys, op)
        rows = entries[max(0, stop - limit - 1) : stop]
        rows.reverse()
    has_more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    return Page(
        rows=rows,
        has_previous=next_key is not None or (backwards and has_more),
        has_next=backwards or has_more,
    )


class Store:
    """Thread-safe collections of entries with per-reader views."""

    def __init__(self, specs: dict[str, Collection]) -> None:
        self.specs = specs
        self.lock = threading.RLock()
        self._entries: dict[str, dict[str, Entry]] = {key: {} for key in specs}
        self._by_parent: dict[str, dict[str | None, dict[str, Entry]]] = {key: {} for key in specs}
        self._views: dict[tuple[str, str, str | None], View] = {}
        # Bumped on every mutation, so derived data (live-feed scopes, stats) knows when to
        # rebuild.
        self._versions: dict[str, int] = dict.fromkeys(specs, 0)

    def spec(self, collection: str) -> Collection:
        try:
            return self.specs[collection]
        except KeyError:
            raise KeyError(f"unknown collection {collection!r}") from None

    def add(
        self,
        collection: str,
        doc: dict[str, Any],
        readers: Iterable[str],
        parent_id: str | None = None,
    ) -> Entry:
        spec = self.spec(collection)
        entry = Entry(spec, doc, frozenset(readers), parent_id)
        with self.lock:
            old = self._entries[collection].get(entry.doc_id)
            if old is not None:
                self._by_parent[collection][old.parent_id].pop(old.doc_id, None)
            self._entries[collection][entry.doc_id] = entry
            self._by_parent[collection].setdefault(parent_id, {})[entry.doc_id] = entry
            self._invalidate(collection)
        return entry

    def get(self, collection: str, doc_id: str) -> Entry | None:
        with self.lock:
            return self._entries[self.spec(collection).key].get(doc_id)

    def visible_entry(self, collection: str, doc_id: str, user_id: str) -> Entry | None:
        entry = self.get(collection, doc_id)
        if entry is None or user_id not in entry.readers:
            return None
        return entry

    def update(self, collection: str, doc_id: str, changes: dict[str, Any]) -> Entry:
        with self.lock:
            old = self.get(collection, doc_id)
            if old is None:
                raise KeyError(f"no {collection} with _id {doc_id!r}")
            doc = copy.deepcopy(old.doc)
            doc.update(copy.deepcopy(changes))
            doc[old.spec.id_field] = old.doc[old.spec.id_field]
            return self.add(collection, doc, old.readers, old.parent_id)

    def delete(self, collection: str, doc_id: str) -> None:
        with self.lock:
            old = self._entries[self.spec(collection).key].pop(doc_id, None)
            if old is None:
                raise KeyError(f"no {collection} with _id {doc_id!r}")
            self._by_parent[collection][old.parent_id].pop(doc_id, None)
            self._invalidate(collection)

    def _invalidate(self, collection: str) -> None:
        self._versions[collection] += 1
        for view_key in [k for k in self._views if k[0] == collection]:
            del self._views[view_key]

    def view(self, collection: str, user_id: str, parent_id: str | None = None) -> View:
        view_key = (collection, user_id, parent_id)
        with self.lock:
            cached = self._views.get(view_key)
            if cached is not None:
                return cached
            group = self._by_parent[self.spec(collection).key].get(parent_id, {})
            entries = sorted(
                (e for e in group.values() if user_id in e.readers), key=lambda e: e.key
            )
            built = View(keys=[e.key for e in entries], entries=entries)
            self._views[view_key] = built
            return built

    def version(self, collection: str) -> int:
        with self.lock:
            return self._versions[self.spec(collection).key]

    def all_entries(self, collection: str) -> list[Entry]:
        """Every entry of a collection, whoever may read it, in no particular order."""
        with self.lock:
            return list(self._entries[self.spec(collection).key].values())

    def children(self, collection: str, parent_id: str) -> list[Entry]:
        """Every entry under one parent, whoever may read it, in no particular order."""
        with self.lock:
            return list(self._by_parent[self.spec(collection).key].get(parent_id, {}).values())

    def count(self, collection: str) -> int:
        with self.lock:
            return len(self._entries[self.spec(collection).key])
