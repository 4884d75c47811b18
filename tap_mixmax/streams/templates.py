"""Templates (snippets), their tags, and code snippets."""

from __future__ import annotations

from tap_mixmax.cursor_stream import CursorStream


class SnippetsStream(CursorStream):
    """/snippets: templates and snippets the user owns or that are shared with them."""

    name = "snippets"
    field_source = "documented"
    path = "/snippets"
    expansions = ("analytics", "userId")


class SnippetTagsStream(CursorStream):
    """/snippettags: template folders (tags)."""

    name = "snippet_tags"
    path = "/snippettags"


class SnippetTagSnippetsStream(CursorStream):
    """/snippettags/:id/snippets: the templates in each tag."""

    name = "snippet_tag_snippets"
    path = "/snippettags/{tagId}/snippets"
    parent_stream_type = SnippetTagsStream
    parent_key = "tagId"
    primary_keys = ("tagId", "_id")


class CodeSnippetsStream(CursorStream):
    """/codesnippets: formatted code blocks."""

    name = "code_snippets"
    path = "/codesnippets"
