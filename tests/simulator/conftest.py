"""Shared fixtures: a running simulator on a free loopback port and an HTTP client for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sim_helpers import Client

from tap_mixmax.simulator import Simulator
from tap_mixmax.simulator.seed import Dataset


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A small seeded simulator with rate limiting off (tests switch it on when needed)."""
    with Simulator(seed=1, scale=0.2, rate_limit=None) as running:
        yield running


@pytest.fixture
def client(sim: Simulator) -> Iterator[Client]:
    c = Client(sim)
    yield c
    c.close()


@pytest.fixture
def make_sim() -> Iterator[Callable[..., Simulator]]:
    """Start a simulator from a hand-built dataset; stopped at teardown."""
    started: list[Simulator] = []

    def factory(dataset: Dataset, **kwargs: Any) -> Simulator:
        kwargs.setdefault("rate_limit", None)
        s = Simulator(dataset=dataset, **kwargs).start()
        started.append(s)
        return s

    yield factory
    for s in started:
        s.stop()
