"""JSON control routes outside /v1 (``/_admin/...``), for demos and tests in other processes.

They have no authentication, so two rules keep a web page from driving a simulator on the
same machine: the server binds to loopback unless told otherwise (``app.is_loopback``), and
every POST must say ``Content-Type: application/json``, which a page cannot send cross-origin
without a CORS preflight the simulator never grants (415 otherwise).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .doccheck import misfit, stream_schema
from .endpoints import MSG_NOT_FOUND, Response, error
from .ratelimit import RateLimit
from .store import dumps

if TYPE_CHECKING:
    from .app import Simulator

Payload = dict[str, Any]


class BadRequest(ValueError):
    """A body the admin route cannot act on (400)."""


def _field(p: Payload, name: str, kind: type | tuple[type, ...], default: object = ...) -> Any:  # noqa: ANN401
    """``p[name]`` checked against ``kind``; a missing or ill-typed field is a 400."""
    if name not in p or p[name] is None:
        if default is ...:
            raise BadRequest(f"the body needs {name!r}")
        return default
    value = p[name]
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise BadRequest(f"{name!r} has the wrong type")
    if not isinstance(value, kind):
        raise BadRequest(f"{name!r} has the wrong type")
    return value


def is_json(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == "application/json"


class AdminApi:
    """Routes ``(method, path)`` to the ``Simulator`` knobs."""

    def __init__(self, simulator: Simulator) -> None:
        self.sim = simulator
        self._routes: dict[tuple[str, str], Callable[[Payload], object]] = {
            ("POST", "/_admin/insert"): self._insert,
            ("POST", "/_admin/update"): self._update,
            ("POST", "/_admin/delete"): self._delete,
            ("POST", "/_admin/reset-log"): self._reset_log,
            ("GET", "/_admin/log"): self._log,
            ("POST", "/_admin/rate-limit"): self._rate_limit,
            ("POST", "/_admin/feature"): self._feature,
            ("POST", "/_admin/revoke"): self._revoke,
            ("POST", "/_admin/faults"): self._faults,
            ("POST", "/_admin/retire"): self._retire,
            ("POST", "/_admin/max-limit"): self._max_limit,
            ("POST", "/_admin/search-envelope"): self._search_envelope,
            ("POST", "/_admin/undeclared-fields"): self._undeclared_fields,
            ("POST", "/_admin/strict-limits"): self._strict_limits,
            ("POST", "/_admin/older-member-shape"): self._older_member_shape,
            ("POST", "/_admin/ignore-previous"): self._ignore_previous,
            ("GET", "/_admin/health"): lambda _: {"ok": True},
        }

    def handle(self, method: str, path: str, body: bytes, content_type: str | None) -> Response:
        route = self._routes.get((method, path.rstrip("/")))
        if route is None:
            return error(404, MSG_NOT_FOUND)
        if method != "GET" and not is_json(content_type):
            return error(415, "admin routes take Content-Type: application/json bodies")
        try:
            payload = json.loads(body) if body.strip() else {}
        except (ValueError, RecursionError):
            return error(400, "the body is not JSON")
        if not isinstance(payload, dict):
            return error(400, "the body must be a JSON object")
        try:
            return Response(200, dumps(route(payload)))
        except KeyError as exc:  # an unknown collection, id or token
            return error(404, str(exc.args[0] if exc.args else exc))
        except (ValueError, TypeError) as exc:
            return error(400, str(exc))

    def _insert(self, p: Payload) -> object:
        kwargs: dict[str, Any] = {
            "_id": _field(p, "_id", str, None),
            "parent_id": _field(p, "parent_id", str, None),
        }
        if p.get("token"):
            kwargs["token"] = _field(p, "token", str)
        collection = _field(p, "collection", str)
        doc = _field(p, "doc", dict, None)
        if doc is not None:
            self._check(collection, doc)
        return self.sim.insert(collection, doc, **kwargs)

    def _update(self, p: Payload) -> object:
        collection = _field(p, "collection", str)
        changes = _field(p, "changes", dict, {})
        self._check(collection, changes)
        return self.sim.update(collection, _field(p, "_id", str), changes)

    def _check(self, collection: str, fields: Payload) -> None:
        """Refuse fields that the collection's stream schema says Mixmax never sends."""
        stream = self.sim.store.spec(collection).stream
        problem = misfit(fields, stream_schema(stream))
        if problem:
            raise BadRequest(f"{collection}: {problem} (schemas/{stream}.json)")

    def _delete(self, p: Payload) -> object:
        self.sim.delete(_field(p, "collection", str), _field(p, "_id", str))
        return {"deleted": True}

    def _reset_log(self, _: Payload) -> object:
        self.sim.clear_log()
        return {"ok": True}

    def _log(self, _: Payload) -> object:
        items = self.sim.requests
        return {
            "count": len(items),
            "total": self.sim.log.total,
            "size": self.sim.log.size,
            "requests": [
                {
                    "method": r.method,
                    "path": r.path,
                    "query": r.query,
                    "status": r.status,
                    "user_id": r.user_id,
                    "fault": r.fault,
                    "at": r.at,
                    "elapsed": r.elapsed,
                }
                for r in items
            ],
        }

    def _rate_limit(self, p: Payload) -> object:
        if p.get("off"):
            self.sim.set_rate_limit(None)
        else:
            self.sim.set_rate_limit(
                RateLimit(
                    _field(p, "limit", int),
                    _field(p, "window", (int, float)),
                    _field(p, "scope", str, "token"),
                )
            )
        return {"ok": True}

    def _feature(self, p: Payload) -> object:
        enabled = _field(p, "enabled", bool, True)
        self.sim.set_feature(_field(p, "token", str), _field(p, "feature", str), enabled)
        return {"ok": True}

    def _revoke(self, p: Payload) -> object:
        self.sim.revoke(_field(p, "token", str))
        return {"ok": True}

    def _faults(self, p: Payload) -> object:
        faults = self.sim.faults
        prefix = _field(p, "path_prefix", str, "/")
        if p.get("clear"):
            faults.clear()
        if "random" in p:
            faults.random(
                _field(p, "random", (int, float)),
                seed=_field(p, "seed", int, 0),
                kinds=_field(p, "kinds", list, [500, 502, 503, 504]),
                path_prefix=prefix,
            )
        if p.get("faults"):
            faults.schedule(prefix, _field(p, "faults", list), at=_field(p, "at", list, None))
        return {"ok": True}

    def _retire(self, p: Payload) -> object:
        status = _field(p, "status", int, 404) if not p.get("restore") else None
        self.sim.retire(_field(p, "path_prefix", str), status)
        return {"ok": True}

    def _max_limit(self, p: Payload) -> object:
        self.sim.set_max_limit(_field(p, "route", str), _field(p, "limit", int))
        return {"ok": True}

    def _search_envelope(self, p: Payload) -> object:
        self.sim.set_search_envelope(_field(p, "envelope", str))
        return {"ok": True}

    def _undeclared_fields(self, p: Payload) -> object:
        self.sim.set_undeclared_fields(_field(p, "enabled", bool, True))
        return {"ok": True}

    def _strict_limits(self, p: Payload) -> object:
        self.sim.set_strict_limits(_field(p, "enabled", bool, True))
        return {"ok": True}

    def _older_member_shape(self, p: Payload) -> object:
        self.sim.set_older_member_shape(_field(p, "enabled", bool, True))
        return {"ok": True}

    def _ignore_previous(self, p: Payload) -> object:
        self.sim.set_ignore_previous(_field(p, "enabled", bool, True))
        return {"ok": True}
