"""Deterministic seed data for the Mixmax simulator.

``generate(seed, scale)`` builds every collection for two users, ``ada`` (the demo token,
feature ``mixmaxApi``, most of the data) and ``bob`` (no features, about a tenth of the
data); some objects are shared between them. ``new_doc`` builds one more document of any
collection, with the same shape, for inserts while the simulator runs.

Reproducibility: only ``random.Random(seed)`` is used, and every time is relative to the
fixed ``REFERENCE_MS`` (2026-11-01T00:00:00Z), never the wall clock. Creation times are
spread over the two years before it.

Ids (docs/mixmax-api.md §3.8): 24-hex ObjectIds derived from the creation second (one
"process" value per dataset, a counter incremented in creation order, so ``_id`` order
equals creation order within a collection); 17-character Meteor ids for users, messages and
live-feed rows (which reuse the message id), teams and team memberships (``memberId``).

Native timestamp encodings. "catalog" = as the catalog documents; "chosen" = the catalog
says unknown, this is our pick, keep it consistent:

====================================  =========================================  ========
collection                            fields                                     encoding
====================================  =========================================  ========
sequences                             createdAt, updatedAt                       ISO (catalog)
sequences/recipients                  createdAt; stages[].scheduledAt/sentAt/    ms (catalog)
                                      processedAt
sequences/recipients                  updatedAt                                  ms (chosen)
sequencefolders                       createdAt, savedAt                         ISO (catalog)
messages                              created, updatedAt, scheduled, sent        ms (catalog)
livefeed                              sent                                       ms (catalog)
livefeed/events, events               timestamp                                  ms (catalog)
snippets, snippettags(/snippets)      createdAt, savedAt, deletedAt, archivedAt  ms (catalog)
codesnippets                          createdAt                                  ISO (catalog)
contacts, contactgroups/contacts      timestamp                                  ms (catalog)
contacts/notes                        createdAt, modifiedAt                      ms (chosen)
filerequests                          timestamp, uploads[].timestamp             ms (chosen)
meetingtypes                          createdAt, updatedAt                       ISO (catalog)
meetinginvites                        creationDate                               ms (catalog)
meetinginvites                        timeslots[].start/end                      ISO (catalog)
meetings/summaries                    startedAt, endedAt, createdAt              ISO (chosen)
meetings/transcripts                  startedAt, createdAt                       ISO (chosen)
insightsreports                       createdAt, updatedAt                       ISO (catalog)
integrations/linkresolvers            createdAt                                  ISO (catalog)
integrations/commands, enhancements,  createdAt                                  ISO (chosen)
sidebars
rules, rules/actions                  createdAt, modifiedAt                      ISO (catalog)
teams                                 createdAt, modifiedAt                      ISO (catalog)
teams/members                         invitedAt, acceptedAt                      ISO (catalog)
unsubscribes                          createdAt                                  ISO (chosen)
polls                                 created, options[].respondents[].          ms (chosen)
                                      respondedAt
qa                                    creationDate                               ms (chosen)
yesno                                 created                                    ms (chosen)
reminders                             date, createdAt                            s, 10 digits
                                                                                 (doc example)
users/me                              createdAt                                  ISO (chosen)
====================================  =========================================  ========

Inferred shapes [Inf] (no published schema): meeting summaries (``_id``, ``ownerUserId``,
``title``, ``startedAt``, ``endedAt``, ``createdAt``, ``participants[{name,email}]``,
``summary``, ``actionItems[{text,assigneeEmail}]``) and transcripts (``_id`` = ``summaryId``
= the summary ``_id``, ``title``, ``language``, ``startedAt``, ``createdAt``,
``segments[{speaker,speakerEmail,startMs,endMs,text}]`` where ``startMs``/``endMs`` are
offsets from the meeting start); ``users/me`` beyond ``_id``; team ``users[]`` entries
(``{memberId,userId|email,role,accepted}``); rule-action config keys (``webhookUrl``,
``channel``, ``to``); the unit of recipient ``stages[].scheduleBetween`` start/end, numbers
in recorded responses [Obs], taken as hours of the day (a few rows keep ``"HH:mm"`` strings,
so both branches of the schema's union occur).

Types follow the catalog, and the data shows every type a schema admits: ``logTo`` is a
Boolean [D26]; fields the catalog types "number" (``durationMin``, ``buffer``, ``order``,
``editorHeight``/``editorWidth``) are sometimes fractional; free-form objects (contact
``meta``, recipient ``variables``) carry keys beyond the usual ones. These variations draw on
``Ctx.variety``, a second random source, so they never reshuffle the rest of the data.

Conventions the server relies on:

* ``sequences`` docs carry a private ``_stages`` list (stage objects ``{_id, subject, body,
  type, delayDays}``, ``stages`` holds their ids in order). The server removes ``_stages``
  before serving and uses it for ``expand=stages``.
* Recipients always carry ``variables``; the server strips it unless ``includeVariables``.
* Children: ``SeedDoc.parent_id`` is the parent's ``_id``. ``snippettags/snippets`` rows
  and ``contactgroups/contacts`` rows reuse the ``_id`` of the snippet/contact they list.
  ``livefeed/events`` rows have no ``messageId`` field (the tap adds it); their parent is
  the live-feed row (= message) ``_id``. ``meetings/transcripts`` has one doc per summary,
  ``_id`` = parent_id = the summary ``_id``. ``teams/members`` rows always have a
  ``memberId`` (pending invites too: those have ``email`` and no ``userId``).
* Snippets may carry ``deletedAt`` (soft-deleted) and ``archivedAt``.
* Paging fields: messages ``created`` (ms), livefeed ``sent`` (ms), teams ``createdAt`` (ISO).
"""

from __future__ import annotations

import gc
import random
from dataclasses import dataclass
from typing import Any

from tap_mixmax.simulator import seed_outreach as outreach
from tap_mixmax.simulator import seed_workspace as workspace
from tap_mixmax.simulator import topology
from tap_mixmax.simulator.seed_builders import Builder, Ctx, Doc
from tap_mixmax.simulator.seed_core import (
    DAY_MS,
    REFERENCE_MS,
    SPAN_MS,
    IdSource,
    creation_times,
    iso,
    meteor_id,
    object_id,
    object_id_seconds,
    pick,
    rint,
)

__all__ = [
    "CHILD_COLLECTIONS",
    "COLLECTIONS",
    "DEMO_TOKEN",
    "REFERENCE_MS",
    "SINGLETON_COLLECTIONS",
    "TOP_LEVEL_COLLECTIONS",
    "Dataset",
    "SeedDoc",
    "User",
    "generate",
    "meteor_id",
    "new_doc",
    "object_id",
    "object_id_seconds",
]

DEMO_TOKEN = "sim-token-ada"  # noqa: S105 - a public simulator token, not a secret


@dataclass(frozen=True)
class User:
    """A simulated Mixmax user, identified by its API token."""

    token: str
    user_id: str
    email: str
    name: str
    features: frozenset[str]


@dataclass
class SeedDoc:
    """One document plus who may read it (user ids) and, for children, its parent ``_id``."""

    doc: dict[str, Any]
    readers: frozenset[str]
    parent_id: str | None = None


@dataclass
class Dataset:
    users: list[User]
    collections: dict[str, list[SeedDoc]]


BUILDERS: dict[str, Builder] = {
    "users/me": workspace.build_user_me,
    "userpreferences/me": workspace.build_userpreferences,
    "appointmentlinks/me": workspace.build_appointmentlink,
    "sequences": outreach.build_sequence,
    "sequences/recipients": outreach.build_recipient,
    "sequencefolders": outreach.build_sequencefolder,
    "messages": outreach.build_message,
    "livefeed": outreach.build_livefeed,
    "livefeed/events": outreach.build_livefeed_event,
    "events": outreach.build_event,
    "snippets": outreach.build_snippet,
    "snippettags": outreach.build_snippettag,
    "snippettags/snippets": outreach.build_tag_snippet,
    "codesnippets": outreach.build_codesnippet,
    "contacts": workspace.build_contact,
    "contacts/notes": workspace.build_contact_note,
    "contactgroups": workspace.build_contactgroup,
    "contactgroups/contacts": workspace.build_group_contact,
    "filerequests": workspace.build_filerequest,
    "meetingtypes": workspace.build_meetingtype,
    "meetinginvites": workspace.build_meetinginvite,
    "meetings/summaries": workspace.build_meeting_summary,
    "meetings/transcripts": workspace.build_meeting_transcript,
    "insightsreports": workspace.build_insightsreport,
    "integrations/commands": workspace.build_integration_command,
    "integrations/enhancements": workspace.build_integration_enhancement,
    "integrations/linkresolvers": workspace.build_integration_linkresolver,
    "integrations/sidebars": workspace.build_integration_sidebar,
    "rules": workspace.build_rule,
    "rules/actions": workspace.build_rule_action,
    "teams": workspace.build_team,
    "teams/members": workspace.build_team_member,
    "unsubscribes": outreach.build_unsubscribe,
    "polls": workspace.build_poll,
    "qa": workspace.build_qa,
    "yesno": workspace.build_yesno,
    "reminders": outreach.build_reminder,
}

# Per-user document counts at scale 1.0: (ada, bob). Counts scale linearly; children
# depend on their parents. At scale 1.0 a full sync of ada's default streams (not
# contact_notes or live_feed_events) takes about 150 requests at 300 rows per page.
TOP_LEVEL_COUNTS: dict[str, tuple[int, int]] = {
    "teams": (4, 1),
    "contacts": (1500, 200),
    "contactgroups": (12, 3),
    "sequences": (50, 8),
    "sequencefolders": (8, 2),
    "snippets": (200, 30),
    "snippettags": (20, 4),
    "codesnippets": (20, 3),
    "rules": (15, 3),
    "meetingtypes": (12, 3),
    "meetinginvites": (60, 10),
    "meetings/summaries": (12, 3),
    "messages": (1200, 150),
    "events": (100, 20),
    "reminders": (100, 15),
    "unsubscribes": (80, 10),
    "filerequests": (30, 5),
    "insightsreports": (15, 3),
    "integrations/commands": (10, 2),
    "integrations/enhancements": (10, 2),
    "integrations/linkresolvers": (10, 2),
    "integrations/sidebars": (10, 2),
    "polls": (25, 5),
    "qa": (20, 4),
    "yesno": (25, 5),
}
# ``livefeed`` is derived: one row per sent message. Which collections exist and which is
# whose child comes from the simulator's topology table.
TOP_LEVEL_COLLECTIONS: tuple[str, ...] = topology.TOP_LEVEL
SINGLETON_COLLECTIONS: tuple[str, ...] = topology.SINGLETONS
# child collection -> parent collection
CHILD_COLLECTIONS: dict[str, str] = topology.CHILDREN
COLLECTIONS: tuple[str, ...] = tuple(c.key for c in topology.TOPOLOGY)

# Probability that an object is shared with the other simulated user, per collection.
SHARE_PROBABILITY: dict[str, float] = {
    "sequences": 0.2,
    "sequencefolders": 0.25,
    "snippets": 0.1,
    "snippettags": 0.15,
    "contactgroups": 0.25,
    "integrations/commands": 0.2,
    "integrations/enhancements": 0.2,
}
# Sequences additionally shared through a team both users belong to.
SEQUENCE_TEAM_SHARE = 0.1


def _count(base: int, scale: float) -> int:
    return max(1, round(base * scale)) if scale > 0 and base else 0


class _Generator:
    def __init__(self, seed: int, scale: float) -> None:
        self.rng = random.Random(seed)
        self.scale = scale
        self.ctx = Ctx(self.rng, IdSource(self.rng), variety=random.Random(f"variety-{seed}"))
        rng = self.rng
        self.ada = User(
            DEMO_TOKEN,
            meteor_id(rng),
            "ada@mixmax-sim.example",
            "Ada Lovelace",
            frozenset({"mixmaxApi"}),
        )
        self.bob = User(
            "sim-token-bob", meteor_id(rng), "bob@mixmax-sim.example", "Bob Builder", frozenset()
        )
        self.users = [self.ada, self.bob]
        self.only = {u.user_id: frozenset({u.user_id}) for u in self.users}
        self.both = frozenset(u.user_id for u in self.users)
        self.out: dict[str, list[SeedDoc]] = {name: [] for name in COLLECTIONS}
        self.shared_teams: list[str] = []  # teams both users belong to

    def other(self, user: User) -> User:
        return self.bob if user is self.ada else self.ada

    def schedule(self, collection: str) -> list[tuple[int, User]]:
        """Creation instants for every user's objects of ``collection``, oldest first."""
        ada_base, bob_base = TOP_LEVEL_COUNTS[collection]
        owners = [self.ada] * _count(ada_base, self.scale) + [self.bob] * _count(
            bob_base, self.scale
        )
        self.rng.shuffle(owners)
        times = creation_times(self.rng, len(owners))
        return list(zip(times, owners, strict=True))

    def share(self, collection: str, owner: User) -> frozenset[str]:
        """Decide the sharing of the next document; set it on the context; return readers."""
        ctx, rng = self.ctx, self.rng
        ctx.share_with, ctx.share_teams = [], []
        probability = SHARE_PROBABILITY.get(collection, 0.0)
        if probability and rng.random() < probability:
            ctx.share_with = [self.other(owner)]
        if collection == "sequences" and self.shared_teams and rng.random() < SEQUENCE_TEAM_SHARE:
            ctx.share_teams = [pick(rng, self.shared_teams)]
        if ctx.share_with or ctx.share_teams:
            return self.both
        return self.only[owner.user_id]

    def top(self, collection: str) -> list[tuple[Doc, User, frozenset[str]]]:
        """Build a plain top-level collection; return (doc, owner, readers) triples."""
        builder = BUILDERS[collection]
        built = []
        for created, owner in self.schedule(collection):
            readers = self.share(collection, owner)
            doc = builder(self.ctx, owner, created, None)
            self.out[collection].append(SeedDoc(doc, readers))
            built.append((doc, owner, readers))
        self.ctx.share_with, self.ctx.share_teams = [], []
        return built

    def child(self, collection: str, doc: Doc, readers: frozenset[str], parent_id: str) -> None:
        self.out[collection].append(SeedDoc(doc, readers, parent_id))

    # -- collections with cross references -------------------------------------------

    def teams(self) -> None:
        rng, ctx = self.rng, self.ctx
        for index, (created, owner) in enumerate(self.schedule("teams")):
            team = workspace.build_team(ctx, owner, created, None)
            with_other = owner is self.ada and index % 2 == 0
            members: list[Doc] = []
            admin = workspace.build_team_member(ctx, owner, created, team)
            admin.update(role="admin", accepted=True, acceptedAt=iso(created))
            members.append(admin)
            sim_members = [owner]
            if with_other:
                other = self.other(owner)
                row = workspace.build_team_member(ctx, other, created + DAY_MS, team)
                row.update(accepted=True, acceptedAt=iso(created + 2 * DAY_MS))
                members.append(row)
                sim_members.append(other)
            for _ in range(rint(rng, 2, 10)):
                outsider = User("", meteor_id(rng), "", "Team Mate", frozenset())
                invited = created + rint(rng, 0, 60) * DAY_MS
                members.append(
                    workspace.build_team_member(ctx, outsider, min(invited, ctx.now), team)
                )
            for _ in range(rint(rng, 0, 2)):
                members.append(workspace.pending_member(ctx, min(created + 90 * DAY_MS, ctx.now)))
            team["users"] = [workspace.team_user_entry(member) for member in members]
            readers = frozenset(user.user_id for user in sim_members)
            self.out["teams"].append(SeedDoc(team, readers))
            for member in members:
                self.child("teams/members", member, readers, team["_id"])
            for user in sim_members:
                ctx.pool(user).team_ids.append(team["_id"])
            if with_other:
                self.shared_teams.append(team["_id"])

    def contacts(self) -> None:
        rng, ctx = self.rng, self.ctx
        for doc, owner, readers in self.top("contacts"):
            ctx.pool(owner).contacts.append(doc)
            if rng.random() < 0.1:
                start = object_id_seconds(doc["_id"]) * 1000
                notes = rint(rng, 1, 3)
                for created in creation_times(rng, notes, span_ms=max(ctx.now - start, 1)):
                    note = workspace.build_contact_note(ctx, owner, max(created, start), doc)
                    self.child("contacts/notes", note, readers, doc["_id"])

    def contactgroups(self) -> None:
        rng, ctx = self.rng, self.ctx
        for created, owner in self.schedule("contactgroups"):
            readers = self.share("contactgroups", owner)
            group = workspace.build_contactgroup(ctx, owner, created, None)
            self.out["contactgroups"].append(SeedDoc(group, readers))
            contacts = ctx.pool(owner).contacts
            size = min(len(contacts), rint(rng, 5, 40))
            for contact in rng.sample(contacts, size):
                member = dict(contact)
                member["meta"] = dict(contact["meta"])
                self.child("contactgroups/contacts", member, readers, group["_id"])
        ctx.share_with = []

    def sequences(self) -> None:
        rng, ctx = self.rng, self.ctx
        for doc, owner, readers in self.top("sequences"):
            pool = ctx.pool(owner)
            pool.sequence_ids.append(doc["_id"])
            start = object_id_seconds(doc["_id"]) * 1000
            count = rint(rng, 0, 40)
            times = creation_times(rng, count, span_ms=max(ctx.now - start, 1))
            for created in times:
                recipient = outreach.build_recipient(ctx, owner, max(created, start), doc)
                self.child("sequences/recipients", recipient, readers, doc["_id"])
                pool.recipients.append(recipient)
            if times:
                doc["updatedAt"] = iso(max(times[-1], start))

    def snippets(self) -> None:
        rng, ctx = self.rng, self.ctx
        snippets = self.top("snippets")
        for doc, owner, _ in snippets:
            ctx.pool(owner).snippet_ids.append(doc["_id"])
        tags = self.top("snippettags")
        by_owner: dict[str, list[tuple[Doc, frozenset[str]]]] = {}
        for tag, owner, readers in tags:
            by_owner.setdefault(owner.user_id, []).append((tag, readers))
        rows: dict[str, list[Doc]] = {}
        for snippet, owner, _ in snippets:
            owner_tags = by_owner.get(owner.user_id, [])
            if not owner_tags:
                continue
            for tag, _readers in rng.sample(owner_tags, min(len(owner_tags), rint(rng, 0, 2))):
                rows.setdefault(tag["_id"], []).append(outreach.tag_snippet_row(snippet))
        for tag, _owner, readers in tags:
            members = rows.get(tag["_id"], [])
            tag["count"] = len(members)
            for row in members:
                self.child("snippettags/snippets", row, readers, tag["_id"])

    def rules(self) -> None:
        rng, ctx = self.rng, self.ctx
        for doc, owner, readers in self.top("rules"):
            ctx.pool(owner).rule_ids.append(doc["_id"])
            start = object_id_seconds(doc["_id"]) * 1000
            for step in range(rint(rng, 1, 3)):
                action = workspace.build_rule_action(ctx, owner, start + step * 1000, doc)
                self.child("rules/actions", action, readers, doc["_id"])

    def meetings(self) -> None:
        ctx = self.ctx
        for doc, owner, _ in self.top("meetingtypes"):
            ctx.pool(owner).meeting_type_ids.append(doc["_id"])
        self.top("meetinginvites")
        for doc, owner, readers in self.top("meetings/summaries"):
            created = object_id_seconds(doc["_id"]) * 1000
            transcript = workspace.build_meeting_transcript(ctx, owner, created, doc)
            self.child("meetings/transcripts", transcript, readers, doc["_id"])

    def messages(self) -> None:
        rng, ctx = self.rng, self.ctx
        rows = []
        for doc, owner, readers in self.top("messages"):
            ctx.pool(owner).messages.append(doc)
            if "sent" in doc:
                rows.append((doc, owner, readers))
        rows.sort(key=lambda row: (row[0]["sent"], row[0]["_id"]))
        for message, owner, readers in rows:
            row = outreach.build_livefeed(ctx, owner, message["sent"], message)
            self.out["livefeed"].append(SeedDoc(row, readers))
            roll = rng.random()
            count = (
                0
                if roll < 0.3
                else rint(rng, 1, 5)
                if roll < 0.9
                else rint(rng, 6, 20)
                if roll < 0.99
                else rint(rng, 50, 200)
            )
            span = max(min(30 * DAY_MS, ctx.now - row["sent"]), 1)
            for offset in sorted(int(rng.random() * span) for _ in range(count)):
                event = outreach.build_livefeed_event(ctx, owner, row["sent"] + offset, row)
                self.child("livefeed/events", event, readers, row["_id"])

    def singletons(self) -> None:
        ctx = self.ctx
        for user in self.users:
            joined = REFERENCE_MS - SPAN_MS - rint(self.rng, 1, 365) * DAY_MS
            for name in SINGLETON_COLLECTIONS:
                doc = BUILDERS[name](ctx, user, joined, None)
                self.out[name].append(SeedDoc(doc, self.only[user.user_id]))

    def run(self) -> Dataset:
        self.singletons()
        self.teams()
        self.contacts()
        self.contactgroups()
        self.sequences()
        self.top("sequencefolders")
        self.snippets()
        self.top("codesnippets")
        self.rules()
        self.meetings()
        self.messages()
        for name in (
            "events",
            "reminders",
            "unsubscribes",
            "filerequests",
            "insightsreports",
            "integrations/commands",
            "integrations/enhancements",
            "integrations/linkresolvers",
            "integrations/sidebars",
            "polls",
            "qa",
            "yesno",
        ):
            self.top(name)
        return Dataset(users=list(self.users), collections=self.out)


def generate(seed: int = 1, scale: float = 1.0) -> Dataset:
    """Build the whole simulated account data set; same (seed, scale) -> same data."""
    if scale < 0:
        raise ValueError("scale must be >= 0")
    # Hundreds of thousands of small dicts: the cyclic GC would rescan them over and over
    # (it doubles the run time at scale 20); nothing built here forms a cycle.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _Generator(seed, scale).run()
    finally:
        if was_enabled:
            gc.enable()


def generate_users(seed: int = 1, scale: float = 1.0, users: int = 2) -> Dataset:
    """``generate``'s data set with ``users`` users in all (at least 1).

    ``ada`` and ``bob`` come first. Each further user ``user3``, ``user4``, ... (token
    ``sim-token-user3``) gets a data set of its own built like ada's, from its own seed:
    the documents ada could read there, readable by that user only.
    """
    if users < 1:
        raise ValueError("users must be >= 1")
    base = generate(seed, scale)
    if users == 1:
        return _only_first_user(base)
    for number in range(3, users + 1):
        _add_user_like_ada(base, generate(seed * 1_000 + number, scale), number)
    return base


def _only_first_user(data: Dataset) -> Dataset:
    first = data.users[0]
    return Dataset(
        users=[first],
        collections={
            name: [
                SeedDoc(item.doc, frozenset({first.user_id}), item.parent_id)
                for item in docs
                if first.user_id in item.readers
            ]
            for name, docs in data.collections.items()
        },
    )


def _add_user_like_ada(base: Dataset, own: Dataset, number: int) -> None:
    source = _only_first_user(own)
    like = source.users[0]
    user = User(
        f"sim-token-user{number}",
        like.user_id,
        f"user{number}@mixmax-sim.example",
        f"User {number}",
        like.features,
    )
    base.users.append(user)
    for name, docs in source.collections.items():
        for item in docs:
            if name == "users/me":
                item.doc.update(email=user.email, name=user.name, firstName="User")
                item.doc["lastName"] = str(number)
            base.collections.setdefault(name, []).append(item)


def new_doc(
    collection: str,
    *,
    rng: random.Random,
    owner: User,
    now_ms: int,
    parent: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One new document of ``collection`` owned by ``owner``, created at ``now_ms``.

    ``parent`` is the parent document for child collections (a sequence for recipients, a
    rule for actions, a summary for transcripts, a live-feed row or message for live-feed
    events) and the sent message for ``livefeed``; without it builders invent the
    reference. The ObjectId gets its second from ``now_ms`` and a random process and
    counter from ``rng``. The caller sets any cross-document fields (e.g. a sequence's
    ``updatedAt`` when adding a recipient).
    """
    try:
        builder = BUILDERS[collection]
    except KeyError:
        raise ValueError(f"unknown collection: {collection!r}") from None
    ctx = Ctx(rng, IdSource(rng), now=now_ms, variety=random.Random(now_ms))
    return builder(ctx, owner, now_ms, parent)
