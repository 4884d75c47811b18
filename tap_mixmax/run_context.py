"""The run side every stream of a run shares: its connection, progress log, conformers
and message writer."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tap_mixmax.conform import RecordConformer
from tap_mixmax.connection import MixmaxConnection
from tap_mixmax.progress import ProgressLog
from tap_mixmax.writer import StateFlushingWriter


@dataclass
class RunContext:
    """What one run's streams share beside the HTTP connection."""

    connection: MixmaxConnection
    progress: ProgressLog
    # One per stream, made at its first record.
    conformers: dict[str, RecordConformer] = field(default_factory=dict)
    # The tap's message writer, flushed when the run's syncing is over.
    writer: StateFlushingWriter | None = None
    # When the run began, as stamped on rows that describe the run (live_feed_stats).
    started_at: str = field(
        default_factory=lambda: datetime.now(UTC).isoformat(timespec="milliseconds")
    )

    @classmethod
    def open(
        cls,
        config: Mapping[str, Any],
        logger: logging.Logger,
        writer: StateFlushingWriter | None = None,
    ) -> RunContext:
        """A run for the settings in ``config`` (already checked), its waits logged."""
        connection = MixmaxConnection.open(config, logger)
        progress = ProgressLog(
            logger,
            connection.budget,
            interval_seconds=float(config.get("progress_interval_seconds", 30)),
        )
        connection.budget.on_wait = progress.waiting
        return cls(connection, progress, writer=writer)
