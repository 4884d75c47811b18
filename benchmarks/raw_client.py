"""The least a client can do to extract what tap-mixmax extracts: ``requests`` and a JSON
library, ``json`` (the standard library) or ``orjson`` (``--json orjson``).

The yardstick of ``compare_raw.py``: it reads the endpoint plan that script derives from
the tap's own stream declarations (same endpoints, same page size, same parameters, same
children per parent) and writes one Singer-shaped RECORD line per object to stdout. No
schema, no state, no retries, no rate budget: only the work every client must do.

    python benchmarks/raw_client.py --plan plan.json --api-url URL --token TOKEN [--json orjson]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, BinaryIO

import requests

# Per-sequence row cap of /sequences/:id/recipients, and the round size a server-side
# page cap comes in (a short page of that size is not the last one).
RECIPIENTS_CAP = 10_000
ROUND_PAGE = 50

Loads = Callable[[bytes], Any]
Dumps = Callable[[Any], bytes]


def _json_dumps(document: Any) -> bytes:  # noqa: ANN401 - any JSON
    return json.dumps(document, separators=(",", ":")).encode()


def codec(name: str) -> tuple[Loads, Dumps]:
    """The parse and compact-serialise functions of the JSON library called ``name``."""
    if name == "orjson":
        import orjson  # noqa: PLC0415 - only this client needs it

        return orjson.loads, orjson.dumps
    return json.loads, _json_dumps


class RawClient:
    def __init__(
        self,
        api_url: str,
        token: str,
        page_size: int,
        out: BinaryIO,
        json_library: str = "json",
    ) -> None:
        self.base = api_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["X-API-Token"] = token
        self.page_size = page_size
        self.out = out
        self.requests = 0
        self.started = datetime.now(UTC).isoformat(timespec="milliseconds")
        self.loads, self.dumps = codec(json_library)

    def get(self, path: str, params: dict[str, Any]) -> Any:  # noqa: ANN401 - any JSON
        self.requests += 1
        response = self.session.get(self.base + path, params=params, timeout=60)
        response.raise_for_status()
        return self.loads(response.content)

    def emit(self, stream: str, record: dict[str, Any]) -> None:
        line = self.dumps({"type": "RECORD", "stream": stream, "record": record})
        self.out.write(line + b"\n")

    def rows(self, spec: dict[str, Any], context: dict[str, str]) -> Iterator[dict[str, Any]]:
        path = spec["path"].format(**context)
        kind = spec["kind"]
        if kind == "singleton":
            body = self.get(path, {})
            if isinstance(body, dict):
                yield body
        elif kind == "stats":
            body = self.get(path, dict(spec["params"]))
            yield {**body["stats"], "capturedAt": self.started, "query": "(default)"}
        elif kind == "cursor":
            params: dict[str, Any] = {"limit": self.page_size, **spec["params"]}
            while True:
                page = self.get(path, params)
                yield from page["results"]
                more = page.get("hasNext")
                if more is None:  # search()'s envelope: `next` only while pages follow
                    more = bool(page.get("next"))
                if not page["results"] or not more:
                    return
                params["next"] = page["next"]
        elif kind == "offset":
            offset = 0
            while offset < RECIPIENTS_CAP:
                limit = min(self.page_size, RECIPIENTS_CAP - offset)
                rows = self.get(path, {"limit": limit, "offset": offset, **spec["params"]})
                yield from rows
                offset += len(rows)
                if len(rows) < limit and not (rows and len(rows) % ROUND_PAGE == 0):
                    return
        else:
            raise SystemExit(f"unknown endpoint kind {kind!r}")

    def sync(self, spec: dict[str, Any], context: dict[str, str]) -> None:
        parent_key = spec.get("parent_key")
        for row in self.rows(spec, context):
            if parent_key:
                row.setdefault(parent_key, context[parent_key])
            self.emit(spec["name"], row)
            for child in spec["children"]:
                self.sync(child, {child["parent_key"]: row["_id"]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", required=True, help="JSON plan written by compare_raw.py")
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--json", choices=["json", "orjson"], default="json")
    args = parser.parse_args()
    with open(args.plan, encoding="utf-8") as handle:
        plan = json.load(handle)
    client = RawClient(args.api_url, args.token, plan["page_size"], sys.stdout.buffer, args.json)
    for spec in plan["streams"]:
        client.sync(spec, {})
    sys.stdout.buffer.flush()
    print(f"raw client: {client.requests} requests", file=sys.stderr)


if __name__ == "__main__":
    main()
