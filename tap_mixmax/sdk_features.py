"""Where the SDK's built-in features need the tap's help: flattening, the catalog of
kept undeclared properties, and ``--test``.

Kept undeclared properties: a stream that keeps them writes a ``_mixmax_extra`` column,
which a catalog discovered with other settings does not declare; the SDK's SCHEMA
message comes from the catalog, so the column is added to it before the mapper reads it.

Flattening: singer-sdk 0.54 writes every object or array it does not flatten further into
the record as a JSON string, but for a property declared with ``anyOf`` (``sequences.stages``,
``snippet_tags.shared``) the flattened schema keeps the first alternative's ``array`` or
``object`` type. Each such record would then contradict its own SCHEMA message, so the
flattened schemas are corrected to say ``string`` wherever the SDK sends JSON text.

``--test``: the SDK's dry run reads one record of every stream, aborts each cursor stream
with an exception it logs as "An unhandled error occurred", sends empty schemas for the
streams the default catalog leaves unselected, and exits 0 whatever happened. The tap's
``--test`` instead asks Mixmax for the token's user (one request, ``/users/me``): it checks
the URL, the connection and the token, writes nothing to stdout, and exits 0 or 1 with
one log line saying which.
``--test=schema`` writes every stream's full schema and makes no request.

The SDK's log lines get the tap's help in sdk_logs.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import click
from singer_sdk.singerlib import Catalog, Schema
from singer_sdk.tap_base import CliTestOptionValue

from tap_mixmax.conform import types_of, with_extra_column
from tap_mixmax.exits import EXIT_FAILED, exit_code

if TYPE_CHECKING:
    from singer_sdk import Tap
    from singer_sdk.mapper import PluginMapper

CONNECTION_TEST_STREAM = "current_user"
NESTED_TYPES = frozenset({"object", "array"})


def as_sent_when_flattened(schema: dict[str, Any]) -> dict[str, Any]:
    """A flattened property's schema as its values arrive: objects and arrays as JSON text."""
    kinds = types_of(schema)
    if not NESTED_TYPES & set(kinds):
        return schema
    return {"type": ["string", "null"] if "null" in kinds else "string"}


def correct_flattened_schemas(mapper: PluginMapper) -> None:
    """Make every flattening stream map announce the types its records carry."""
    for stream_maps in mapper.stream_maps.values():
        for stream_map in stream_maps:
            if not stream_map.flattening_enabled:
                continue
            schema = dict(stream_map.transformed_schema)
            schema["properties"] = {
                name: as_sent_when_flattened(prop)
                for name, prop in schema.get("properties", {}).items()
            }
            stream_map.transformed_schema = schema


def declare_kept_extras(catalog: Catalog, streams: Mapping[str, Any]) -> None:
    """Declare ``_mixmax_extra`` in the catalog of every stream that keeps undeclared
    properties, so its SCHEMA message announces the column even when the catalog was
    discovered with other settings."""
    for entry in catalog.streams:
        stream = streams.get(entry.tap_stream_id)
        if getattr(stream, "undeclared_fields", None) != "keep":
            continue
        schema = entry.schema.to_dict()
        widened = with_extra_column(schema)
        if widened is not schema:
            entry.schema = Schema.from_dict(widened)


def select_everything(catalog: dict[str, Any]) -> dict[str, Any]:
    """``catalog`` with every stream and property selected (for ``--test=schema``)."""
    for entry in catalog.get("streams", []):
        for item in entry.get("metadata", []):
            item.setdefault("metadata", {})["selected"] = True
    return catalog


def describe_test_option(command: click.Command) -> click.Command:
    """Say in ``--help`` what the tap's ``--test`` does."""
    for param in command.params:
        if param.name == "test" and isinstance(param, click.Option):
            param.help = (
                "Use --test to check api_url and api_token with one request (/users/me); "
                "exit 0 if Mixmax answered, 1 with the reason if not. Use --test=schema "
                "to write every stream's schema without any request."
            )
    return command


def run_test(
    tap_class: type[Tap],
    config: Any,  # noqa: ANN401 - whatever the SDK's --config option parsed
    *,
    parse_env: bool,
    mode: str,
    describe: Callable[[BaseException], str],
) -> int:
    """``--test`` and ``--test=schema``; the exit code, after one ERROR line on failure."""
    try:
        if mode == CliTestOptionValue.Schema.value:
            probe = tap_class(config=config, parse_env_config=parse_env, setup_mapper=False)
            catalog = select_everything(probe.catalog_dict)
            tap = tap_class(config=config, parse_env_config=parse_env, catalog=catalog)
            tap.write_schemas()
            return 0
        tap = tap_class(config=config, parse_env_config=parse_env, validate_config=True)
        # The records themselves, not Stream.sync: a refused token is then this test's
        # answer rather than a failed sync the SDK reports as an unhandled error.
        user = next(iter(tap.streams[CONNECTION_TEST_STREAM].get_records(None)), None)
    except Exception as exc:
        tap_class.logger.error("connection test failed: %s", describe(exc))  # noqa: TRY400
        tap_class.logger.debug("connection test failure", exc_info=True)
        return exit_code(exc) or EXIT_FAILED
    api_url = str(tap.config.get("api_url", "")).rstrip("/")
    if not isinstance(user, dict) or not user.get("_id"):
        tap_class.logger.error("connection test failed: %s/users/me returned no user", api_url)
        return 1
    tap_class.logger.info(
        "connection test passed: %s/users/me accepted the token (user %s)", api_url, user["_id"]
    )
    return 0
