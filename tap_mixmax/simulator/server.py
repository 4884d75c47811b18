"""The HTTP transport: a threaded HTTP/1.1 keep-alive server in front of ``Api``.

Order of work for an API request: rate limit (per token, or per client address without one)
→ injected fault → auth and routing → log → after-response hooks → send. Hooks run after the
response is final but before its bytes leave, so a hook's inserts can never race the client's
next request, which is what "between page requests" needs; for the client this is
indistinguishable from running them after the send.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, cast
from urllib.parse import parse_qs, urlsplit

from .endpoints import MSG_NOT_FOUND, MSG_RATE_LIMITED, QueryError, Response, error
from .faults import Fault
from .requestlog import LoggedRequest, redact_query

if TYPE_CHECKING:
    from .app import Simulator

_HTML_ERROR = (
    "<html><head><title>{code} {reason}</title></head><body><center><h1>{code} {reason}</h1>"
    "</center><hr><center>nginx</center></body></html>"
)

# Admin bodies are small JSON documents; anything larger is refused unread.
MAX_BODY_BYTES = 1_000_000


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], simulator: Simulator) -> None:
        self.simulator = simulator
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, Handler)

    def track(self, sock: socket.socket, alive: bool) -> None:
        with self._open_lock:
            if alive:
                self._open.add(sock)
            else:
                self._open.discard(sock)

    def close_connections(self) -> None:
        """Unblock keep-alive threads still waiting on idle clients at shutdown."""
        with self._open_lock:
            socks = list(self._open)
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients that vanish mid-response are routine in fault tests; stay quiet.
        return


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mixmax-simulator"
    timeout = 120

    @property
    def sim(self) -> Simulator:
        return cast(SimulatorHTTPServer, self.server).simulator

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        cast(SimulatorHTTPServer, self.server).track(self.connection, True)

    def finish(self) -> None:
        cast(SimulatorHTTPServer, self.server).track(self.connection, False)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    # ---------------------------------------------------------------------------------------

    def _read_body(self) -> bytes | None:
        """The request body, or None when its framing cannot be trusted."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        if length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
        body = self._read_body()
        if body is None:
            # The rest of the stream cannot be parsed as requests: answer, then hang up.
            self.close_connection = True
            self._send(error(400, "Unsupported request body framing"))
            return
        if path.startswith("/_admin/"):
            if not self._admin_host():
                # A web page's script (DNS rebinding) names its own host, not this one.
                self._send(error(403, "admin routes answer only for this machine's address"))
                return
            content_type = self.headers.get("Content-Type")
            self._send(self.sim.admin.handle(self.command, path, body, content_type))
            return
        self._api(path, query)

    def _admin_host(self) -> bool:
        """Whether the request's Host names a loopback address or the address served."""
        host = urlsplit("//" + self.headers.get("Host", "")).hostname or ""
        served = str(cast("tuple[str, int]", self.server.server_address)[0])
        if host in {"localhost", served}:
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def _api(self, path: str, query: dict[str, list[str]]) -> None:
        sim = self.sim
        received_at, started = time.time(), time.monotonic()
        api_path = path[3:] if path == "/v1" or path.startswith("/v1/") else None
        token = self.headers.get("X-API-Token") or next(iter(query.get("apiToken", [])), None)
        account = sim.api.accounts.get(token) if token else None
        user_id = account.user_id if account else None
        config = sim.limiter.config
        identity = config.identity(token, self.client_address[0]) if config else ""
        decision = sim.limiter.check(identity)
        fault: Fault | None = None
        if decision is not None and not decision.allowed:
            response = error(429, MSG_RATE_LIMITED, user_id)
        else:
            fault = sim.faults.pick(api_path if api_path is not None else path)
            try:
                response = self._answer(fault, api_path, query, token, user_id)
            except QueryError as exc:
                response = error(400, str(exc), user_id)
        if decision is not None:
            response.headers.extend(decision.headers())
        if fault is not None and fault.kind == "ratelimit":
            # An injected 429 is a burst from the limiter's point of view: no budget spent.
            sim.limiter.refund(identity)
            response.headers = [h for h in response.headers if h[0] != "X-RateLimit-Remaining"]
            response.headers += [
                ("X-RateLimit-Remaining", "0"),
                ("Retry-After", str(fault.retry_after)),
            ]
        dropped = fault is not None and fault.kind == "drop"
        logged = LoggedRequest(
            method=self.command,
            path=path,
            query=redact_query(query),
            status=0 if dropped else response.status,
            user_id=response.user_id or user_id,
            fault=fault.kind if fault else None,
            at=received_at,
            elapsed=time.monotonic() - started,
        )
        sim.log.append(logged)
        sim.log.run_hooks(logged)
        if dropped:
            self._drop()
        else:
            self._send(response, truncate=fault is not None and fault.kind == "truncate")

    def _answer(
        self,
        fault: Fault | None,
        api_path: str | None,
        query: dict[str, list[str]],
        token: str | None,
        user_id: str | None,
    ) -> Response:
        if fault is not None:
            injected = self._fault_response(fault, user_id)
            if injected is not None:
                return injected
            if fault.kind == "slow":
                time.sleep(fault.delay)
        if api_path is None:
            return error(404, MSG_NOT_FOUND, user_id)
        return self.sim.api.handle(self.command, api_path, query, token)

    @staticmethod
    def _fault_response(fault: Fault, user_id: str | None) -> Response | None:
        if fault.kind == "status":
            return error(fault.status, _reason(fault.status), user_id)
        if fault.kind == "html":
            reason = _reason(fault.status)
            page = _HTML_ERROR.format(code=fault.status, reason=reason).encode()
            return Response(fault.status, page, "text/html", user_id=user_id)
        if fault.kind == "ratelimit":
            return error(429, MSG_RATE_LIMITED, user_id)
        return None

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, response: Response, *, truncate: bool = False) -> None:
        lines = [
            f"HTTP/1.1 {response.status} {_reason(response.status)}",
            "Server: mixmax-simulator",
            f"Date: {self.date_time_string()}",
            f"Content-Type: {response.content_type}",
            f"Content-Length: {len(response.body)}",
        ]
        lines.extend(f"{name}: {value}" for name, value in response.headers)
        if truncate or self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        payload = response.body[: len(response.body) // 2] if truncate else response.body
        try:
            self.wfile.write(head + payload)
            self.wfile.flush()
        except OSError:
            self.close_connection = True
            return
        if truncate:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
