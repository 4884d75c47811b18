"""Recipients pages ask for the documented maximum (50) and end at the first short page.

Mixmax's reference says the highest ``limit`` /sequences/:id/recipients supports is 50;
whether a larger one is lowered or refused is undocumented, so the simulator caps it at
50 and, in strict mode, answers 400 above it. The tap must read everything either way.
"""

from __future__ import annotations

import pytest
import requests

from tap_mixmax.simulator import Simulator
from tests.tap.conftest import TapRunner

SIZES = (120, 50, 49, 0)


def resize_recipients(sim: Simulator, sequence: str, size: int) -> None:
    token = sim.tokens["ada"]
    rows = sim.visible("sequences/recipients", token, parent_id=sequence)
    for row in rows[size:]:
        sim.delete("sequences/recipients", row["_id"])
    for _ in range(size - len(rows)):
        sim.insert("sequences/recipients", parent_id=sequence)


@pytest.mark.parametrize("strict", [False, True])
def test_every_recipient_is_read_asking_fifty_and_short_pages_cost_no_probe(
    tap: TapRunner, sim: Simulator, strict: bool
):
    token = sim.tokens["ada"]
    sequences = [doc["_id"] for doc in sim.visible("sequences", token)]
    for sequence, size in zip(sequences, SIZES, strict=False):
        resize_recipients(sim, sequence, size)
    sim.set_strict_limits(strict)
    run = tap.run(["sequences", "sequence_recipients"], page_size=300)
    assert run.returncode == 0, run.stderr
    asked = [r for r in sim.requests if r.path.endswith("/recipients")]
    assert asked
    assert {r.query["limit"] for r in asked} == {"50"}
    assert {r.status for r in asked} == {200}
    for sequence in sequences:
        got = [r["_id"] for r in run.records["sequence_recipients"] if r["sequenceId"] == sequence]
        want = [r["_id"] for r in sim.visible("sequences/recipients", token, parent_id=sequence)]
        assert sorted(got) == sorted(want)
        assert len(got) == len(set(got))
        # Full pages of 50, then one shorter page (perhaps empty) that ends the list.
        sent = sum(r.path == f"/v1/sequences/{sequence}/recipients" for r in asked)
        assert sent == len(want) // 50 + 1, (sequence, len(want), sent)
    # No list here comes near Mixmax's 10,000-row cap: none is reported as cut there.
    assert "recipients or more" not in run.stderr


def test_strict_mode_refuses_a_limit_above_the_cap(sim: Simulator) -> None:
    sequence = sim.visible("sequences", sim.tokens["ada"])[0]["_id"]
    url = f"{sim.base_url}/sequences/{sequence}/recipients"
    headers = {"X-API-Token": sim.tokens["ada"]}
    assert requests.get(url, params={"limit": 300}, headers=headers, timeout=10).status_code == 200
    sim.set_strict_limits(True)
    refused = requests.get(url, params={"limit": 51}, headers=headers, timeout=10)
    assert refused.status_code == 400
    assert "at most 50" in refused.json()["message"]
    assert requests.get(url, params={"limit": 50}, headers=headers, timeout=10).status_code == 200
