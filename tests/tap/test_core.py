"""The Singer SDK's standard tap tests, against a simulator started for this module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from singer_sdk.testing import SuiteConfig, get_tap_test_class

from tap_mixmax.simulator import RateLimit, Simulator
from tap_mixmax.simulator.seed import DEMO_TOKEN
from tap_mixmax.tap import TapMixmax

# get_tap_test_class needs the URL when the class is built, so the simulator starts at
# import and the autouse fixture below stops it after this module's tests.
_SIMULATOR = Simulator(seed=11, scale=0.1, rate_limit=RateLimit(100_000, 60.0)).start()
_CONFIG = {"api_token": DEMO_TOKEN, "api_url": _SIMULATOR.base_url}


def _everything_selected() -> dict:
    """The discovered catalog with every stream selected, the costly children too."""
    catalog = TapMixmax(config=_CONFIG, parse_env_config=False).catalog_dict
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if not item["breadcrumb"]:
                item["metadata"]["selected"] = True
    return catalog


@pytest.fixture(scope="module", autouse=True)
def _stop_simulator() -> Iterator[None]:
    yield
    _SIMULATOR.stop()


TestTapMixmax = get_tap_test_class(
    tap_class=TapMixmax,
    config=_CONFIG,
    catalog=_everything_selected(),
    parse_env_config=False,
    suite_config=SuiteConfig(max_records_limit=40),
)
