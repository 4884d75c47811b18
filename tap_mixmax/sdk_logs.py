"""Where the SDK's log lines need the tap's help: a run says what it does in a few lines.

singer-sdk 0.54 logs a METRIC line per request and per sync, and at INFO a line for every
child stream it wires up, every stream and parent object it begins, and every pagination
that ends: a demo run would print hundreds of lines that the tap's own progress and
summary lines say in a few. METRIC lines are dropped through the SDK's public
``MetricExclusionFilter`` unless ``log_sdk_metrics`` asks for them, and the per-request
duration points always (the tap's progress lines tell the requests). The routine lines are
matched on their message templates (the SDK's own text, a private detail, like the hooks
in sdk_private.py), demoted to DEBUG and shown only when the logger is at DEBUG
(``LOGLEVEL=DEBUG``); tests/tap/test_sdk_hooks.py fails when the SDK rewords one.
"""

from __future__ import annotations

import logging

from singer_sdk.metrics import Metric, MetricExclusionFilter, get_metrics_logger

# singer-sdk's routine INFO lines, as templates (``LogRecord.msg``, before formatting).
SDK_CHATTER = frozenset(
    {
        "Skipping parse of env var settings...",
        "Parsing env var for settings config...",
        "Added '%s' as child stream to '%s'",
        "Beginning sync of '%s' in %s mode",
        "Beginning sync of '%s' in %s mode with context keys: %s",
        "Starting incremental sync of '%s' with bookmark value: %s",
        "Pagination stopped after %d pages because no records were found in the last response",
    }
)
# Every kind of METRIC point the SDK logs: record and request counters, sync timers.
METRIC_TYPES = ("counter", "timer")


class DemoteSdkChatter(logging.Filter):
    """Turns the SDK's routine INFO lines into DEBUG lines, kept only at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        # A team run puts a "[user …] " prefix before the template (team.py).
        template = getattr(record, "unprefixed_msg", record.msg)
        if record.levelno != logging.INFO or template not in SDK_CHATTER:
            return True
        record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


_CHATTER = DemoteSdkChatter()
_METRICS_OFF = MetricExclusionFilter(types=METRIC_TYPES)
_REQUEST_DURATIONS_OFF = MetricExclusionFilter(metrics=[Metric.HTTP_REQUEST_DURATION])


def quiet_sdk_chatter(logger: logging.Logger) -> None:
    """Demote the SDK's routine lines on ``logger`` (the tap's, or one stream's).

    A logger's filters see only the lines logged on it, not on its children, so every
    stream's logger gets it too. ``addFilter`` adds the one filter only once.
    """
    logger.addFilter(_CHATTER)


def show_sdk_metrics(show: bool) -> None:
    """Let the SDK's METRIC lines through, or drop them (``log_sdk_metrics``).

    Dropped lines are also kept from being made: the SDK logs thousands of METRIC points
    a run at INFO, and a level above that skips each before a record exists (the SDK sets
    this logger's level again whenever a tap starts).
    """
    metrics_logger = get_metrics_logger()
    metrics_logger.addFilter(_REQUEST_DURATIONS_OFF)
    if show:
        metrics_logger.removeFilter(_METRICS_OFF)
    else:
        metrics_logger.addFilter(_METRICS_OFF)
        metrics_logger.setLevel(logging.WARNING)
