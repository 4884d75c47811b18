"""A refused connection to a loopback ``api_url``: nothing listens there.

On this machine a refusal is an answer, not a transient fault of a network: most likely
the simulator is not running. Waiting out every retry of ``max_retries`` would keep a
person staring at a silent terminal for half a minute, so such a request is tried once
more after the first backoff wait, then the run stops with how to start the simulator,
in the words that fit how the tap was started (by Meltano, or by hand). Refusals from
any other host keep the full retries: a real server may be restarting.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from urllib.parse import urlparse

from tap_mixmax.errors import network_problem
from tap_mixmax.transport import is_loopback

# Attempts a request makes when every one is refused on loopback.
LOOPBACK_REFUSED_TRIES = 2
# The port of `commands.simulator` in meltano.yml and the Hub file (and the simulator's own
# default); tests/e2e/test_plugin_definitions.py holds both files to it.
MELTANO_SIMULATOR_PORT = 8765
# Meltano names the extractor it runs in this variable; a name it could not have written
# (spaces, quotes, control characters) falls back to the plain hint.
MELTANO_PLUGIN_VARIABLE = "MELTANO_EXTRACTOR_NAME"
_PLUGIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def simulator_command(port: int, environ: Mapping[str, str]) -> str:
    """The command that starts the simulator on ``port``, as the tap was started."""
    plugin = environ.get(MELTANO_PLUGIN_VARIABLE, "")
    if _PLUGIN_NAME.fullmatch(plugin):
        # Extra arguments follow the command's own `--port 8765`; the last one wins.
        extra = "" if port == MELTANO_SIMULATOR_PORT else f" --port {port}"
        return f"meltano invoke {plugin}:simulator{extra}"
    return f"mixmax-simulator --port {port}"


class LoopbackRefusals:
    """Backoff's give-up rule and the failure's wording for one stream's requests."""

    def __init__(self, api_url: str, max_tries: int) -> None:
        parts = urlparse(api_url)
        self.loopback = is_loopback(parts.hostname or "")
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.max_tries = max_tries
        self.refused = 0

    def start(self) -> None:
        """Begin a request: refusals are counted in a row, within one request."""
        self.refused = 0

    def give_up(self, exc: Exception) -> bool:
        """Whether to stop retrying now: at the second refusal in a row on loopback."""
        if self.loopback and network_problem(exc) == "connection refused":
            self.refused += 1
            return self.refused >= LOOPBACK_REFUSED_TRIES
        self.refused = 0
        return False

    def tries(self) -> int:
        """How many attempts the failed request made."""
        return self.refused if self.refused >= LOOPBACK_REFUSED_TRIES else self.max_tries

    def hint(self, exc: BaseException, environ: Mapping[str, str] = os.environ) -> str:
        """What to do about ``exc``, as a clause to append, or ``""`` when nothing fits."""
        if not (self.loopback and network_problem(exc) == "connection refused"):
            return ""
        command = simulator_command(self.port, environ)
        return f"; is the simulator running? start it with `{command}`"
