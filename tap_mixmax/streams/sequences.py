"""Sequences, their folders, and their recipients."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import requests
from singer_sdk.helpers.types import Context

from tap_mixmax.client import ChildStream
from tap_mixmax.cursor_stream import CursorStream
from tap_mixmax.pagination import CappedOffsetPaginator, parsed_body


class SequencesStream(CursorStream):
    """/sequences: sequences the user can access, their own and shared ones."""

    name = "sequences"
    path = "/sequences"
    expansions = ("stages",)
    child_key = "sequenceId"


class SequenceFoldersStream(CursorStream):
    """/sequencefolders: folders grouping sequences."""

    name = "sequence_folders"
    path = "/sequencefolders"


class SequenceRecipientsStream(ChildStream):
    """/sequences/:id/recipients: activated recipients, a bare array paged by offset.

    Mixmax serves at most 10,000 recipients per sequence; a sequence with more is
    reported with a warning naming it, because the rest cannot be read.
    """

    name = "sequence_recipients"
    path = "/sequences/{sequenceId}/recipients"
    records_jsonpath = "$[*]"
    parent_stream_type = SequencesStream
    parent_key = "sequenceId"

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401
        super().__init__(*args, **kwargs)
        self._paginator: CappedOffsetPaginator | None = None

    def get_new_paginator(self) -> CappedOffsetPaginator:
        self._paginator = CappedOffsetPaginator(int(self.config["page_size"]))
        return self._paginator

    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:  # noqa: ANN401
        offset = int(next_page_token or 0)
        assert self._paginator is not None
        params: dict[str, Any] = {"limit": self._paginator.limit_for(offset), "offset": offset}
        if self.config["include_recipient_variables"]:
            params["includeVariables"] = "true"
        return params

    def parse_response(self, response: requests.Response) -> Iterator[dict[str, Any]]:
        rows = parsed_body(response)
        for row in rows:
            # Some real rows carry the address only as `to.email`.
            if "email" not in row and isinstance(row.get("to"), dict):
                row["email"] = row["to"].get("email")
            yield row

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        yield from super().get_records(context)
        if self._paginator is not None and self._paginator.hit_cap:
            self.skip(
                f"sequence {self._parent_id(context)} has {self._paginator.cap} recipients "
                f"or more; Mixmax serves only the first {self._paginator.cap}, any others "
                "cannot be read"
            )
