"""Reading a tap run's stderr as log records: level, logger and message of each line."""

from __future__ import annotations

from typing import NamedTuple

# The logger the tap's own one-line failures go to (the SDK's per-stream loggers are
# "tap-mixmax.<stream>").
TAP_LOGGER = "tap-mixmax"


class LogLine(NamedTuple):
    level: str
    logger: str
    message: str


def log_lines(stderr: str) -> list[LogLine]:
    """Lines of the form ``time | LEVEL | logger | message``; other lines are left out."""
    lines = []
    for line in stderr.splitlines():
        parts = line.split(" | ", 3)
        if len(parts) == 4:
            lines.append(LogLine(parts[1].strip(), parts[2].strip(), parts[3]))
    return lines


def errors(stderr: str) -> list[LogLine]:
    return [line for line in log_lines(stderr) if line.level in {"ERROR", "CRITICAL"}]


def tap_errors(stderr: str) -> list[LogLine]:
    """ERROR lines the tap itself wrote (not the SDK's generic per-stream ones)."""
    return [line for line in errors(stderr) if line.logger == TAP_LOGGER]


def warnings_naming(stderr: str, stream: str) -> list[LogLine]:
    return [
        line for line in log_lines(stderr) if line.level == "WARNING" and stream in line.message
    ]


def assert_clean_failure(stderr: str, *secrets: str) -> str:
    """One ERROR line of the tap's own, no traceback, no secret; return that line."""
    assert "Traceback" not in stderr
    for secret in secrets:
        assert secret not in stderr
    own = tap_errors(stderr)
    assert len(own) == 1, own
    return own[0].message
