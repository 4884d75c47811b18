"""Messages, the live feed, and tracking events."""

from __future__ import annotations

from typing import Any, ClassVar

from singer_sdk.helpers.types import Context

from tap_mixmax.client import MixmaxStream
from tap_mixmax.cursor_stream import CursorStream


class MessagesStream(CursorStream):
    """/messages: emails in every state, drafts to sent (17-character ids)."""

    name = "messages"
    path = "/messages"
    created_at_field = "created"


class LiveFeedStream(CursorStream):
    """/livefeed: tracked sent messages with their engagement, newest sent first."""

    name = "live_feed"
    path = "/livefeed"
    created_at_field = "sent"


class LiveFeedEventsStream(MixmaxStream):
    """/livefeed/events?messageId=: up to 200 events per live-feed message.

    One request per message, so it is not selected by default.
    """

    name = "live_feed_events"
    path = "/livefeed/events"
    records_jsonpath = "$.results[*]"
    parent_stream_type = LiveFeedStream
    parent_key = "messageId"
    primary_keys: ClassVar[tuple[str, ...]] = ("messageId", "_id")
    selected_by_default = False
    changes_after_create = False

    def get_new_paginator(self) -> None:
        return None

    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:  # noqa: ANN401
        return {"messageId": self._parent_id(context)}


class EventsStream(CursorStream):
    """/events: the 2016 tracking-event feed, append-only."""

    name = "events"
    path = "/events"
    changes_after_create = False
