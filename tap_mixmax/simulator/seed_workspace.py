"""Seed builders for the account and workspace: singletons, contacts and groups, file
requests, meetings, insights reports, integrations, rules, teams, polls, Q&A, yes/no.

Every builder has the signature of ``seed_builders.Builder``.
"""

from __future__ import annotations

import hashlib
import json
import random
from typing import TYPE_CHECKING

from tap_mixmax.simulator.seed_builders import (
    Ctx,
    Doc,
    between,
    hexstr,
    named,
    shared_block,
)
from tap_mixmax.simulator.seed_core import (
    DAY_MS,
    HOUR_MS,
    MINUTE_MS,
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
# contacts


def build_contact(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    name, email = person(rng)
    doc: Doc = {
        "_id": ctx.ids.oid(created),
        "userId": owner.user_id,
        "email": email,
        "name": name if rng.random() < 0.9 else None,
        "timestamp": between(rng, created, ctx.now),
        "usedCount": rint(rng, 0, 40),
        "meta": {},
    }
    if rng.random() < 0.3:
        doc["contactId"] = hexstr(rng, 16)
    if rng.random() < 0.2:
        doc["salesforceId"] = "003" + hexstr(rng, 15).upper()
    if rng.random() < 0.5:
        doc["meta"]["Company"] = email.split("@")[1].split(".")[0].capitalize()
    if rng.random() < 0.3:
        doc["meta"]["Title"] = pick(rng, ("CEO", "VP Sales", "Engineer", "Buyer", "CTO"))
    if rng.random() < 0.2:
        doc["meta"]["Phone"] = f"+1 555 {rng.randrange(1000):03d} {rng.randrange(10000):04d}"
    # ``meta`` is free-form: "contact variables from any source (ex. Salesforce)" [D26], so
    # some contacts carry keys beyond the usual five, not always strings.
    variety = ctx.variety
    if variety.random() < 0.15:
        doc["meta"]["Lead Source"] = pick(variety, ("Web", "Referral", "Event"))
    if variety.random() < 0.1:
        doc["meta"]["Employees"] = pick(variety, (12, 250, 4000))
    if variety.random() < 0.05:
        doc["meta"]["Do Not Call"] = variety.random() < 0.5
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
        "modifiedAt": created if rng.random() < 0.7 else between(rng, created, ctx.now),
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
        who = named(rng)
        file_id = hexstr(rng, 24)
        uploads.append(
            {
                "timestamp": between(rng, created, ctx.now),
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
        "updatedAt": iso(between(rng, created, ctx.now)),
        "name": name,
        "durationMin": pick(rng, (15, 30, 30, 45, 60)) + pick(ctx.variety, (0, 0, 0, 7.5)),
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
        "buffer": pick(rng, (0, 5, 10, 15)) + pick(ctx.variety, (0, 0, 0, 2.5)),
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
                {"id": hexstr(rng, 26), "customFields": [], "guest": named(rng)},
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
        "additionalGuests": [named(rng)] if rng.random() < 0.2 else [],
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
        named(rng) for _ in range(rint(rng, 1, 4))
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
        "updatedAt": iso(between(rng, created, ctx.now)),
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
        "editorHeight": pick(rng, (300, 400, 500)) + pick(ctx.variety, (0, 0.5)),
        "editorWidth": pick(rng, (400, 600)) + pick(ctx.variety, (0, 0.5)),
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
        # Numbers, not integers [Dold]: a drag-and-drop reorder lands between two rows.
        "order": rng.randrange(10) + pick(ctx.variety, (0, 0, 0.5)),
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
        "modifiedAt": iso(between(rng, created, ctx.now)),
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
        "modifiedAt": iso(between(rng, created, ctx.now)),
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
        "modifiedAt": iso(between(ctx.rng, created, ctx.now)),
        "name": phrase(ctx.rng, 2).title(),
        "users": [],
    }


def member_id(ctx: Ctx, created: int) -> str:
    """A membership id: a 17-character id, or (about half the time) an ObjectId, the shape
    a current Mixmax example shows [D26]."""
    made = meteor_id(ctx.rng)
    if ctx.variety.random() < 0.5:
        return f"{created // 1000:08x}" + hashlib.sha256(made.encode()).hexdigest()[:16]
    return made


def build_team_member(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    """A member row for ``owner`` of team ``parent`` invited at ``created``.

    ``memberId`` is always set (:func:`member_id`), also on pending invites, which carry
    ``email`` and no ``userId``. Use :func:`pending_member` for those.
    """
    rng = ctx.rng
    accepted = rng.random() < 0.95
    doc: Doc = {
        "userId": owner.user_id,
        "memberId": member_id(ctx, created),
        "role": "member",
        "accepted": accepted,
        "invitedAt": iso(created),
        "acceptedAt": iso(between(rng, created, min(created + 3 * DAY_MS, ctx.now)))
        if accepted
        else None,
    }
    return doc


def pending_member(ctx: Ctx, created: int) -> Doc:
    return {
        "memberId": member_id(ctx, created),
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


# ---------------------------------------------------------------------------------------
# polls, Q&A, yes/no, reminders


def build_poll(ctx: Ctx, owner: User, created: int, parent: Doc | None) -> Doc:
    rng = ctx.rng
    options = []
    for _ in range(rint(rng, 2, 5)):
        respondents = []
        for _ in range(rint(rng, 0, 4)):
            who = named(rng)
            who["respondedAt"] = between(rng, created, min(created + 7 * DAY_MS, ctx.now))
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
            who = named(rng)
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
