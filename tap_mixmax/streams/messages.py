"""Messages, the live feed, and tracking events."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import requests
from singer_sdk.helpers.types import Context
from typing_extensions import override

from tap_mixmax.client import MixmaxStream, SingletonStream
from tap_mixmax.cursor_stream import CursorStream
from tap_mixmax.pagination import parsed_body
from tap_mixmax.user_column import USER_COLUMN


class MessagesStream(CursorStream):
    """/messages: emails in every state, drafts to sent (17-character ids)."""

    name = "messages"
    path = "/messages"
    created_at_field = "created"


class LiveFeedStream(CursorStream):
    """/livefeed: tracked sent messages with their engagement, newest sent first.

    ``live_feed_search`` scopes it with Mixmax's live-feed search (``from:everyone`` for
    the team feed); without it Mixmax's default feed, the user's own messages, is read.
    """

    name = "live_feed"
    path = "/livefeed"
    created_at_field = "sent"

    @override
    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        return {**super().get_url_params(context, next_page_token), **live_feed_scope(self)}


class LiveFeedStatsStream(SingletonStream):
    """/livefeed?stats=true: the live feed's response-level counters, one row per run.

    The counters (sent, opened, replied, … and percentages) cover every message the live
    feed search matches, so they are asked for with a one-object page: one request a run.
    """

    name = "live_feed_stats"
    path = "/livefeed"
    # Counters are per user: in a team run every user has a row of the same moment.
    primary_keys: ClassVar[tuple[str, ...]] = ("capturedAt", "query", USER_COLUMN)

    @override
    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        return {"limit": 1, "stats": "true", **live_feed_scope(self)}

    @override
    def parse_response(self, response: requests.Response) -> Iterator[dict[str, Any]]:
        body = parsed_body(response)
        stats = body.get("stats") if isinstance(body, dict) else None
        if not isinstance(stats, dict):
            self.skip("Mixmax sent no 'stats' block with the live feed; no row this run")
            return
        yield {
            **stats,
            "capturedAt": self.run_context.started_at,
            # Part of the key, so never empty: some loaders store "" as NULL.
            "query": self.config.get("live_feed_search") or DEFAULT_FEED,
        }


# What live_feed_stats rows say in `query` when live_feed_search is unset.
DEFAULT_FEED = "(default)"


def live_feed_scope(stream: MixmaxStream) -> dict[str, str]:
    """The live feed search to send, if the user set one."""
    search = stream.config.get("live_feed_search")
    return {"query": str(search)} if search else {}


class LiveFeedEventsStream(MixmaxStream):
    """/livefeed/events?messageId=: up to 200 events per live-feed message.

    One request per message, so it is not selected by default.
    """

    name = "live_feed_events"
    field_source = "documented"
    path = "/livefeed/events"
    records_jsonpath = "$.results[*]"
    parent_stream_type = LiveFeedStream
    parent_key = "messageId"
    primary_keys: ClassVar[tuple[str, ...]] = ("messageId", "_id")
    selected_by_default = False
    changes_after_create = False

    @override
    def get_new_paginator(self) -> None:
        return None

    @override
    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        return {"messageId": self._parent_id(context)}


class EventsStream(CursorStream):
    """/events: the 2016 tracking-event feed, append-only."""

    name = "events"
    field_source = "documented"
    path = "/events"
    changes_after_create = False
