"""A team run's end-of-run summary totals the undeclared properties of every user's records."""

from __future__ import annotations

import io
import logging

import pytest

from tap_mixmax.simulator import Simulator
from tap_mixmax.simulator.undeclared import TOP
from tap_mixmax.tap import TapMixmax
from tap_mixmax.team import run_team
from tests.tap.conftest import select
from tests.tap.inprocess import Collect


def team_summary(sim: Simulator, mode: str) -> list[logging.LogRecord]:
    """The team summary lines of one team run of ada and bob reading ``sequences``."""
    config = {
        "api_tokens": [sim.tokens["ada"], sim.tokens["bob"]],
        "api_url": sim.base_url,
        "undeclared_fields": mode,
    }
    logger = logging.getLogger(TapMixmax.name)
    handler, level = Collect(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        code = run_team(TapMixmax, config, {}, select(["sequences"], {}), io.BytesIO())
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert code == 0
    return [r for r in handler.records if r.getMessage().startswith("team summary: ")]


@pytest.mark.parametrize(("mode", "level"), [("warn", logging.WARNING), ("keep", logging.INFO)])
def test_the_team_summary_totals_undeclared_properties_over_users(
    sim: Simulator, mode: str, level: int
) -> None:
    sim.set_undeclared_fields(True)
    per_user = [len(sim.visible("sequences", sim.tokens[who])) for who in ("ada", "bob")]
    assert all(per_user)
    lines = team_summary(sim, mode)
    total = f"team summary: sequences: undeclared property '{TOP}' in {sum(per_user)} record(s)"
    said = [r for r in lines if r.getMessage().startswith(total)]
    assert len(said) == 1, [r.getMessage() for r in lines]
    assert said[0].getMessage().endswith("of 2 user(s)")
    assert said[0].levelno == level
