"""The HTTP session every request of the tap goes through: one origin, bounded answers.

* **No redirects.** ``requests`` strips ``Authorization`` on a redirect to another host but
  not a custom header such as ``X-API-Token``, so following a redirect could hand the
  token to whoever the ``Location`` names. This session follows none, whatever a caller
  asks; a 3xx ends the request with :class:`RedirectRefused`, before its body is read.
* **A deadline per response.** ``requests``' ``timeout`` bounds each socket read, not the
  response: a server trickling a byte a second keeps a request alive for as long as it
  likes. Every request is handed to one watchdog thread (for the whole process, not one
  per request), which shuts the socket down when the deadline passes, ending any read in
  progress; the session then raises :class:`ResponseDeadlineExceeded`, a ``Timeout``
  the streams retry.
* **A size cap per response.** The body, decompressed, is read in one loop that stops at
  ``max_response_bytes``, error bodies included, with :class:`ResponseTooLarge`; urllib3
  (2.7 or later) decompresses no more than each read asks for, so a small compressed
  body that inflates to gigabytes costs at most the cap in memory.
* **Proxies.** A loopback address never goes through a proxy (the token would travel in
  clear to it). For any other host, ``HTTP(S)_PROXY``/``NO_PROXY`` apply as ``requests``
  applies them, worked out once per scheme and host instead of for every request.
"""

from __future__ import annotations

import contextlib
import heapq
import ipaddress
import itertools
import re
import socket
import threading
import time
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import resolve_proxies
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
# How much of a body one read asks for: also the most urllib3 inflates at once.
READ_CHUNK_BYTES = 256 * 1024
# A watchdog with nothing to watch for this long ends its thread; the next request starts one.
_IDLE_SECONDS = 30.0
# What of a Location header a log line may repeat: a host name, address and port.
_HOST_CHARACTERS = re.compile(r"[^A-Za-z0-9.:\[\]_-]")
_MAX_HOST_LENGTH = 100

_current = threading.local()


class ResponseDeadlineExceeded(requests.exceptions.Timeout):
    """The whole response did not arrive within the deadline."""


class ResponseRefused(Exception):
    """An answer the tap will not take: retrying it would get the same answer."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class RedirectRefused(ResponseRefused):
    """The server answered a redirect, which the tap never follows."""


class ResponseTooLarge(ResponseRefused):
    """A body grew past ``max_response_bytes`` after decompression."""


class _Watch:
    """One request in flight: its deadline, its socket, and whether the deadline passed."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self.fired = False
        self.finished = False

    def attach(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            if self.fired:
                _shut(sock)

    def fire(self) -> None:
        with self._lock:
            if self.finished:
                return
            self.fired = True
            if self._sock is not None:
                _shut(self._sock)

    def finish(self) -> None:
        with self._lock:
            self.finished = True
            self._sock = None


class _Watchdog:
    """One thread that fires every watch whose deadline passes before it is finished."""

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._due: list[tuple[float, int, _Watch]] = []
        self._order = itertools.count()
        self._running = False

    def watch(self, seconds: float) -> _Watch:
        watch = _Watch(time.monotonic() + seconds)
        with self._wake:
            heapq.heappush(self._due, (watch.deadline, next(self._order), watch))
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="response-deadlines", daemon=True).start()
            elif self._due[0][2] is watch:
                self._wake.notify()
        return watch

    def _run(self) -> None:
        with self._wake:
            while True:
                # Finished watches leave the queue when they reach its front.
                while self._due and self._due[0][2].finished:
                    heapq.heappop(self._due)
                if not self._due:
                    if not self._wake.wait(_IDLE_SECONDS) and not self._due:
                        self._running = False
                        return
                    continue
                deadline, _, watch = self._due[0]
                delay = deadline - time.monotonic()
                if delay > 0:
                    self._wake.wait(delay)
                    continue
                heapq.heappop(self._due)
                watch.fire()


_WATCHDOG = _Watchdog()


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
    """A session that follows no redirect, gives each response at most
    ``deadline_seconds`` and ``max_response_bytes`` (body included, decompressed), and
    sends nothing for a loopback address through a proxy."""

    def __init__(self, deadline_seconds: float, max_response_bytes: int) -> None:
        super().__init__()
        self.deadline_seconds = deadline_seconds
        self.max_response_bytes = max_response_bytes
        self.max_redirects = 0
        self._proxies_by_origin: dict[tuple[str, str], dict[str, str]] = {}
        for prefix in ("http://", "https://"):
            self.mount(prefix, _WatchedAdapter())

    @classmethod
    def for_settings(cls, config: Mapping[str, Any]) -> DeadlineSession:
        """The session for a run with these (already checked) settings."""
        return cls(
            float(config.get("request_timeout", 60)),
            int(config.get("max_response_bytes", DEFAULT_MAX_RESPONSE_BYTES)),
        )

    def get_redirect_target(self, resp: requests.Response) -> None:
        """No redirect is ever followed (``requests`` asks this before following one)."""
        return

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # noqa: ANN401
        kwargs["allow_redirects"] = False
        kwargs["stream"] = True  # the body is read below, within the cap and the deadline
        kwargs["proxies"] = self._proxies(request)
        outer = getattr(_current, "watch", None)
        watch = _current.watch = _WATCHDOG.watch(self.deadline_seconds)
        try:
            response = super().send(request, **kwargs)
            _refuse_redirect(response)
            self._read_body(response, watch)
        except requests.RequestException:
            if watch.fired:
                raise self._late() from None
            raise
        finally:
            watch.finish()
            _current.watch = outer
        return response

    def _read_body(self, response: requests.Response, watch: _Watch) -> None:
        """Read the whole body into ``response``, or close it and raise."""
        try:
            body = self._bounded_body(response)
        except BaseException:
            response.close()
            raise
        if watch.fired:
            # A body read until the connection closes ends quietly when it is shut.
            raise self._late()
        # requests keeps a read body here; there is no public way to hand it one. Its
        # readers (`json()`, `text`, msgspec) take any bytes-like, so no copy to bytes.
        response._content = body  # type: ignore[assignment]

    def _bounded_body(self, response: requests.Response) -> bytearray:
        """The body, read up to ``max_response_bytes``: a ``bytearray`` as read, never
        copied to ``bytes`` (requests and msgspec read it as they read bytes)."""
        body = bytearray()
        limit = self.max_response_bytes
        for chunk in response.iter_content(READ_CHUNK_BYTES):
            body += chunk
            if len(body) > limit:
                msg = (
                    f"the response grew past max_response_bytes ({limit:,} bytes); "
                    "raise max_response_bytes if Mixmax's answers are really this large"
                )
                raise ResponseTooLarge(_path(response.request), msg)
        return body

    def _proxies(self, request: requests.PreparedRequest) -> dict[str, str]:
        parts = urlsplit(request.url or "")
        if is_loopback(parts.hostname or ""):
            return {}
        origin = (parts.scheme, parts.netloc)
        proxies = self._proxies_by_origin.get(origin)
        if proxies is None:
            proxies = resolve_proxies(request, dict(self.proxies), self.trust_env)
            self._proxies_by_origin[origin] = proxies
        return proxies

    def _late(self) -> ResponseDeadlineExceeded:
        return ResponseDeadlineExceeded(
            f"no complete response within {self.deadline_seconds:g} s (request_timeout)"
        )


def _refuse_redirect(response: requests.Response) -> None:
    status = response.status_code
    if not HTTPStatus.MULTIPLE_CHOICES <= status < HTTPStatus.BAD_REQUEST:
        return
    response.close()  # its body is never read
    location = response.headers.get("Location", "")
    host = urlsplit(location).netloc if "//" in location else ""
    host = _HOST_CHARACTERS.sub("?", host)[:_MAX_HOST_LENGTH] or "the same host"
    msg = (
        f"HTTP {status} redirect to {host} refused: the tap sends its token only to "
        "api_url's host and follows no redirect; set api_url to the address that answers"
    )
    raise RedirectRefused(_path(response.request), msg)


def _path(request: requests.PreparedRequest | None) -> str:
    url = request.url if request is not None else None
    return urlsplit(url or "").path or "/"


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
