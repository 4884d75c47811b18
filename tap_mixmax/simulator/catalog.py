"""Which collections the simulator serves and how each is keyed (docs/mixmax-api.md §1, §3.2, §3.8).

Sort-key choices, documented in docs/simulator.md:

* ObjectId-keyed collections page on ``_id``: the library default, and an ObjectId embeds
  its creation second, so ``_id`` order is creation order.
* ``messages`` page on ``created`` (epoch ms) and ``livefeed`` on ``sent`` (epoch ms): their
  17-character ids carry no time order, so the cursor is ``[ms, "id"]`` [Inf].
* ``teams`` page on ``createdAt``; the JSON shows an ISO string, which Mongo stores as a
  Date, so the cursor is ``[{"$date": …}, "id"]`` [Inf].
"""

from __future__ import annotations

from .store import CollectionSpec

TOP_LEVEL: tuple[str, ...] = (
    "sequences",
    "sequencefolders",
    "messages",
    "livefeed",
    "snippets",
    "snippettags",
    "codesnippets",
    "contacts",
    "contactgroups",
    "filerequests",
    "meetingtypes",
    "meetinginvites",
    "meetings/summaries",
    "insightsreports",
    "integrations/commands",
    "integrations/enhancements",
    "integrations/linkresolvers",
    "integrations/sidebars",
    "rules",
    "teams",
    "unsubscribes",
    "polls",
    "qa",
    "yesno",
    "reminders",
    "events",
)

SINGLETONS: tuple[str, ...] = ("users/me", "userpreferences/me", "appointmentlinks/me")

# parent collection -> {path segment: child collection}, served at /<parent>/<id>/<segment>.
CHILD_ROUTES: dict[str, dict[str, str]] = {
    "sequences": {"recipients": "sequences/recipients"},
    "snippettags": {"snippets": "snippettags/snippets"},
    "contacts": {"notes": "contacts/notes"},
    "contactgroups": {"contacts": "contactgroups/contacts"},
    "rules": {"actions": "rules/actions"},
    "teams": {"members": "teams/members"},
}

# Children reached some other way: /livefeed/events?messageId= and /meetings/transcripts/:id.
OTHER_CHILDREN: tuple[str, ...] = ("livefeed/events", "meetings/transcripts")

# Collections that only need the feature flag "mixmaxApi" (docs/mixmax-api.md §2.7-2.8).
FEATURE_GATED_PREFIX = "meetings"
MEETINGS_FEATURE = "mixmaxApi"

DEFAULT_LIMIT = 50
MAX_LIMIT = 300
RECIPIENTS_CAP = 10_000
LIVEFEED_EVENTS_CAP = 200

# The tap's tests rely on at least one endpoint capping limit below 300.
DEFAULT_MAX_LIMITS: dict[str, int] = {"messages": 100}

_SPECIAL_SORT: dict[str, CollectionSpec] = {
    "messages": CollectionSpec("messages", sort_field="created", sort_kind="number"),
    "livefeed": CollectionSpec("livefeed", sort_field="sent", sort_kind="number"),
    "teams": CollectionSpec("teams", sort_field="createdAt", sort_kind="date"),
    "sequences/recipients": CollectionSpec("sequences/recipients", hidden=("variables",)),
    # Team members have no _id: memberId (17-char) is the key, and since it carries no time
    # order they page on invitedAt, a Date in Mongo [Inf].
    "teams/members": CollectionSpec(
        "teams/members", sort_field="invitedAt", sort_kind="date", id_field="memberId"
    ),
    "appointmentlinks/me": CollectionSpec("appointmentlinks/me", id_field="userId"),
}


def all_collections() -> tuple[str, ...]:
    children = tuple(c for group in CHILD_ROUTES.values() for c in group.values())
    return TOP_LEVEL + SINGLETONS + children + OTHER_CHILDREN


def build_specs() -> dict[str, CollectionSpec]:
    return {key: _SPECIAL_SORT.get(key, CollectionSpec(key)) for key in all_collections()}
