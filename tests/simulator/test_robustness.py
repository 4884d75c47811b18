"""Odd input gets a JSON answer, never a dropped connection or a desynchronised one."""

from __future__ import annotations

import base64
import socket

import requests

from tap_mixmax.simulator import Simulator
from tap_mixmax.simulator.seed import DEMO_TOKEN


def test_a_deeply_nested_cursor_is_a_400_not_a_crash(sim: Simulator) -> None:
    nested = base64.urlsafe_b64encode(b"[" * 20000 + b"]" * 20000).decode().rstrip("=")
    answer = requests.get(
        f"{sim.base_url}/contacts",
        params={"next": nested},
        headers={"X-API-Token": DEMO_TOKEN},
        timeout=10,
    )
    assert answer.status_code == 400
    assert "message" in answer.json()


def test_every_answer_is_dated(sim: Simulator) -> None:
    answer = requests.get(
        f"{sim.base_url}/users/me", headers={"X-API-Token": DEMO_TOKEN}, timeout=10
    )
    assert answer.headers["Date"].endswith(" GMT")


def raw_exchange(sim: Simulator, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", sim.port), timeout=10) as conn:
        conn.sendall(request)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    return received


def test_a_body_whose_framing_cannot_be_trusted_is_refused_and_the_connection_closed(
    sim: Simulator,
) -> None:
    chunked = (
        b"POST /_admin/reset-log HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n0\r\n\r\n"
    )
    answer = raw_exchange(sim, chunked)
    assert answer.startswith(b"HTTP/1.1 400")
    assert answer.count(b"HTTP/1.1") == 1  # the chunks were not read as another request
    bad_length = b"POST /_admin/reset-log HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"
    assert raw_exchange(sim, bad_length).startswith(b"HTTP/1.1 400")
