"""Whose state it is: the Mixmax user whose token wrote a single-token state.

Mixmax's cursors point into one user's view of a collection. Another user's token polled
from them reads nothing of its own (its objects lie below the cursors) and moves the
bookmarks on, so a state is kept for one user: its top-level ``mixmax_user_id`` names
the user (``/users/me``'s ``_id``) whose run wrote it. A run whose token belongs to
another user refuses the state before any stream reads it. A state without the key (one
set by hand, or written by a run that learnt no user) is accepted and gets the
key as soon as the run knows its user.

A team run keeps each user's bookmarks under ``bookmarks.<stream>.users.<user id>``
(``tap_mixmax.team``) and hands each child its own slice, which that child then stamps
with the same user id: the key and the team's per-user layout always agree.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from tap_mixmax.inputs import InputError

STATE_USER_KEY = "mixmax_user_id"


class StateOwnerError(InputError):
    """The state was written for another Mixmax user than this run's token."""

    def __init__(self, owner: str, user: str) -> None:
        super().__init__(
            f"the state was written for Mixmax user {owner}, but api_token belongs to user "
            f"{user}; start this user with a new state, or clear it (`meltano state clear "
            "<state id>`), or run with `--full-refresh`"
        )


def state_owner(state: MutableMapping[str, Any]) -> str | None:
    """The user id a state records, if it records one."""
    owner = state.get(STATE_USER_KEY)
    return owner if isinstance(owner, str) and owner else None


def claim_state(state: MutableMapping[str, Any], user_id: str) -> None:
    """Record ``user_id`` as the state's user, refusing a state of another user."""
    owner = state_owner(state)
    if owner is not None and owner != user_id:
        raise StateOwnerError(owner, user_id)
    state[STATE_USER_KEY] = user_id
