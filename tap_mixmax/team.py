"""A whole team in one run: several Mixmax tokens read concurrently, one Singer output.

Mixmax's rate limit is per user, so N tokens read N times as fast together. The command
line's front door (``TapMixmax.invoke``) sends a config with ``api_tokens`` here instead
of to a tap. For each token this module makes an ordinary single-token ``TapMixmax`` (it
never sees ``api_tokens``) and runs it in a thread of this one process: a user spends
nearly all its time waiting on its own rate window, so threads read the users
concurrently while memory grows by one tap object per user, not one process.

* **Who each token is**: every member asks ``/users/me`` through its tap's one request
  path (``user_column.ask_user_id``), so the rate budget, the response deadline, the
  retries and the Retry-After rules are those of every other request. A token whose
  ``/users/me`` fails for any reason after those retries costs that user only: one warning,
  the others are read, and the run exits 1 at the end.
* **Output**: every member's messages go into one block writer under one lock, so
  lines are never interleaved; SCHEMA once per stream; RECORDs as they come (each
  carries ``_mixmax_user_id``).
* **STATE**: a member's STATE is not written; it is copied into the team state under
  ``bookmarks.<stream>.users.<user id>``. The complete merged state is written at most
  once per ``progress_interval_seconds`` and at the end, always after the records it
  covers (they went into the same writer first), so a target keeping only the newest
  STATE has the whole team's, and a run killed at any moment repeats at most one
  interval's reads of each user.
* **Server data is untrusted**: user ids and e-mails are only state keys, record values
  and escaped log text, never a path.
"""

from __future__ import annotations

import copy
import logging
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib.encoding.simple import (
    Message,
    RecordMessage,
    SchemaMessage,
    StateMessage,
)

from tap_mixmax.errors import TokenRefusedError, hide_in_logs
from tap_mixmax.exits import TERMINATING_SIGNALS, failure_line, handle_stops, on_signal
from tap_mixmax.pagination import ProtocolError
from tap_mixmax.settings import check_settings
from tap_mixmax.user_column import ask_user_id

if TYPE_CHECKING:
    from tap_mixmax.tap import TapMixmax

USERS_KEY = "users"
BLOCK_BYTES = 64 * 1024
DEFAULT_INTERVAL_SECONDS = 30.0
# Log text taken from a server is cut to this many characters.
MAX_SHOWN_CHARS = 120


def shown(text: object, limit: int = MAX_SHOWN_CHARS) -> str:
    """``text`` (from a server) safe for one log line: control characters escaped, cut short."""
    value = str(text)
    if len(value) > limit:
        value = value[:limit] + "..."
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in value)


# -- state ---------------------------------------------------------------------------


def user_state(state: Mapping[str, Any], user_id: str) -> dict[str, Any]:
    """The single-token state of one user, cut from the team state."""
    bookmarks = {}
    for stream, entry in dict(state.get("bookmarks") or {}).items():
        users = entry.get(USERS_KEY) if isinstance(entry, dict) else None
        if isinstance(users, dict) and isinstance(users.get(user_id), dict):
            bookmarks[stream] = users[user_id]
    return {"bookmarks": bookmarks}


def merge_user_state(team: dict[str, Any], user_id: str, state: Mapping[str, Any]) -> None:
    """Put one user's single-token state into the team state, leaving the others as they are."""
    bookmarks = team.setdefault("bookmarks", {})
    for stream, entry in dict(state.get("bookmarks") or {}).items():
        slot = bookmarks.setdefault(stream, {})
        slot.setdefault(USERS_KEY, {})[user_id] = entry


# -- the one output ------------------------------------------------------------------


class TeamOutput:
    """Every member's messages as one Singer stream, and the merged STATE on a cadence."""

    def __init__(self, state: dict[str, Any], out: BinaryIO, interval: float) -> None:
        self.state = state
        self.state.setdefault("bookmarks", {})
        self.interval = interval
        self._out = out
        # Re-entrant: a signal handler running on the main thread may write the state
        # while that thread is inside a write.
        self._lock = threading.RLock()
        self._block = bytearray()
        self._encoder = MsgSpecWriter()
        self._schemas: set[str] = set()
        self._dirty = False
        self._last_state: bytes = b""
        self._next_state_at = time.monotonic() + interval

    def write(self, message: Message) -> None:
        """One member's RECORD, SCHEMA or other message, in the order it came."""
        with self._lock:
            if isinstance(message, SchemaMessage):
                if message.stream in self._schemas:
                    return
                self._schemas.add(message.stream)
            # Under the lock: the SDK's msgspec encoder writes into one shared buffer.
            self._block += self._encoder.format_message(message)
            if len(self._block) >= BLOCK_BYTES:
                self._flush()

    def member_state(self, user_id: str, value: Mapping[str, Any]) -> None:
        """A member's STATE: merged now, written with the others when the cadence says."""
        with self._lock:
            merge_user_state(self.state, user_id, value)
            self._dirty = True
            if time.monotonic() >= self._next_state_at:
                self._write_state()

    def tick(self) -> None:
        """Write the merged state if a member's changed it and an interval has passed."""
        with self._lock:
            if self._dirty and time.monotonic() >= self._next_state_at:
                self._write_state()

    def finish(self) -> None:
        """Write the merged state (unless it was just written) and everything before it."""
        with self._lock:
            self._write_state()

    def _write_state(self) -> None:
        self._next_state_at = time.monotonic() + self.interval
        self._dirty = False
        line = bytes(self._encoder.format_message(StateMessage(value=self.state)))
        if line != self._last_state:
            self._last_state = line
            self._block += line
        self._flush()

    def _flush(self) -> None:
        if self._block:
            block, self._block = self._block, bytearray()
            self._out.write(block)
        self._out.flush()


class MemberWriter(MsgSpecWriter):
    """A member tap's message writer: its messages into the team output, its STATE merged."""

    def __init__(self, output: TeamOutput) -> None:
        super().__init__()
        self.output = output
        self.user_id: str | None = None
        self.records = 0

    def write_message(self, message: Message) -> None:
        if isinstance(message, StateMessage):
            if self.user_id is not None:
                # A copy: the tap goes on changing its state dict after this message.
                value = copy.deepcopy(message.value)
                self.output.member_state(self.user_id, value)
            return
        if isinstance(message, RecordMessage):
            self.records += 1
        self.output.write(message)


# -- the members ---------------------------------------------------------------------


@dataclass
class Member:
    """One token of the team, its tap, and the user it belongs to."""

    position: int
    token: str = field(repr=False)
    writer: MemberWriter
    tap: TapMixmax | None = None
    user_id: str = ""
    label: str = ""
    failure: str | None = None

    @property
    def records(self) -> int:
        return self.writer.records


_prefix = threading.local()


@contextmanager
def log_prefix(text: str) -> Iterator[None]:
    """Start every log line this thread writes with ``text``."""
    _prefix.text = text
    try:
        yield
    finally:
        _prefix.text = ""


@contextmanager
def prefixed_logs() -> Iterator[None]:
    """Let ``log_prefix`` mark each member's log lines for the length of a team run."""
    factory = logging.getLogRecordFactory()

    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:  # noqa: ANN401
        record = factory(*args, **kwargs)
        text = getattr(_prefix, "text", "")
        if text:
            escaped = text.replace("%", "%%") if record.args else text
            # The template as logged, for filters that match it (sdk_logs.py).
            record.unprefixed_msg = record.msg
            record.msg = f"{escaped}{record.msg}"
        return record

    logging.setLogRecordFactory(make)
    try:
        yield
    finally:
        logging.setLogRecordFactory(factory)


class Team:
    """Runs one single-token tap per member in threads and merges their output."""

    def __init__(
        self,
        tap_class: type[TapMixmax],
        config: Mapping[str, Any],
        state: dict[str, Any],
        catalog: Mapping[str, Any] | None,
        out: BinaryIO,
    ) -> None:
        self.tap_class = tap_class
        self.logger = tap_class.logger
        self.catalog = None if catalog is None else dict(catalog)
        interval = float(config.get("progress_interval_seconds", DEFAULT_INTERVAL_SECONDS))
        self.output = TeamOutput(state, out, interval)
        # Only settings a tap reads: the front door has warned once about any others.
        known = tap_class.config_jsonschema.get("properties", {})
        self.member_config = {k: v for k, v in config.items() if k in known and k != "api_tokens"}
        self.members = [
            Member(position, token, MemberWriter(self.output))
            for position, token in enumerate(config["api_tokens"], start=1)
        ]

    def run(self) -> int:
        """Identify every token, read every user; return the exit code."""
        started = time.monotonic()
        with prefixed_logs():
            with ThreadPoolExecutor(max_workers=len(self.members)) as pool:
                list(pool.map(self._identify, self.members))
            readers = self._readers()
            threads = [
                threading.Thread(target=self._read, args=(member,), daemon=True)
                for member in readers
            ]
            for thread in threads:
                thread.start()
            self._wait(threads)
        self.output.finish()
        failed = [member for member in self.members if member.failure is not None]
        for member in failed:
            if member.user_id:
                self.logger.warning("team: user %s: %s", member.label, member.failure)
        self.logger.info(
            "team summary: %d users read, %d failed or refused, %s, %.1f s",
            len(readers) - sum(1 for member in readers if member.failure is not None),
            len(failed),
            self._counts(readers),
            time.monotonic() - started,
        )
        for level, line in undeclared_totals(readers):
            self.logger.log(level, "team summary: %s", line)
        if failed:
            self.logger.error(
                "team: %d of %d users failed (each named above); the others' records and "
                "state were written",
                len(failed),
                len(self.members),
            )
        return 1 if failed else 0

    def _identify(self, member: Member) -> None:
        with log_prefix(f"[token {member.position}] "):
            try:
                config = dict(self.member_config, api_token=member.token)
                tap = self.tap_class(
                    config=config, catalog=self.catalog, message_writer=member.writer
                )
                user_id = ask_user_id(tap.streams["current_user"])
                if user_id is None:
                    msg = "Mixmax sent no user _id"
                    raise ProtocolError(msg)  # noqa: TRY301 - reported below like any failure
            except Exception as exc:  # any failure costs this user only
                member.failure = _why(exc, member.position)
                self.logger.warning(
                    "team: %s; skipping that user, reading the others", member.failure
                )
                return
        member.tap, member.user_id = tap, user_id
        me = tap.run_context.connection.users_me or {}
        member.label = shown(me.get("email") or user_id)
        tap.run_context.connection.user_id = user_id
        member.writer.user_id = user_id

    def _readers(self) -> list[Member]:
        """The identified members, each user once."""
        seen: set[str] = set()
        readers = []
        for member in self.members:
            if member.tap is None:
                continue
            if member.user_id in seen:
                self.logger.warning(
                    "team: token %d of api_tokens belongs to a user already in the team "
                    "(%s); reading that user once",
                    member.position,
                    member.label,
                )
                continue
            seen.add(member.user_id)
            readers.append(member)
        return readers

    def _read(self, member: Member) -> None:
        assert member.tap is not None
        with log_prefix(f"[user {member.label}] "):
            try:
                member.tap.load_state(user_state(self.output.state, member.user_id))
                member.tap.sync_all()
            except Exception as exc:  # any failure costs this user only
                member.failure = _why(exc)

    def _wait(self, threads: list[threading.Thread]) -> None:
        """Join the readers, writing the merged state and a progress line on the cadence."""
        interval = self.output.interval
        next_report = time.monotonic() + interval
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=min(max(interval, 0.05), 1.0))
                self.output.tick()
                if time.monotonic() >= next_report:
                    next_report = time.monotonic() + interval
                    self.logger.info("team progress: %s", self._counts(self.members))

    @staticmethod
    def _counts(members: list[Member]) -> str:
        total = sum(member.records for member in members)
        parts = [f"{member.label} {member.records}" for member in members if member.label]
        return f"{total} records ({', '.join(parts)})"


def undeclared_totals(members: list[Member]) -> list[tuple[int, str]]:
    """The team's undeclared properties, one line per stream and path: how many records
    carried it over every user, and how many users' records did. WARNING where a user's
    stream leaves them out and warns (``undeclared_fields: warn``), else INFO."""
    records: Counter[tuple[str, str]] = Counter()
    users: Counter[tuple[str, str]] = Counter()
    warned: set[tuple[str, str]] = set()
    for member in members:
        conformers = member.tap.run_context.conformers.values() if member.tap else ()
        for conformer in conformers:
            for path, count in conformer.undeclared.items():
                key = (conformer.stream, path)
                records[key] += count
                users[key] += 1
                if conformer.undeclared_mode == "warn":
                    warned.add(key)
    return [
        (
            logging.WARNING if key in warned else logging.INFO,
            f"{key[0]}: undeclared property '{key[1]}' in {records[key]} record(s) "
            f"of {users[key]} user(s)",
        )
        for key in sorted(records)
    ]


def _why(exc: BaseException, position: int | None = None) -> str:
    """Why a member failed, for one log line (server text escaped): at ``/users/me``, its
    token named by ``position``, or during its read."""
    line = shown(failure_line(exc), limit=4 * MAX_SHOWN_CHARS)
    refused = isinstance(exc, TokenRefusedError)
    if position is None:
        if refused:
            return "Mixmax refused this user's token (HTTP 401) during the run"
        return f"its read failed: {line}"
    token = f"token {position} of api_tokens"
    return (
        f"Mixmax refused {token} (HTTP 401)" if refused else f"/users/me failed for {token}: {line}"
    )


@contextmanager
def _stop_writes_state(output: TeamOutput) -> Iterator[None]:
    """SIGINT and SIGTERM end the run after writing the merged state of what was sent."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.getsignal(number) for number in TERMINATING_SIGNALS}
    handle_stops(on_signal(output.finish))
    try:
        yield
    finally:
        for number, handler in previous.items():
            with suppress(TypeError, ValueError):
                signal.signal(number, handler)


def run_team(
    tap_class: type[TapMixmax],
    config: Mapping[str, Any],
    state: dict[str, Any],
    catalog: Mapping[str, Any] | None,
    out: BinaryIO | None = None,
) -> int:
    """Read every token's user, write one merged Singer stream; return the exit code.

    Raises ``SettingsError`` naming every problem of ``config`` before any request.
    """
    config = dict(config)
    tokens = config.get("api_tokens")
    for token in tokens if isinstance(tokens, list) else []:
        hide_in_logs(token)
    schema = tap_class.config_jsonschema
    tap_class.append_builtin_config(schema)
    check_settings(config, schema, tap_class.logger, tap_class.stream_names)
    team = Team(tap_class, config, state, catalog, out or sys.stdout.buffer)
    with _stop_writes_state(team.output):
        return team.run()
