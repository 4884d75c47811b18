"""The user, their preferences, teams, reports and file requests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from singer_sdk.helpers.types import Context
from typing_extensions import override

from tap_mixmax.client import SingletonStream
from tap_mixmax.cursor_stream import CursorStream


class CurrentUserStream(SingletonStream):
    """/users/me: the token's user. Read first: a cheap check that the token works."""

    name = "current_user"
    field_source = "inferred"
    path = "/users/me"
    token_check = True

    @override
    def request_records(self, context: Context | None) -> Iterator[dict[str, Any]]:
        # Another stream may have asked /users/me already, for the user column.
        answered, self.connection.users_me = self.connection.users_me, None
        if answered is not None:
            yield answered
        else:
            yield from super().request_records(context)


class UserPreferencesStream(SingletonStream):
    """/userpreferences/me: the user's settings, an open-ended object."""

    name = "user_preferences"
    path = "/userpreferences/me"


class TeamsStream(CursorStream):
    """/teams: teams the user belongs to (17-character ids, paged by creation time)."""

    name = "teams"
    field_source = "documented"
    path = "/teams"
    created_at_field = "createdAt"


class TeamMembersStream(CursorStream):
    """/teams/:id/members: one row per member or pending invite of a team."""

    name = "team_members"
    field_source = "documented"
    path = "/teams/{teamId}/members"
    parent_stream_type = TeamsStream
    parent_key = "teamId"
    unstable_order = (
        "its 17-character memberIds carry no time order, so it pages on a time field not "
        "documented as never changing"
    )
    primary_keys: ClassVar[tuple[str, ...]] = ("teamId", "memberId")

    @override
    def post_process(
        self, row: dict[str, Any], context: Context | None = None
    ) -> dict[str, Any] | None:
        """Key a row of the older documented shape, which has no ``memberId``, by what
        identifies its member there: its ``_id``, else its ``userId``, else (a pending
        invite) its ``email``."""
        if row.get("memberId") in (None, ""):
            for key in ("_id", "userId", "email"):
                if isinstance(row.get(key), str) and row[key]:
                    row["memberId"] = row[key]
                    break
        return super().post_process(row, context)


class InsightsReportsStream(CursorStream):
    """/insightsreports: saved report definitions."""

    name = "insights_reports"
    path = "/insightsreports"


class FileRequestsStream(CursorStream):
    """/filerequests: file requests sent, with the uploads they received."""

    name = "file_requests"
    field_source = "third-party"
    path = "/filerequests"
