"""Meltano itself accepts the Hub definition: `meltano add --from-ref` and `config list`."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import ROOT, run_checked

HUB_YML = ROOT / "meltano-hub" / "extractors" / "tap-mixmax" / "mixmax.yml"


@pytest.mark.e2e
def test_meltano_adds_the_extractor_from_the_hub_definition(
    meltano_bin: Path, tap_about: dict[str, Any], tmp_path: Path
) -> None:
    project = tmp_path / "fresh-project"
    project.mkdir()
    (project / "meltano.yml").write_text(
        yaml.safe_dump(
            {
                "project_id": "hub-definition-check",
                "send_anonymous_usage_stats": False,
                "default_environment": "dev",
                "environments": [{"name": "dev"}],
            }
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_MIXMAX_", "MELTANO_"))}
    env["MELTANO_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    meltano = str(meltano_bin)
    run_checked(
        [
            meltano,
            "add",
            "--no-install",
            "--plugin-type",
            "extractor",
            "tap-mixmax",
            "--from-ref",
            str(HUB_YML),
        ],
        env=env,
        cwd=project,
    )
    added = yaml.safe_load((project / "meltano.yml").read_text())
    names = [p["name"] for p in added["plugins"]["extractors"]]
    assert names == ["tap-mixmax"]
    listed = run_checked(
        [meltano, "config", "list", "--all", "tap-mixmax"], env=env, cwd=project
    ).stdout
    # With several setting groups Meltano writes "api_token (required by group 1) [env: …".
    missing = [
        name
        for name in tap_about["settings"]["properties"]
        if not re.search(rf"^{re.escape(name)}( \(required[^)]*\))? \[env: ", listed, re.M)
    ]
    assert not missing, f"`meltano config list tap-mixmax` does not show {missing}:\n{listed}"
