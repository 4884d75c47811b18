"""TapMixmax: settings, the shared connection, and the list of streams."""

from __future__ import annotations

import ipaddress
import sys
from functools import cached_property
from typing import Any, ClassVar, cast
from urllib.parse import urlparse

import requests
from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError, RetriableAPIError
from singer_sdk.helpers.capabilities import (
    CapabilitiesEnum,
    PluginCapabilities,
    TapCapabilities,
)
from typing_extensions import override

from tap_mixmax import __version__
from tap_mixmax.bookmarks import BookmarkError
from tap_mixmax.connection import MixmaxConnection
from tap_mixmax.pagination import ProtocolError
from tap_mixmax.streams import STREAM_TYPES
from tap_mixmax.team import TeamSettingsError, check_team_settings
from tap_mixmax.team import run_team as team_run

EXPANSIONS: dict[str, tuple[str, ...]] = {
    str(getattr(stream_type, "name")): getattr(stream_type, "expansions")  # noqa: B009
    for stream_type in STREAM_TYPES
    if getattr(stream_type, "expansions", ())
}

DEFAULT_API_URL = "https://api.mixmax.com/v1"
MAX_PAGE_SIZE = 300


class TapMixmax(Tap):
    """Singer tap for the Mixmax REST API."""

    name = "tap-mixmax"

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

    config_jsonschema = th.PropertiesList(
        th.Property(
            "api_token",
            th.StringType,
            secret=True,
            title="API token",
            description="Mixmax API token (Settings > Integrations > API). Sent as the "
            "X-API-Token header and never logged. Required unless api_tokens is given.",
        ),
        th.Property(
            "api_tokens",
            th.ArrayType(th.StringType),
            secret=True,
            title="API tokens (team)",
            description="Several users' Mixmax API tokens, read concurrently in one run, each "
            "within its own rate budget; every record's _mixmax_user_id says whose token read "
            "it. Use instead of api_token, not with it; refuses emit_activate_version_messages.",
        ),
        th.Property(
            "api_url",
            th.StringType,
            default=DEFAULT_API_URL,
            title="API URL",
            description="Base URL of the Mixmax API. Plain http is accepted only for "
            "loopback hosts, such as the bundled simulator.",
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            title="Start date",
            description="Skip objects created before this moment; older pages are not "
            "fetched. Applies to full walks of cursor collections.",
        ),
        th.Property(
            "page_size",
            th.IntegerType,
            default=MAX_PAGE_SIZE,
            title="Page size",
            description="Objects asked for per request (1-300; Mixmax caps some endpoints "
            "lower and the tap follows the API's flags, not the page length).",
        ),
        th.Property(
            "refresh_changed_objects",
            th.BooleanType,
            default=True,
            title="Refresh changed objects",
            description="Re-read collections whose objects change after creation, and the "
            "child rows of all their parents, on the schedule of full_refresh_interval_hours. "
            "When false, runs after the first read only new objects and the children of new "
            "parents (one request per stream when nothing is new); edits, deletions and rows "
            "added under older parents are never seen.",
        ),
        th.Property(
            "full_refresh_interval_hours",
            th.IntegerType,
            default=24,
            title="Full refresh interval (hours)",
            description="With refresh_changed_objects, a collection whose last complete read "
            "is older than this is read whole again; 0 re-reads on every run.",
        ),
        th.Property(
            "full_refresh_interval_hours_by_stream",
            th.ObjectType(additional_properties=th.IntegerType),
            default={},
            title="Full refresh interval per stream (hours)",
            description="Overrides full_refresh_interval_hours for the streams named, e.g. "
            '{"sequences": 0} re-reads sequences and all their recipients on every run while '
            "other collections keep the daily refresh.",
        ),
        th.Property(
            "skew_lookback_seconds",
            th.IntegerType,
            default=0,
            title="Skew lookback (seconds)",
            description="When polling for new objects, start this many seconds before the "
            "bookmark, to catch objects whose ids sort just below it because of clock skew "
            "between Mixmax's servers. Re-reads the objects of those seconds; 0 turns it off.",
        ),
        th.Property(
            "expand",
            th.ObjectType(
                *(
                    th.Property(
                        stream,
                        th.ArrayType(th.StringType),
                        description=f"Expansions for {stream}: {', '.join(values)}.",
                    )
                    for stream, values in EXPANSIONS.items()
                ),
                additional_properties=False,
            ),
            default={},
            title="Expansions",
            description='Expansions to ask for, per stream, e.g. {"sequences": ["stages"], '
            '"contact_groups": ["count"]}.',
        ),
        th.Property(
            "emit_activate_version_messages",
            th.BooleanType,
            default=False,
            title="Propagate deletions (ACTIVATE_VERSION)",
            description="After each complete read of a whole collection (first run, refresh, "
            "--full-refresh, and every run of singletons and search endpoints), send "
            "ACTIVATE_VERSION so the target deletes, or marks deleted, rows that Mixmax no "
            "longer returns. Never sent after a poll, an error, or a read cut by start_date.",
        ),
        th.Property(
            "include_recipient_variables",
            th.BooleanType,
            default=True,
            title="Include recipient variables",
            description="Ask /sequences/:id/recipients for each recipient's variables.",
        ),
        th.Property(
            "request_timeout",
            th.IntegerType,
            default=60,
            title="Request timeout (seconds)",
            description="Seconds to wait for one response before retrying it.",
        ),
        th.Property(
            "max_retries",
            th.IntegerType,
            default=5,
            title="Retries",
            description="Retries of a request that failed with a 5xx, a timeout or a "
            "dropped connection, with exponential backoff. 429s are waited out separately.",
        ),
        th.Property(
            "progress_interval_seconds",
            th.IntegerType,
            default=30,
            title="Progress interval (seconds)",
            description="How often to log records, requests and rate-budget use.",
        ),
        th.Property(
            "user_agent",
            th.StringType,
            default=f"tap-mixmax/{__version__}",
            title="User agent",
            description="User-Agent header sent with every request.",
        ),
    ).to_dict()

    @cached_property
    def mixmax(self) -> MixmaxConnection:
        """The connection every stream shares, made when the first stream needs it."""
        check_settings(dict(self.config))
        return MixmaxConnection.open(self.config, self.logger)

    def sync_all(self) -> None:  # type: ignore[misc]  # the SDK marks it final
        """Sync every selected stream; with ``api_tokens``, one child tap per user."""
        if self.config.get("api_tokens") is None:
            super().sync_all()
            return
        try:
            check_team_settings(self.config)
        except TeamSettingsError as exc:
            self.logger.error("invalid config: %s", exc)  # noqa: TRY400 - the line is the message
            sys.exit(2)
        check_settings({k: v for k, v in self.config.items() if k != "api_token"})
        # The SDK writes self.state if a signal stops the run: the team merges into it.
        state = cast("dict[str, Any]", self.state)
        code = team_run(self.config, state, self._team_catalog(), self.logger)
        if code:
            sys.exit(code)

    def _team_catalog(self) -> dict[str, Any] | None:
        catalog = self.input_catalog
        return None if catalog is None else catalog.to_dict()

    @override
    def discover_streams(self) -> list[Any]:
        return [stream_type(tap=self, connection=self.mixmax) for stream_type in STREAM_TYPES]

    @classmethod
    def invoke(cls, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401
        """Run the tap, turning known failures into one line and a non-zero exit."""
        try:
            super().invoke(*args, **kwargs)
        except (
            FatalAPIError,
            RetriableAPIError,
            ConfigValidationError,
            ProtocolError,
            BookmarkError,
            requests.RequestException,
        ) as exc:
            cls.logger.error("%s", one_line(exc))  # noqa: TRY400 - the line is the message
            sys.exit(1)


def check_settings(config: dict[str, Any]) -> None:
    """Reject settings the SDK's schema check cannot judge."""
    problems = []
    if not config.get("api_token") and not config.get("api_tokens"):
        problems.append("api_token is required (or api_tokens, for a team)")
    url = urlparse(str(config.get("api_url", DEFAULT_API_URL)))
    if url.scheme not in {"https", "http"} or not url.hostname:
        problems.append(f"api_url must be an https URL such as {DEFAULT_API_URL}")
    elif url.scheme == "http" and not _is_loopback(url.hostname):
        problems.append(
            "api_url may use plain http only for loopback hosts (127.0.0.1, localhost); "
            "use https for Mixmax"
        )
    page_size = config.get("page_size", MAX_PAGE_SIZE)
    if not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        problems.append(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
    streams = {str(getattr(stream_type, "name")) for stream_type in STREAM_TYPES}  # noqa: B009
    for stream, hours in dict(config.get("full_refresh_interval_hours_by_stream") or {}).items():
        if stream not in streams:
            problems.append(
                f"full_refresh_interval_hours_by_stream names an unknown stream {stream!r}"
            )
        elif not isinstance(hours, int) or hours < 0:
            problems.append(f"full_refresh_interval_hours_by_stream.{stream} must be hours >= 0")
    for stream, values in dict(config.get("expand") or {}).items():
        allowed = EXPANSIONS.get(stream, ())
        unknown = sorted(set(values) - set(allowed))
        if unknown:
            problems.append(
                f"expand.{stream} has unknown values {unknown}; allowed: {list(allowed)}"
            )
    if problems:
        raise ConfigValidationError("; ".join(problems), errors=problems)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def one_line(exc: BaseException) -> str:
    """An exception's message on one line, for a person reading a failed run."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, ConfigValidationError) and exc.errors:
        text = "invalid config: " + "; ".join(exc.errors)
    return " ".join(text.split())
