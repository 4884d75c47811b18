"""Sequences, their folders, and their recipients."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import requests
from singer_sdk.helpers.types import Context
from typing_extensions import override

from tap_mixmax.bookmarks import ChildPlace
from tap_mixmax.client import MixmaxStream
from tap_mixmax.cursor_stream import CursorStream
from tap_mixmax.pagination import RECIPIENTS_CAP, RECIPIENTS_MAX_LIMIT, OffsetWalk, PageCap


class SequencesStream(CursorStream):
    """/sequences: sequences the user can access, their own and shared ones."""

    name = "sequences"
    field_source = "documented"
    path = "/sequences"
    expansions = ("stages",)


class SequenceFoldersStream(CursorStream):
    """/sequencefolders: folders grouping sequences."""

    name = "sequence_folders"
    path = "/sequencefolders"


class SequenceRecipientsStream(MixmaxStream):
    """/sequences/:id/recipients: activated recipients, a bare array paged by offset.

    Mixmax serves at most 10,000 recipients per sequence; a sequence with more is
    reported with a warning naming it, because the rest cannot be read. Pages ask for at
    most 50 rows, the documented maximum, so nothing relies on Mixmax lowering a larger
    limit; a page shorter than 50 (or than ``page_size``) ends the list at once.
    """

    name = "sequence_recipients"
    field_source = "documented"
    path = "/sequences/{sequenceId}/recipients"
    parent_stream_type = SequencesStream
    parent_key = "sequenceId"
    unstable_order = (
        "paged by offset in an order Mixmax does not specify, so a row added or deleted "
        "between two pages shifts the rest"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401
        super().__init__(*args, **kwargs)
        self._page_cap = PageCap(floor=RECIPIENTS_MAX_LIMIT)
        self._walk = self.new_walk(None)

    def new_walk(self, context: Context | None) -> OffsetWalk:
        limit = min(int(self.config["page_size"]), RECIPIENTS_MAX_LIMIT)
        return OffsetWalk(
            self.name,
            limit,
            self._page_cap,
            RECIPIENTS_CAP,
            largest=RECIPIENTS_MAX_LIMIT,
            parent=self._parent_id(context) or "",
            resume=self.take_resume_place(context),
        )

    @override
    def place(self) -> ChildPlace | None:
        return self._walk.place if self._walk.place.parent else None

    @override
    def get_new_paginator(self) -> OffsetWalk:
        return self._walk

    @override
    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        params = self._walk.url_params()
        if self.config["include_recipient_variables"]:
            params["includeVariables"] = "true"
        return params

    @override
    def parse_response(self, response: requests.Response) -> Iterator[dict[str, Any]]:
        for row in self._walk.read_page(response):
            # Some real rows carry the address only as `to.email`.
            if "email" not in row and isinstance(row.get("to"), dict):
                row["email"] = row["to"].get("email")
            yield row

    @override
    def read(self, context: Context | None) -> Iterable[dict[str, Any]]:
        self._walk = walk = self.new_walk(context)
        yield from self.request_records(context)
        parent = self._parent_id(context)
        if walk.unsettled:
            self.skip(
                f"the recipients of sequence {parent} changed during the read and again "
                "during a second read; rows added or removed meanwhile may be missing "
                "until the next run"
            )
        elif walk.rereads:
            self.logger.warning(
                "%s: the recipients of sequence %s changed between two pages (rows moved); "
                "read the list again from the top, passing on only rows not sent yet",
                self.name,
                parent,
            )
        if walk.hit_cap:
            self.skip(
                f"sequence {parent} has {walk.cap} recipients or more; "
                f"Mixmax serves only the first {walk.cap}, any others cannot be read"
            )
