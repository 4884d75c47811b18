"""A whole team in one run: several Mixmax tokens read concurrently, one Singer output.

Mixmax's rate limit is per user, so N tokens read N times as fast together. The parent
process asks ``/users/me`` for each token, then runs this same tap once per token as a
child process (one single-token config each, that user's slice of the state, and the user
id in ``MIXMAX_TEAM_USER_ID``) and merges their stdout:

* whole lines only, one writer, so Singer messages are never interleaved;
* SCHEMA once per stream; RECORDs as they come (each carries ``_mixmax_user_id``);
* STATE: each child's bookmarks are kept under ``bookmarks.<stream>.users.<user id>``. A
  child writes a STATE only after the records it covers, and the parent writes every line
  of a child in the child's order, so the merged STATE written after a child's STATE
  covers only records already written, for every user in it.

A token refused (401), or a child failing for any other reason, costs that user only:
the others finish, their state is kept, and the run exits 1 at the end with one warning
line naming the user (never the token).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import IO, Any

import requests

from tap_mixmax.transport import DeadlineSession
from tap_mixmax.user_column import TEAM_USER_ENV

USERS_KEY = "users"
# Exit code of a run whose settings cannot work (the same as click's usage errors).
SETTINGS_EXIT = 2
# Waits for /users/me answered 429 before a token's user is given up for this run.
MAX_IDENTIFY_WAITS = 10
_PR_SET_PDEATHSIG = 1


class TeamSettingsError(ValueError):
    """``api_tokens`` cannot work as given."""


@dataclass
class Member:
    """One token of the team and the user it belongs to."""

    token: str = field(repr=False)
    user_id: str
    label: str
    records: int = 0
    returncode: int | None = None


def settings_problems(config: Mapping[str, Any]) -> list[str]:
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


def check_team_settings(config: Mapping[str, Any]) -> None:
    """Raise ``TeamSettingsError`` naming every problem of a team's settings."""
    problems = settings_problems(config)
    if problems:
        raise TeamSettingsError("; ".join(problems))


def run_team(
    config: Mapping[str, Any],
    state: dict[str, Any],
    catalog: Mapping[str, Any] | None,
    logger: logging.Logger,
    out: IO[str] | None = None,
) -> int:
    """Read every token's data, write one merged Singer stream; return the exit code."""
    check_team_settings(config)
    started = time.monotonic()
    members, failed = identify(config, logger)
    merger = Merger(state, members, out or sys.stdout, logger, config)
    if members:
        merger.run(catalog)
    failed += merger.failures()
    merger.summary(time.monotonic() - started, failed)
    return 1 if failed else 0


# -- who each token is ---------------------------------------------------------------


def identify(config: Mapping[str, Any], logger: logging.Logger) -> tuple[list[Member], int]:
    """The team's users, from one ``/users/me`` per token; and how many were refused."""
    session = DeadlineSession.for_settings(config)
    members: list[Member] = []
    refused = 0
    seen: set[str] = set()
    for position, token in enumerate(config["api_tokens"], start=1):
        response = users_me(session, config, token)
        if response.status_code == HTTPStatus.UNAUTHORIZED:
            refused += 1
            logger.warning(
                "team: Mixmax refused token %d of api_tokens (HTTP 401); skipping that user, "
                "reading the others",
                position,
            )
            continue
        if response.status_code != HTTPStatus.OK:
            msg = (
                f"/users/me answered HTTP {response.status_code} for token {position} of "
                "api_tokens; check api_url and run again"
            )
            raise requests.HTTPError(msg)
        body = response.json()
        user_id = str(body.get("_id") or "")
        if not user_id:
            msg = f"/users/me sent no _id for token {position} of api_tokens"
            raise requests.HTTPError(msg)
        if user_id in seen:
            logger.warning(
                "team: token %d of api_tokens belongs to a user already in the team (%s); "
                "reading that user once",
                position,
                user_id,
            )
            continue
        seen.add(user_id)
        label = str(body.get("email") or user_id)
        members.append(Member(token, user_id, label))
    return members, refused


def users_me(session: requests.Session, config: Mapping[str, Any], token: str) -> requests.Response:
    """``GET /users/me`` for ``token``, waiting out 429s as Retry-After asks."""
    url = str(config["api_url"]).rstrip("/") + "/users/me"
    headers = {"X-API-Token": token, "User-Agent": str(config.get("user_agent", "tap-mixmax"))}
    timeout = float(config.get("request_timeout", 60))
    for _ in range(MAX_IDENTIFY_WAITS):
        response = session.get(url, headers=headers, timeout=timeout)
        if response.status_code != HTTPStatus.TOO_MANY_REQUESTS:
            return response
        time.sleep(_retry_after(response))
    return response


def _retry_after(response: requests.Response) -> float:
    try:
        return max(float(response.headers.get("Retry-After", "1")), 0.0)
    except ValueError:
        return 1.0


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


# -- the children and the one writer -------------------------------------------------


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """A child must not read on after its parent was killed: nobody would keep its output."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class Merger:
    """Runs one child tap per member and writes their messages as one Singer stream."""

    def __init__(
        self,
        state: dict[str, Any],
        members: list[Member],
        out: IO[str],
        logger: logging.Logger,
        config: Mapping[str, Any],
    ) -> None:
        # Merged in place: the tap's own state dict is what the SDK writes if the run is
        # stopped by a signal, so it must be the newest merged state, not the input.
        self.state = state
        self.state.setdefault("bookmarks", {})
        self.members = members
        self.out = out
        self.logger = logger
        self.config = config
        self.schemas_sent: set[str] = set()
        self.lines: queue.Queue[tuple[Member, str | None]] = queue.Queue(maxsize=10_000)
        self.stderr_lock = threading.Lock()
        self._last_state = ""
        self.interval = float(config.get("progress_interval_seconds", 30))

    def run(self, catalog: Mapping[str, Any] | None) -> None:
        with tempfile.TemporaryDirectory(prefix="tap-mixmax-team-") as folder:
            processes = [self._start(member, Path(folder), catalog) for member in self.members]
            threads = [
                threading.Thread(target=self._pump, args=(member, process), daemon=True)
                for member, process in zip(self.members, processes, strict=True)
            ]
            threads += [
                threading.Thread(target=self._relay_stderr, args=(member, process), daemon=True)
                for member, process in zip(self.members, processes, strict=True)
            ]
            for thread in threads:
                thread.start()
            self._write_all(len(processes))
            for member, process in zip(self.members, processes, strict=True):
                member.returncode = process.wait()
            for thread in threads:
                thread.join()
        self._write_state()

    def _start(
        self, member: Member, folder: Path, catalog: Mapping[str, Any] | None
    ) -> subprocess.Popen[str]:
        config = {k: v for k, v in self.config.items() if k != "api_tokens"}
        config["api_token"] = member.token
        own = folder / member.user_id
        own.mkdir(mode=0o700)
        state_path = own / "state.json"
        state_path.write_text(json.dumps(user_state(self.state, member.user_id)))
        command = [sys.executable, "-m", "tap_mixmax", "--state", str(state_path)]
        if catalog is not None:
            catalog_path = own / "catalog.json"
            catalog_path.write_text(json.dumps(catalog))
            command += ["--catalog", str(catalog_path)]
        # The token goes through a pipe, never a file on disk or the command line.
        read_end, write_end = os.pipe()
        command += ["--config", f"/dev/fd/{read_end}"]
        with os.fdopen(write_end, "w") as pipe:
            pipe.write(json.dumps(config))
        env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_MIXMAX_")}
        env[TEAM_USER_ENV] = member.user_id
        try:
            return subprocess.Popen(  # noqa: S603 - this same tap, by its own interpreter
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                text=True,
                env=env,
                pass_fds=(read_end,),
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
            )
        finally:
            os.close(read_end)

    def _pump(self, member: Member, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.put((member, line))
        self.lines.put((member, None))

    def _relay_stderr(self, member: Member, process: subprocess.Popen[str]) -> None:
        assert process.stderr is not None
        for line in process.stderr:
            with self.stderr_lock:
                sys.stderr.write(f"[user {member.label}] {line}")
                sys.stderr.flush()

    def _write_all(self, open_children: int) -> None:
        next_report = time.monotonic() + self.interval
        while open_children:
            member, line = self.lines.get()
            if line is None:
                open_children -= 1
                continue
            self._write(member, line)
            if time.monotonic() >= next_report:
                next_report = time.monotonic() + self.interval
                self.logger.info("team progress: %s", self._counts())

    def _write(self, member: Member, line: str) -> None:
        if line.startswith('{"type":"RECORD"'):
            member.records += 1
            self.out.write(line)
            return
        try:
            message = json.loads(line)
        except ValueError:
            self.logger.warning(
                "team: user %s wrote a line that is not JSON; dropped", member.label
            )
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "STATE":
            merge_user_state(self.state, member.user_id, message.get("value") or {})
            self._write_state()
            return
        if kind == "SCHEMA":
            if message.get("stream") in self.schemas_sent:
                return
            self.schemas_sent.add(str(message.get("stream")))
        elif kind == "RECORD":
            member.records += 1
        self.out.write(line if line.endswith("\n") else line + "\n")

    def _write_state(self) -> None:
        text = json.dumps({"type": "STATE", "value": self.state}, separators=(",", ":"))
        if text != self._last_state:
            self._last_state = text
            self.out.write(text + "\n")
        self.out.flush()

    def failures(self) -> int:
        """Warn once per user whose child failed; return how many did."""
        failed = 0
        session = DeadlineSession.for_settings(self.config)
        for member in self.members:
            if member.returncode == 0:
                continue
            failed += 1
            refused = _still_refused(session, self.config, member.token)
            why = (
                "Mixmax refused this user's token (HTTP 401) during the run"
                if refused
                else f"its read failed (exit {member.returncode}; see its lines above)"
            )
            self.logger.warning(
                "team: user %s: %s; its bookmarks stay where its data was complete, the "
                "other users finished",
                member.label,
                why,
            )
        return failed

    def _counts(self) -> str:
        parts = [f"{member.label} {member.records}" for member in self.members]
        total = sum(member.records for member in self.members)
        return f"{total} records ({', '.join(parts)})"

    def summary(self, seconds: float, failed: int) -> None:
        users = len(self.members)
        self.logger.info(
            "team summary: %d users read, %d failed or refused, %s, %.1f s",
            users - sum(1 for m in self.members if m.returncode not in (0, None)),
            failed,
            self._counts(),
            seconds,
        )


def _still_refused(session: requests.Session, config: Mapping[str, Any], token: str) -> bool:
    try:
        return users_me(session, config, token).status_code == HTTPStatus.UNAUTHORIZED
    except requests.RequestException:
        return False
