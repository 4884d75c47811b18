"""``fields=`` projection with dot notation, following MongoDB inclusion projections."""

from __future__ import annotations

from typing import Any

Tree = dict[str, "Tree | bool"]


def parse_fields(raw: str | None) -> list[str]:
    if not raw:
        return []
    return [name.strip() for name in raw.split(",") if name.strip()]


def build_tree(paths: list[str]) -> Tree:
    tree: Tree = {}
    for path in paths:
        node = tree
        parts = path.split(".")
        for depth, part in enumerate(parts):
            if depth == len(parts) - 1:
                node[part] = True
                break
            child = node.get(part)
            if child is True:
                break  # the whole parent is already included
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
    return tree


def _apply(value: Any, tree: Tree) -> Any:  # noqa: ANN401 - any JSON value
    # Mongo keeps the document's own key order, drops scalars under a dotted path, and applies
    # a nested projection to every sub-document of an array.
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            sub = tree.get(key)
            if sub is None or sub is False:
                continue
            if sub is True:
                out[key] = item
            elif isinstance(item, dict | list):
                out[key] = _apply(item, sub)
        return out
    if isinstance(value, list):
        return [_apply(item, tree) for item in value if isinstance(item, dict | list)]
    return value


def project(doc: dict[str, Any], paths: list[str], *, keep_id: bool) -> dict[str, Any]:
    """Only ``paths`` of ``doc``; ``_id`` too when requested or when ``keep_id``.

    Listings pass ``keep_id=False``: mongo-cursor-pagination drops ``_id`` unless it is asked
    for (docs/mixmax-api.md §3.4). Single-object reads keep Mongo's default of including it [Inf].
    """
    tree = build_tree(paths)
    if keep_id and "_id" not in tree:
        tree = {"_id": True, **tree}
    result: dict[str, Any] = _apply(doc, tree)
    return result
