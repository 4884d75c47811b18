"""The live feed's search ``query`` and its response-level ``stats`` block.

See docs/mixmax-api.md §2.14.

Mixmax documents the operators [Dold] and the ``stats`` counters [Obs] but not their exact
semantics; this module models a subset, every choice below [Inf]:

* Scope: without a ``from:`` term the feed holds the caller's own messages (``from:me``).
  ``from:everyone`` adds teammates' messages that are shown in the team live feed
  (``includeInTeamLiveFeed`` = 1); teammates are the simulated users sharing a team with the
  caller. ``from:<email>`` and ``from:<team name>`` narrow the team feed to that sender or team.
* ``to:<email or domain>``, ``subject:<text>`` (case-insensitive substring; bare words too),
  ``sent:MM/DD/YYYY-MM/DD/YYYY`` (UTC days, both ends included), ``sent:MM/DD/YYYY``,
  ``sent:today``/``sent:yesterday`` (by the simulator's clock), and ``is:opened|clicked|
  downloaded|replied|bounced`` (the message has such an event). Terms are ANDed.
* Any other operator or value is a 400 naming it, so a typo in a tap setting is visible.
* ``stats`` (sent with ``stats=true``) counts over every row the query matches, not only the
  page: messages ``sent``, ``recipients``, messages with at least one event of each kind,
  ``delivered`` = sent minus bounced, and ``percentages`` of ``sent`` (one decimal).
"""

from __future__ import annotations

import shlex
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .store import Entry, Store, View

EVENT_KINDS = ("opened", "clicked", "downloaded", "replied", "bounced")
STAT_KEYS = (
    "sent",
    "recipients",
    "delivered",
    "opened",
    "clicked",
    "downloaded",
    "replied",
    "bounced",
    "accepted",
    "declined",
    "tentative",
)
PERCENT_KEYS = (*STAT_KEYS[2:], "unsubscribed", "tasksCompleted")
_DAY_MS = 86_400_000
_CACHE_SIZE = 64


class QueryError(ValueError):
    """A live-feed query term the simulator does not understand."""


@dataclass(frozen=True)
class FeedQuery:
    scope: str = "me"  # "me", "everyone", "email:<address>" or "team:<name>"
    to: str | None = None
    subject: tuple[str, ...] = ()
    sent: tuple[int, int] | None = None  # [start, end) in epoch ms
    kinds: frozenset[str] = field(default_factory=frozenset)


def _day(text: str) -> int:
    try:
        moment = datetime.strptime(text, "%m/%d/%Y").replace(tzinfo=UTC)
    except ValueError:
        raise QueryError(f"sent: expects MM/DD/YYYY dates, got {text!r}") from None
    return int(moment.timestamp() * 1000)


def _sent_range(value: str, now_ms: int) -> tuple[int, int]:
    today = now_ms - now_ms % _DAY_MS
    if value == "today":
        return today, today + _DAY_MS
    if value == "yesterday":
        return today - _DAY_MS, today
    if "-" in value:
        first, _, last = value.partition("-")
        return _day(first), _day(last) + _DAY_MS
    start = _day(value)
    return start, start + _DAY_MS


def _scope(value: str) -> str:
    if value in ("me", "myself"):
        return "me"
    if value == "everyone":
        return "everyone"
    if not value:
        raise QueryError("from: needs a value (me, everyone, an email or a team)")
    return f"email:{value}" if "@" in value else f"team:{value}"


def parse(raw: str | None, now_ms: int) -> FeedQuery:
    """The query's terms, or ``QueryError`` naming the first one not modelled."""
    try:
        terms = shlex.split(raw or "")
    except ValueError as exc:
        raise QueryError(f"unbalanced quotes in live feed query: {exc}") from None
    scope, to, sent = "me", None, None
    subject: list[str] = []
    kinds: set[str] = set()
    for term in terms:
        name, colon, value = term.partition(":")
        if not colon:
            subject.append(term.lower())
            continue
        name, value = name.lower(), value.strip()
        if name == "from":
            scope = _scope(value.lower())
        elif name == "to" and value:
            to = value.lower()
        elif name == "subject" and value:
            subject.append(value.lower())
        elif name == "sent" and value:
            sent = _sent_range(value.lower(), now_ms)
        elif name == "is" and value.lower() in EVENT_KINDS:
            kinds.add(value.lower())
        else:
            raise QueryError(f"unsupported live feed search term {term!r}")
    return FeedQuery(scope, to, tuple(subject), sent, frozenset(kinds))


@dataclass
class Scoped:
    """The rows one query matches, oldest first, and their stats (computed on first use)."""

    view: View
    _stats: dict[str, Any] | None = None


class LiveFeed:
    """Answers scoped live-feed queries from the store, caching each (user, query)."""

    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self.store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[tuple[object, ...], Scoped] = {}

    def now_ms(self) -> int:
        return int(self._clock() * 1000)

    def teammates(self, user: str) -> set[str]:
        """The simulated users sharing a team with ``user``, ``user`` included."""
        mates = {user}
        for team in self.store.all_entries("teams"):
            if user in team.readers:
                mates |= team.readers
        return mates

    def readable(self, entry: Entry, user: str) -> bool:
        """Whether ``user`` can see this live-feed row in some scope (own or team feed)."""
        if user in entry.readers:
            return True
        owner = entry.doc.get("userId")
        return bool(entry.doc.get("includeInTeamLiveFeed")) and owner in self.teammates(user)

    def query(self, user: str, query: FeedQuery) -> Scoped:
        versions = tuple(self.store.version(c) for c in ("livefeed", "livefeed/events", "teams"))
        key = (user, query, versions)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        if query == FeedQuery():  # the default feed is the user's own rows: the store's view
            scoped = Scoped(self.store.view("livefeed", user, None))
        else:
            rows = [e for e in self.store.all_entries("livefeed") if self._matches(e, user, query)]
            rows.sort(key=lambda e: e.key)
            scoped = Scoped(View([e.key for e in rows], rows))
        with self._lock:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = scoped
        return scoped

    def _in_scope(self, entry: Entry, user: str, scope: str) -> bool:
        if scope == "me":
            return user in entry.readers
        if not self.readable(entry, user):
            return False
        if scope.startswith("email:"):
            return str(entry.doc.get("fromEmail", "")).lower() == scope[6:]
        if scope.startswith("team:"):
            members: set[str] = set()
            for team in self.store.all_entries("teams"):
                if user in team.readers and str(team.doc.get("name", "")).lower() == scope[5:]:
                    members |= team.readers
            return entry.doc.get("userId") in members
        return True

    def _kinds(self, entry: Entry) -> set[str]:
        return {
            str(e.doc.get("type")) for e in self.store.children("livefeed/events", entry.doc_id)
        }

    def _matches(self, entry: Entry, user: str, query: FeedQuery) -> bool:
        doc = entry.doc
        if not self._in_scope(entry, user, query.scope):
            return False
        if query.to is not None:
            emails = [str(r.get("email", "")).lower() for r in doc.get("recipients") or []]
            if not any(e == query.to or e.endswith("@" + query.to) for e in emails):
                return False
        subject = str(doc.get("subject") or "").lower()
        if any(word not in subject for word in query.subject):
            return False
        if query.sent is not None:
            sent = doc.get("sent")
            if not isinstance(sent, int) or not query.sent[0] <= sent < query.sent[1]:
                return False
        return not query.kinds or query.kinds <= self._kinds(entry)

    def stats(self, scoped: Scoped) -> dict[str, Any]:
        with self._lock:
            if scoped._stats is None:
                scoped._stats = self._count(scoped.view.entries)
            return scoped._stats

    def _count(self, rows: list[Entry]) -> dict[str, Any]:
        counts = dict.fromkeys(STAT_KEYS, 0)
        counts["sent"] = len(rows)
        for entry in rows:
            counts["recipients"] += len(entry.doc.get("recipients") or [])
            for kind in self._kinds(entry) & set(EVENT_KINDS):
                counts[kind] += 1
        counts["delivered"] = counts["sent"] - counts["bounced"]
        sent = counts["sent"]
        percentages = {
            key: round(100 * counts.get(key, 0) / sent, 1) if sent else 0 for key in PERCENT_KEYS
        }
        return {**counts, "percentages": percentages}
