"""Meeting types, invites, the booking link, and Meeting Copilot summaries and transcripts."""

from __future__ import annotations

from typing import Any, ClassVar

from singer_sdk.helpers.types import Context

from tap_mixmax.client import SingletonStream
from tap_mixmax.cursor_stream import CursorStream


class MeetingTypesStream(CursorStream):
    """/meetingtypes: bookable meeting templates."""

    name = "meeting_types"
    path = "/meetingtypes"


class MeetingInvitesStream(CursorStream):
    """/meetinginvites: availability sent to people, with the bookings made."""

    name = "meeting_invites"
    path = "/meetinginvites"


class AppointmentLinksStream(SingletonStream):
    """/appointmentlinks/me: the user's booking-page link."""

    name = "appointment_links"
    path = "/appointmentlinks/me"
    primary_keys: ClassVar[tuple[str, ...]] = ("userId",)


class MeetingSummariesStream(CursorStream):
    """/meetings/summaries/search: Meeting Copilot summaries (needs `mixmaxApi`)."""

    name = "meeting_summaries"
    path = "/meetings/summaries/search"
    feature_gated = True
    supports_previous = False


class MeetingTranscriptsStream(SingletonStream):
    """/meetings/transcripts/:id: one transcript per summary, one request each."""

    name = "meeting_transcripts"
    path = "/meetings/transcripts/{summaryId}"
    parent_stream_type = MeetingSummariesStream
    parent_key = "summaryId"
    feature_gated = True
    changes_after_create = False

    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:  # noqa: ANN401
        return {}
