"""Which simulator collection serves each of the tap's top-level streams."""

from __future__ import annotations

CURSOR_COLLECTIONS: dict[str, str] = {
    "sequences": "sequences",
    "sequence_folders": "sequencefolders",
    "messages": "messages",
    "live_feed": "livefeed",
    "events": "events",
    "snippets": "snippets",
    "snippet_tags": "snippettags",
    "code_snippets": "codesnippets",
    "contacts": "contacts",
    "contact_groups": "contactgroups",
    "file_requests": "filerequests",
    "meeting_types": "meetingtypes",
    "meeting_invites": "meetinginvites",
    "meeting_summaries": "meetings/summaries",
    "insights_reports": "insightsreports",
    "integration_commands": "integrations/commands",
    "integration_enhancements": "integrations/enhancements",
    "integration_link_resolvers": "integrations/linkresolvers",
    "integration_sidebars": "integrations/sidebars",
    "rules": "rules",
    "teams": "teams",
    "unsubscribes": "unsubscribes",
    "polls": "polls",
    "qa": "qa",
    "yes_no": "yesno",
    "reminders": "reminders",
}

SINGLETON_COLLECTIONS: dict[str, str] = {
    "current_user": "users/me",
    "user_preferences": "userpreferences/me",
    "appointment_links": "appointmentlinks/me",
}
