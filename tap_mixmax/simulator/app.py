"""``Simulator``: seeded data + the HTTP server + the knobs tests turn."""

from __future__ import annotations

import ipaddress
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from . import seed as seed_module
from . import topology
from .admin import AdminApi
from .endpoints import Account, Api, SearchEnvelope
from .faults import Faults
from .livefeed import LiveFeed
from .ratelimit import RateLimit, RateLimiter
from .requestlog import DEFAULT_LOG_SIZE, Hook, LoggedRequest, RequestLog
from .server import SimulatorHTTPServer
from .store import Store
from .undeclared import with_undeclared, without_undeclared

_METEOR_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz"
_DEFAULT_RATE_LIMIT = RateLimit()


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` resolves to is a loopback one (OSError if it does not
    resolve)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


class ObjectIdFactory:
    """ObjectIds = 4-byte clock seconds + 5-byte process value + 3-byte counter, so ids made
    by one simulator increase with its (injectable) clock, as from one Mongo client."""

    def __init__(self, rng: random.Random, clock: Callable[[], float]) -> None:
        self._process = rng.getrandbits(40)
        self._counter = rng.randrange(1 << 23)
        self._clock = clock
        self._lock = threading.Lock()
        self._last = ""

    def __call__(self) -> str:
        with self._lock:
            self._counter = (self._counter + 1) % (1 << 24)
            made = f"{int(self._clock()) & 0xFFFFFFFF:08x}{self._process:010x}{self._counter:06x}"
            if made <= self._last:
                # Counter wrap within one second: keep the promise that ids only increase.
                made = f"{int(self._last, 16) + 1:024x}"
            self._last = made
            return made


class Simulator:
    """A local Mixmax API. ``with Simulator() as sim:`` serves on ``sim.base_url``."""

    def __init__(
        self,
        seed: int = 1,
        scale: float = 1.0,
        rate_limit: RateLimit | None = _DEFAULT_RATE_LIMIT,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        clock: Callable[[], float] = time.time,
        dataset: seed_module.Dataset | None = None,
        search_envelope: SearchEnvelope = "search",
        max_limits: dict[str, int] | None = None,
        log_size: int = DEFAULT_LOG_SIZE,
        allow_remote: bool = False,
        undeclared_fields: bool = False,
        strict_limits: bool = False,
        users: int = 2,
    ) -> None:
        if isinstance(scale, bool) or not isinstance(scale, int | float) or not scale >= 0:
            raise ValueError(f"scale must be a number >= 0, got {scale!r}")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError(f"port must be 0-65535 (0 picks a free one), got {port!r}")
        self.seed = seed
        self.scale = scale
        self.host = host
        self.allow_remote = allow_remote
        self._requested_port = port
        self._clock = clock
        if dataset is None:
            dataset = seed_module.generate_users(seed, scale, users)
        data = dataset
        self._rng = random.Random(f"simulator-inserts-{seed}")
        self._new_oid = ObjectIdFactory(random.Random(f"simulator-oids-{seed}"), clock)
        self.store = Store(dict(topology.BY_KEY))
        self._users: dict[str, seed_module.User] = {}
        accounts: dict[str, Account] = {}
        for user in data.users:
            self._users[user.token] = user
            accounts[user.token] = Account(user.user_id, set(user.features))
        for collection, docs in data.collections.items():
            for item in docs:
                self.store.add(collection, item.doc, item.readers, item.parent_id)
        self.api = Api(
            self.store, accounts, LiveFeed(self.store, clock), search_envelope=search_envelope
        )
        for route, cap in (max_limits or {}).items():
            self.api.set_max_limit(route, cap)
        self.api.strict_limits = strict_limits
        self.limiter = RateLimiter(rate_limit, clock)
        self.faults = Faults()
        self.log = RequestLog(log_size)
        self.admin = AdminApi(self)
        self.undeclared_fields = False
        self.set_undeclared_fields(undeclared_fields)
        self._server: SimulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -----------------------------------------------------------------------------

    def start(self) -> Simulator:
        if self._server is not None:
            return self
        if not self.allow_remote and not is_loopback(self.host):
            raise ValueError(
                f"refusing to serve on {self.host}, which is not a loopback address: the "
                "simulator's admin routes and test tokens have no protection; pass "
                "allow_remote=True (--allow-remote) to serve other machines anyway"
            )
        self._server = SimulatorHTTPServer((self.host, self._requested_port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="mixmax-simulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def tokens(self) -> dict[str, str]:
        """Short name -> token, e.g. {"ada": "sim-token-ada", "bob": "sim-token-bob"}."""
        return {token.removeprefix("sim-token-"): token for token in self._users}

    # data ----------------------------------------------------------------------------------

    def _user_id(self, token: str) -> str:
        account = self.api.accounts.get(token)
        if account is None:
            raise KeyError(f"unknown token {token!r}")
        return account.user_id

    def visible(
        self,
        collection: str,
        token: str,
        parent_id: str | None = None,
        *,
        include_shared: bool = False,
    ) -> list[dict[str, Any]]:
        """What the API would list for this user, newest first, full docs (no projection,
        no expansion; recipients without ``variables``); ``include_shared``: contacts as
        ``includeShared=true`` lists them."""
        user = self._user_id(token)
        if include_shared and collection == "contacts":
            view = self.api.shared_contacts(user)
        else:
            view = self.store.view(collection, user, parent_id)
        return [entry.public_doc() for entry in reversed(view.entries)]

    def insert(
        self,
        collection: str,
        doc: dict[str, Any] | None = None,
        *,
        token: str = "sim-token-ada",  # noqa: S107 - the demo user's public token
        _id: str | None = None,
        parent_id: str | None = None,
    ) -> dict[str, Any]:
        spec = self.store.spec(collection)
        owner = self._users.get(token)
        if owner is None:
            raise KeyError(f"unknown token {token!r}")
        parent_name = topology.CHILDREN.get(collection)
        parent_entry = None
        if parent_name is not None:
            if parent_id is None:
                raise ValueError(f"{collection} needs a parent_id")
            parent_entry = self.store.get(parent_name, parent_id)
            if parent_entry is None:
                raise KeyError(f"no {parent_name} with _id {parent_id!r}")
        with self.store.lock:
            if doc is None:
                doc = seed_module.new_doc(
                    collection,
                    rng=self._rng,
                    owner=owner,
                    now_ms=int(self._clock() * 1000),
                    parent=parent_entry.public_doc() if parent_entry else None,
                )
                generated = True
            else:
                doc = dict(doc)
                generated = False
            assert doc is not None
            if _id is not None:
                doc[spec.id_field] = _id
            elif spec.sort_field == "_id" and spec.id_field == "_id":
                if generated or "_id" not in doc:
                    doc["_id"] = self._new_oid()
            elif spec.id_field not in doc:
                doc[spec.id_field] = "".join(self._rng.choices(_METEOR_ALPHABET, k=17))
            if self.undeclared_fields:
                doc = with_undeclared(doc)
            readers: Iterable[str] = (
                parent_entry.readers if parent_entry is not None else {owner.user_id}
            )
            entry = self.store.add(collection, doc, readers, parent_id)
            return entry.public_doc(reveal=spec.hidden)

    def update(self, collection: str, _id: str, changes: dict[str, Any]) -> dict[str, Any]:
        entry = self.store.update(collection, _id, changes)
        return entry.public_doc(reveal=entry.spec.hidden)

    def delete(self, collection: str, _id: str) -> None:
        with self.store.lock:
            self.store.delete(collection, _id)
            if collection == "messages" and self.store.get("livefeed", _id) is not None:
                # A live-feed row is the tracked message itself; it goes with it.
                self.store.delete("livefeed", _id)

    def add_user(self, name: str, *, features: Iterable[str] = ("mixmaxApi",)) -> str:
        """A new user with token ``sim-token-<name>`` and its singletons; returns the token.

        It starts with no objects: ``insert(..., token=)`` gives it its own, ``share`` lets
        it read another user's.
        """
        token = f"sim-token-{name}"
        if token in self._users:
            raise ValueError(f"a user named {name!r} exists already")
        with self.store.lock:
            user = seed_module.User(
                token,
                "".join(self._rng.choices(_METEOR_ALPHABET, k=17)),
                f"{name}@mixmax-sim.example",
                name.title(),
                frozenset(features),
            )
            self._users[token] = user
            self.api.accounts[token] = Account(user.user_id, set(user.features))
            for collection in seed_module.SINGLETON_COLLECTIONS:
                doc = seed_module.new_doc(
                    collection, rng=self._rng, owner=user, now_ms=int(self._clock() * 1000)
                )
                self.store.add(collection, doc, {user.user_id})
        return token

    def share(self, collection: str, _id: str, token: str) -> None:
        """Let ``token``'s user read a top-level object and every child row under it."""
        user_id = self._user_id(token)
        with self.store.lock:
            entry = self.store.get(collection, _id)
            if entry is None:
                raise KeyError(f"no {collection} with _id {_id!r}")
            self.store.add(collection, entry.doc, entry.readers | {user_id}, entry.parent_id)
            for child, parent in topology.CHILDREN.items():
                if parent != collection:
                    continue
                for row in self.store.children(child, _id):
                    self.store.add(child, row.doc, row.readers | {user_id}, row.parent_id)

    def revoke(self, token: str) -> None:
        """Make Mixmax refuse ``token`` from now on (401), as when a user revokes it."""
        with self.store.lock:
            if self.api.accounts.pop(token, None) is None:
                raise KeyError(f"unknown token {token!r}")

    # knobs ---------------------------------------------------------------------------------

    def set_rate_limit(self, rate_limit: RateLimit | None) -> None:
        self.limiter.configure(rate_limit)

    def set_undeclared_fields(self, enabled: bool) -> None:
        """Give every document, stored and inserted from now on, properties no schema
        declares (``undeclared.py``), or take them away again."""
        with self.store.lock:
            if enabled == self.undeclared_fields:
                return
            self.undeclared_fields = enabled
            change = with_undeclared if enabled else without_undeclared
            for collection in self.store.specs:
                for entry in self.store.all_entries(collection):
                    self.store.add(collection, change(entry.doc), entry.readers, entry.parent_id)

    def set_ignore_previous(self, enabled: bool) -> None:
        """Make every cursor route ignore ``previous`` and answer the newest page."""
        self.api.ignore_previous = enabled

    def set_older_member_shape(self, enabled: bool) -> None:
        """Serve /teams/:id/members rows in the older documented shape, without
        ``memberId`` (``endpoints.older_member``)."""
        self.api.older_member_shape = enabled

    def set_strict_limits(self, enabled: bool) -> None:
        """Make /sequences/:id/recipients answer 400 to a ``limit`` above its cap (50 by
        default) instead of lowering it."""
        self.api.strict_limits = enabled

    def set_max_limit(self, route: str, n: int) -> None:
        self.api.set_max_limit(route, n)

    def set_search_envelope(self, envelope: SearchEnvelope) -> None:
        """Serve /meetings/summaries/search with search()'s ``{results, next?}`` ("search",
        the default) or find()'s cursor envelope ("find")."""
        self.api.set_search_envelope(envelope)

    def retire(self, path_prefix: str, status: int | None = 404) -> None:
        """Make every route under ``path_prefix`` (e.g. "/contacts") answer 404 or 410, as a
        retired Mixmax endpoint would; ``status=None`` brings it back."""
        self.api.retire(path_prefix, status)

    def set_feature(self, token: str, feature: str, enabled: bool) -> None:
        account = self.api.accounts.get(token)
        if account is None:
            raise KeyError(f"unknown token {token!r}")
        if enabled:
            account.features.add(feature)
        else:
            account.features.discard(feature)

    # observability -------------------------------------------------------------------------

    @property
    def requests(self) -> list[LoggedRequest]:
        return self.log.items

    def count(self, path_prefix: str | None = None, status: int | None = None) -> int:
        return self.log.count(path_prefix, status)

    def clear_log(self) -> None:
        self.log.clear()

    def after_response(self, callback: Hook) -> Callable[[], None]:
        return self.log.add_hook(callback)

    def clear_hooks(self) -> None:
        self.log.clear_hooks()
