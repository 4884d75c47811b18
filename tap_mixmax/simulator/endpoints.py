"""The /v1 API: routing and the answer to each GET, independent of the HTTP transport."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from . import livefeed, topology
from .cursors import RANK_NUMBER, CursorError, SortKey, decode, encode
from .faults import matches_prefix
from .projection import parse_fields, project
from .store import Entry, Store, View, dumps, paginate

JSON = "application/json; charset=utf-8"

MSG_NO_TOKEN = (
    "No API token provided; please visit "  # noqa: S105 - an error message, not a secret
    "https://app.mixmax.com/dashboard/settings/personal/integrations to create one"
)
MSG_NOT_FOUND = "Not found. Looking for an API that we don't provide? Let us know..."
MSG_FORBIDDEN = "Forbidden: this API requires the mixmaxApi feature for your workspace."
MSG_RATE_LIMITED = "Too many requests: rate limit exceeded, retry after the Retry-After delay."
MSG_GONE = "Gone: this API has been removed."  # [Inf]: Mixmax has never been seen to send a 410

SearchEnvelope = Literal["search", "find"]
SEARCH_ENVELOPES: tuple[str, ...] = ("search", "find")
# search() ranks rows by text score; no text query is modelled, so every row scores the same
# (the value from the library's README example) and the order is _id descending [Inf].
SEARCH_SCORE = 0.75


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


# The most digits a number in a query may have; longer ones are answered 400.
MAX_QUERY_DIGITS = 16


class QueryError(ValueError):
    """A query parameter the simulator answers with a 400 naming it."""


def js_parse_int(raw: str | None) -> int | None:
    """JavaScript ``parseInt(raw, 10)``, as the paging library calls it; None stands for NaN.

    Raises :class:`QueryError` for more than ``MAX_QUERY_DIGITS`` digits."""
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
    if len(taken) > MAX_QUERY_DIGITS:
        msg = f"a number of {len(taken):,} digits is not a usable page size or offset"
        raise QueryError(msg)
    return sign * int(taken) if taken else None


def clamp_limit(raw: str | None, max_limit: int) -> int:
    """The page size for a request's ``limit``.

    An endpoint capped below the library's 300 sets its own ``limit``, which the library
    uses both as the default and as the ceiling a client can only lower.
    """
    default = max_limit if max_limit < topology.MAX_LIMIT else topology.DEFAULT_LIMIT
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


@dataclass(frozen=True)
class Route:
    """One URL pattern under /v1, derived from the topology table."""

    collection: topology.Collection
    segments: tuple[str, ...]  # literal segments, "{id}" where an id goes
    by_id: bool = False  # GET /<collection>/<id> of a top-level collection
    id_param: str | None = None  # query parameter carrying the parent id (live-feed events)

    @property
    def literals(self) -> int:
        return sum(1 for s in self.segments if s != "{id}")


def build_routes() -> tuple[Route, ...]:
    routes: list[Route] = []
    for coll in topology.TOPOLOGY:
        path, _, query = coll.path.partition("?")
        segments = tuple(s for s in path.split("/") if s)
        id_param = query.partition("=")[0] if query else None
        routes.append(Route(coll, segments, id_param=id_param))
        if coll.shape == "cursor" and coll.parent is None:
            routes.append(Route(coll, (*segments, "{id}"), by_id=True))
    return tuple(routes)


ROUTES = build_routes()


def match_route(segs: list[str]) -> tuple[Route, str | None] | None:
    """The route for a path, preferring the one with the most literal segments (so
    ``/livefeed/events`` is the events route, not the live-feed row ``events``)."""
    best: tuple[Route, str | None] | None = None
    for route in ROUTES:
        if len(route.segments) != len(segs):
            continue
        found: str | None = None
        for pattern, seg in zip(route.segments, segs, strict=True):
            if pattern == "{id}":
                found = seg
            elif pattern != seg:
                break
        else:
            if best is None or route.literals > best[0].literals:
                best = (route, found)
    return best


class Api:
    """Answers /v1 requests from the store for the user behind a token."""

    def __init__(
        self,
        store: Store,
        accounts: dict[str, Account],
        feed: livefeed.LiveFeed,
        *,
        search_envelope: SearchEnvelope = "search",
    ) -> None:
        self.store = store
        self.accounts = accounts
        self.feed = feed
        self._lock = threading.Lock()
        self.max_limits: dict[str, int] = dict(topology.DEFAULT_MAX_LIMITS)
        self.retired: dict[str, int] = {}
        self.search_envelope: SearchEnvelope = "search"
        self.set_search_envelope(search_envelope)
        # Strict limits: an offset endpoint answers 400 to a limit above its cap instead
        # of lowering it (which of the two Mixmax does is undocumented).
        self.strict_limits = False
        # Team member rows in the older documented shape: no memberId (see older_member).
        self.older_member_shape = False
        # Cursor routes that ignore ``previous`` and serve the newest page again [Inf]:
        # no public source shows /livefeed (a query-driven route) honouring it.
        self.ignore_previous = False

    # configuration -------------------------------------------------------------------------

    def set_max_limit(self, route: str, value: int) -> None:
        """``route`` may be "/messages", "/teams/{id}/members" or "teams/members"."""
        parts = [p for p in route.strip("/").split("/") if p and not p.startswith("{")]
        key = "/".join(parts)
        if key.startswith("v1/"):
            key = key[3:]
        if key not in self.store.specs:
            raise KeyError(f"unknown collection route {route!r}")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"a page-size cap must be a whole number >= 1, got {value!r}")
        with self._lock:
            self.max_limits[key] = value

    def max_limit(self, collection: str) -> int:
        with self._lock:
            return self.max_limits.get(collection, topology.MAX_LIMIT)

    def set_search_envelope(self, envelope: str) -> None:
        if envelope not in SEARCH_ENVELOPES:
            raise ValueError(f"search envelope must be 'search' or 'find', got {envelope!r}")
        self.search_envelope = "search" if envelope == "search" else "find"

    def retire(self, path_prefix: str, status: int | None) -> None:
        """Answer ``status`` (404 or 410) for every path under ``path_prefix`` (relative to
        /v1, e.g. "/contacts"); ``None`` brings it back."""
        prefix = "/" + path_prefix.strip("/")
        if prefix.startswith("/v1/"):
            prefix = prefix[3:]
        with self._lock:
            if status is None:
                self.retired.pop(prefix, None)
            elif status in (404, 410):
                self.retired[prefix] = status
            else:
                raise ValueError(f"a retired endpoint answers 404 or 410, not {status!r}")

    def _retired_status(self, api_path: str) -> int | None:
        with self._lock:
            for prefix, status in self.retired.items():
                if matches_prefix(api_path, prefix):
                    return status
        return None

    # dispatch ------------------------------------------------------------------------------

    def handle(self, method: str, api_path: str, query: Query, token: str | None) -> Response:
        account = self.accounts.get(token) if token else None
        if account is None:
            return error(401, MSG_NO_TOKEN)
        user = account.user_id
        retired = self._retired_status(api_path)
        if retired is not None:
            return error(retired, MSG_GONE if retired == 410 else MSG_NOT_FOUND, user)
        segs = [s for s in api_path.split("/") if s]
        found = match_route(segs)
        if found is None:
            return error(404, MSG_NOT_FOUND, user)
        route, item_id = found
        coll = route.collection
        # The summaries search is documented as GET; one client sends POST [3P]: accept both.
        allowed = ("GET", "POST") if coll.shape == "search" else ("GET",)
        if method not in allowed:
            return error(404, MSG_NOT_FOUND, user)
        if coll.feature is not None and coll.feature not in account.features:
            return error(403, MSG_FORBIDDEN, user)
        if route.id_param is not None:
            item_id = _first(query, route.id_param)
            if not item_id:
                return error(400, f"Missing parameter {route.id_param}", user)
        return self._answer(route, item_id, query, user)

    def _answer(self, route: Route, item_id: str | None, query: Query, user: str) -> Response:
        coll = route.collection
        if route.by_id:
            assert item_id is not None
            return self._by_id(coll.key, item_id, query, user)
        if coll.shape == "singleton":
            return self._singleton(coll.key, query, user)
        if coll.shape == "search":
            if self.search_envelope == "find":
                return self._list(coll.key, query, user, None)
            return self._search(coll.key, query, user)
        if coll.key == "livefeed":
            return self._livefeed(query, user)
        if coll.key == "contacts" and _flag(query, "includeShared"):
            return self._list(coll.key, query, user, None, view=self.shared_contacts(user))
        if coll.parent is None:
            return self._list(coll.key, query, user, None)
        assert item_id is not None
        if coll.shape == "results":
            return self._feed_events(coll, item_id, user)
        parent = self.store.visible_entry(coll.parent, item_id, user)
        if parent is None:
            return error(404, MSG_NOT_FOUND, user)
        if coll.shape == "offset":
            return self._offset(coll, item_id, query, user)
        if coll.shape == "object":
            view = self.store.view(coll.key, user, item_id)
            if not view.entries:
                return error(404, MSG_NOT_FOUND, user)
            return Response(200, view.entries[-1].json(), user_id=user)
        return self._list(coll.key, query, user, item_id)

    # cursor collections --------------------------------------------------------------------

    def _list(
        self,
        collection: str,
        query: Query,
        user: str,
        parent: str | None,
        *,
        view: View | None = None,
        extra: bytes = b"",
    ) -> Response:
        spec = self.store.spec(collection)
        limit = clamp_limit(_first(query, "limit"), self.max_limit(collection))
        try:
            next_key = self._cursor(query, "next", spec.tuple_key)
            prev_key = self._cursor(query, "previous", spec.tuple_key)
        except CursorError as exc:
            return error(400, f"Invalid pagination cursor: {exc}", user)
        if self.ignore_previous:
            prev_key = None
        if view is None:
            view = self.store.view(collection, user, parent)
        page = paginate(view, limit, next_key, prev_key)
        rows = self._render_rows(collection, page.rows, query, user)
        parts = [b'{"results":[', rows, b"]"]
        if page.rows:
            parts.append(b',"previous":"' + encode(page.rows[0].key).encode() + b'"')
        parts.append(b',"hasPrevious":' + (b"true" if page.has_previous else b"false"))
        if page.rows:
            parts.append(b',"next":"' + encode(page.rows[-1].key).encode() + b'"')
        parts.append(b',"hasNext":' + (b"true" if page.has_next else b"false"))
        parts.append(extra + b"}")
        return Response(200, b"".join(parts), user_id=user)

    @staticmethod
    def _cursor(query: Query, name: str, tuple_key: bool) -> SortKey | None:
        raw = _first(query, name)
        if not raw:  # the library treats an empty cursor as absent (_.isEmpty)
            return None
        return decode(raw, tuple_key=tuple_key)

    def shared_contacts(self, user: str) -> View:
        """The user's contacts plus those of contact groups shared with the user, which
        ``/contacts`` lists only with ``includeShared=true`` [D26]."""
        own = self.store.view("contacts", user, None)
        entries = {entry.doc_id: entry for entry in own.entries}
        for group in self.store.view("contactgroups", user, None).entries:
            for member in self.store.children("contactgroups/contacts", group.doc_id):
                contact = self.store.get("contacts", member.doc_id)
                if contact is not None:
                    entries.setdefault(contact.doc_id, contact)
        ordered = sorted(entries.values(), key=lambda entry: entry.key)
        return View(keys=[entry.key for entry in ordered], entries=ordered)

    def _render_rows(self, collection: str, rows: list[Entry], query: Query, user: str) -> bytes:
        fields = parse_fields(_first(query, "fields"))
        expand = set(parse_fields(_first(query, "expand")))
        expander = self._expander(collection, expand, user)
        if collection == "contacts" and _flag(query, "withAnalytics"):
            expander = _with_contact_analytics(expander)
        if collection == "teams/members" and self.older_member_shape:
            expander = older_member
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

    def _livefeed(self, query: Query, user: str) -> Response:
        try:
            parsed = livefeed.parse(_first(query, "query"), self.feed.now_ms())
        except livefeed.QueryError as exc:
            return error(400, str(exc), user)
        scoped = self.feed.query(user, parsed)
        wants_stats = (_first(query, "stats") or "").lower() in ("true", "1")
        extra = b',"stats":' + dumps(self.feed.stats(scoped)) if wants_stats else b""
        return self._list("livefeed", query, user, None, view=scoped.view, extra=extra)

    def _search(self, collection: str, query: Query, user: str) -> Response:
        """mongo-cursor-pagination's ``search()``: ``{results, next?}`` ordered by text score
        then ``_id`` descending, ``next`` = ``[score, _id]`` of the last row and only on a full
        page, no ``previous`` and no ``has*`` flags, default ``limit`` 300 (search.ts)."""
        cap = self.max_limit(collection)
        limit = js_parse_int(_first(query, "limit"))
        limit = max(1, min(cap, cap if limit is None else limit))
        after: SortKey | None = None
        raw = _first(query, "next")
        if raw:
            try:
                after = decode(raw, tuple_key=True)
            except CursorError as exc:
                return error(400, f"Invalid pagination cursor: {exc}", user)
        fields = parse_fields(_first(query, "fields"))
        rows: list[dict[str, Any]] = []
        last_key: SortKey | None = None
        for entry in reversed(self.store.view(collection, user, None).entries):
            key: SortKey = (RANK_NUMBER, SEARCH_SCORE, entry.doc_id)
            if after is not None and not key < after:
                continue
            doc = entry.public_doc()
            if fields:
                doc = project(doc, fields, keep_id=True)
            doc["score"] = SEARCH_SCORE
            rows.append(doc)
            last_key = key
            if len(rows) == limit:
                break
        body: dict[str, Any] = {"results": rows}
        if len(rows) == limit and last_key is not None:
            body["next"] = encode(last_key)
        return Response(200, dumps(body), user_id=user)

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

    def _offset(
        self, coll: topology.Collection, parent_id: str, query: Query, user: str
    ) -> Response:
        # Bare array, limit/offset, offset+limit never past the row cap. A limit above the
        # endpoint's cap is lowered to it silently, like the cursor routes, or refused with
        # a 400 in strict mode: both are [Inf]. See docs/mixmax-api.md §2.10.
        cap = self.max_limit(coll.key)
        asked = js_parse_int(_first(query, "limit"))
        if self.strict_limits and asked is not None and asked > cap:
            return error(400, f"limit must be at most {cap}", user)
        limit = clamp_limit(_first(query, "limit"), cap)
        offset = max(0, js_parse_int(_first(query, "offset")) or 0)
        end = min(offset + limit, coll.row_cap or offset + limit)
        view = self.store.view(coll.key, user, parent_id)
        newest_first = view.entries[::-1][offset:end] if offset < end else []
        if (_first(query, "includeVariables") or "").lower() == "true":
            body = b",".join(dumps(e.public_doc(reveal=coll.hidden)) for e in newest_first)
        else:
            body = b",".join(e.json() for e in newest_first)
        return Response(200, b"[" + body + b"]", user_id=user)

    def _feed_events(self, coll: topology.Collection, message_id: str, user: str) -> Response:
        assert coll.parent is not None
        row = self.store.get(coll.parent, message_id)
        if row is None or not self.feed.readable(row, user):
            return error(404, MSG_NOT_FOUND, user)
        events = sorted(self.store.children(coll.key, message_id), key=lambda e: e.key)
        rows = events[::-1][: coll.row_cap]
        return Response(
            200, b'{"results":[' + b",".join(e.json() for e in rows) + b"]}", user_id=user
        )


def older_member(doc: dict[str, Any]) -> None:
    """A team member row as the older reference showed it [Dold]: no ``memberId``, times
    named ``dateInvited``/``dateAccepted``; a member is identified by ``userId``, and a
    pending invite (no user yet) by an ``_id`` [Inf]."""
    member = doc.pop("memberId", None)
    if doc.get("userId") is None:
        doc["_id"] = member
    doc["dateInvited"] = doc.pop("invitedAt", None)
    doc["dateAccepted"] = doc.pop("acceptedAt", None)


def _flag(query: Query, name: str) -> bool:
    return (_first(query, name) or "").lower() in ("true", "1")


def _with_contact_analytics(
    then: Callable[[dict[str, Any]], None] | None,
) -> Callable[[dict[str, Any]], None]:
    """An expander adding ``analytics`` (``withAnalytics=true``), then doing ``then``'s work.

    The field names are the Go client's model [3P]; the counts are derived from the
    contact's ``usedCount`` so they are stable across requests [Inf].
    """

    def add(doc: dict[str, Any]) -> None:
        sent = int(doc.get("usedCount") or 0)
        counts = {"sent": sent, "delivered": sent, "opened": sent * 2 // 3}
        counts |= {"clicked": sent // 3, "downloaded": sent // 6, "replied": sent // 4}
        counts |= {f"deliveredWithTracked{kind}": sent for kind in ("Opens", "Links", "Files")}
        share = {key: round(counts[key] / sent, 4) if sent else 0.0 for key in _RATES}
        doc["analytics"] = {**counts, "percentages": share}
        if then is not None:
            then(doc)

    return add


_RATES = ("opened", "clicked", "downloaded", "replied")


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
