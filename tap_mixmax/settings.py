"""The tap's settings: their schema, and the one function that checks what it cannot say.

Ranges, formats and allowed values live in the schema, so ``--about``, ``meltano.yml``,
the Hub file and the README advertise them. The SDK validates config without a format
checker, and its messages quote the offending value (a token given as a list would be
printed), so :func:`check_settings` runs the schema itself with a format checker, words
every problem without quoting secrets, and adds the rules that span several settings.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlparse

from jsonschema import Draft7Validator, FormatChecker, ValidationError
from singer_sdk import typing as th

from tap_mixmax import __version__
from tap_mixmax.errors import SettingsError
from tap_mixmax.timestamps import parse_iso
from tap_mixmax.transport import DEFAULT_MAX_RESPONSE_BYTES, is_loopback

DEFAULT_API_URL = "https://api.mixmax.com/v1"
MAX_PAGE_SIZE = 300
# Mixmax's rate window is 60 s: a shorter limit would stop every run at its first window.
RATE_WINDOW_SECONDS = 60

# Settings the SDK would act on but the tap does not advertise: refused, with the reason.
REFUSED_SETTINGS = {
    "batch_config": "tap-mixmax writes RECORD messages only and does not support BATCH; "
    "remove batch_config",
}

SECRET_SETTINGS = frozenset({"api_token", "api_tokens"})


def config_schema(
    expansions: Mapping[str, Sequence[str]], refreshable: Sequence[str]
) -> dict[str, Any]:
    """The settings' JSON schema, for streams with these ``expansions`` (by stream) and
    these ``refreshable`` streams (the top-level collections, which keep a full-refresh
    schedule; a child collection is re-read with its parent)."""
    schema: dict[str, Any] = th.PropertiesList(
        th.Property(
            "api_token",
            th.StringType,
            secret=True,
            title="API token",
            description="Mixmax API token (Settings > Integrations > API). Sent as the "
            "X-API-Token header and never logged; surrounding whitespace is ignored. Required "
            "unless api_tokens is given.",
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
            description="Skip objects created before this moment (RFC 3339, e.g. "
            "2024-01-01T00:00:00Z); older pages are not fetched. Applies to full walks of "
            "cursor collections.",
        ),
        th.Property(
            "page_size",
            th.IntegerType(minimum=1, maximum=MAX_PAGE_SIZE),
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
            th.IntegerType(minimum=0),
            default=24,
            title="Full refresh interval (hours)",
            description="With refresh_changed_objects, a collection whose last complete read "
            "is older than this is read whole again; 0 re-reads on every run.",
        ),
        th.Property(
            "full_refresh_interval_hours_by_stream",
            th.ObjectType(additional_properties=th.IntegerType(minimum=0)),
            default={},
            title="Full refresh interval per stream (hours)",
            description="Overrides full_refresh_interval_hours for the top-level collections "
            'named, e.g. {"sequences": 0} re-reads sequences and all their recipients on every '
            "run while other collections keep the daily refresh. Child streams (such as "
            "sequence_recipients) are re-read with their parent and cannot be named. The "
            "append-only events and unsubscribes are refreshed every 168 hours unless named here.",
        ),
        th.Property(
            "skew_lookback_seconds",
            th.IntegerType(minimum=0, maximum=86_400),
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
                        th.ArrayType(th.StringType(allowed_values=list(values))),
                        description=f"Expansions for {stream}: {', '.join(values)}.",
                    )
                    for stream, values in expansions.items()
                ),
                additional_properties=False,
            ),
            default={},
            title="Expansions",
            description='Expansions to ask for, per stream, e.g. {"sequences": ["stages"], '
            '"contact_groups": ["count"]}.',
        ),
        th.Property(
            "live_feed_search",
            th.StringType,
            title="Live feed search",
            description="A Mixmax live feed search scoping live_feed and live_feed_stats, "
            "e.g. 'from:everyone' for the team feed or 'from:me sent:01/01/2026-06/30/2026'. "
            "Unset: Mixmax's default feed, the user's own sent messages.",
        ),
        th.Property(
            "emit_activate_version_messages",
            th.BooleanType,
            default=False,
            title="Propagate deletions (ACTIVATE_VERSION)",
            description="After each complete read of a whole collection listed in a stable "
            "order (first run, refresh, --full-refresh, and every run of singletons), send "
            "ACTIVATE_VERSION so the target deletes, or marks deleted, rows that Mixmax no "
            "longer returns. Never sent after a poll, an error, a skip, a selection change on "
            "resume, or a read cut by start_date, nor for streams in an order not known stable "
            "(README table). target-postgres also deletes rows of a missing version: keep "
            "tables loaded by other tokens apart.",
        ),
        th.Property(
            "contacts_include_shared",
            th.BooleanType,
            default=True,
            title="Include shared contacts",
            description="Ask /contacts with includeShared=true, so the contacts stream holds every "
            "contact the user can see, those of contact groups shared with them included; "
            "false: only the user's own contacts (Mixmax's default).",
        ),
        th.Property(
            "contacts_with_analytics",
            th.BooleanType,
            default=False,
            title="Contacts with analytics",
            description="Ask /contacts with withAnalytics=true, which fills each contact's "
            "analytics (sent, opened, clicked, replied, ... and percentages); without it the "
            "column stays null. Off by default: Mixmax computes them per contact.",
        ),
        th.Property(
            "undeclared_fields",
            th.StringType(allowed_values=["warn", "keep", "ignore"]),
            title="Undeclared fields",
            description="What to do with properties Mixmax sends that a stream's schema does not "
            "declare. Every run's summary counts them by path either way. warn: leave them out, "
            "warning once per path; keep: keep them, the top-level ones in one JSON object "
            "column per stream (_mixmax_extra), nested ones in place inside their object "
            "column; ignore: leave them out without a warning. Unset: keep for the streams "
            "whose fields are mostly inferred (current_user, meeting_summaries, "
            "meeting_transcripts), warn for every other stream.",
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
            th.IntegerType(minimum=1, maximum=3600),
            default=60,
            title="Request timeout (seconds)",
            description="Seconds one response may take, body included, before it is retried.",
        ),
        th.Property(
            "max_response_bytes",
            th.IntegerType(minimum=1024),
            default=DEFAULT_MAX_RESPONSE_BYTES,
            title="Largest response (bytes)",
            description="The most one response may weigh, decompressed, error answers "
            "included; a larger one stops the run with one line, its state intact. The "
            "default, 64 MiB, holds a full page of 300 objects of over 200 KB each (a message "
            "with a long HTML body), many times what Mixmax's pages weigh, and keeps a "
            "compressed body that inflates to gigabytes from exhausting memory.",
        ),
        th.Property(
            "max_retries",
            th.IntegerType(minimum=0, maximum=20),
            default=5,
            title="Retries",
            description="Retries of a request that failed with a 5xx, a timeout or a dropped "
            "connection, with exponential backoff (at most 60 s a wait). 429s are waited out "
            "separately.",
        ),
        th.Property(
            "max_rate_limit_wait_seconds",
            th.IntegerType(minimum=RATE_WINDOW_SECONDS, maximum=86_400),
            default=300,
            title="Longest rate-limit wait (seconds)",
            description="A Retry-After or rate-limit reset asking for a longer wait than this "
            "stops the run with one line, its state intact, instead of sleeping (Mixmax's "
            "window is 60 s).",
        ),
        th.Property(
            "progress_interval_seconds",
            th.IntegerType(minimum=0),
            default=30,
            title="Progress interval (seconds)",
            description="How often to log records, requests and rate-budget use, also while "
            "waiting for the rate window.",
        ),
        th.Property(
            "log_sdk_metrics",
            th.BooleanType,
            default=False,
            title="Log the SDK's metrics",
            description="Also log singer-sdk's METRIC lines: a request count and a record count "
            "per stream and parent object, and each sync's duration. They count answered "
            "requests only; the tap's own progress and summary lines count every attempt.",
        ),
        th.Property(
            "user_agent",
            th.StringType,
            default=f"tap-mixmax/{__version__}",
            title="User agent",
            description="User-Agent header sent with every request.",
        ),
    ).to_dict()

    # The names the per-stream schedule accepts, advertised without a row per stream.
    schedule = schema["properties"]["full_refresh_interval_hours_by_stream"]
    schedule["propertyNames"] = {"enum": list(refreshable)}
    return schema


def check_settings(
    config: dict[str, Any],
    schema: Mapping[str, Any],
    logger: logging.Logger,
    streams: Iterable[str] = (),
) -> None:
    """Normalise ``config`` in place and refuse settings that cannot work.

    ``schema`` is the full config schema, SDK built-ins included, and ``streams`` the
    tap's stream names, for messages. Raises :class:`SettingsError` naming every problem;
    warns about unknown names.
    """
    _strip_token(config)
    _default_nulls(config, schema)
    known = frozenset(streams)
    problems = [_describe(error, known) for error in _schema_errors(config, schema)]
    problems += _cross_field_problems(config)
    problems = list(dict.fromkeys(problems))  # a format both checks catch is said once
    for name in sorted(set(config) - set(schema.get("properties", {}))):
        if name in REFUSED_SETTINGS:
            problems.append(REFUSED_SETTINGS[name])
        else:
            logger.warning("%s", unknown_setting_line(name, schema["properties"]))
    if problems:
        raise SettingsError("invalid settings: " + "; ".join(problems))


def unknown_setting_line(name: str, valid: Iterable[str]) -> str:
    """A warning about a setting nobody reads, naming the closest real one."""
    close = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"ignoring unknown setting {name!r}{hint}"


def _default_nulls(config: dict[str, Any], schema: Mapping[str, Any]) -> None:
    # The schema lets every optional setting be null, which no code path expects; a
    # null (e.g. an unset value a tool wrote out) means "use the default".
    properties = schema.get("properties", {})
    for name in [key for key, value in config.items() if value is None]:
        if "default" in properties.get(name, {}) or name in SECRET_SETTINGS:
            del config[name]


def _strip_token(config: dict[str, Any]) -> None:
    token = config.get("api_token")
    if isinstance(token, str):
        config["api_token"] = token.strip()
        if not config["api_token"] and config.get("api_tokens") is not None:
            # A Meltano plugin inheriting tap-mixmax blanks the parent's api_token so its
            # own api_tokens apply: an empty api_token beside api_tokens means "not set".
            del config["api_token"]
    tokens = config.get("api_tokens")
    if isinstance(tokens, list):
        config["api_tokens"] = [t.strip() if isinstance(t, str) else t for t in tokens]


def _schema_errors(config: Mapping[str, Any], schema: Mapping[str, Any]) -> list[ValidationError]:
    validator = Draft7Validator(schema, format_checker=FormatChecker())
    return sorted(validator.iter_errors(config), key=lambda error: list(error.path))


def _describe(error: ValidationError, streams: frozenset[str]) -> str:
    """One phrase per schema error, naming the setting, never quoting a secret."""
    path = [str(part) for part in error.absolute_path]
    name = ".".join(path) or "config"
    if error.validator == "required":
        given = error.instance if isinstance(error.instance, dict) else {}
        missing = [key for key in _listed(error.validator_value) if key not in given]
        return f"{', '.join(missing)} is required"
    if path and path[0] in SECRET_SETTINGS:
        # jsonschema's own message quotes the value; say what is expected instead.
        return f"{name} must be a {_type_name(error.validator_value)}" + (
            "" if error.validator == "type" else f" ({error.validator} check failed)"
        )
    if "propertyNames" in error.schema_path:
        return _unschedulable(name, str(error.instance), _listed(error.validator_value), streams)
    if error.validator == "additionalProperties":
        return _unknown_key(name, error)
    if error.validator == "format" and error.validator_value == "date-time":
        return f"{name} must be an RFC 3339 date-time such as 2024-01-01T00:00:00Z"
    if error.validator == "minimum":
        return f"{name} must be {error.validator_value} or more"
    if error.validator == "maximum":
        return f"{name} must be {error.validator_value} or less"
    if error.validator == "enum":
        return f"{name} must be one of {_listed(error.validator_value)}, not {error.instance!r}"
    if error.validator == "type":
        return f"{name} must be a {_type_name(error.validator_value)}, not {error.instance!r}"
    return f"{name}: {error.message}"


def _type_name(value: object) -> str:
    names = [str(name) for name in _listed(value)] or [str(value)]
    return " or ".join(names)


def _listed(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _unschedulable(name: str, stream: str, refreshable: list[Any], streams: frozenset[str]) -> str:
    if stream in streams:
        return (
            f"{name} accepts only top-level collections, not {stream!r}; a child stream is "
            "re-read with its parent"
        )
    close = difflib.get_close_matches(stream, [str(each) for each in refreshable], n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{name} names {stream!r}, which is not a stream{hint}"


def _unknown_key(name: str, error: ValidationError) -> str:
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    allowed = list(schema.get("properties", {}))
    given = error.instance if isinstance(error.instance, dict) else {}
    unknown = sorted(set(given) - set(allowed))
    return f"{name} has unknown keys {unknown}; allowed: {allowed}"


def _cross_field_problems(config: Mapping[str, Any]) -> list[str]:
    problems = []
    token = config.get("api_token")
    tokens = config.get("api_tokens")
    if tokens is not None:
        problems += team_settings_problems(config)
        for position, each in enumerate(tokens if isinstance(tokens, list) else [], start=1):
            if isinstance(each, str) and each:
                problems += _token_problems(each, f"token {position} of api_tokens")
    elif token is None:
        problems.append("api_token is required (or api_tokens, for a team)")
    if isinstance(token, str):
        problems += _token_problems(token)
    url_text = config.get("api_url", DEFAULT_API_URL)
    if isinstance(url_text, str):
        url = urlparse(url_text)
        if url.scheme not in {"https", "http"} or not url.hostname:
            problems.append(f"api_url must be an https URL such as {DEFAULT_API_URL}")
        elif url.scheme == "http" and not is_loopback(url.hostname):
            problems.append(
                "api_url may use plain http only for loopback hosts (127.0.0.1, localhost); "
                "use https for Mixmax"
            )
    start = config.get("start_date")
    if isinstance(start, str) and not _is_rfc3339(start):
        problems.append("start_date must be an RFC 3339 date-time such as 2024-01-01T00:00:00Z")
    agent = config.get("user_agent")
    if isinstance(agent, str) and not _header_safe(agent):
        problems.append("user_agent must be printable latin-1 text without line breaks")
    return problems


def team_settings_problems(config: Mapping[str, Any]) -> list[str]:
    """What makes ``api_tokens`` unusable, each as a sentence naming its fix."""
    tokens = config.get("api_tokens")
    problems = []
    if config.get("api_token"):
        problems.append(
            "give either api_token (one user) or api_tokens (a team), not both: "
            "remove api_token, or add its token to api_tokens"
        )
    if not isinstance(tokens, list) or not tokens:
        problems.append("api_tokens must be a non-empty list of Mixmax API tokens")
    elif not all(isinstance(token, str) and token.strip() for token in tokens):
        problems.append("api_tokens must hold only non-empty token strings")
    elif len(set(tokens)) != len(tokens):
        problems.append("api_tokens lists the same token twice: keep one of each")
    if config.get("emit_activate_version_messages"):
        problems.append(
            "emit_activate_version_messages cannot be used with api_tokens: each user's "
            "complete read would delete the other users' rows; turn it off for team runs"
        )
    return problems


def _token_problems(token: str, name: str = "api_token") -> list[str]:
    fix = "copy it again from Mixmax Settings > Integrations > API"
    if not token:
        return [f"{name} is empty; {fix}"]
    if not _header_safe(token):
        return [f"{name} contains a line break, control or non-latin-1 character; {fix}"]
    if any(char.isspace() for char in token):
        return [f"{name} contains a space; {fix}"]
    return []


def _header_safe(text: str) -> bool:
    """Whether ``text`` can travel in an HTTP header as is."""
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return all(char.isprintable() for char in text)


def _is_rfc3339(text: str) -> bool:
    # jsonschema judges date-times only when an optional package is installed; this
    # check always runs and accepts the ISO text the tap's own time parser accepts.
    return parse_iso(text) is not None
