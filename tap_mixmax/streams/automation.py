"""Rules (automations and webhooks), their actions, and reminders."""

from __future__ import annotations

from tap_mixmax.cursor_stream import CursorStream


class RulesStream(CursorStream):
    """/rules: automation rules and their triggers."""

    name = "rules"
    path = "/rules"
    expansions = ("actions",)


class RuleActionsStream(CursorStream):
    """/rules/:id/actions: what each rule does (webhook, Slack, …)."""

    name = "rule_actions"
    path = "/rules/{ruleId}/actions"
    parent_stream_type = RulesStream
    parent_key = "ruleId"


class RemindersStream(CursorStream):
    """/reminders: follow-up reminders."""

    name = "reminders"
    field_source = "documented"
    path = "/reminders"
