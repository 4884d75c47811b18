"""Contacts, their notes, contact groups and unsubscribes (deprecated by Mixmax, still served)."""

from __future__ import annotations

from typing import ClassVar

from tap_mixmax.cursor_stream import CursorStream


class ContactsStream(CursorStream):
    """/contacts: the user's own contacts."""

    name = "contacts"
    field_source = "documented"
    path = "/contacts"
    expansions = ("firstName", "lastName", "groups", "notes", "salesforce")


class ContactNotesStream(CursorStream):
    """/contacts/:id/notes: one request per contact, so not selected by default."""

    name = "contact_notes"
    field_source = "third-party"
    path = "/contacts/{contactId}/notes"
    parent_stream_type = ContactsStream
    parent_key = "contactId"
    selected_by_default = False


class ContactGroupsStream(CursorStream):
    """/contactgroups: groups the user created or that are shared with them."""

    name = "contact_groups"
    field_source = "documented"
    path = "/contactgroups"
    expansions = ("count",)


class ContactGroupMembersStream(CursorStream):
    """/contactgroups/:id/contacts: membership rows, one per (group, contact)."""

    name = "contact_group_members"
    field_source = "documented"
    path = "/contactgroups/{groupId}/contacts"
    parent_stream_type = ContactGroupsStream
    parent_key = "groupId"
    primary_keys: ClassVar[tuple[str, ...]] = ("groupId", "_id")


class UnsubscribesStream(CursorStream):
    """/unsubscribes: addresses that opted out; rows are added, or deleted on resubscribe."""

    name = "unsubscribes"
    field_source = "third-party"
    path = "/unsubscribes"
    changes_after_create = False
