"""Building blocks of the simulator's seed data: ids, clocks, timestamp encodings, word pools.

Everything here is deterministic given a ``random.Random``; nothing reads the wall clock.

Id shapes (docs/mixmax-api.md §3.8):

* **ObjectId**: 24 lowercase hex characters = 4-byte big-endian creation second, 5-byte
  "process" value, 3-byte counter. Lexicographic order of fixed-width lowercase hex equals
  byte order, so ids sort by creation second first.
* **Meteor id**: 17 characters from Meteor's "unmistakable" alphabet (no 0/1/I/O/l/V/U...):
  users, messages (and so live-feed rows), teams, team members.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TypeVar

T = TypeVar("T")

# Fixed reference "now" of the seed data: every seeded object was created before it, so the
# data does not depend on the day it is generated. A server inserting objects later should
# use a clock at or after this instant (the wall clock is, since this date has passed).
REFERENCE_MS = 1_793_491_200_000  # 2026-11-01T00:00:00.000Z
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000
SPAN_MS = 730 * DAY_MS  # creation times spread over the two years before REFERENCE_MS

_HEX = "0123456789abcdef"
METEOR_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz"
_COUNTER_MOD = 1 << 24


def object_id(seconds: int, counter: int | random.Random, process: str = "5eed5eed00") -> str:
    """Return a 24-hex ObjectId for creation second ``seconds``.

    ``counter`` is either the 3-byte counter itself (taken modulo 2**24) or a
    ``random.Random`` from which one is drawn (for one-off inserts, where ordering within
    the same second does not matter). ``process`` is the 5-byte machine/process field as
    10 lowercase hex characters. ``seconds`` must fit in 4 bytes.
    """
    if not 0 <= seconds < 1 << 32:
        raise ValueError(f"ObjectId seconds out of range: {seconds}")
    if len(process) != 10 or any(ch not in _HEX for ch in process):
        raise ValueError(f"ObjectId process must be 10 lowercase hex characters: {process!r}")
    value = counter.randrange(_COUNTER_MOD) if isinstance(counter, random.Random) else counter
    return f"{seconds:08x}{process}{value % _COUNTER_MOD:06x}"


def object_id_seconds(oid: str) -> int:
    """The creation second embedded in an ObjectId."""
    return int(oid[:8], 16)


def meteor_id(rng: random.Random) -> str:
    """A 17-character Meteor-style random id."""
    value = rng.getrandbits(104)  # 55**17 < 2**99: the modulo bias is negligible
    chars = []
    for _ in range(17):
        value, index = divmod(value, 55)
        chars.append(METEOR_ALPHABET[index])
    return "".join(chars)


def pick(rng: random.Random, options: Sequence[T]) -> T:
    """``rng.choice`` without its overhead (this runs a few million times at scale 20)."""
    return options[int(rng.random() * len(options))]


def rint(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint(low, high)``, inclusive, without its overhead."""
    return low + int(rng.random() * (high - low + 1))


def iso(ms: int) -> str:
    """Epoch milliseconds as ISO 8601 with milliseconds and ``Z`` (Mixmax's ISO form)."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


class IdSource:
    """Per-dataset ObjectId factory: one process value, one increasing counter.

    Ids are handed out in creation order within each collection, so a collection's ``_id``
    order equals its creation order even when two objects share a second.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.process = f"{rng.getrandbits(40):010x}"
        self.counter = rng.randrange(1 << 20)

    def oid(self, ms: int) -> str:
        self.counter += 1
        return f"{ms // 1000:08x}{self.process}{self.counter % _COUNTER_MOD:06x}"


def creation_times(rng: random.Random, count: int, *, span_ms: int = SPAN_MS) -> list[int]:
    """``count`` sorted creation instants (ms) in the ``span_ms`` before REFERENCE_MS."""
    start = REFERENCE_MS - span_ms
    return sorted(start + int(rng.random() * (span_ms - HOUR_MS)) for _ in range(count))


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Word pools (all invented; no real people or companies).
FIRST_NAMES = _words(
    "Ada Bob Carla Dmitri Elena Farid Grace Hiro Ines Jonas Kemal Lena Mateo Nadia Oscar Priya "
    "Quinn Rosa Sami Tara Umar Vera Wen Ximena Yusuf Zoe Amara Bruno Chloe Dev Esme Felix Gita "
    "Hugo Ivy Jade Kofi Luca Mina Noor Otto Pia Rafael Sofia Theo Uma Vik Willa Yara Zane"
)
LAST_NAMES = _words(
    "Lovelace Builder Moreno Petrov Rossi Haddad Hopper Tanaka Silva Berg Yilmaz Novak Cruz "
    "Karimi Lind Shah Ortega Quist Sato Varga Ahmed Brandt Chen Diaz Evans Fischer Garcia Ito "
    "Jensen Kowalski Laurent Meyer Nguyen Okafor Park Reyes Schmidt Torres Weber Young"
)
COMPANIES = _words(
    "acme globex initech umbrella hooli piedpiper vandelay wonka stark wayne cyberdyne "
    "soylent tyrell aperture oscorp gringotts monarch nakatomi blueth dunder"
)
TLDS = ("com", "io", "co", "net", "org")
WORDS = _words(
    "quarterly outreach follow up intro demo pricing renewal onboarding webinar partner "
    "pipeline launch feedback survey invite meeting proposal contract trial expansion "
    "update kickoff review roadmap budget security integration report summary check-in"
)
TIMEZONES = (
    "America/New_York",
    "America/Los_Angeles",
    "America/Chicago",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Tokyo",
    "Australia/Sydney",
)
CITIES = (
    ("United States", "California", "San Francisco"),
    ("United States", "New York", "New York"),
    ("United States", "Texas", "Austin"),
    ("United Kingdom", "England", "London"),
    ("Germany", "Berlin", "Berlin"),
    ("Japan", "Tokyo", "Tokyo"),
    ("Brazil", "Sao Paulo", "Sao Paulo"),
)
OSES = ("Mac OS X", "Windows 10", "iOS", "Android", "Linux")
PROGRAMS = ("Gmail", "Outlook", "Apple Mail", "Chrome", "Safari")


def person(rng: random.Random) -> tuple[str, str]:
    """A random (name, lowercase email) pair of an external contact."""
    first = pick(rng, FIRST_NAMES)
    last = pick(rng, LAST_NAMES)
    company = pick(rng, COMPANIES)
    email = f"{first}.{last}{int(rng.random() * 100)}@{company}.{pick(rng, TLDS)}".lower()
    return f"{first} {last}", email


def phrase(rng: random.Random, words: int = 3) -> str:
    """A short capitalised phrase for names and subjects."""
    return " ".join([pick(rng, WORDS) for _ in range(words)]).capitalize()
