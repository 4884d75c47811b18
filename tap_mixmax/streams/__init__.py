"""Every Mixmax stream, grouped by resource; ``STREAM_TYPES`` is the tap's registry."""

from __future__ import annotations

from tap_mixmax.client import MixmaxStream
from tap_mixmax.cursor_stream import CursorStream
from tap_mixmax.streams.automation import RemindersStream, RuleActionsStream, RulesStream
from tap_mixmax.streams.contacts import (
    ContactGroupMembersStream,
    ContactGroupsStream,
    ContactNotesStream,
    ContactsStream,
    UnsubscribesStream,
)
from tap_mixmax.streams.engagement import PollsStream, QaStream, YesNoStream
from tap_mixmax.streams.integrations import (
    IntegrationCommandsStream,
    IntegrationEnhancementsStream,
    IntegrationLinkResolversStream,
    IntegrationSidebarsStream,
)
from tap_mixmax.streams.meetings import (
    AppointmentLinksStream,
    MeetingInvitesStream,
    MeetingSummariesStream,
    MeetingTranscriptsStream,
    MeetingTypesStream,
)
from tap_mixmax.streams.messages import (
    EventsStream,
    LiveFeedEventsStream,
    LiveFeedStatsStream,
    LiveFeedStream,
    MessagesStream,
)
from tap_mixmax.streams.sequences import (
    SequenceFoldersStream,
    SequenceRecipientsStream,
    SequencesStream,
)
from tap_mixmax.streams.templates import (
    CodeSnippetsStream,
    SnippetsStream,
    SnippetTagSnippetsStream,
    SnippetTagsStream,
)
from tap_mixmax.streams.workspace import (
    CurrentUserStream,
    FileRequestsStream,
    InsightsReportsStream,
    TeamMembersStream,
    TeamsStream,
    UserPreferencesStream,
)

# Order is sync order: the cheap /users/me first, so a bad token fails in one request.
STREAM_TYPES: list[type[MixmaxStream]] = [
    CurrentUserStream,
    UserPreferencesStream,
    AppointmentLinksStream,
    SequencesStream,
    SequenceRecipientsStream,
    SequenceFoldersStream,
    MessagesStream,
    LiveFeedStream,
    LiveFeedEventsStream,
    LiveFeedStatsStream,
    EventsStream,
    SnippetsStream,
    SnippetTagsStream,
    SnippetTagSnippetsStream,
    CodeSnippetsStream,
    ContactsStream,
    ContactNotesStream,
    ContactGroupsStream,
    ContactGroupMembersStream,
    UnsubscribesStream,
    FileRequestsStream,
    MeetingTypesStream,
    MeetingInvitesStream,
    MeetingSummariesStream,
    MeetingTranscriptsStream,
    InsightsReportsStream,
    IntegrationCommandsStream,
    IntegrationEnhancementsStream,
    IntegrationLinkResolversStream,
    IntegrationSidebarsStream,
    RulesStream,
    RuleActionsStream,
    TeamsStream,
    TeamMembersStream,
    PollsStream,
    QaStream,
    YesNoStream,
    RemindersStream,
]


# What the settings need to know of the streams (settings.config_schema).
def _name(stream_type: type[MixmaxStream]) -> str:
    return str(getattr(stream_type, "name"))  # noqa: B009 - a class attribute mypy types per instance


STREAM_NAMES = frozenset(_name(stream_type) for stream_type in STREAM_TYPES)
EXPANSIONS: dict[str, tuple[str, ...]] = {
    _name(stream_type): tuple(getattr(stream_type, "expansions", ()))
    for stream_type in STREAM_TYPES
    if getattr(stream_type, "expansions", ())
}
# Only a collection the tap reads on its own keeps a full-refresh schedule; a child
# collection is re-read with its parent.
REFRESHABLE_STREAMS: tuple[str, ...] = tuple(
    _name(stream_type)
    for stream_type in STREAM_TYPES
    if issubclass(stream_type, CursorStream) and stream_type.parent_stream_type is None
)
