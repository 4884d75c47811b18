"""The files the tap reads, checked before the SDK sees them.

Each problem is one :class:`InputError` naming the file and what is wrong with it, so a
missing config, a catalog that is not JSON or a state of the wrong shape ends the run
with one line instead of a traceback.

A state file is often a target's output: one state per line, the last one current, and
the last one cut short if the pipeline was killed while writing it. Both a single JSON
document and such a file of lines (each a state object or a ``STATE`` message) are read.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import IO, Any, TextIO

from singer_sdk.singerlib import Catalog

# The most of any input file the tap reads: far more than any config, catalog or state
# holds, and a bound on what a device such as /dev/zero given as a file can cost.
MAX_INPUT_BYTES = 64 * 1024 * 1024


class InputError(ValueError):
    """A file the tap reads is missing or malformed; the message says which and how."""


def read_config_file(path: str) -> dict[str, Any]:
    """A config file's settings, or an :class:`InputError`."""
    document = _parse(_read(Path(path), "config"), f"config file {path}")
    if not isinstance(document, dict):
        msg = f"config file {path} must hold a JSON object of settings, not {_kind(document)}"
        raise InputError(msg)
    return document


def read_catalog(file: TextIO) -> dict[str, Any]:
    """A catalog file as a dict the SDK can load, or an :class:`InputError`."""
    where = f"catalog file {file.name}"
    document = _parse(_read_capped(file, where), where)
    if not isinstance(document, dict) or not isinstance(document.get("streams"), list):
        msg = f"{where} must be a JSON object with a 'streams' array (run --discover for one)"
        raise InputError(msg)
    for index, entry in enumerate(document["streams"]):
        problem = _catalog_entry_problem(entry)
        if problem:
            msg = f"{where}: streams[{index}] {problem} (run --discover for a valid catalog)"
            raise InputError(msg)
    try:
        Catalog.from_dict(document)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        msg = f"{where} is not a Singer catalog ({type(exc).__name__}: {exc})"
        raise InputError(" ".join(msg.split())) from None
    return document


def _catalog_entry_problem(entry: object) -> str | None:
    if not isinstance(entry, dict):
        return f"is {_kind(entry)}, not an object"
    if not isinstance(entry.get("tap_stream_id"), str):
        return "has no 'tap_stream_id' string"
    name = entry["tap_stream_id"]
    if not isinstance(entry.get("schema"), dict):
        return f"({name}) has no 'schema' object"
    metadata = entry.get("metadata", [])
    if not isinstance(metadata, list) or not all(
        isinstance(item, dict)
        and isinstance(item.get("breadcrumb", []), list)
        and isinstance(item.get("metadata", {}), dict)
        for item in metadata
    ):
        return f"({name}) has a 'metadata' that is not a list of {{breadcrumb, metadata}}"
    keys = [entry.get("replication_key")] + [
        item.get("metadata", {}).get("replication-key")
        for item in metadata
        if item.get("breadcrumb") == []
    ]
    fields = entry["schema"].get("properties", {})
    for key in keys:
        if key is not None and key not in fields:
            return f"({name}) names replication key {key!r}, which is not one of its fields"
    return None


def read_state(file: TextIO, logger: logging.Logger) -> dict[str, Any]:
    """The state to resume from, or an :class:`InputError`.

    An empty file is no state, with a warning: it is what ``--state s.json > s.json``
    or a failed pipeline leaves behind.
    """
    where = f"state file {file.name}"
    text = _read_capped(file, where)
    if not text.strip():
        logger.warning("%s is empty: starting without state (every stream reads whole)", where)
        return {}
    try:
        document = _loads(text)
    except ValueError:
        document = _last_state_line(text, where, logger)
    state = _unwrap(document, where)
    check_state_shape(state, where)
    return state


def _last_state_line(text: str, where: str, logger: logging.Logger) -> Any:  # noqa: ANN401
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        return _loads(lines[-1])
    except ValueError as exc:
        if len(lines) == 1:
            msg = f"{where} is not JSON ({exc}); use a state the tap or a target wrote"
            raise InputError(msg) from None
    try:
        document = _loads(lines[-2])
    except ValueError:
        msg = f"{where}: neither of its last two lines is JSON; use a state a target wrote"
        raise InputError(msg) from None
    logger.warning(
        "%s: its last line is cut off (not JSON); resuming from the line before it", where
    )
    return document


def _unwrap(document: object, where: str) -> dict[str, Any]:
    if isinstance(document, dict) and document.get("type") == "STATE":
        document = document.get("value")
    if not isinstance(document, dict):
        msg = f"{where} must hold a state object, not {_kind(document)}"
        raise InputError(msg)
    return document


def check_state_shape(state: dict[str, Any], where: str) -> None:
    """Refuse a state the SDK would crash on or misread."""
    bookmarks = state.get("bookmarks", {})
    if not isinstance(bookmarks, dict):
        msg = f"{where}: 'bookmarks' must be an object of streams, not {_kind(bookmarks)}"
        raise InputError(msg)
    for stream, stream_state in bookmarks.items():
        if not isinstance(stream_state, dict):
            msg = f"{where}: bookmarks.{stream} must be an object, not {_kind(stream_state)}"
            raise InputError(msg)
        partitions = stream_state.get("partitions", [])
        if not isinstance(partitions, list) or not all(
            isinstance(part, dict) and isinstance(part.get("context", {}), dict)
            for part in partitions
        ):
            msg = (
                f"{where}: bookmarks.{stream}.partitions must be a list of objects "
                "with a 'context' object"
            )
            raise InputError(msg)


def _read(path: Path, what: str) -> str:
    where = f"{what} file {path}"
    try:
        with path.open("rb") as file:
            return _read_capped(file, where)
    except FileNotFoundError:
        msg = f"{where} does not exist"
    except IsADirectoryError:
        msg = f"{where} is a folder, not a file"
    except OSError as exc:
        msg = f"{where} cannot be read ({exc.strerror})"
    raise InputError(msg)


def _read_capped(file: IO[Any], where: str) -> str:
    """The file's text, whatever the file is (a pipe, a FIFO, a device): at most
    ``MAX_INPUT_BYTES``, UTF-8, or an :class:`InputError` naming the file."""
    raw = getattr(file, "buffer", file)
    try:
        data = raw.read(MAX_INPUT_BYTES + 1)
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        msg = f"{where} is not UTF-8 text"
    except OSError as exc:
        msg = f"{where} cannot be read ({exc.strerror})"
    else:
        if len(data) <= MAX_INPUT_BYTES:
            return str(text)
        msg = f"{where} is larger than {MAX_INPUT_BYTES:,} bytes: is it the right file?"
    raise InputError(msg)


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        msg = f"the number {text[:20]} is too large for a float"
        raise ValueError(msg)
    return number


def _no_constant(name: str) -> Any:  # noqa: ANN401 - json's parse_constant hook
    msg = f"{name} is not a JSON number"
    raise ValueError(msg)


def _loads(text: str) -> Any:  # noqa: ANN401 - any JSON document
    """Strict JSON: no NaN or Infinity, no number too large for a float, bounded depth."""
    try:
        return json.loads(text, parse_float=_finite, parse_constant=_no_constant)
    except RecursionError:
        msg = "it is nested too deeply"
        raise ValueError(msg) from None


def _parse(text: str, where: str) -> Any:  # noqa: ANN401 - any JSON document
    try:
        return _loads(text)
    except ValueError as exc:
        problem = "is empty" if not text.strip() else f"is not JSON ({exc})"
        raise InputError(f"{where} {problem}") from None


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number"
    )
