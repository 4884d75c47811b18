"""Contacts, their notes, contact groups and unsubscribes (deprecated by Mixmax, still served)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from singer_sdk.helpers.types import Context
from typing_extensions import override

from tap_mixmax.cursor_stream import CursorStream
from tap_mixmax.errors import BadRequestError


class ContactsStream(CursorStream):
    """/contacts: the user's own contacts and, with ``contacts_include_shared`` (the
    default), those of contact groups shared with the user; ``analytics`` is filled with
    ``contacts_with_analytics``.

    One third-party source says ``includeShared`` is accepted only beside a search
    filter: if Mixmax refuses the first page with a 400, the stream warns once and is
    read again without it.
    """

    name = "contacts"
    field_source = "documented"
    path = "/contacts"
    expansions = ("firstName", "lastName", "groups", "notes", "salesforce")

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401
        super().__init__(*args, **kwargs)
        self.include_shared = bool(self.config.get("contacts_include_shared", True))

    @override
    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        params = super().get_url_params(context, next_page_token)
        if self.include_shared:
            params["includeShared"] = "true"
        if self.config.get("contacts_with_analytics"):
            params["withAnalytics"] = "true"
        return params

    @override
    def read(self, context: Context | None) -> Iterable[dict[str, Any]]:
        return self._read_shared_or_not(context)

    def _read_shared_or_not(self, context: Context | None) -> Iterator[dict[str, Any]]:
        read = 0
        try:
            for record in super().read(context):
                read += 1
                yield record
        except BadRequestError as exc:
            if read or not self.include_shared:
                raise
            self.include_shared = False
            self.skip(
                f"Mixmax refused includeShared=true ({exc}); reading only the user's own "
                "contacts (set contacts_include_shared to false to stop this warning)"
            )
            yield from super().read(context)


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
