"""Helpers shared by the simulator tests: an HTTP client and hand-built datasets."""

from __future__ import annotations

from typing import Any

import requests

from tap_mixmax.simulator import Simulator
from tap_mixmax.simulator.seed import Dataset, SeedDoc, User, generate

ADA = "sim-token-ada"
BOB = "sim-token-bob"


class Client:
    """Thin requests wrapper: ``get("/sequences", limit=3)`` with ada's token by default."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.session = requests.Session()

    def get(
        self, path: str, token: str | None = ADA, *, via_query: bool = False, **params: Any
    ) -> requests.Response:
        headers = {}
        if token is not None and via_query:
            params["apiToken"] = token
        elif token is not None:
            headers["X-API-Token"] = token
        return self.session.get(
            self.sim.base_url + path, params=params, headers=headers, timeout=10
        )

    def admin(self, route: str, body: dict[str, Any] | None = None) -> requests.Response:
        url = f"{self.sim.root_url}/_admin/{route}"
        if body is None:
            return self.session.get(url, timeout=10)
        return self.session.post(url, json=body, timeout=10)

    def walk_next(self, path: str, limit: int, **params: Any) -> list[dict[str, Any]]:
        """Every row of a full ``next`` walk (stops on hasNext=false)."""
        rows: list[dict[str, Any]] = []
        page = self.get(path, limit=limit, **params).json()
        rows += page["results"]
        for _ in range(10_000):
            if not page["hasNext"]:
                return rows
            page = self.get(path, limit=limit, next=page["next"], **params).json()
            rows += page["results"]
        raise AssertionError("walk did not stop")

    def close(self) -> None:
        self.session.close()


def users_only(seed: int = 1) -> Dataset:
    """The seed's users and singletons with every collection empty."""
    data = generate(seed, 0.0)
    keep = ("users/me", "userpreferences/me", "appointmentlinks/me")
    return Dataset(users=data.users, collections={k: data.collections.get(k, []) for k in keep})


def user(data: Dataset, token: str) -> User:
    return next(u for u in data.users if u.token == token)


def seed_doc(doc: dict[str, Any], *readers: str, parent_id: str | None = None) -> SeedDoc:
    return SeedDoc(doc=doc, readers=frozenset(readers), parent_id=parent_id)


def oid(n: int) -> str:
    """A 24-hex ObjectId whose order follows ``n``."""
    return f"{n:08x}0000000000{n:06x}"
