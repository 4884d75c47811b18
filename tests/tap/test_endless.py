"""A server whose cursors never end must not keep the tap paging forever.

The simulator follows Mixmax's rules, so these tests put a small hostile server on
loopback: it answers every page with `hasNext`/`hasPrevious` true and cursors that cycle,
or with fresh cursors over the same objects.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest

from tests.tap.conftest import TapRunner
from tests.tap.loopback import JsonHandler, serving

TOKEN = "hostile-server-token-0123"
OID = "6a000000f252e6b4380400{:02x}"


def page(ids: list[int], next_cursor: str, previous: str) -> dict:
    return {
        "results": [{"_id": OID.format(i), "livePoll": False} for i in ids],
        "next": next_cursor,
        "hasNext": True,
        "previous": previous,
        "hasPrevious": True,
    }


class Endless(JsonHandler):
    mode = "cycle"
    served = 0

    def answer(self) -> dict:
        query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
        type(self).served += 1
        cursor = query.get("next") or query.get("previous") or ""
        if self.mode == "cycle":  # A -> B -> A -> …, each page with objects of its own
            body = {
                "": page([1, 2], "A", "P"),
                "A": page([3, 4], "B", "P"),
                "B": page([5, 6], "A", "P"),
            }.get(cursor, page([9], "A", "P"))
        else:  # a fresh cursor each time, always the same objects
            body = page([1, 2], f"C{self.served}", f"C{self.served}")
        return body


@pytest.fixture
def endless() -> Iterator[type[Endless]]:
    handler = type("Handler", (Endless,), {"served": 0})
    with serving(handler) as url:
        handler.url = url  # type: ignore[attr-defined]
        yield handler


@pytest.mark.parametrize(
    ("mode", "state", "says"),
    [
        ("cycle", None, "sent a 'next' cursor this walk already followed"),
        ("fresh", None, "returned the same objects as the page before"),
        ("cycle", {"previous": "A"}, "sent a 'previous' cursor this walk already followed"),
        ("fresh", {"previous": "A"}, "returned the same objects as the page before"),
    ],
)
def test_a_walk_that_would_never_end_stops_with_one_line(
    tap: TapRunner, endless: type[Endless], mode: str, state: dict | None, says: str
):
    endless.mode = mode
    bookmarks = {"bookmarks": {"polls": state}} if state else None
    run = tap.run(
        ["polls"],
        state=bookmarks,
        api_url=endless.url,  # type: ignore[attr-defined]
        api_token=TOKEN,
        refresh_changed_objects=False,
        timeout=60,  # a walk that never ends fails the test instead of hanging it
    )
    assert run.returncode == 1
    assert endless.served <= 5  # at most 4 pages, and /users/me once for the user column
    errors = [line for line in run.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1, run.stderr
    assert f"polls: Mixmax {says}" in errors[0]
    assert "Traceback" not in run.stderr
    assert TOKEN not in run.stderr + json.dumps(run.messages)
    # The bookmark never moved past what was written: it is the one given, or the
    # `previous` of a page whose records all came before the STATE carrying it.
    if state:
        previous = run.bookmark("polls").get("previous")
        assert previous in (None, "A", "P", "C1")
        if previous == "C1":
            last_state = max(i for i, m in enumerate(run.messages) if m["type"] == "STATE")
            written = [
                m["record"]["_id"] for m in run.messages[:last_state] if m["type"] == "RECORD"
            ]
            assert written == [OID.format(1), OID.format(2)]
