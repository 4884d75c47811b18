"""The undeclared-fields mode: every document carries properties no schema declares.

Mixmax adds fields to its answers without notice, and most of the schemas a client holds
for the streams nobody documented are guesses. With the mode on, every stored document
gets one top-level property (``TOP``, an object) and, inside its first object-valued
property, one nested property (``NESTED``), so a client's handling of what its schema
does not declare can be tested on every collection.
"""

from __future__ import annotations

from typing import Any

TOP = "simUndeclared"
NESTED = "simUndeclaredNested"


def _nested_host(doc: dict[str, Any]) -> str | None:
    for key, value in doc.items():
        if isinstance(value, dict) and not key.startswith("_"):
            return key
    return None


def with_undeclared(doc: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``doc`` carrying the undeclared properties."""
    out = dict(doc)
    out[TOP] = {"origin": "mixmax-simulator", "id": str(doc.get("_id", ""))}
    host = _nested_host(out)
    if host is not None:
        out[host] = {**out[host], NESTED: True}
    return out


def without_undeclared(doc: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``doc`` without them."""
    out = {key: value for key, value in doc.items() if key != TOP}
    for key, value in out.items():
        if isinstance(value, dict) and NESTED in value:
            out[key] = {k: v for k, v in value.items() if k != NESTED}
    return out
