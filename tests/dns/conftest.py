"""DNS tests talk to the local test server only: every socket's connect and sendto are checked
to go to 127.0.0.1, so a resolver that fell back to the system's nameservers fails the test."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor.testing.dns_server import DnsServer, Zone

ZONES = Path(__file__).parent / "zones"
LOCAL = {"127.0.0.1", "::1", "localhost"}


class NonLocalAddress(AssertionError):
    pass


def _check(address: Any) -> None:
    host = address[0] if isinstance(address, tuple) else None
    if host is not None and host not in LOCAL:
        raise NonLocalAddress(f"a test tried to reach {address}: only 127.0.0.1 is allowed")


@pytest.fixture(autouse=True)
def local_only(monkeypatch: pytest.MonkeyPatch) -> None:
    connect, connect_ex, sendto = (
        socket.socket.connect,
        socket.socket.connect_ex,
        socket.socket.sendto,
    )

    def guarded_connect(self: socket.socket, address: Any) -> None:
        _check(address)
        connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        _check(address)
        return connect_ex(self, address)

    def guarded_sendto(self: socket.socket, data: bytes, *args: Any) -> int:
        _check(args[-1])
        return sendto(self, data, *args)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket.socket, "sendto", guarded_sendto)


@pytest.fixture
def dns_server() -> Iterator[DnsServer]:
    with DnsServer(Zone.load(ZONES / "domains.yaml")) as server:
        yield server


@pytest.fixture
def demo_server() -> Iterator[DnsServer]:
    zone = Path(__file__).parents[2] / "examples" / "demo-dns-zone.yaml"
    with DnsServer(Zone.load(zone)) as server:
        yield server
