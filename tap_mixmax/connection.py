"""The connection every stream of a run shares: one session, token, rate budget and log."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from singer_sdk.authenticators import APIKeyAuthenticator

from tap_mixmax.budget import RateBudget
from tap_mixmax.progress import ProgressLog


@dataclass
class MixmaxConnection:
    """What every stream shares: one session, one token, one rate budget, one log."""

    session: requests.Session
    authenticator: APIKeyAuthenticator
    budget: RateBudget
    progress: ProgressLog
    api_url_confirmed: bool = False
    # The token's Mixmax user id, for every record's user column (see user_column).
    user_id: str | None = None

    @classmethod
    def open(cls, config: Mapping[str, Any], logger: logging.Logger) -> MixmaxConnection:
        """A connection for the settings in ``config`` (already checked)."""
        budget = RateBudget()
        session = requests.Session()
        session.hooks["response"].append(budget.observe)
        authenticator = APIKeyAuthenticator(
            key="X-API-Token",
            value=str(config.get("api_token", "")),
            location="header",
        )
        progress = ProgressLog(
            logger,
            budget,
            interval_seconds=float(config.get("progress_interval_seconds", 30)),
        )
        return cls(session, authenticator, budget, progress)
