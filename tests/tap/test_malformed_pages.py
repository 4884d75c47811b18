"""Pages that break Mixmax's paging rules end the run in one line, never in a loop or a
traceback, and never with a bookmark past what was read.

The simulator follows the rules, so a small scripted server on loopback answers each path
with a fixed body here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import urlparse

import pytest

from tests.tap.conftest import TapRunner
from tests.tap.logs import tap_errors
from tests.tap.loopback import JsonHandler, serving

TOKEN = "scripted-server-token-4567"
OID = "6a000000f252e6b438040001"
CURSOR_PAGE = {"next": "N", "hasNext": False, "previous": "P", "hasPrevious": False}


class Scripted(JsonHandler):
    bodies: ClassVar[dict[str, Any]] = {}
    agents: ClassVar[list[str]] = []

    def answer(self) -> Any:
        self.agents.append(self.headers.get("User-Agent", ""))
        return self.bodies.get(urlparse(self.path).path, {"message": "no such path"})


@pytest.fixture
def scripted() -> Iterator[tuple[str, dict[str, Any], list[str]]]:
    bodies: dict[str, Any] = {}
    handler = type("Handler", (Scripted,), {"bodies": bodies, "agents": []})
    with serving(handler) as url:
        yield url, bodies, handler.agents


@pytest.mark.parametrize(
    ("streams", "bodies", "state", "says"),
    [
        (
            ["polls"],
            {"/v1/polls": [{"_id": OID}]},
            None,
            "expected a cursor page with a 'results' array of objects from {url}/polls",
        ),
        (
            ["polls"],
            {"/v1/polls": {"results": [None], "next": None, "hasNext": None}},
            None,
            "expected a cursor page with a 'results' array of objects from {url}/polls",
        ),
        (
            ["polls"],
            {"/v1/polls": {"results": {"_id": OID}}},
            None,
            "expected a cursor page with a 'results' array of objects from {url}/polls",
        ),
        (
            ["polls"],
            {"/v1/polls": {"results": [{"_id": OID}], "hasNext": True}},
            None,
            "polls: Mixmax said more pages follow but sent no 'next' cursor",
        ),
        (
            ["polls"],
            {"/v1/polls": {"results": [{"_id": OID}], "hasNext": True, "next": ""}},
            None,
            "polls: Mixmax said more pages follow but sent no 'next' cursor",
        ),
        (
            ["polls"],
            {"/v1/polls": {"results": [{"_id": OID}], "hasPrevious": False}},
            {"previous": "P"},
            "polls: Mixmax sent a page of objects without a 'previous' cursor",
        ),
        (
            ["sequences", "sequence_recipients"],
            {"/v1/sequences": {"results": [{"name": "no id"}], **CURSOR_PAGE}},
            None,
            "sequences: Mixmax sent a record without _id",
        ),
        (
            ["sequences", "sequence_recipients"],
            {"/v1/sequences": {"results": [{"_id": ""}], **CURSOR_PAGE}},
            None,
            "sequences: Mixmax sent a record without _id",
        ),
        (
            # A number is an id to deduplicate by, but no path segment to list children at.
            ["sequences", "sequence_recipients"],
            {"/v1/sequences": {"results": [{"_id": 12345}], **CURSOR_PAGE}},
            None,
            "sequences: Mixmax sent an object whose '_id' is not a string",
        ),
        (
            ["sequences", "sequence_recipients"],
            {
                "/v1/sequences": {"results": [{"_id": OID}], **CURSOR_PAGE},
                f"/v1/sequences/{OID}/recipients": {"results": []},
            },
            None,
            "sequence_recipients: expected a JSON array from {url}/sequences/"
            + OID
            + "/recipients",
        ),
    ],
)
def test_a_page_against_the_paging_rules_ends_the_run_in_one_line(
    tap: TapRunner,
    scripted: tuple[str, dict[str, Any], list[str]],
    *,
    streams: list[str],
    bodies: dict[str, Any],
    state: dict[str, Any] | None,
    says: str,
):
    url, served, _ = scripted
    served.update(bodies)
    bookmarks = {"bookmarks": {streams[0]: state}} if state else None
    run = tap.run(
        streams,
        state=bookmarks,
        api_url=url,
        api_token=TOKEN,
        refresh_changed_objects=False,
        max_retries=0,
        timeout=60,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert TOKEN not in run.stderr + run.stdout
    own = tap_errors(run.stderr)
    assert len(own) == 1, run.stderr
    # A message naming a URL names the path asked for, never its query string.
    assert says.format(url=url) in own[0].message
    assert "?" not in own[0].message
    if state:
        assert run.bookmark(streams[0]).get("previous") == state["previous"]


def test_every_request_carries_the_configured_user_agent(
    tap: TapRunner, scripted: tuple[str, dict[str, Any], list[str]]
):
    url, served, agents = scripted
    served["/v1/polls"] = {"results": [{"_id": OID}], **CURSOR_PAGE}
    run = tap.run(["polls"], api_url=url, api_token=TOKEN, user_agent="acme-elt/2.1 (ops@acme)")
    assert run.returncode == 0, run.stderr
    # /polls, and /users/me once for the records' user column.
    assert agents
    assert set(agents) == {"acme-elt/2.1 (ops@acme)"}
