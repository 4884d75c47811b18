"""Integrations the user built: slash commands, enhancements, link resolvers, sidebars."""

from __future__ import annotations

from tap_mixmax.cursor_stream import CursorStream


class IntegrationCommandsStream(CursorStream):
    """/integrations/commands: slash commands."""

    name = "integration_commands"
    path = "/integrations/commands"


class IntegrationEnhancementsStream(CursorStream):
    """/integrations/enhancements: compose-window enhancements."""

    name = "integration_enhancements"
    path = "/integrations/enhancements"


class IntegrationLinkResolversStream(CursorStream):
    """/integrations/linkresolvers: link previews."""

    name = "integration_link_resolvers"
    path = "/integrations/linkresolvers"


class IntegrationSidebarsStream(CursorStream):
    """/integrations/sidebars: Gmail sidebar apps."""

    name = "integration_sidebars"
    path = "/integrations/sidebars"
