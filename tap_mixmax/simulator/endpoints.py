"""The /v1 API: routing and the answer to each GET, independent of the HTTP transport."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import catalog
from .cursors import CursorError, SortKey, decode, encode
from .projection import parse_fields, project
from .store import Entry, Store, dumps, paginate

JSON = "application/json; charset=utf-8"

MSG_NO_TOKEN = (
    "No API token provided; please visit "  # noqa: S105 - an error message, not a secret
    "https://app.mixmax.com/dashboard/settings/personal/integrations to create one"
)
MSG_NOT_FOUND = "Not found. Looking for an API that we don't provide? Let us know..."
MSG_FORBIDDEN = "Forbidden: this API requires the mixmaxApi feature for your workspace."
MSG_RATE_LIMITED = "Too many requests: rate limit exceeded, retry after the Retry-After delay."


@dataclass
class Account:
    """A token's user; ``features`` is mutable so tests can flip feature gates."""

    user_id: str
    features: set[str] = field(default_factory=set)


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = JSON
    headers: list[tuple[str, str]] = field(default_factory=list)
    user_id: str | None = None


def error(status: int, message: str, user_id: str | None = None) -> Response:
    return Response(status, dumps({"message": message}), user_id=user_id)


def js_parse_int(raw: str | None) -> int | None:
    """JavaScript ``parseInt(raw, 10)``, as the paging library calls it; None stands for NaN."""
    if raw is None:
        return None
    text = raw.lstrip(" \t\n\r\f\v")
    sign = 1
    if text[:1] in "+-" and text:
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    taken = ""
    for ch in text:
        if ch not in "0123456789":
            break
        taken += ch
    return sign * int(taken) if taken else None


def clamp_limit(raw: str | None, max_limit: int) -> int:
    """The page size for a request's ``limit``.

    An endpoint capped below the library's 300 sets its own ``limit``, which the library
    uses both as the default and as the ceiling a client can only lower.
    """
    default = max_limit if max_limit < catalog.MAX_LIMIT else catalog.DEFAULT_LIMIT
    value = js_parse_int(raw)
    if value is None:
        value = default
    return max(1, min(max_limit, value))


Query = dict[str, list[str]]


def _first(query: Query, name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _stage_object(stage_id: str, ordinal: int) -> dict[str, Any]:
    # Seed data holds only stage ids; the expanded shape follows the fields a client used
    # (_id, subject, body, type) [3P], generated deterministically from the id.
    return {
        "_id": stage_id,
        "ordinal": ordinal,
        "type": "email",
        "subject": f"Stage {ordinal + 1}",
        "body": f"<p>Stage {ordinal + 1} of the sequence</p>",
        "delay": {"days": ordinal * 2},
    }


class Api:
    """Answers /v1 requests from the store for the user behind a token."""

    def __init__(self, store: Store, accounts: dict[str, Account]) -> None:
        self.store = store
        self.accounts = accounts
        self._limits_lock = threading.Lock()
        self.max_limits: dict[str, int] = dict(catalog.DEFAULT_MAX_LIMITS)

    # configuration -------------------------------------------------------------------------

    def set_max_limit(self, route: str, value: int) -> None:
        """``route`` may be "/messages", "/teams/{id}/members" or "teams/members"."""
        parts = [p for p in route.strip("/").split("/") if p and not p.startswith("{")]
        key = "/".join(parts)
        if key.startswith("v1/"):
            key = key[3:]
        if key not in self.store.specs:
            raise KeyError(f"unknown collection route {route!r}")
        with self._limits_lock:
            self.max_limits[key] = max(1, int(value))

    def max_limit(self, collection: str) -> int:
        with self._limits_lock:
            return self.max_limits.get(collection, catalog.MAX_LIMIT)

    # dispatch ------------------------------------------------------------------------------

    def handle(self, method: str, api_path: str, query: Query, token: str | None) -> Response:
        account = self.accounts.get(token) if token else None
        if account is None:
            return error(401, MSG_NO_TOKEN)
        user = account.user_id
        segs = [s for s in api_path.split("/") if s]
        joined = "/".join(segs)
        allowed_methods = ("GET", "POST") if joined == "meetings/summaries/search" else ("GET",)
        if method not in allowed_methods or not segs:
            return error(404, MSG_NOT_FOUND, user)
        if segs[0] == catalog.FEATURE_GATED_PREFIX:
            if catalog.MEETINGS_FEATURE not in account.features:
                return error(403, MSG_FORBIDDEN, user)
            return self._meetings(segs, query, user)
        if joined in catalog.SINGLETONS:
            return self._singleton(joined, query, user)
        if joined == "livefeed/events":
            return self._livefeed_events(query, user)
        return self._collection_route(segs, query, user)

    def _collection_route(self, segs: list[str], query: Query, user: str) -> Response:
        if len(segs) >= 2 and "/".join(segs[:2]) in catalog.TOP_LEVEL:
            collection, rest = "/".join(segs[:2]), segs[2:]
        elif segs[0] in catalog.TOP_LEVEL and segs[0] != catalog.FEATURE_GATED_PREFIX:
            collection, rest = segs[0], segs[1:]
        else:
            return error(404, MSG_NOT_FOUND, user)
        if not rest:
            return self._list(collection, query, user, None)
        if len(rest) == 1:
            return self._by_id(collection, rest[0], query, user)
        child = catalog.CHILD_ROUTES.get(collection, {}).get(rest[1]) if len(rest) == 2 else None
        if child is None:
            return error(404, MSG_NOT_FOUND, user)
        if self.store.visible_entry(collection, rest[0], user) is None:
            return error(404, MSG_NOT_FOUND, user)
        if child == "sequences/recipients":
            return self._recipients(rest[0], query, user)
        return self._list(child, query, user, rest[0])

    # cursor collections --------------------------------------------------------------------

    def _list(self, collection: str, query: Query, user: str, parent: str | None) -> Response:
        spec = self.store.spec(collection)
        limit = clamp_limit(_first(query, "limit"), self.max_limit(collection))
        try:
            next_key = self._cursor(query, "next", spec.tuple_key)
            prev_key = self._cursor(query, "previous", spec.tuple_key)
        except CursorError as exc:
            return error(400, f"Invalid pagination cursor: {exc}", user)
        view = self.store.view(collection, user, parent)
        page = paginate(view, limit, next_key, prev_key)
        rows = self._render_rows(collection, page.rows, query, user)
        parts = [b'{"results":[', rows, b"]"]
        if page.rows:
            parts.append(b',"previous":"' + encode(page.rows[0].key).encode() + b'"')
        parts.append(b',"hasPrevious":' + (b"true" if page.has_previous else b"false"))
        if page.rows:
            parts.append(b',"next":"' + encode(page.rows[-1].key).encode() + b'"')
        parts.append(b',"hasNext":' + (b"true" if page.has_next else b"false") + b"}")
        return Response(200, b"".join(parts), user_id=user)

    @staticmethod
    def _cursor(query: Query, name: str, tuple_key: bool) -> SortKey | None:
        raw = _first(query, name)
        if not raw:  # the library treats an empty cursor as absent (_.isEmpty)
            return None
        return decode(raw, tuple_key=tuple_key)

    def _render_rows(self, collection: str, rows: list[Entry], query: Query, user: str) -> bytes:
        fields = parse_fields(_first(query, "fields"))
        expand = set(parse_fields(_first(query, "expand")))
        expander = self._expander(collection, expand, user)
        if not fields and expander is None:
            return b",".join(entry.json() for entry in rows)
        out: list[bytes] = []
        for entry in rows:
            doc = entry.public_doc()
            if expander is not None:
                expander(doc)
            if fields:
                doc = project(doc, fields, keep_id=False)
            out.append(dumps(doc))
        return b",".join(out)

    def _expander(
        self, collection: str, expand: set[str], user: str
    ) -> Callable[[dict[str, Any]], None] | None:
        if collection == "sequences" and "stages" in expand:

            def add_stages(doc: dict[str, Any]) -> None:
                entry = self.store.get("sequences", str(doc["_id"]))
                _expand_stages(doc, entry.doc.get("_stages") if entry else None)

            return add_stages
        if collection == "rules" and "actions" in expand:

            def add_actions(doc: dict[str, Any]) -> None:
                view = self.store.view("rules/actions", user, str(doc["_id"]))
                doc["actions"] = [e.public_doc() for e in reversed(view.entries)]

            return add_actions
        if collection == "contactgroups" and "count" in expand:

            def add_count(doc: dict[str, Any]) -> None:
                view = self.store.view("contactgroups/contacts", user, str(doc["_id"]))
                doc["count"] = len(view.entries)

            return add_count
        return None  # other documented expansions are accepted and ignored

    # other shapes --------------------------------------------------------------------------

    def _by_id(self, collection: str, doc_id: str, query: Query, user: str) -> Response:
        entry = self.store.visible_entry(collection, doc_id, user)
        if entry is None:
            return error(404, MSG_NOT_FOUND, user)
        doc = entry.public_doc()
        expander = self._expander(collection, set(parse_fields(_first(query, "expand"))), user)
        if expander is not None:
            expander(doc)
        fields = parse_fields(_first(query, "fields"))
        if fields:
            doc = project(doc, fields, keep_id=True)
        return Response(200, dumps(doc), user_id=user)

    def _singleton(self, collection: str, query: Query, user: str) -> Response:
        view = self.store.view(collection, user, None)
        if not view.entries:
            return error(404, MSG_NOT_FOUND, user)
        entry = view.entries[-1]
        fields = parse_fields(_first(query, "fields"))
        if not fields:
            return Response(200, entry.json(), user_id=user)
        return Response(200, dumps(project(entry.public_doc(), fields, keep_id=True)), user_id=user)

    def _recipients(self, sequence_id: str, query: Query, user: str) -> Response:
        # Bare array, limit/offset, offset+limit never past the 10,000-row cap
        # (docs/mixmax-api.md §2.10).
        limit = clamp_limit(_first(query, "limit"), self.max_limit("sequences/recipients"))
        offset = max(0, js_parse_int(_first(query, "offset")) or 0)
        end = min(offset + limit, catalog.RECIPIENTS_CAP)
        view = self.store.view("sequences/recipients", user, sequence_id)
        newest_first = view.entries[::-1][offset:end] if offset < end else []
        if (_first(query, "includeVariables") or "").lower() == "true":
            body = b",".join(dumps(e.public_doc(reveal=("variables",))) for e in newest_first)
        else:
            body = b",".join(e.json() for e in newest_first)
        return Response(200, b"[" + body + b"]", user_id=user)

    def _livefeed_events(self, query: Query, user: str) -> Response:
        message_id = _first(query, "messageId")
        if not message_id:
            return error(400, "Missing parameter messageId", user)
        if self.store.visible_entry("livefeed", message_id, user) is None:
            return error(404, MSG_NOT_FOUND, user)
        view = self.store.view("livefeed/events", user, message_id)
        rows = view.entries[::-1][: catalog.LIVEFEED_EVENTS_CAP]
        return Response(
            200, b'{"results":[' + b",".join(e.json() for e in rows) + b"]}", user_id=user
        )

    def _meetings(self, segs: list[str], query: Query, user: str) -> Response:
        if segs == ["meetings", "summaries", "search"]:
            return self._list("meetings/summaries", query, user, None)
        if len(segs) == 3 and segs[1] == "transcripts":
            summary_id = segs[2]
            if self.store.visible_entry("meetings/summaries", summary_id, user) is None:
                return error(404, MSG_NOT_FOUND, user)
            view = self.store.view("meetings/transcripts", user, summary_id)
            if not view.entries:
                return error(404, MSG_NOT_FOUND, user)
            return Response(200, view.entries[-1].json(), user_id=user)
        return error(404, MSG_NOT_FOUND, user)


def _expand_stages(doc: dict[str, Any], known: object) -> None:
    stages = doc.get("stages")
    if not isinstance(stages, list):
        return
    by_id: dict[str, Any] = {}
    if isinstance(known, list):
        by_id = {str(s["_id"]): s for s in known if isinstance(s, dict) and "_id" in s}
    expanded: list[Any] = []
    for ordinal, stage in enumerate(stages):
        if not isinstance(stage, str):
            expanded.append(stage)
        else:
            known_stage = by_id.get(stage)
            expanded.append(
                copy.deepcopy(known_stage) if known_stage else _stage_object(stage, ordinal)
            )
    doc["stages"] = expanded
