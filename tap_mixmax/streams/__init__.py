"""Every Mixmax stream, grouped by resource; ``STREAM_TYPES`` is the tap's registry."""

from __future__ import annotations

from tap_mixmax.client import MixmaxStream
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
