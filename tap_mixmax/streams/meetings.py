"""Meeting types, invites, the booking link, and Meeting Copilot summaries and transcripts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

from singer_sdk.helpers.types import Context
from typing_extensions import override

from tap_mixmax.client import SingletonStream
from tap_mixmax.cursor_stream import CursorStream
from tap_mixmax.timestamps import to_rfc3339

# Kept in meeting_summaries' state: the creation time of the newest summary whose
# transcript was read, and when transcripts were last all read.
TRANSCRIPTS_WATERMARK = "transcripts_after"
TRANSCRIPTS_REFRESHED_AT = "transcripts_refreshed_at"


class MeetingTypesStream(CursorStream):
    """/meetingtypes: bookable meeting templates."""

    name = "meeting_types"
    path = "/meetingtypes"


class MeetingInvitesStream(CursorStream):
    """/meetinginvites: availability sent to people, with the bookings made."""

    name = "meeting_invites"
    field_source = "documented"
    path = "/meetinginvites"


class AppointmentLinksStream(SingletonStream):
    """/appointmentlinks/me: the user's booking-page link."""

    name = "appointment_links"
    path = "/appointmentlinks/me"
    primary_keys: ClassVar[tuple[str, ...]] = ("userId",)


class MeetingSummariesStream(CursorStream):
    """/meetings/summaries/search: Meeting Copilot summaries (needs `mixmaxApi`).

    A search endpoint: read whole every run (it has no `previous`). A transcript does not
    change once made, so transcripts are read only for summaries created after the newest
    one whose transcript an earlier run read (a watermark in state, not a set of ids),
    and for all summaries when a refresh is due.
    """

    name = "meeting_summaries"
    field_source = "inferred"
    path = "/meetings/summaries/search"
    feature_gated = True
    supports_previous = False
    created_at_field = "createdAt"

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401
        super().__init__(*args, **kwargs)
        # Summaries created at or before this have their transcript already; None: all.
        self._transcripts_after: str | None = None

    @override
    def read_collection(self) -> Iterator[dict[str, Any]]:
        state = self.get_context_state(None)
        watermark = state.get(TRANSCRIPTS_WATERMARK)
        refreshed = to_rfc3339(state.get(TRANSCRIPTS_REFRESHED_AT))
        refresh = self.refresh_due(datetime.fromisoformat(refreshed) if refreshed else None)
        self._transcripts_after = None if refresh or not isinstance(watermark, str) else watermark
        newest = self._transcripts_after
        for record in super().read_collection():
            created = self.key_of(record)
            if created and (newest is None or created > newest):
                newest = created
            yield record
        # Reached only when every summary, and so every transcript due, was read.
        if newest is not None:
            state[TRANSCRIPTS_WATERMARK] = newest
        if self._transcripts_after is None:
            state[TRANSCRIPTS_REFRESHED_AT] = to_rfc3339(datetime.now(UTC).isoformat())

    @override
    def generate_child_contexts(
        self, record: dict[str, Any], context: Context | None
    ) -> Iterable[dict[str, Any] | None]:
        created = self.key_of(record)
        after = self._transcripts_after
        if after is None or created is None or created > after:
            yield from super().generate_child_contexts(record, context)

    @override
    def children_all_read(self) -> bool:
        return self._transcripts_after is None


class MeetingTranscriptsStream(SingletonStream):
    """/meetings/transcripts/:id: one transcript per summary, one request each."""

    name = "meeting_transcripts"
    field_source = "inferred"
    path = "/meetings/transcripts/{summaryId}"
    parent_stream_type = MeetingSummariesStream
    parent_key = "summaryId"
    feature_gated = True
    changes_after_create = False

    @override
    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        return {}
