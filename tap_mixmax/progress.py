"""Progress a person can follow during a long extraction, and a summary at the end."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tap_mixmax.budget import RATE_WINDOW, RateBudget


@dataclass
class StreamProgress:
    """Counters for one stream across all its parents."""

    name: str
    records: int = 0
    requests: int = 0
    skipped: list[str] = field(default_factory=list)
    mode: str = ""
    started: float | None = None
    finished: float | None = None


class ProgressLog:
    """Collects per-stream counters and logs them at a steady cadence."""

    def __init__(
        self,
        logger: logging.Logger,
        budget: RateBudget,
        interval_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._budget = budget
        self._interval = interval_seconds
        self._clock = clock
        self._started = clock()
        self._last_report = self._started
        # What the budget has been holding requests back for since the last one went out.
        self._waiting_for: str | None = None
        self.streams: dict[str, StreamProgress] = {}

    def stream(self, name: str) -> StreamProgress:
        """The counters of ``name``, created on first use."""
        progress = self.streams.get(name)
        if progress is None:
            progress = self.streams[name] = StreamProgress(name)
        if progress.started is None:
            progress.started = self._clock()
        return progress

    def record(self, name: str) -> None:
        """Count one emitted record."""
        self.stream(name).records += 1

    def request(self, name: str) -> None:
        """Count one request, and report if the cadence says so."""
        self._waiting_for = None
        progress = self.stream(name)
        progress.requests += 1
        progress.finished = self._clock()
        now = self._clock()
        if now - self._last_report >= self._interval:
            self._last_report = now
            self._logger.info("progress: %s; %s", self._describe(progress), self.budget_line())

    def waiting(self, seconds: float, reason: str) -> None:
        """Report a wait for the rate budget: a wait for the window as it starts, then
        every wait at the same cadence as progress, so it is not silence."""
        now = self._clock()
        starting, self._waiting_for = self._waiting_for != reason, reason
        if starting and reason == RATE_WINDOW:
            self._last_report = now
            snap = self._budget.snapshot()
            used = snap.limit if snap.remaining is None else snap.limit - snap.remaining
            self._logger.info(
                "progress: waiting %.0f s for %s (%d/%d used); this is expected",
                seconds,
                reason,
                used,
                snap.limit,
            )
        elif now - self._last_report >= self._interval:
            self._last_report = now
            line = self.budget_line()
            self._logger.info("progress: waiting %.0f s for %s; %s", seconds, reason, line)

    def budget_line(self) -> str:
        """How the rate budget is being used, in a few words."""
        snap = self._budget.snapshot()
        used = (
            f"{snap.limit - snap.remaining}/{snap.limit} used this window"
            if snap.remaining is not None
            else f"limit {snap.limit} per window"
        )
        resets = f", resets in {snap.resets_in:.0f} s" if snap.resets_in is not None else ""
        return (
            f"rate budget {used}{resets}; {snap.requests} requests in "
            f"{self._clock() - self._started:.0f} s, {snap.waited_seconds:.1f} s spent waiting "
            f"for the budget, {snap.rate_limited} answered 429"
        )

    def _describe(self, progress: StreamProgress) -> str:
        elapsed = (progress.finished or self._clock()) - (progress.started or self._started)
        mode = f" ({progress.mode})" if progress.mode else ""
        text = (
            f"{progress.name}{mode}: {progress.records} records, "
            f"{progress.requests} requests, {elapsed:.1f} s"
        )
        if progress.skipped:
            text += f", skipped: {'; '.join(progress.skipped)}"
        return text

    def summary(self, names: list[str]) -> None:
        """One line per named stream that did anything; the last carries the run's totals."""
        done = [name for name in names if name in self.streams]
        for name in done:
            line = self._describe(self.streams[name])
            if name == done[-1]:
                line += f"; so far: {self.budget_line()}"
            self._logger.info("summary: %s", line)
