"""A default `meltano run` on the demo's data says what it does in fewer than 100 lines.

The simulator serves the quick-start demo's data (seed 1, scale 1.0) with Mixmax's own
rate limit, so the run waits for the rate window once, as the demo does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tap_mixmax.simulator import Simulator

from .conftest import MeltanoProject, plugin_venv

MOST_LINES = 100


@pytest.mark.e2e
def test_a_default_meltano_run_on_the_demo_data_prints_under_100_lines(
    meltano_bin: Path, tmp_path: Path
) -> None:
    plugin_venv("extractors", "tap-mixmax")
    plugin_venv("loaders", "target-jsonl")
    with Simulator(seed=1, scale=1.0) as sim:
        project = MeltanoProject(
            meltano=meltano_bin,
            root=tmp_path / "meltano-project",
            overrides={
                "TAP_MIXMAX_API_URL": sim.base_url,
                "TARGET_JSONL_DO_TIMESTAMP_FILE": "false",
            },
        )
        project.setup()
        run = project("run", "tap-mixmax", "target-jsonl")
    lines = run.stderr.splitlines()
    assert len(lines) < MOST_LINES, "\n".join(lines)
    assert not [line for line in lines if "METRIC" in line]
    # What the run did is still there: one summary per stream read, and the wait.
    written = {path.stem for path in (project.root / "output" / "dev").glob("*.jsonl")}
    summaries = [line.split("summary: ", 1)[1] for line in lines if "summary: " in line]
    summarised = {summary.split()[0].rstrip(":") for summary in summaries}
    assert written
    assert written <= summarised
    assert len([line for line in lines if line.endswith("; this is expected")]) == 1
