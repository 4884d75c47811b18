"""TapMixmax: the shared connection, the list of streams, and how the CLI starts and ends."""

from __future__ import annotations

import io
import json
import os
import stat
import sys
from functools import cached_property
from types import FrameType
from typing import Any, ClassVar, TextIO, cast

import click
from singer_sdk import Tap
from singer_sdk.helpers.capabilities import (
    CapabilitiesEnum,
    PluginCapabilities,
    TapCapabilities,
)
from singer_sdk.tap_base import CliTestOptionValue
from typing_extensions import override

from tap_mixmax.connection import MixmaxConnection
from tap_mixmax.errors import hide_in_logs
from tap_mixmax.exits import GuardedCommand, TargetStoppedReading, failure_line, on_signal
from tap_mixmax.inputs import read_catalog, read_config_file, read_state
from tap_mixmax.sdk_features import correct_flattened_schemas, describe_test_option, run_test
from tap_mixmax.sdk_logs import quiet_sdk_chatter, show_sdk_metrics
from tap_mixmax.settings import CONFIG_SCHEMA, check_settings
from tap_mixmax.streams import STREAM_TYPES
from tap_mixmax.team import run_team
from tap_mixmax.writer import StateFlushingWriter


class TapMixmax(Tap):
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

    config_jsonschema = CONFIG_SCHEMA

    def __init__(self, **kwargs: Any) -> None:  # noqa: ANN401 - the SDK's keyword arguments
        """The SDK's tap, whose routine log lines wait for LOGLEVEL=DEBUG (sdk_features.py)."""
        quiet_sdk_chatter(type(self).logger)
        super().__init__(**kwargs)
        show_sdk_metrics(bool(self.config.get("log_sdk_metrics")))

    @cached_property
    def mixmax(self) -> MixmaxConnection:
        """The connection every stream shares, made when the first stream needs it."""
        writer = self.message_writer
        return MixmaxConnection.open(
            self.config,
            self.logger,
            writer=writer if isinstance(writer, StateFlushingWriter) else None,
        )

    def sync_all(self) -> None:  # type: ignore[misc]  # the SDK marks it final
        """Sync every selected stream; with ``api_tokens``, one child tap per user."""
        if self.config.get("api_tokens") is None:
            super().sync_all()
            return
        # The SDK writes self.state if a signal stops the run: the team merges into it.
        state = cast("dict[str, Any]", self.state)
        code = run_team(self.config, state, self._team_catalog(), self.logger)
        if code:
            sys.exit(code)

    def _team_catalog(self) -> dict[str, Any] | None:
        catalog = self.input_catalog
        return None if catalog is None else catalog.to_dict()

    @override
    def discover_streams(self) -> list[Any]:
        return [stream_type(tap=self, connection=self.mixmax) for stream_type in STREAM_TYPES]

    @override
    def setup_mapper(self) -> None:
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
    def invoke(  # type: ignore[override]
        cls,
        *,
        about: bool = False,
        about_format: str | None = None,
        config: Any = None,  # noqa: ANN401 - the SDK's private _ConfigInput
        state: TextIO | None = None,
        catalog: TextIO | None = None,
    ) -> None:
        """Run the tap with its state and catalog files checked first."""
        try:
            super().invoke(
                about=about,
                about_format=about_format,
                config=config,
                state=None if state is None else _as_file(read_state(state, cls.logger)),
                catalog=None if catalog is None else _as_file(read_catalog(catalog)),
            )
        except BrokenPipeError as exc:
            # click would swallow it and exit 1 without a word.
            raise TargetStoppedReading(str(exc)) from None

    @classmethod
    def cb_config(cls, ctx: click.Context, param: click.Option, value: tuple[str, ...]) -> Any:  # noqa: ANN401
        """Check every ``--config`` file before the SDK reads it.

        A pipe (a team run hands each child its config through one) can be read only
        once, so it is left to the SDK.
        """
        for path in value:
            if path != "ENV" and not _is_pipe(path):
                read_config_file(path)
        return super().cb_config(ctx, param, value)

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

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        # Runs before the SDK's own check, whose messages would quote a secret.
        schema = self.config_jsonschema
        self.append_builtin_config(schema)
        if raise_errors:
            check_settings(self._config, schema, self.logger)
        hide_in_logs(self._config.get("api_token"))
        for token in self._config.get("api_tokens") or []:
            hide_in_logs(token)
        return super()._validate_config(raise_errors=raise_errors)

    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        # The SDK's handler exits 0, so a scheduler would record a killed run as a success.
        on_signal(lambda: self._state_writer.write_state(self.state))(signum, frame)


def _is_pipe(path: str) -> bool:
    try:
        return stat.S_ISFIFO(os.stat(path).st_mode)
    except OSError:
        return False


def _as_file(document: dict[str, Any]) -> TextIO:
    return io.StringIO(json.dumps(document))
