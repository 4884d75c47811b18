"""Polls, Q&A forms and yes/no questions embedded in emails, with their answers."""

from __future__ import annotations

from tap_mixmax.cursor_stream import CursorStream


class PollsStream(CursorStream):
    """/polls: polls and their votes."""

    name = "polls"
    field_source = "third-party"
    path = "/polls"


class QaStream(CursorStream):
    """/qa: Q&A forms and their answers."""

    name = "qa"
    field_source = "third-party"
    path = "/qa"


class YesNoStream(CursorStream):
    """/yesno: yes/no questions and their answers."""

    name = "yes_no"
    field_source = "third-party"
    path = "/yesno"
