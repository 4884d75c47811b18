"""The HTTP side every stream of a run shares: one session, one token, one rate budget.

Nothing here knows about records, progress or the message writer (run_context.py), so the
request path can be read, tested and reused (team mode's ``/users/me``) on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from singer_sdk.authenticators import APIKeyAuthenticator

from tap_mixmax.budget import RateBudget
from tap_mixmax.transport import DeadlineSession


@dataclass
class MixmaxConnection:
    """One session, one token, one rate budget, and what the token's user is."""

    session: requests.Session
    authenticator: APIKeyAuthenticator
    budget: RateBudget
    api_url_confirmed: bool = False
    # The token's Mixmax user id, for every record's user column (see user_column), and
    # /users/me's answer when it was asked for that before current_user was synced.
    user_id: str | None = None
    users_me: dict[str, Any] | None = None

    @classmethod
    def open(cls, config: Mapping[str, Any], logger: logging.Logger) -> MixmaxConnection:
        """A connection for the settings in ``config`` (already checked)."""
        budget = RateBudget(
            max_wait=float(config["max_rate_limit_wait_seconds"]),
            warn=logger.warning,
        )
        session = DeadlineSession.for_settings(config)
        session.hooks["response"].append(budget.observe)
        authenticator = APIKeyAuthenticator(
            key="X-API-Token",
            value=str(config.get("api_token", "")),
            location="header",
        )
        return cls(session, authenticator, budget)
