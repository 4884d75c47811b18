"""Seed builders for outreach: sequences and recipients, messages and the live feed,
tracking events, snippets and tags, code snippets, unsubscribes, reminders.

Every builder has the signature of ``seed_builders.Builder``.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from tap_mixmax.simulator.seed_builders import (
    Ctx,
    Doc,
    addr,
    addrs,
    between,
    crms,
    hexstr,
    html,
    named,
    shared_block,
)
from tap_mixmax.simulator.seed_core import (
    CITIES,
    DAY_MS,
    HOUR_MS,
    MINUTE_MS,
    OSES,
    PROGRAMS,
    TIMEZONES,
    WORDS,
    iso,
    meteor_id,
    person,
    phrase,
    pick,
    rint,
)

if TYPE_CHECKING:
    from tap_mixmax.simulator.seed import User


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
                "body": html(rng),
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
        "cc": addrs(rng, pool, 0, 1) if rng.random() < 0.2 else [],
        "bcc": addrs(rng, pool, 0, 1) if rng.random() < 0.1 else [],
        "linkTrackingEnabled": rng.random() < 0.8,
        "notificationsEnabled": rng.random() < 0.5,
        "fileTrackingEnabled": rng.random() < 0.7,
        "syncToOrg": rng.random() < 0.3,
        "teamIds": list(ctx.share_teams),
        "variables": ["Email", "First Name", *(["Company"] if rng.random() < 0.5 else [])],
        "crmsConnected": crms(rng),
        "timezone": pick(rng, TIMEZONES),
        "shared": shared_block(ctx),
    }
    if rng.random() < 0.4:
        doc["isPaused"] = rng.random() < 0.25
    return doc


RECIPIENT_STATES = ("active", "active", "completed", "completed", "failed")


def schedule_between(rng: random.Random, timezone: str) -> Doc:
    """A stage's sending window. Recorded responses carry numbers (hours of the day [Obs];
    the unit is [Inf]); the older ``"HH:mm"`` strings are kept on a few rows, since the
    schema accepts both."""
    if rng.random() < 0.15:
        return {"start": "09:00", "end": "17:00", "timezone": timezone}
    start = pick(rng, (8, 9, 9, 9.5, 10))
    return {"start": start, "end": start + pick(rng, (7, 8, 8.5)), "timezone": timezone}


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
            "scheduleBetween": schedule_between(ctx.variety, timezone),
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
    if ctx.variety.random() < 0.2:  # variables are free key/value pairs [D26]
        key = pick(ctx.variety, ("Custom 1", "Meeting Link", "Pain Point"))
        doc["variables"][key] = phrase(ctx.variety, 2)
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
        "savedAt": iso(between(rng, created, ctx.now)),
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
        "to": addrs(rng, pool, 1, 3),
        "cc": addrs(rng, pool, 0, 2) if rng.random() < 0.3 else [],
        "bcc": addrs(rng, pool, 0, 1) if rng.random() < 0.1 else [],
        "subject": phrase(rng, rint(rng, 2, 6)),
        "body": html(rng, rint(rng, 1, 4)),
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
        "crmsConnected": crms(rng),
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
    thread = hexstr(rng, 16)
    return {
        "_id": message["_id"],
        "userId": message["userId"],
        "recipients": [{"name": p.get("name", ""), "email": p["email"]} for p in people],
        "fromEmail": message["from"]["email"],
        "fromName": message["from"]["name"],
        "subject": message["subject"],
        "sent": message.get("sent", created),
        "service": "gmail",
        "serviceMessageId": thread if rng.random() < 0.5 else hexstr(rng, 16),
        "serviceThreadId": thread,
        "includeInTeamLiveFeed": 1 if rng.random() < 0.7 else 0,
        "showContentTeamFeed": message.get("showContentTeamFeed", False),
    }


EVENT_TYPES = ("opened", "opened", "opened", "clicked", "downloaded", "replied", "bounced")


def build_livefeed_event(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    """One tracking event of a live-feed row (``parent``), at instant ``created``."""
    rng = ctx.rng
    people = parent.get("recipients") if parent else None
    who = pick(rng, people) if people else named(rng)
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
    who = addr(rng, pool, with_name=1.0)
    country, region, city = pick(rng, CITIES)
    action = pick(rng, ("opened", "clicked", "downloaded"))
    return {
        "_id": ctx.ids.oid(created),
        "threadId": hexstr(rng, 16),
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
    # The roll stays on the main stream (so the rest of the data keeps its shape); the
    # threshold makes sure even a small seed shows the legacy form.
    if not ctx.share_with and not ctx.share_teams and ctx.rng.random() < 0.25:
        return [{"userEmail": person(ctx.rng)[1], "confirmed": ctx.rng.random() < 0.5}]
    return shared_block(ctx)


def build_snippettag(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    return {
        "_id": ctx.ids.oid(created),
        "userId": owner.user_id,
        "createdAt": created,
        "savedAt": between(rng, created, ctx.now),
        "name": phrase(rng, 2),
        "shared": _legacy_or_shared(ctx),
        "isInline": rng.random() < 0.2,
        "count": 0,
    }


def build_snippet(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    saved = between(rng, created, ctx.now)
    doc: Doc = {
        "_id": ctx.ids.oid(created),
        "userId": owner.user_id,
        "createdAt": created,
        "savedAt": saved,
        "savedBy": owner.user_id,
        "title": phrase(rng, 4),
        "source": html(rng, rint(rng, 1, 5)),
        "name": phrase(rng, 2),
        "shared": shared_block(ctx),
        "isInline": rng.random() < 0.2,
    }
    if rng.random() < 0.2:
        doc["customShortcut"] = f";{pick(rng, WORDS)}"
    if rng.random() < 0.08:
        doc["archivedAt"] = between(rng, saved, ctx.now)
    if rng.random() < 0.04:
        doc["deletedAt"] = between(rng, saved, ctx.now)
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


def build_unsubscribe(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    pool = ctx.pool(owner)
    who = addr(rng, pool, with_name=1.0)
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


def build_reminder(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    """A reminder; ``date`` and ``createdAt`` are 10-digit epoch **seconds** (doc example)."""
    rng = ctx.rng
    pool = ctx.pool(owner)
    message = pick(rng, pool.messages) if pool.messages else None
    thread = hexstr(rng, 16)
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
