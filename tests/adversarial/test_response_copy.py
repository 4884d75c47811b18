"""A large answer is held once: the transport hands the body it read to the parser
without copying it, so reading a page near ``max_response_bytes`` needs about one
page's worth of memory, not two. Measured with tracemalloc, in this process."""

from __future__ import annotations

import json
import tracemalloc

from tap_mixmax.pagination import envelope
from tap_mixmax.transport import DeadlineSession
from tests.tap.loopback import JsonHandler, serving

MIB = 1024 * 1024
BODY = json.dumps(
    {"results": [{"_id": "a", "blob": "x" * (24 * MIB)}], "hasNext": False, "next": None}
).encode()


class Large(JsonHandler):
    def body(self) -> bytes:
        return BODY  # encoded once: the server's own allocations stay out of the measure


def test_a_large_body_is_read_without_a_second_copy():
    with serving(Large) as base, DeadlineSession(60, 64 * MIB) as session:
        session.get(f"{base}/warm-up", timeout=60).close()  # connection and imports
        tracemalloc.start()
        try:
            response = session.get(f"{base}/polls", timeout=60)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        # The body itself, plus the read buffer's growth headroom; a copy would double it.
        assert peak < 1.5 * len(BODY), f"{peak / MIB:.0f} MiB for a {len(BODY) / MIB:.0f} MiB body"
        assert len(response.content) == len(BODY)
        assert envelope(response)["results"][0]["_id"] == "a"
        assert response.json()["hasNext"] is False  # requests' own readers take it too
        assert response.text.startswith('{"results"')
