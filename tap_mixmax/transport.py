"""The HTTP session every stream shares: one deadline per response, proxies found once.

requests' ``timeout`` bounds each socket read, not the response: a server trickling one
byte a second keeps a request alive for as long as it likes. Here a timer shuts the
socket down when the deadline passes, which ends any read in progress at once; the
session then raises :class:`ResponseDeadlineExceeded`, a ``Timeout`` the SDK retries.

requests also re-reads ``HTTP(S)_PROXY``/``NO_PROXY`` (and may ask the platform) for every
request it sends; the answer cannot change during a run, so it is worked out once per
scheme and host and handed to each send, with the same rules ``requests`` applies.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import resolve_proxies
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current = threading.local()


class ResponseDeadlineExceeded(requests.exceptions.Timeout):
    """The whole response did not arrive within the deadline."""


class _Watch:
    """The socket of one request in flight, and whether its deadline has passed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self.fired = False

    def attach(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            if self.fired:
                _shut(sock)

    def fire(self) -> None:
        with self._lock:
            self.fired = True
            if self._sock is not None:
                _shut(self._sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed: nothing left to interrupt
        sock.shutdown(socket.SHUT_RDWR)


def _watch_socket(connection: HTTPConnection) -> None:
    watch = getattr(_current, "watch", None)
    if watch is not None and connection.sock is not None:
        watch.attach(connection.sock)


class _WatchedHTTPConnection(HTTPConnection):
    def getresponse(self, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        # The request has been sent: from here on only reads remain to be bounded.
        _watch_socket(self)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def getresponse(self, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        _watch_socket(self)
        return super().getresponse(*args, **kwargs)


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


class DeadlineSession(requests.Session):
    """A session that gives each response at most ``deadline_seconds``, body included,
    and resolves proxies from the environment once per scheme and host."""

    def __init__(self, deadline_seconds: float) -> None:
        super().__init__()
        self.deadline_seconds = deadline_seconds
        self._proxies_by_origin: dict[tuple[str, str], dict[str, str]] = {}
        for prefix in ("http://", "https://"):
            self.mount(prefix, _WatchedAdapter())

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # noqa: ANN401
        if "proxies" not in kwargs and request.url:
            parts = urlsplit(request.url)
            origin = (parts.scheme, parts.netloc)
            proxies = self._proxies_by_origin.get(origin)
            if proxies is None:
                proxies = resolve_proxies(request, dict(self.proxies), self.trust_env)
                self._proxies_by_origin[origin] = proxies
            kwargs["proxies"] = proxies
        outer = getattr(_current, "watch", None)
        watch = _current.watch = _Watch()
        timer = threading.Timer(self.deadline_seconds, watch.fire)
        timer.daemon = True
        timer.start()
        try:
            # Unless streamed, requests reads the whole body before returning.
            response = super().send(request, **kwargs)
        except requests.RequestException:
            if watch.fired:
                raise self._late() from None
            raise
        finally:
            timer.cancel()
            _current.watch = outer
        if watch.fired:
            # A body read until the connection closes ends quietly when it is shut.
            raise self._late()
        return response

    def _late(self) -> ResponseDeadlineExceeded:
        return ResponseDeadlineExceeded(
            f"no complete response within {self.deadline_seconds:g} s (request_timeout)"
        )


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
