"""Injected failures: exact schedules and seeded random rates.

A fault replaces the normal answer to one request. Kinds:

* ``"status"``: a 5xx (or any status) with a JSON ``{"message":…}`` body;
* ``"html"``: the same with an HTML body, as a proxy in front of the API would send;
  ``"html200"`` is such a page sent with status 200 (a captive portal or a misrouted
  request), which only a client checking the body itself can tell from data;
* ``"ratelimit"``: a 429 with ``Retry-After`` (a burst of these is a schedule of them);
* ``"slow"``: the normal response after ``delay`` seconds;
* ``"drop"``: the socket is closed without any response;
* ``"truncate"``: headers announce the full ``Content-Length`` but only half the body is
  sent before the socket is closed.

Random faults draw from their own ``random.Random(seed)`` once per matching request, so the
same request sequence always meets the same faults.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

FaultKindName = Literal["status", "html", "ratelimit", "slow", "drop", "truncate"]


KINDS: tuple[str, ...] = ("status", "html", "ratelimit", "slow", "drop", "truncate")
MAX_DELAY = 600.0  # seconds: a slower answer is a hang, which "drop" models better
MAX_RETRY_AFTER = 86_400


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Fault:
    """One injected fault; a fault the server could not produce is refused (ValueError)."""

    kind: FaultKindName
    status: int = 503
    delay: float = 0.2
    retry_after: int = 1

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {', '.join(KINDS)}")
        html_ok = self.kind == "html" and self.status == 200
        if not _whole(self.status) or not (400 <= self.status <= 599 or html_ok):
            raise ValueError(
                f"a fault's status must be an HTTP error 400-599 (or 200 for html), "
                f"got {self.status!r}"
            )
        if self.kind == "ratelimit" and self.status != 429:
            raise ValueError("a ratelimit fault is a 429")
        delay = self.delay
        if isinstance(delay, bool) or not isinstance(delay, int | float):
            raise TypeError(f"a slow fault's delay must be a number of seconds, got {delay!r}")
        if not (math.isfinite(delay) and 0 <= delay <= MAX_DELAY):
            raise ValueError(f"a slow fault's delay must be 0-{MAX_DELAY:g} seconds, got {delay!r}")
        if not _whole(self.retry_after) or not 0 <= self.retry_after <= MAX_RETRY_AFTER:
            raise ValueError(
                f"Retry-After must be 0-{MAX_RETRY_AFTER} whole seconds, got {self.retry_after!r}"
            )


FaultSpec = Fault | int | str


def parse_fault(spec: FaultSpec) -> Fault:
    """Accept ``503``, ``"503"``, ``"html502"``, ``"html200"``, ``429``, ``"drop"``, ``"truncate"``,
    ``"slow"`` or ``"slow:1.5"``, or a ready ``Fault``."""
    if isinstance(spec, Fault):
        return spec
    if not (_whole(spec) or isinstance(spec, str)):
        raise ValueError(f"a fault is a status code or a name, got {spec!r}")
    if isinstance(spec, int) or (spec.isascii() and spec.isdigit()):
        status = int(spec)
        return Fault("ratelimit", 429) if status == 429 else Fault("status", status)
    if spec.startswith("html") and spec[4:].isascii() and spec[4:].isdigit():
        return Fault("html", int(spec[4:]))
    if spec == "drop":
        return Fault("drop")
    if spec == "truncate":
        return Fault("truncate")
    if spec == "slow":
        return Fault("slow")
    if spec.startswith("slow:"):
        try:
            delay = float(spec[5:])
        except ValueError:
            raise ValueError(f"a slow fault is 'slow:<seconds>', got {spec!r}") from None
        return Fault("slow", delay=delay)
    raise ValueError(f"unknown fault {spec!r}")


def matches_prefix(path: str, prefix: str) -> bool:
    """Segment-aware prefix test: "/sequences" matches "/sequences/x/recipients" only."""
    if prefix in ("", "/"):
        return True
    prefix = prefix.rstrip("/")
    return path == prefix or path.startswith(prefix + "/")


@dataclass
class _Schedule:
    prefix: str
    by_ordinal: dict[int, Fault]
    seen: int = 0


@dataclass
class _RandomRule:
    prefix: str
    rate: float
    kinds: list[Fault]
    rng: random.Random = field(repr=False)


class Faults:
    """The fault plan of one simulator; paths are relative to /v1 (e.g. "/sequences")."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._schedules: list[_Schedule] = []
        self._random: list[_RandomRule] = []

    def schedule(
        self,
        path_prefix: str,
        faults: Sequence[FaultSpec] = (),
        *,
        at: Sequence[int] | None = None,
        statuses: Sequence[int] | None = None,
    ) -> None:
        """Fault the next matching requests in order, or the ``at``-th ones (1-based,
        counted from now): ``schedule("/sequences", [503, 503], at=[3, 4])``."""
        specs = list(faults) + list(statuses or ())
        if not specs:
            raise ValueError("schedule needs at least one fault")
        ordinals = list(at) if at is not None else list(range(1, len(specs) + 1))
        if len(ordinals) != len(specs):
            raise ValueError("'at' must name one ordinal per fault")
        if not all(_whole(n) and n >= 1 for n in ordinals) or len(set(ordinals)) != len(ordinals):
            raise ValueError("'at' must hold distinct whole ordinals >= 1")
        plan = {n: parse_fault(s) for n, s in zip(ordinals, specs, strict=True)}
        with self._lock:
            self._schedules.append(_Schedule(path_prefix, plan))

    def burst_429(self, path_prefix: str, count: int, *, retry_after: int = 1) -> None:
        self.schedule(path_prefix, [Fault("ratelimit", 429, retry_after=retry_after)] * count)

    def random(
        self,
        rate: float,
        *,
        seed: int = 0,
        kinds: Sequence[FaultSpec] = (500, 502, 503, 504),
        path_prefix: str = "/",
    ) -> None:
        """Fault each matching request with probability ``rate``, reproducibly."""
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be a number within [0, 1], got {rate!r}")
        if not kinds:
            raise ValueError("random faults need at least one kind")
        rule = _RandomRule(path_prefix, rate, [parse_fault(k) for k in kinds], random.Random(seed))
        with self._lock:
            self._random.append(rule)

    def clear(self) -> None:
        with self._lock:
            self._schedules.clear()
            self._random.clear()

    def pick(self, api_path: str) -> Fault | None:
        """The fault for this request, if any; every matching plan counts the request."""
        chosen: Fault | None = None
        with self._lock:
            for sched in self._schedules:
                if matches_prefix(api_path, sched.prefix):
                    sched.seen += 1
                    fault = sched.by_ordinal.pop(sched.seen, None)
                    if chosen is None and fault is not None:
                        chosen = fault
            self._schedules = [s for s in self._schedules if s.by_ordinal]
            for rule in self._random:
                if matches_prefix(api_path, rule.prefix):
                    hit = rule.rng.random() < rule.rate
                    fault = rule.rng.choice(rule.kinds)
                    if chosen is None and hit:
                        chosen = fault
        return chosen
