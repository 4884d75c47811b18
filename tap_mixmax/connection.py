"""The connection every stream of a run shares: one session, token, rate budget and log."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
from singer_sdk.authenticators import APIKeyAuthenticator

from tap_mixmax.budget import RateBudget
from tap_mixmax.conform import RecordConformer
from tap_mixmax.progress import ProgressLog
from tap_mixmax.transport import DeadlineSession
from tap_mixmax.writer import StateFlushingWriter


@dataclass
class MixmaxConnection:
    """What every stream shares: one session, one token, one rate budget, one log."""

    session: requests.Session
    authenticator: APIKeyAuthenticator
    budget: RateBudget
    progress: ProgressLog
    api_url_confirmed: bool = False
    # One per stream, made at its first record.
    conformers: dict[str, RecordConformer] = field(default_factory=dict)
    # The tap's message writer, flushed when the run's syncing is over.
    writer: StateFlushingWriter | None = None
    # When the run began, as stamped on rows that describe the run (live_feed_stats).
    started_at: str = field(
        default_factory=lambda: datetime.now(UTC).isoformat(timespec="milliseconds")
    )
    # The token's Mixmax user id, for every record's user column (see user_column), and
    # /users/me's answer when it was asked for that before current_user was synced.
    user_id: str | None = None
    users_me: dict[str, Any] | None = None

    @classmethod
    def open(
        cls,
        config: Mapping[str, Any],
        logger: logging.Logger,
        writer: StateFlushingWriter | None = None,
    ) -> MixmaxConnection:
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
        progress = ProgressLog(
            logger,
            budget,
            interval_seconds=float(config.get("progress_interval_seconds", 30)),
        )
        budget.on_wait = progress.waiting
        return cls(session, authenticator, budget, progress, writer=writer)
