"""TapMixmax: the shared connection, the list of streams, and how the CLI starts and ends."""

from __future__ import annotations

import io
import json
import sys
import threading
from functools import cached_property
from pathlib import PurePath
from types import FrameType
from typing import Any, ClassVar, TextIO, cast

import click
from singer_sdk.helpers.capabilities import (
    CapabilitiesEnum,
    PluginCapabilities,
    TapCapabilities,
)
from singer_sdk.singerlib import StateMessage
from singer_sdk.tap_base import CliTestOptionValue
from typing_extensions import override

from tap_mixmax.cursor_stream import CursorStream
from tap_mixmax.errors import hide_in_logs
from tap_mixmax.exits import (
    GuardedCommand,
    TargetStoppedReading,
    failure_line,
    handle_stops,
    on_signal,
)
from tap_mixmax.inputs import read_catalog, read_config_file, read_state
from tap_mixmax.run_context import RunContext
from tap_mixmax.sdk_features import (
    correct_flattened_schemas,
    declare_kept_extras,
    describe_test_option,
    run_test,
)
from tap_mixmax.sdk_logs import quiet_sdk_chatter, show_sdk_metrics
from tap_mixmax.sdk_private import TapHooks, environment_settings
from tap_mixmax.settings import check_settings, config_schema
from tap_mixmax.state_owner import STATE_USER_KEY, state_owner
from tap_mixmax.streams import (
    EXPANSIONS,
    REFRESHABLE_STREAMS,
    STREAM_NAMES,
    STREAM_TYPES,
)
from tap_mixmax.team import run_team
from tap_mixmax.writer import StateFlushingWriter


class TapMixmax(TapHooks):
    """Singer tap for the Mixmax REST API."""

    name = "tap-mixmax"
    message_writer_class = StateFlushingWriter

    # ACTIVATE_VERSION is sent only after a complete whole read (see cursor_stream);
    # BATCH is not advertised: it buys nothing under a 120-requests-a-minute ceiling.
    capabilities: ClassVar[list[CapabilitiesEnum]] = [
        TapCapabilities.CATALOG,
        TapCapabilities.STATE,
        TapCapabilities.DISCOVER,
        PluginCapabilities.ACTIVATE_VERSION,
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.STRUCTURED_LOGGING,
    ]

    config_jsonschema = config_schema(EXPANSIONS, REFRESHABLE_STREAMS)
    # Every stream's name, for the settings check's messages.
    stream_names = STREAM_NAMES

    def __init__(
        self,
        *,
        config: dict[str, Any] | PurePath | str | list[PurePath | str] | None = None,
        parse_env_config: bool = False,
        validate_config: bool = True,
        **kwargs: Any,  # noqa: ANN401 - the SDK's other arguments
    ) -> None:
        """The SDK's tap, whose routine log lines wait for LOGLEVEL=DEBUG (sdk_logs.py);
        SIGHUP then stops it as SIGINT and SIGTERM do (the SDK handles those two only),
        writing the state of what was sent; a signal the process was started ignoring
        (``nohup``) stays ignored.

        The settings (with the environment's, when asked) are checked here, before the
        SDK's own check, whose messages would quote a secret; the tokens are hidden from
        every log line from then on.
        """
        quiet_sdk_chatter(type(self).logger)
        if config is None or isinstance(config, dict):
            settings = {} if config is None else config
            if parse_env_config:
                settings = {**settings, **environment_settings(type(self))}
            self.check_config(settings, raise_errors=validate_config)
            config, parse_env_config = settings, False
        super().__init__(
            config=config,
            parse_env_config=parse_env_config,
            validate_config=validate_config,
            **kwargs,
        )
        show_sdk_metrics(bool(self.config.get("log_sdk_metrics")))
        if threading.current_thread() is threading.main_thread():
            handle_stops(on_signal(self.write_current_state))

    def write_current_state(self) -> None:
        """Write the state of what was sent (a signal stopping the run), after every
        record already written, even when it equals the last STATE (which the SDK's
        ``state_writer`` would skip, leaving records after the last STATE), and with how
        far into its page a whole read got."""
        for stream in self.streams.values():
            if isinstance(stream, CursorStream):
                stream.keep_place()
        self.message_writer.write_message(StateMessage(value=self.state))

    @cached_property
    def run_context(self) -> RunContext:
        """The connection and run state every stream shares, made when the first stream
        needs them."""
        writer = self.message_writer
        return RunContext.open(
            self.config,
            self.logger,
            writer=writer if isinstance(writer, StateFlushingWriter) else None,
        )

    @override
    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(state)
        owner = state_owner(state)
        if owner is not None:
            cast("dict[str, Any]", self.state)[STATE_USER_KEY] = owner

    @override
    def discover_streams(self) -> list[Any]:
        return [stream_type(tap=self, run_context=self.run_context) for stream_type in STREAM_TYPES]

    @override
    def setup_mapper(self) -> None:
        declare_kept_extras(self.catalog, self.streams)
        super().setup_mapper()
        correct_flattened_schemas(self.mapper)

    @classmethod
    def cb_test(cls, ctx: click.Context, param: click.Option, value: str) -> None:
        """``--test``: one request that checks URL, connection and token (sdk_features.py)."""
        if value == CliTestOptionValue.Disabled.value:
            return
        config = ctx.params.get("config")
        ctx.exit(
            run_test(
                cls,
                getattr(config, "config", None),
                parse_env=bool(getattr(config, "parse_env", False)),
                mode=value,
                describe=failure_line,
            )
        )

    @classmethod
    def invoke(  # type: ignore[override]  # as the SDK's own Tap.invoke (not final)
        cls,
        *,
        about: bool = False,
        about_format: str | None = None,
        config: Any = None,  # noqa: ANN401 - the SDK's private _ConfigInput
        state: TextIO | None = None,
        catalog: TextIO | None = None,
    ) -> None:
        """Run the tap with its state and catalog files checked first.

        The front door: a config with ``api_tokens`` is a team, read by ``team.run_team``
        with one single-token tap per user; no tap ever sees ``api_tokens``.
        """
        try:
            team = None if about else cls._team_settings(config)
            state_doc = None if state is None else read_state(state, cls.logger)
            catalog_doc = None if catalog is None else read_catalog(catalog)
            if team is not None:
                cls.print_version(print_fn=cls.logger.info)
                code = run_team(cls, team, state_doc or {}, catalog_doc)
                if code:
                    sys.exit(code)
                return
            super().invoke(
                about=about,
                about_format=about_format,
                config=config,
                state=None if state_doc is None else _as_file(state_doc),
                catalog=None if catalog_doc is None else _as_file(catalog_doc),
            )
        except BrokenPipeError as exc:
            # click would swallow it and exit 1 without a word.
            raise TargetStoppedReading(str(exc)) from None

    @classmethod
    def _team_settings(cls, config: Any) -> dict[str, Any] | None:  # noqa: ANN401
        """The settings of a team run (files and environment), or ``None`` for one token."""
        settings = dict(getattr(config, "config", None) or {})
        if getattr(config, "parse_env", False):
            settings.update(environment_settings(cls))
        if settings.get("api_tokens") is None:
            return None
        return settings

    @classmethod
    def cb_config(cls, ctx: click.Context, param: click.Option, value: tuple[str, ...]) -> Any:  # noqa: ANN401
        """Read and check every ``--config`` file once, whatever it is (a pipe or FIFO can
        be read only once: a team run hands each child its config through one), and hand
        the merged settings to the SDK."""
        settings: dict[str, Any] = {}
        for path in value:
            if path != "ENV":
                settings |= read_config_file(path)
        given = super().cb_config(ctx, param, tuple(path for path in value if path == "ENV"))
        given.config = settings
        return given

    @classmethod
    def get_singer_command(cls) -> click.Command:
        """The SDK's command, ending every run with one line and a truthful exit code."""
        command = describe_test_option(super().get_singer_command())
        return GuardedCommand(
            name=command.name,
            callback=command.callback,
            params=command.params,
            help=command.help,
            context_settings=command.context_settings,
            logger=cls.logger,
        )

    @classmethod
    def check_config(cls, settings: dict[str, Any], *, raise_errors: bool) -> None:
        """Normalise ``settings`` in place and refuse what cannot work (when
        ``raise_errors``); hide the tokens from every later log line."""
        schema = cls.config_jsonschema
        cls.append_builtin_config(schema)
        if raise_errors:
            check_settings(settings, schema, cls.logger, cls.stream_names)
        hide_in_logs(settings.get("api_token"))
        for token in settings.get("api_tokens") or []:
            hide_in_logs(token)

    @override
    def terminate(self, signum: int, frame: FrameType | None) -> None:
        """Stop on SIGINT or SIGTERM with the signal's exit code after the state of what was
        sent (the SDK's handler exits 0: a scheduler would record a killed run as a success)."""
        on_signal(self.write_current_state)(signum, frame)


def _as_file(document: dict[str, Any]) -> TextIO:
    return io.StringIO(json.dumps(document))
