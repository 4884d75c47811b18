"""One builder per collection: turn (owner, creation instant, parent) into an API document.

Builders are shared by the bulk generator (``seed.generate``) and by single inserts
(``seed.new_doc``), so a document inserted while the simulator runs has exactly the shape
of a seeded one. Cross references (a message's recipients come from the owner's contacts, a
folder lists the owner's sequences, ...) come from :class:`Pools`; when a pool is empty, as
for a one-off insert, builders invent plausible values instead.

Field names, types and timestamp encodings follow the catalog; the module docstring of
``seed`` has the table of encodings chosen where the catalog does not know them.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tap_mixmax.simulator.seed_core import (
    CITIES,
    DAY_MS,
    HOUR_MS,
    MINUTE_MS,
    OSES,
    PROGRAMS,
    REFERENCE_MS,
    TIMEZONES,
    WORDS,
    IdSource,
    iso,
    meteor_id,
    person,
    phrase,
    pick,
    rint,
)

if TYPE_CHECKING:
    from tap_mixmax.simulator.seed import User

Doc = dict[str, Any]


@dataclass
class Pools:
    """What one owner already has, for cross references between collections."""

    contacts: list[Doc] = field(default_factory=list)
    team_ids: list[str] = field(default_factory=list)
    snippet_ids: list[str] = field(default_factory=list)
    recipients: list[Doc] = field(default_factory=list)
    messages: list[Doc] = field(default_factory=list)
    meeting_type_ids: list[str] = field(default_factory=list)
    rule_ids: list[str] = field(default_factory=list)
    sequence_ids: list[str] = field(default_factory=list)


@dataclass
class Ctx:
    """Generation context: the random source, the ObjectId factory and per-owner pools."""

    rng: random.Random
    ids: IdSource
    # The generation "now": REFERENCE_MS for seed data, the insert time for ``new_doc``.
    now: int = REFERENCE_MS
    pools: dict[str, Pools] = field(default_factory=dict)
    # Extra sharing decided by the generator: sharing targets for the document being built.
    share_with: list[User] = field(default_factory=list)
    share_teams: list[str] = field(default_factory=list)

    def pool(self, owner: User) -> Pools:
        return self.pools.setdefault(owner.user_id, Pools())


Builder = Callable[[Ctx, "User", int, "Doc | None"], Doc]


# ---------------------------------------------------------------------------------------
# small helpers


def _between(rng: random.Random, start_ms: int, end_ms: int) -> int:
    """A random instant in [start_ms, end_ms] (end clamped to be >= start)."""
    end_ms = max(end_ms, start_ms)
    return start_ms + int(rng.random() * (end_ms - start_ms))


def _hex(rng: random.Random, length: int) -> str:
    return f"{rng.getrandbits(4 * length):0{length}x}"


def _addr(rng: random.Random, pool: Pools, with_name: float = 0.7) -> Doc:
    """An ``{email, name}`` object, name sometimes absent, from the owner's contacts."""
    if pool.contacts and rng.random() < 0.9:
        contact = pick(rng, pool.contacts)
        name, email = contact["name"], contact["email"]
    else:
        name, email = person(rng)
    out: Doc = {"email": email}
    if name and rng.random() < with_name:
        out["name"] = name
    return out


def _addrs(rng: random.Random, pool: Pools, low: int, high: int) -> list[Doc]:
    return [_addr(rng, pool) for _ in range(rint(rng, low, high))]


def _named(rng: random.Random) -> Doc:
    name, email = person(rng)
    return {"email": email, "name": name}


def shared_block(ctx: Ctx) -> Doc:
    """The §3.9 ``shared`` object for the document being built (see ``Ctx.share_with``)."""
    rng = ctx.rng
    users = [
        {"userId": user.user_id, "accepted": True, "role": pick(rng, ("read-only", "read-write"))}
        for user in ctx.share_with
    ]
    if rng.random() < 0.1:  # pending share with someone without a Mixmax account
        users.append({"email": person(rng)[1], "accepted": False, "role": "read-only"})
    out: Doc = {
        "users": users,
        "teams": [
            {"_id": team, "role": pick(rng, ("read-only", "read-write"))}
            for team in ctx.share_teams
        ],
    }
    if rng.random() < 0.05:
        out["domains"] = [f"{pick(rng, WORDS)}.example.com"]
    return out


def _crms(rng: random.Random) -> list[Doc]:
    if rng.random() < 0.6:
        return []
    return [{"name": "salesforce", "logTo": pick(rng, ("task", "activity", "none"))}]


def _html(rng: random.Random, sentences: int = 2) -> str:
    return "".join(f"<p>{phrase(rng, rint(rng, 4, 9))}.</p>" for _ in range(sentences))


# ---------------------------------------------------------------------------------------
# singletons


def build_user_me(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    first, _, last = owner.name.partition(" ")
    return {
        "_id": owner.user_id,
        "email": owner.email,
        "name": owner.name,
        "firstName": first,
        "lastName": last or None,
        "timezone": pick(ctx.rng, TIMEZONES),
        "createdAt": iso(created),
    }


def _work_hours(rng: random.Random) -> Doc:
    return {
        f"day{day}": {
            "enabled": 1 <= day <= 5,
            "timeslots": [{"startTime": "09:00:00", "endTime": pick(rng, ("17:00:00", "18:00:00"))}]
            if 1 <= day <= 5
            else [],
        }
        for day in range(7)
    }


# Boolean preferences beyond the catalog's named keys ("and about 25 more booleans").
EXTRA_PREFERENCE_FLAGS = (
    "showTemplateSuggestions",
    "enableSmartSend",
    "showLiveFeedNotifications",
    "enableDesktopNotifications",
    "autoAddToSequenceOnReply",
    "trackCalendarInvites",
)


def build_userpreferences(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    doc: Doc = {
        "_id": ctx.ids.oid(created),
        "userId": owner.user_id,
        "addUnsubscribeLinkToSequences": rng.random() < 0.5,
        "alwaysReplyFromDefaultAddress": rng.random() < 0.5,
        "appHotkeyMac": "Cmd+Shift+M",
        "appHotkeyWin": "Ctrl+Shift+M",
        "autoBccAddress": None if rng.random() < 0.5 else f"bcc@{pick(rng, WORDS)}.example.com",
        "autoBccExcludedDomains": ["example.org"] if rng.random() < 0.3 else [],
        "autoBccExcludedEmails": [],
        "autoLinkConversionEnabled": True,
        "calendarAdditionalGuests": [person(rng)[1]] if rng.random() < 0.3 else [],
        "calendarAppointmentSlots": {
            "linkEnabled": rng.random() < 0.7,
            "limitMaxBookedSlots": {"enabled": rng.random() < 0.3, "perDay": rint(rng, 1, 8)},
        },
        "calendarAvailabilityDescription": "Pick a time that works for you.",
        "defaultTrackingEnabled": True,
        "defaultLinkTrackingEnabled": rng.random() < 0.8,
        "defaultFileTrackingEnabled": rng.random() < 0.8,
        "defaultNotificationsEnabled": rng.random() < 0.5,
        "defaultFollowup": {
            "autoRemind": rng.random() < 0.5,
            "trigger": pick(rng, ("noReply", "always")),
            "unparsedDate": pick(rng, ("in 3 days", "in 1 week", "tomorrow")),
        },
        "defaultMeetingLength": pick(rng, (15, 30, 45, 60)),
        "defaultMeetingType": None,
        "sendFromAccounts": [
            {"email": owner.email, "name": owner.name, "isAlias": False, "isGmailDefault": True}
        ],
        "signatures": [{"email": owner.email, "source": f"<p>-- {owner.name}</p>"}],
        "undoDelay": pick(rng, (5, 10, 20)),
        "undoSendEnabled": True,
        "weekStartDay": pick(rng, (0, 1)),
        "workHours": _work_hours(rng),
    }
    for flag in EXTRA_PREFERENCE_FLAGS:
        doc[flag] = rng.random() < 0.5
    return doc


def build_appointmentlink(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    slug = owner.name.split(" ")[0].lower()
    return {"userId": owner.user_id, "name": slug if ctx.rng.random() < 0.7 else None}


# ---------------------------------------------------------------------------------------
# sequences and recipients

STAGE_TYPES = ("email", "email", "email", "task", "linkedin")


def build_sequence(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    pool = ctx.pool(owner)
    stages = []
    delay = 0
    for ordinal in range(rint(rng, 1, 6)):
        stages.append(
            {
                "_id": ctx.ids.oid(created),
                "subject": phrase(rng, 4) if ordinal == 0 or rng.random() < 0.4 else "",
                "body": _html(rng),
                "type": "email" if ordinal == 0 else pick(rng, STAGE_TYPES),
                "delayDays": delay,
            }
        )
        delay = rint(rng, 1, 7)
    doc: Doc = {
        "_id": ctx.ids.oid(created),
        "userId": owner.user_id,
        "createdAt": iso(created),
        "updatedAt": iso(created),
        "name": phrase(rng, 3),
        "sendStagesAsReplies": rng.random() < 0.6,
        "stages": [stage["_id"] for stage in stages],
        "_stages": stages,
        "cc": _addrs(rng, pool, 0, 1) if rng.random() < 0.2 else [],
        "bcc": _addrs(rng, pool, 0, 1) if rng.random() < 0.1 else [],
        "linkTrackingEnabled": rng.random() < 0.8,
        "notificationsEnabled": rng.random() < 0.5,
        "fileTrackingEnabled": rng.random() < 0.7,
        "syncToOrg": rng.random() < 0.3,
        "teamIds": list(ctx.share_teams),
        "variables": ["Email", "First Name", *(["Company"] if rng.random() < 0.5 else [])],
        "crmsConnected": _crms(rng),
        "timezone": pick(rng, TIMEZONES),
        "shared": shared_block(ctx),
    }
    if rng.random() < 0.4:
        doc["isPaused"] = rng.random() < 0.25
    return doc


RECIPIENT_STATES = ("active", "active", "completed", "completed", "failed")
STAGE_STATES = ("sent", "sent", "scheduled", "failed", "skipped")


def build_recipient(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    pool = ctx.pool(owner)
    sequence_id = parent["_id"] if parent else ctx.ids.oid(created)
    stage_ids: list[str] = (
        [stage["_id"] for stage in parent.get("_stages", [])] or list(parent.get("stages", []))
        if parent
        else [ctx.ids.oid(created)]
    )
    contact = pick(rng, pool.contacts) if pool.contacts else None
    name, email = (contact["name"] or "", contact["email"]) if contact else person(rng)
    state = pick(rng, RECIPIENT_STATES)
    sent_count = len(stage_ids) if state == "completed" else rint(rng, 0, len(stage_ids))
    timezone = pick(rng, TIMEZONES)
    stages: list[Doc] = []
    at = created + rint(rng, 1, 60) * MINUTE_MS
    totals = {"opens": 0, "clicks": 0, "downloads": 0}
    for ordinal, stage_id in enumerate(stage_ids):
        if ordinal > sent_count:
            break
        is_sent = ordinal < sent_count and at < ctx.now
        stage_state = "sent" if is_sent else ("failed" if state == "failed" else "scheduled")
        opens = rint(rng, 0, 4) if is_sent else 0
        clicks = rint(rng, 0, opens)
        downloads = 1 if is_sent and rng.random() < 0.05 else 0
        totals["opens"] += opens
        totals["clicks"] += clicks
        totals["downloads"] += downloads
        stage: Doc = {
            "stageId": stage_id,
            "ordinal": ordinal,
            "type": "email",
            "state": stage_state,
            "from": {"email": owner.email, "name": owner.name},
            "scheduledAt": at,
            "scheduleBetween": {"start": "09:00", "end": "17:00", "timezone": timezone},
            "opens": opens,
            "clicks": clicks,
            "downloads": downloads,
            "replied": 1 if is_sent and rng.random() < 0.1 else 0,
            "senderReplied": 0,
            "bounced": 1 if is_sent and rng.random() < 0.02 else 0,
            "accepted": 0,
            "declined": 0,
            "tentative": 0,
            "hasOpens": 1 if opens else 0,
            "hasLinks": rint(rng, 0, 1),
            "hasFiles": 0,
        }
        if is_sent:
            stage["messageId"] = meteor_id(rng)
            stage["sentAt"] = at + rint(rng, 0, 120) * 1000
            stage["processedAt"] = stage["sentAt"] + rint(rng, 1, 30) * 1000
        elif stage_state == "failed":
            stage["failedError"] = pick(rng, ("Invalid recipient", "Gmail quota exceeded"))
            stage["processedAt"] = at
        stages.append(stage)
        at += rint(rng, 1, 7) * DAY_MS
    updated = max([created, *(s.get("processedAt", created) for s in stages)])
    doc: Doc = {
        "_id": ctx.ids.oid(created),
        "userId": owner.user_id,
        "createdAt": created,
        "updatedAt": min(updated, ctx.now),
        "sequenceId": sequence_id,
        "sequence": {"_id": sequence_id},
        "state": state,
        "lastStageSentOrdinal": sent_count - 1 if sent_count else None,
        "rstFailed": 1 if state == "failed" else 0,
        "to": {"email": email},
        "analytics": {"events": totals},
        "stages": stages,
        "variables": {"Email": email, "First Name": name.split(" ")[0] if name else ""},
    }
    # Real rows carry either a top-level email or only ``to.email``.
    if rng.random() < 0.6:
        doc["email"] = email
    if state == "completed":
        doc["completedReason"] = pick(rng, ("finished", "replied", "manual"))
    elif state == "failed":
        doc["completedReason"] = "failed"
    if rng.random() < 0.3:
        doc["variables"]["Company"] = email.split("@")[1].split(".")[0].capitalize()
    return doc


def build_sequencefolder(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    pool = ctx.pool(owner)
    sequences = pool.sequence_ids
    chosen = rng.sample(sequences, min(len(sequences), rint(rng, 0, 8))) if sequences else []
    return {
        "_id": ctx.ids.oid(created),
        "userId": owner.user_id,
        "createdAt": iso(created),
        "savedAt": iso(_between(rng, created, ctx.now)),
        "name": phrase(rng, 2),
        "sequenceIds": chosen,
        "shared": shared_block(ctx),
    }


# ---------------------------------------------------------------------------------------
# messages, live feed, events


def build_message(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    """A message in one of four states; the state is decided by the fields present."""
    rng = ctx.rng
    pool = ctx.pool(owner)
    age = ctx.now - created
    roll = rng.random()
    if age < 10 * DAY_MS:
        state = "draft" if roll < 0.3 else "scheduled" if roll < 0.55 else "sent"
    else:
        state = "draft" if roll < 0.06 else "error" if roll < 0.1 else "sent"
    updated = created + rint(rng, 0, 30) * MINUTE_MS
    doc: Doc = {
        "_id": meteor_id(rng),
        "userId": owner.user_id,
        "created": created,
        "updatedAt": updated,
        "from": {"email": owner.email, "name": owner.name, "isDelegated": False},
        "to": _addrs(rng, pool, 1, 3),
        "cc": _addrs(rng, pool, 0, 2) if rng.random() < 0.3 else [],
        "bcc": _addrs(rng, pool, 0, 1) if rng.random() < 0.1 else [],
        "subject": phrase(rng, rint(rng, 2, 6)),
        "body": _html(rng, rint(rng, 1, 4)),
        "trackingEnabled": rng.random() < 0.9,
        "linkTrackingEnabled": rng.random() < 0.7,
        "fileTrackingEnabled": rng.random() < 0.6,
        "notificationsEnabled": rng.random() < 0.4,
        "teamIds": rng.sample(pool.team_ids, 1) if pool.team_ids and rng.random() < 0.2 else [],
        "attachments": (
            [{"name": f"{pick(rng, WORDS)}.pdf", "type": "application/pdf", "size": 10_000}]
            if rng.random() < 0.1
            else []
        ),
        "snippetIds": rng.sample(pool.snippet_ids, 1)
        if pool.snippet_ids and rng.random() < 0.2
        else [],
        "crmsConnected": _crms(rng),
        "showContentTeamFeed": rng.random() < 0.5,
        "syncToOrg": rng.random() < 0.3,
    }
    if rng.random() < 0.15:
        doc["followUp"] = {
            "unparsedDate": pick(rng, ("in 3 days", "next week")),
            "trigger": pick(rng, ("noReply", "always")),
            "description": "Follow up if no reply",
        }
    if pool.recipients and rng.random() < 0.25:
        recipient = pick(rng, pool.recipients)
        stage_id = recipient["stages"][0]["stageId"] if recipient["stages"] else None
        doc["sequence"] = {
            "id": recipient["sequenceId"],
            "stageId": stage_id,
            "recipientId": recipient["_id"],
        }
    if state == "sent":
        doc["sent"] = max(created, min(updated + rint(rng, 0, 3600) * 1000, ctx.now - 1))
        doc["updatedAt"] = max(doc["updatedAt"], doc["sent"])
    elif state == "scheduled":
        doc["scheduled"] = max(ctx.now, created) + rint(rng, 1, 14 * 24) * HOUR_MS
    elif state == "error":
        doc["sendingError"] = pick(rng, ("Recipient address rejected", "Daily limit reached"))
        doc["errorResponse"] = pick(rng, ("550 5.1.1 user unknown", "429 rate limited"))
    doc["updatedAt"] = max(created, min(doc["updatedAt"], ctx.now - 1))
    return doc


def build_livefeed(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    """A live-feed row for a sent message (``parent``); ``_id`` is the message id."""
    rng = ctx.rng
    message = parent or build_message(ctx, owner, created, None)
    people = [*message["to"], *message["cc"], *message["bcc"]]
    thread = _hex(rng, 16)
    return {
        "_id": message["_id"],
        "userId": message["userId"],
        "recipients": [{"name": p.get("name", ""), "email": p["email"]} for p in people],
        "fromEmail": message["from"]["email"],
        "fromName": message["from"]["name"],
        "subject": message["subject"],
        "sent": message.get("sent", created),
        "service": "gmail",
        "serviceMessageId": thread if rng.random() < 0.5 else _hex(rng, 16),
        "serviceThreadId": thread,
        "includeInTeamLiveFeed": 1 if rng.random() < 0.7 else 0,
        "showContentTeamFeed": message.get("showContentTeamFeed", False),
    }


EVENT_TYPES = ("opened", "opened", "opened", "clicked", "downloaded", "replied", "bounced")


def build_livefeed_event(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    """One tracking event of a live-feed row (``parent``), at instant ``created``."""
    rng = ctx.rng
    people = parent.get("recipients") if parent else None
    who = pick(rng, people) if people else _named(rng)
    kind = pick(rng, EVENT_TYPES)
    known = rng.random() < 0.8
    country, region, city = pick(rng, CITIES)
    doc: Doc = {
        "_id": ctx.ids.oid(created),
        "type": kind,
        "timestamp": created,
        "recipientEmail": who["email"],
        "recipientName": who.get("name") or None,
        "country": country if known else None,
        "region": region if known else None,
        "city": city if known else None,
        "os": pick(rng, OSES) if known else None,
        "program": pick(rng, PROGRAMS) if known else None,
        "isMobile": (1 if rng.random() < 0.3 else 0) if known else None,
    }
    if kind == "clicked":
        doc["linkUrl"] = f"https://{pick(rng, WORDS)}.example.com/{pick(rng, WORDS)}"
        doc["linkText"] = phrase(rng, 2)
    elif kind == "downloaded":
        doc["fileName"] = f"{pick(rng, WORDS)}.pdf"
    elif rng.random() < 0.5:
        doc["linkUrl"] = None
    return doc


def build_event(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    """A 2016-style ``/events`` row; ``device.isMobile`` is a bool here."""
    rng = ctx.rng
    pool = ctx.pool(owner)
    who = _addr(rng, pool, with_name=1.0)
    country, region, city = pick(rng, CITIES)
    action = pick(rng, ("opened", "clicked", "downloaded"))
    return {
        "_id": ctx.ids.oid(created),
        "threadId": _hex(rng, 16),
        "subject": phrase(rng, 3),
        "timestamp": created,
        "recipientEmail": who["email"],
        "recipientName": who.get("name"),
        "userId": owner.user_id,
        "device": {
            "os": pick(rng, OSES),
            "program": pick(rng, PROGRAMS),
            "isMobile": rng.random() < 0.3,
        },
        "location": {"city": city, "region": region, "country": country},
        "object": {
            "type": {"opened": "message", "clicked": "link", "downloaded": "file"}[action],
            "title": phrase(rng, 2),
        },
        "action": action,
        "recipients": [who],
    }


# ---------------------------------------------------------------------------------------
# snippets


def _legacy_or_shared(ctx: Ctx) -> Doc | list[Doc]:
    """Snippet tags sometimes carry the legacy ``[{userEmail, confirmed}]`` sharing form."""
    if not ctx.share_with and not ctx.share_teams and ctx.rng.random() < 0.1:
        return [{"userEmail": person(ctx.rng)[1], "confirmed": ctx.rng.random() < 0.5}]
    return shared_block(ctx)


def build_snippettag(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    return {
        "_id": ctx.ids.oid(created),
        "userId": owner.user_id,
        "createdAt": created,
        "savedAt": _between(rng, created, ctx.now),
        "name": phrase(rng, 2),
        "shared": _legacy_or_shared(ctx),
        "isInline": rng.random() < 0.2,
        "count": 0,
    }


def build_snippet(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    saved = _between(rng, created, ctx.now)
    doc: Doc = {
        "_id": ctx.ids.oid(created),
        "userId": owner.user_id,
        "createdAt": created,
        "savedAt": saved,
        "savedBy": owner.user_id,
        "title": phrase(rng, 4),
        "source": _html(rng, rint(rng, 1, 5)),
        "name": phrase(rng, 2),
        "shared": shared_block(ctx),
        "isInline": rng.random() < 0.2,
    }
    if rng.random() < 0.2:
        doc["customShortcut"] = f";{pick(rng, WORDS)}"
    if rng.random() < 0.08:
        doc["archivedAt"] = _between(rng, saved, ctx.now)
    if rng.random() < 0.04:
        doc["deletedAt"] = _between(rng, saved, ctx.now)
    return doc


TAG_SNIPPET_FIELDS = ("_id", "userId", "createdAt", "savedAt", "savedBy", "name", "title")


def build_tag_snippet(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    """A ``/snippettags/:id/snippets`` row: the tag-listing view of a snippet.

    ``parent`` is the tag; the generator passes the snippet through ``Ctx`` instead (see
    ``tag_snippet_row``), so a fresh insert here invents a new snippet.
    """
    return tag_snippet_row(build_snippet(ctx, owner, created, None))


def tag_snippet_row(snippet: Doc) -> Doc:
    row = {key: snippet[key] for key in TAG_SNIPPET_FIELDS}
    row["source"] = snippet["source"]
    row["isInline"] = snippet["isInline"]
    return row


def build_codesnippet(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    language = pick(rng, ("python", "javascript", "sql", "bash", "go"))
    code = f"# {phrase(rng, 3)}\nprint({rng.randrange(1000)})\n"
    return {
        "_id": ctx.ids.oid(created),
        "userId": owner.user_id,
        "createdAt": iso(created),
        "html": f'<pre><code class="language-{language}">{code}</code></pre>',
        "title": phrase(rng, 3),
        "background": pick(rng, ("#ffffff", "#282c34", "#f6f8fa")),
        "theme": pick(rng, ("github", "monokai", "solarized")),
        "language": language,
        "code": code,
    }


# ---------------------------------------------------------------------------------------
# contacts


def build_contact(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    name, email = person(rng)
    doc: Doc = {
        "_id": ctx.ids.oid(created),
        "userId": owner.user_id,
        "email": email,
        "name": name if rng.random() < 0.9 else None,
        "timestamp": _between(rng, created, ctx.now),
        "usedCount": rint(rng, 0, 40),
        "meta": {},
    }
    if rng.random() < 0.3:
        doc["contactId"] = _hex(rng, 16)
    if rng.random() < 0.2:
        doc["salesforceId"] = "003" + _hex(rng, 15).upper()
    if rng.random() < 0.5:
        doc["meta"]["Company"] = email.split("@")[1].split(".")[0].capitalize()
    if rng.random() < 0.3:
        doc["meta"]["Title"] = pick(rng, ("CEO", "VP Sales", "Engineer", "Buyer", "CTO"))
    if rng.random() < 0.2:
        doc["meta"]["Phone"] = f"+1 555 {rng.randrange(1000):03d} {rng.randrange(10000):04d}"
    if rng.random() < 0.1:
        doc["locked"] = rng.random() < 0.5
    return doc


def build_contact_note(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    return {
        "_id": ctx.ids.oid(created),
        "userId": owner.user_id,
        "contactId": parent["_id"] if parent else ctx.ids.oid(created),
        "text": phrase(rng, rint(rng, 4, 12)) + ".",
        "createdAt": created,
        "modifiedAt": created if rng.random() < 0.7 else _between(rng, created, ctx.now),
    }


def build_contactgroup(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    return {
        "_id": ctx.ids.oid(created),
        "userId": owner.user_id,
        "name": phrase(ctx.rng, 2),
        "shared": shared_block(ctx),
    }


def build_group_contact(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    """A group member: a contact object (the generator reuses the owner's contacts)."""
    return build_contact(ctx, owner, created, None)


def build_filerequest(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    uploads = []
    for _ in range(rint(rng, 0, 4)):
        who = _named(rng)
        file_id = _hex(rng, 24)
        uploads.append(
            {
                "timestamp": _between(rng, created, ctx.now),
                "email": who["email"],
                "name": who["name"],
                "ipAddress": f"203.0.113.{rng.randrange(1, 255)}",
                "downloadUrl": f"https://files.example.com/{file_id}",
            }
        )
    uploads.sort(key=lambda upload: upload["timestamp"])
    return {
        "_id": ctx.ids.oid(created),
        "userId": owner.user_id,
        "timestamp": created,
        "uploads": uploads,
    }


# ---------------------------------------------------------------------------------------
# meetings


def _day_slots(rng: random.Random, day: int) -> Doc:
    enabled = 1 <= day <= 5
    return {
        "enabled": enabled,
        "timeslots": [{"startTime": "09:00:00", "endTime": pick(rng, ("12:00:00", "17:00:00"))}]
        if enabled
        else [],
    }


def build_meetingtype(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    pool = ctx.pool(owner)
    name = phrase(rng, 2) if rng.random() < 0.9 else "New meeting type"
    doc: Doc = {
        "_id": ctx.ids.oid(created),
        "userId": owner.user_id,
        "createdAt": iso(created),
        "updatedAt": iso(_between(rng, created, ctx.now)),
        "name": name,
        "durationMin": pick(rng, (15, 30, 30, 45, 60)),
        "daysFromNow": {
            "start": 1,
            "end": pick(rng, (14, 21, 30)),
            "unit": pick(rng, ("weekdays", "days")),
        },
        "defaults": {
            "title": name,
            "location": pick(rng, ("Zoom", "Google Meet", "Phone", "")),
            "description": phrase(rng, 5),
        },
        "link": name.lower().replace(" ", "-"),
        "buffer": pick(rng, (0, 5, 10, 15)),
        "type": pick(rng, ("oneOnOne", "roundRobin", "group")),
        "calendarIds": [owner.email],
        "customFields": [{"label": "Company", "required": rng.random() < 0.5}]
        if rng.random() < 0.4
        else [],
        "defaultGuests": [person(rng)[1]] if rng.random() < 0.2 else [],
        "guestsCanModifyInvites": rng.random() < 0.3,
        "includeMessagePermaLink": rng.random() < 0.5,
        "integrations": {"zoom": rng.random() < 0.5, "hangoutsMeet": rng.random() < 0.5},
        "preventDoubleBooking": [owner.email] if rng.random() < 0.6 else [],
        "reducedInterval": rng.random() < 0.2,
        "roomsAndResources": [],
        "anyRoomInBuilding": [],
        "roundRobinQueue": [rng.randrange(5) for _ in range(rint(rng, 0, 3))],
        "ruleIds": rng.sample(pool.rule_ids, 1) if pool.rule_ids and rng.random() < 0.2 else [],
    }
    for day in range(7):
        doc[f"day{day}"] = _day_slots(rng, day)
    return doc


def build_meetinginvite(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    pool = ctx.pool(owner)
    slots = []
    start = created + rint(rng, 1, 5) * DAY_MS
    start -= start % HOUR_MS
    for _ in range(rint(rng, 1, 5)):
        start += rint(rng, 1, 30) * HOUR_MS
        end = start + pick(rng, (30, 60)) * MINUTE_MS
        events = []
        if rng.random() < 0.3:
            events.append(
                {"id": _hex(rng, 26), "customFields": [], "guest": _named(rng)},
            )
        slots.append({"start": iso(start), "end": iso(end), "events": events})
    doc: Doc = {
        "_id": ctx.ids.oid(created),
        "userId": owner.user_id,
        "creationDate": created,
        "location": pick(rng, ("Zoom", "Office", "Phone")),
        "description": phrase(rng, 6),
        "title": phrase(rng, 3),
        "timezone": pick(rng, TIMEZONES),
        "calendarName": owner.email,
        "locale": pick(rng, ("en", "en-GB", "de", "fr")),
        "guestsCanModify": rng.random() < 0.3,
        "timeslots": slots,
        "allowDoubleBookings": rng.random() < 0.2,
        "additionalGuests": [_named(rng)] if rng.random() < 0.2 else [],
        "createdById": owner.user_id,
        "customFields": [{"label": "Agenda", "required": False}] if rng.random() < 0.3 else [],
        "integrations": {"zoom": rng.random() < 0.5, "hangoutsMeet": rng.random() < 0.5},
    }
    if pool.meeting_type_ids and rng.random() < 0.6:
        doc["meetingTypeId"] = pick(rng, pool.meeting_type_ids)
    return doc


def build_meeting_summary(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    """[Inf] Meeting Copilot summary; no schema is published. ``createdAt`` = meeting end."""
    rng = ctx.rng
    duration = pick(rng, (15, 30, 45, 60)) * MINUTE_MS
    people = [{"name": owner.name, "email": owner.email}] + [
        _named(rng) for _ in range(rint(rng, 1, 4))
    ]
    return {
        "_id": ctx.ids.oid(created),
        "ownerUserId": owner.user_id,
        "title": phrase(rng, 3),
        "startedAt": iso(created - duration),
        "endedAt": iso(created),
        "createdAt": iso(created),
        "participants": people,
        "summary": " ".join(phrase(rng, 8) + "." for _ in range(3)),
        "actionItems": [
            {"text": phrase(rng, 5), "assigneeEmail": pick(rng, people)["email"]}
            for _ in range(rint(rng, 0, 4))
        ],
    }


def build_meeting_transcript(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    """[Inf] Transcript of summary ``parent``; keyed by the summary ``_id``.

    ``segments[].startMs``/``endMs`` are offsets from the start of the meeting, not epochs.
    """
    rng = ctx.rng
    summary = parent or build_meeting_summary(ctx, owner, created, None)
    people = summary["participants"]
    segments = []
    offset = 0
    for _ in range(rint(rng, 3, 25)):
        speaker = pick(rng, people)
        length = rint(rng, 2, 40) * 1000
        segments.append(
            {
                "speaker": speaker["name"],
                "speakerEmail": speaker["email"],
                "startMs": offset,
                "endMs": offset + length,
                "text": phrase(rng, rint(rng, 5, 15)) + ".",
            }
        )
        offset += length + rint(rng, 0, 3) * 1000
    return {
        "_id": summary["_id"],
        "summaryId": summary["_id"],
        "title": summary["title"],
        "language": "en",
        "startedAt": summary["startedAt"],
        "createdAt": summary["createdAt"],
        "segments": segments,
    }


def build_insightsreport(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    kind = pick(rng, ("sequences", "templates", "meetings", "messages"))
    return {
        "_id": ctx.ids.oid(created),
        "userId": owner.user_id,
        "createdAt": iso(created),
        "updatedAt": iso(_between(rng, created, ctx.now)),
        "title": phrase(rng, 3),
        "type": kind,
        "query": json.dumps({"dates": pick(rng, ("last30", "thisMonth")), "groupBy": kind}),
    }


# ---------------------------------------------------------------------------------------
# integrations


def _url(rng: random.Random, path: str) -> str:
    return f"https://{pick(rng, WORDS)}-{rng.randrange(100)}.example.com/{path}"


def build_integration_command(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    word = pick(rng, WORDS)
    return {
        "_id": ctx.ids.oid(created),
        "id": meteor_id(rng),
        "userId": owner.user_id,
        "createdAt": iso(created),
        "name": phrase(rng, 2),
        "commands": [f"/{word}", *([f"/{word[:3]}"] if rng.random() < 0.3 else [])],
        "parameterPlaceholder": f"[{pick(rng, WORDS)}]",
        "commandResolverUrl": _url(rng, "resolver"),
        "commandParameterHintsUrl": _url(rng, "typeahead"),
        "shared": shared_block(ctx),
    }


def build_integration_enhancement(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    # ``category`` is a string on some rows and an array of strings on others.
    category: str | list[str] = (
        pick(rng, WORDS) if rng.random() < 0.5 else rng.sample(WORDS, rint(rng, 1, 3))
    )
    return {
        "_id": ctx.ids.oid(created),
        "id": meteor_id(rng),
        "userId": owner.user_id,
        "createdAt": iso(created),
        "name": phrase(rng, 2),
        "icon": _url(rng, "icon.png"),
        "iconTooltip": phrase(rng, 2),
        "editorUrl": _url(rng, "editor"),
        "resolverUrl": _url(rng, "resolver"),
        "activateUrl": _url(rng, "activate"),
        "editorHeight": pick(rng, (300, 400, 500)),
        "editorWidth": pick(rng, (400, 600)),
        "category": category,
        "commands": [f"/{pick(rng, WORDS)}"] if rng.random() < 0.5 else [],
        "isEditable": rng.random() < 0.5,
        "shared": shared_block(ctx),
    }


def build_integration_linkresolver(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    host = pick(rng, WORDS)
    return {
        "_id": ctx.ids.oid(created),
        "id": meteor_id(rng),
        "userId": owner.user_id,
        "createdAt": iso(created),
        "description": phrase(rng, 4),
        "resolverUrl": _url(rng, "links"),
        "regex": rf"^https?://(www\.)?{host}\.example\.com/.*$",
        "order": rng.randrange(10),
    }


def build_integration_sidebar(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    icon = pick(rng, ("star", "bolt", "chart", "user"))
    return {
        "_id": ctx.ids.oid(created),
        "name": phrase(rng, 2),
        "url": _url(rng, "sidebar"),
        "iconColor": pick(rng, ("#ff6600", "#3366ff", "#22aa55")),
        "iconImage": _url(rng, f"{icon}.svg"),
        "iconName": icon,
        "mixmaxId": meteor_id(rng),
        "iconHTML": f'<i class="icon-{icon}"></i>',
        "userId": owner.user_id,
        "createdAt": iso(created),
    }


# ---------------------------------------------------------------------------------------
# rules and teams

RULE_EVENTS = (
    "message:sent",
    "message:received",
    "opened",
    "clicked",
    "downloaded",
    "unopened",
    "poll:vote",
    "qa:submit",
    "meetinginvited:confirmed",
)


def build_rule(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    domain = pick(rng, ("example.com", "example.org", "example.net"))
    return {
        "_id": ctx.ids.oid(created),
        "userId": owner.user_id,
        "createdAt": iso(created),
        "modifiedAt": iso(_between(rng, created, ctx.now)),
        "name": phrase(rng, 3),
        "trigger": {"type": "event", "eventName": pick(rng, RULE_EVENTS)},
        "filter": json.dumps({"to.email": {"$regex": f"@{domain}$"}}, separators=(",", ":")),
        "isPaused": rng.random() < 0.2,
    }


def build_rule_action(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    """A rule action; config keys depend on ``type`` (webhook: ``webhookUrl``; slack:
    ``channel``; email: ``to``)."""
    rng = ctx.rng
    kind = pick(rng, ("webhook", "webhook", "slack", "email"))
    doc: Doc = {
        "_id": ctx.ids.oid(created),
        "ruleId": parent["_id"] if parent else ctx.ids.oid(created),
        "type": kind,
        "isPaused": rng.random() < 0.1,
        "createdAt": iso(created),
        "modifiedAt": iso(_between(rng, created, ctx.now)),
    }
    if kind == "webhook":
        doc["webhookUrl"] = _url(rng, "hooks/mixmax")
    elif kind == "slack":
        doc["channel"] = f"#{pick(rng, WORDS)}"
    else:
        doc["to"] = owner.email
    return doc


def build_team(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    """A team; the generator fills ``users`` from the members it creates."""
    return {
        "_id": meteor_id(ctx.rng),
        "createdAt": iso(created),
        "modifiedAt": iso(_between(ctx.rng, created, ctx.now)),
        "name": phrase(ctx.rng, 2).title(),
        "users": [],
    }


def build_team_member(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    """A member row for ``owner`` of team ``parent`` invited at ``created``.

    ``memberId`` is always set (a 17-character membership id), also on pending invites,
    which carry ``email`` and no ``userId``. Use :func:`pending_member` for those.
    """
    rng = ctx.rng
    accepted = rng.random() < 0.95
    doc: Doc = {
        "userId": owner.user_id,
        "memberId": meteor_id(rng),
        "role": "member",
        "accepted": accepted,
        "invitedAt": iso(created),
        "acceptedAt": iso(_between(rng, created, min(created + 3 * DAY_MS, ctx.now)))
        if accepted
        else None,
    }
    return doc


def pending_member(ctx: Ctx, created: int) -> Doc:
    return {
        "memberId": meteor_id(ctx.rng),
        "email": person(ctx.rng)[1],
        "role": "member",
        "accepted": False,
        "invitedAt": iso(created),
        "acceptedAt": None,
    }


def team_user_entry(member: Doc) -> Doc:
    """The embedded ``users[]`` entry of a team for one member row."""
    keys = ("memberId", "userId", "email", "role", "accepted")
    return {key: member[key] for key in keys if key in member}


def build_unsubscribe(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    pool = ctx.pool(owner)
    who = _addr(rng, pool, with_name=1.0)
    doc: Doc = {
        "_id": ctx.ids.oid(created),
        "email": who["email"],
        "name": who.get("name"),
        "createdAt": iso(created),
    }
    if pool.team_ids and rng.random() < 0.3:
        doc["teamId"] = pick(rng, pool.team_ids)
    if pool.messages and rng.random() < 0.7:
        doc["messageId"] = pick(rng, pool.messages)["_id"]
    return doc


# ---------------------------------------------------------------------------------------
# polls, Q&A, yes/no, reminders


def build_poll(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    options = []
    for _ in range(rint(rng, 2, 5)):
        respondents = []
        for _ in range(rint(rng, 0, 4)):
            who = _named(rng)
            who["respondedAt"] = _between(rng, created, min(created + 7 * DAY_MS, ctx.now))
            respondents.append(who)
        options.append({"text": phrase(rng, 2), "respondents": respondents})
    return {
        "_id": ctx.ids.oid(created),
        "userId": owner.user_id,
        "created": created,
        "livePoll": rng.random() < 0.3,
        "options": options,
    }


def build_qa(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    questions = []
    for _ in range(rint(rng, 1, 4)):
        answers = []
        for _ in range(rint(rng, 0, 3)):
            who = _named(rng)
            answers.append(
                {
                    "recipientEmail": who["email"],
                    "recipientName": who["name"],
                    "answer": phrase(rng, 4),
                }
            )
        questions.append(
            {
                "type": pick(rng, ("text", "multipleChoice", "rating")),
                "content": phrase(rng, 5) + "?",
                "answers": answers,
            }
        )
    return {
        "_id": ctx.ids.oid(created),
        "creatorId": owner.user_id,
        "creationDate": created,
        "title": phrase(rng, 3),
        "questions": questions,
    }


def build_yesno(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    return {
        "_id": ctx.ids.oid(created),
        "userId": owner.user_id,
        "created": created,
        "text": phrase(rng, 4) + "?",
        "answers": [
            {"text": text, "respondents": [person(rng)[1] for _ in range(rint(rng, 0, 3))]}
            for text in ("Yes", "No")
        ],
    }


def build_reminder(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    """A reminder; ``date`` and ``createdAt`` are 10-digit epoch **seconds** (doc example)."""
    rng = ctx.rng
    pool = ctx.pool(owner)
    message = pick(rng, pool.messages) if pool.messages else None
    thread = _hex(rng, 16)
    due = created + rint(rng, 1, 14) * DAY_MS
    return {
        "_id": ctx.ids.oid(created),
        "userId": owner.user_id,
        "trigger": pick(rng, ("noReply", "always")),
        "threadSubject": message["subject"] if message else phrase(rng, 3),
        "description": phrase(rng, 4),
        "date": due // 1000,
        "service": "gmail",
        "serviceMessageId": thread,
        "serviceThreadId": thread,
        "mixmaxMessageId": message["_id"] if message else meteor_id(rng),
        "dismissed": due < ctx.now and rng.random() < 0.7,
        "createdAt": created // 1000,
    }


BUILDERS: dict[str, Builder] = {
    "users/me": build_user_me,
    "userpreferences/me": build_userpreferences,
    "appointmentlinks/me": build_appointmentlink,
    "sequences": build_sequence,
    "sequences/recipients": build_recipient,
    "sequencefolders": build_sequencefolder,
    "messages": build_message,
    "livefeed": build_livefeed,
    "livefeed/events": build_livefeed_event,
    "events": build_event,
    "snippets": build_snippet,
    "snippettags": build_snippettag,
    "snippettags/snippets": build_tag_snippet,
    "codesnippets": build_codesnippet,
    "contacts": build_contact,
    "contacts/notes": build_contact_note,
    "contactgroups": build_contactgroup,
    "contactgroups/contacts": build_group_contact,
    "filerequests": build_filerequest,
    "meetingtypes": build_meetingtype,
    "meetinginvites": build_meetinginvite,
    "meetings/summaries": build_meeting_summary,
    "meetings/transcripts": build_meeting_transcript,
    "insightsreports": build_insightsreport,
    "integrations/commands": build_integration_command,
    "integrations/enhancements": build_integration_enhancement,
    "integrations/linkresolvers": build_integration_linkresolver,
    "integrations/sidebars": build_integration_sidebar,
    "rules": build_rule,
    "rules/actions": build_rule_action,
    "teams": build_team,
    "teams/members": build_team_member,
    "unsubscribes": build_unsubscribe,
    "polls": build_poll,
    "qa": build_qa,
    "yesno": build_yesno,
    "reminders": build_reminder,
}
