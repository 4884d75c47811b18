"""Shared machinery of the seed builders: the generation context and small value helpers.

A builder turns (owner, creation instant, parent) into one API document; there is one per
collection, in ``seed_outreach`` and ``seed_workspace``, registered in ``seed.BUILDERS``.
Builders are shared by the bulk generator (``seed.generate``) and by single inserts
(``seed.new_doc``), so a document inserted while the simulator runs has exactly the shape
of a seeded one. Cross references (a message's recipients come from the owner's contacts, a
folder lists the owner's sequences, ...) come from :class:`Pools`; when a pool is empty, as
for a one-off insert, builders invent plausible values instead.

Field names, types and timestamp encodings follow the catalog; the module docstring of
``seed`` has the table of encodings chosen where the catalog does not know them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tap_mixmax.simulator.seed_core import (
    REFERENCE_MS,
    WORDS,
    IdSource,
    person,
    phrase,
    pick,
    rint,
)

if TYPE_CHECKING:
    from tap_mixmax.simulator.seed import User

Doc = dict[str, Any]


@dataclass
class Pools:
    """What one owner already has, for cross references between collections."""

    contacts: list[Doc] = field(default_factory=list)
    team_ids: list[str] = field(default_factory=list)
    snippet_ids: list[str] = field(default_factory=list)
    recipients: list[Doc] = field(default_factory=list)
    messages: list[Doc] = field(default_factory=list)
    meeting_type_ids: list[str] = field(default_factory=list)
    rule_ids: list[str] = field(default_factory=list)
    sequence_ids: list[str] = field(default_factory=list)


@dataclass
class Ctx:
    """Generation context: the random source, the ObjectId factory and per-owner pools."""

    rng: random.Random
    ids: IdSource
    # The generation "now": REFERENCE_MS for seed data, the insert time for ``new_doc``.
    now: int = REFERENCE_MS
    pools: dict[str, Pools] = field(default_factory=dict)
    # Extra sharing decided by the generator: sharing targets for the document being built.
    share_with: list[User] = field(default_factory=list)
    share_teams: list[str] = field(default_factory=list)
    # A second random source for the variations that make seed data exercise every documented
    # type (fractional numbers, free-form keys); kept apart so adding one never reshuffles the
    # rest of the data.
    variety: random.Random = field(default_factory=lambda: random.Random(0))

    def pool(self, owner: User) -> Pools:
        return self.pools.setdefault(owner.user_id, Pools())


Builder = Callable[[Ctx, "User", int, "Doc | None"], Doc]


# ---------------------------------------------------------------------------------------
# small helpers


def between(rng: random.Random, start_ms: int, end_ms: int) -> int:
    """A random instant in [start_ms, end_ms] (end clamped to be >= start)."""
    end_ms = max(end_ms, start_ms)
    return start_ms + int(rng.random() * (end_ms - start_ms))


def hexstr(rng: random.Random, length: int) -> str:
    return f"{rng.getrandbits(4 * length):0{length}x}"


def addr(rng: random.Random, pool: Pools, with_name: float = 0.7) -> Doc:
    """An ``{email, name}`` object, name sometimes absent, from the owner's contacts."""
    if pool.contacts and rng.random() < 0.9:
        contact = pick(rng, pool.contacts)
        name, email = contact["name"], contact["email"]
    else:
        name, email = person(rng)
    out: Doc = {"email": email}
    if name and rng.random() < with_name:
        out["name"] = name
    return out


def addrs(rng: random.Random, pool: Pools, low: int, high: int) -> list[Doc]:
    return [addr(rng, pool) for _ in range(rint(rng, low, high))]


def named(rng: random.Random) -> Doc:
    name, email = person(rng)
    return {"email": email, "name": name}


def shared_block(ctx: Ctx) -> Doc:
    """The ``shared`` object for the document being built (see ``Ctx.share_with``).

    Its shape: docs/mixmax-api.md §3.9.
    """
    rng = ctx.rng
    users = [
        {"userId": user.user_id, "accepted": True, "role": pick(rng, ("read-only", "read-write"))}
        for user in ctx.share_with
    ]
    if rng.random() < 0.1:  # pending share with someone without a Mixmax account
        users.append({"email": person(rng)[1], "accepted": False, "role": "read-only"})
    out: Doc = {
        "users": users,
        "teams": [
            {"_id": team, "role": pick(rng, ("read-only", "read-write"))}
            for team in ctx.share_teams
        ],
    }
    if rng.random() < 0.05:
        out["domains"] = [f"{pick(rng, WORDS)}.example.com"]
    return out


def crms(rng: random.Random) -> list[Doc]:
    """Connected CRMs; ``logTo`` is a Boolean, as Mixmax documents it [D26]."""
    if rng.random() < 0.6:
        return []
    return [{"name": "salesforce", "logTo": rng.random() < 0.7}]


def html(rng: random.Random, sentences: int = 2) -> str:
    return "".join(f"<p>{phrase(rng, rint(rng, 4, 9))}.</p>" for _ in range(sentences))
