"""What `meltano add --from-ref` copies from the Hub definition into a project's meltano.yml.

The definition's settings land in the project's meltano.yml, under the extractor's
``settings``, descriptions and ``value:`` defaults included, as docs/meltano.md says. Its
comments must not land at all: Meltano hangs a comment written between keys under the key
before it (the explanation of ``select`` once landed inside ``commands.simulator``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, run_checked

HUB_YML = ROOT / "meltano-hub" / "extractors" / "tap-mixmax" / "mixmax.yml"


@pytest.mark.e2e
def test_from_ref_copies_the_settings_and_no_comment(meltano_bin: Path, tmp_path: Path) -> None:
    project = tmp_path / "fresh-project"
    project.mkdir()
    (project / "meltano.yml").write_text(
        yaml.safe_dump(
            {
                "project_id": "hub-comments-check",
                "send_anonymous_usage_stats": False,
                "environments": [{"name": "dev"}],
            }
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_MIXMAX_", "MELTANO_"))}
    env["MELTANO_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    add = [str(meltano_bin), "add", "--plugin-type", "extractor", "tap-mixmax", "--no-install"]
    run_checked([*add, "--from-ref", str(HUB_YML)], env=env, cwd=project)
    text = (project / "meltano.yml").read_text()
    comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    assert not comments, "the Hub file's comments landed in meltano.yml:\n" + "\n".join(comments)
    (plugin,) = yaml.safe_load(text)["plugins"]["extractors"]
    hub = yaml.safe_load(HUB_YML.read_text())
    fields = ("name", "kind", "label", "description", "value", "sensitive")

    def kept(settings: list[dict[str, object]]) -> list[dict[str, object]]:
        return [{f: s[f] for f in fields if f in s} for s in settings]

    assert kept(plugin["settings"]) == kept(hub["settings"])
