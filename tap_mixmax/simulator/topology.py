"""The one table of what the simulator serves: every collection, where it lives, how it pages.

Routes (``endpoints``), the store's keys and sort orders, the seed generator and the tests'
stream-to-collection map all read this table; nothing else lists collections.

Sort-key choices (docs/mixmax-api.md §3.2, documented in docs/simulator.md):

* ObjectId-keyed collections page on ``_id``: the library default, and an ObjectId embeds
  its creation second, so ``_id`` order is creation order.
* ``messages`` page on ``created`` (epoch ms) and ``livefeed`` on ``sent`` (epoch ms): their
  17-character ids carry no time order, so the cursor is ``[ms, "id"]`` [Inf].
* ``teams`` page on ``createdAt`` and team members on ``invitedAt``: ISO strings in the JSON,
  Dates in Mongo, so the cursor is ``[{"$date": …}, "id"]`` [Inf].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .cursors import FieldKind

# How a collection answers a list request:
#   cursor     {results, previous, hasPrevious, next, hasNext} (mongo-cursor-pagination find())
#   search     the search() envelope {results, next?} or, switched, the find() one
#   singleton  one object at a fixed path
#   offset     a bare array paged by limit/offset
#   results    {results} only: one page, no cursor keys
#   object     one object per parent id
Shape = Literal["cursor", "search", "singleton", "offset", "results", "object"]
IdShape = Literal["objectid", "meteor", "reused"]

DEFAULT_LIMIT = 50  # the library's default page size
MAX_LIMIT = 300  # the library's ceiling
MEETINGS_FEATURE = (
    "mixmaxApi"  # workspace feature the meeting endpoints need (docs/mixmax-api.md §2.7-2.8)
)


@dataclass(frozen=True)
class Collection:
    """One collection: its store key, tap stream, URL, paging and identity."""

    key: str  # store key, also the path under /v1 for top-level collections
    stream: str  # the tap stream that reads it
    path: str = ""  # URL path under /v1 ("/<key>" when empty); "{id}" is the parent's id
    shape: Shape = "cursor"
    parent: str | None = None  # parent collection key, for children
    sort_field: str = "_id"
    sort_kind: FieldKind = "number"
    id_field: str = "_id"
    id_shape: IdShape = "objectid"
    created_field: str | None = None  # the field recording creation, if the doc has one
    mutable: bool = True  # whether existing objects change after creation
    row_cap: int | None = None  # most rows ever listed (recipients 10,000; feed events 200)
    max_limit: int = MAX_LIMIT  # the page-size ceiling the server applies
    hidden: tuple[str, ...] = ()  # stored but only shown on request (includeVariables)
    feature: str | None = None  # workspace feature the route needs (403 without it)

    @property
    def tuple_key(self) -> bool:
        """Whether cursors are ``[value, id]`` pairs rather than the id alone."""
        return self.sort_field != "_id"

    def __post_init__(self) -> None:
        if not self.path:
            object.__setattr__(self, "path", f"/{self.key}")


TOPOLOGY: tuple[Collection, ...] = (
    # top-level cursor collections
    Collection("sequences", "sequences", created_field="createdAt"),
    Collection("sequencefolders", "sequence_folders", created_field="createdAt"),
    Collection(
        "messages",
        "messages",
        sort_field="created",
        id_shape="meteor",
        created_field="created",
        # [Inf]: chosen so the tap is tested against an endpoint capped below 300.
        max_limit=100,
    ),
    Collection(
        "livefeed",
        "live_feed",
        sort_field="sent",
        id_shape="meteor",
        created_field="sent",
    ),
    Collection("snippets", "snippets", created_field="createdAt"),
    Collection("snippettags", "snippet_tags", created_field="createdAt"),
    Collection("codesnippets", "code_snippets", created_field="createdAt"),
    Collection("contacts", "contacts"),
    Collection("contactgroups", "contact_groups"),
    Collection("filerequests", "file_requests", created_field="timestamp"),
    Collection("meetingtypes", "meeting_types", created_field="createdAt"),
    Collection("meetinginvites", "meeting_invites", created_field="creationDate"),
    Collection(
        "meetings/summaries",
        "meeting_summaries",
        path="/meetings/summaries/search",
        shape="search",
        created_field="createdAt",
        mutable=False,
        feature=MEETINGS_FEATURE,
    ),
    Collection("insightsreports", "insights_reports", created_field="createdAt"),
    Collection("integrations/commands", "integration_commands", created_field="createdAt"),
    Collection("integrations/enhancements", "integration_enhancements", created_field="createdAt"),
    Collection(
        "integrations/linkresolvers", "integration_link_resolvers", created_field="createdAt"
    ),
    Collection("integrations/sidebars", "integration_sidebars", created_field="createdAt"),
    Collection("rules", "rules", created_field="createdAt"),
    Collection("teams", "teams", sort_field="createdAt", sort_kind="date", id_shape="meteor"),
    Collection("unsubscribes", "unsubscribes", created_field="createdAt", mutable=False),
    Collection("polls", "polls", created_field="created"),
    Collection("qa", "qa", created_field="creationDate"),
    Collection("yesno", "yes_no", created_field="created"),
    Collection("reminders", "reminders", created_field="createdAt"),
    Collection("events", "events", created_field="timestamp", mutable=False),
    # singletons
    Collection("users/me", "current_user", shape="singleton", id_shape="meteor"),
    Collection("userpreferences/me", "user_preferences", shape="singleton"),
    Collection("appointmentlinks/me", "appointment_links", shape="singleton", id_field="userId"),
    # children
    Collection(
        "sequences/recipients",
        "sequence_recipients",
        path="/sequences/{id}/recipients",
        shape="offset",
        parent="sequences",
        created_field="createdAt",
        row_cap=10_000,
        # Mixmax's current reference: "the highest value supported is 50" [D26].
        max_limit=50,
        hidden=("variables",),
    ),
    Collection(
        "snippettags/snippets",
        "snippet_tag_snippets",
        path="/snippettags/{id}/snippets",
        parent="snippettags",
        id_shape="reused",
    ),
    Collection(
        "contacts/notes",
        "contact_notes",
        path="/contacts/{id}/notes",
        parent="contacts",
        created_field="createdAt",
    ),
    Collection(
        "contactgroups/contacts",
        "contact_group_members",
        path="/contactgroups/{id}/contacts",
        parent="contactgroups",
        id_shape="reused",
    ),
    Collection(
        "rules/actions",
        "rule_actions",
        path="/rules/{id}/actions",
        parent="rules",
        created_field="createdAt",
    ),
    Collection(
        # Team members have no _id: memberId (17-char) is the key, and since it carries no
        # time order they page on invitedAt [Inf].
        "teams/members",
        "team_members",
        path="/teams/{id}/members",
        parent="teams",
        sort_field="invitedAt",
        sort_kind="date",
        id_field="memberId",
        id_shape="meteor",
    ),
    Collection(
        "livefeed/events",
        "live_feed_events",
        path="/livefeed/events?messageId={id}",
        shape="results",
        parent="livefeed",
        created_field="timestamp",
        mutable=False,
        row_cap=200,
    ),
    Collection(
        "meetings/transcripts",
        "meeting_transcripts",
        path="/meetings/transcripts/{id}",
        shape="object",
        parent="meetings/summaries",
        id_shape="reused",
        mutable=False,
        feature=MEETINGS_FEATURE,
    ),
)

# Streams the tap makes from another part of a collection's responses: stream -> collection.
DERIVED_STREAMS: dict[str, str] = {"live_feed_stats": "livefeed"}

BY_KEY: dict[str, Collection] = {c.key: c for c in TOPOLOGY}
BY_STREAM: dict[str, Collection] = {c.stream: c for c in TOPOLOGY}

TOP_LEVEL: tuple[str, ...] = tuple(
    c.key for c in TOPOLOGY if c.parent is None and c.shape != "singleton"
)
SINGLETONS: tuple[str, ...] = tuple(c.key for c in TOPOLOGY if c.shape == "singleton")
# child collection -> parent collection
CHILDREN: dict[str, str] = {c.key: c.parent for c in TOPOLOGY if c.parent is not None}
# Collections capped below the library's 300 by default.
DEFAULT_MAX_LIMITS: dict[str, int] = {c.key: c.max_limit for c in TOPOLOGY if c.max_limit < 300}
