"""Helpers for security, fault-injection and load tests.

* `pooled_connections(session)` / `assert_pool_clean(session)`: look inside every urllib3
  pool a Session's adapters hold and check that no idle connection still carries a
  response that was not read to its end (a "half-read" connection would hand the rest of
  an old body to the next request).
* `open_fds()`: the number of file descriptors this process holds (Linux ``/proc``), for
  leak checks.
* `connect_proxy_handler()`: a `RawServer` handler that acts as an HTTP CONNECT proxy and
  pipes bytes to a loopback target; wrap it in a TLS server to get an HTTPS proxy.
* `FakeDNS`: resolves names under ``.test`` to loopback addresses by patching
  ``socket.getaddrinfo``, and records every name looked up (what the client really
  connected to).
* `gzip_bomb(size)` and friends: compressed bodies built incrementally, so a test never
  holds the inflated size in memory.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import socket
import ssl
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import tether
from tests.support.servers import Connection, RawRequest

__all__ = [
    "FakeDNS",
    "assert_pool_clean",
    "connect_proxy_handler",
    "deflate_body",
    "gzip_bomb",
    "open_fds",
    "pooled_connections",
    "wall_clock",
]


# -- pools -----------------------------------------------------------------------------------


def _managers(session: tether.Session) -> Iterator[Any]:
    for adapter in session.adapters.values():
        manager = getattr(adapter, "poolmanager", None)
        if manager is not None:
            yield manager
        yield from getattr(adapter, "proxy_manager", {}).values()


def pooled_connections(session: tether.Session) -> list[Any]:
    """Every idle urllib3 connection object in every pool of ``session``'s adapters."""
    found: list[Any] = []
    for manager in _managers(session):
        for key in list(manager.pools.keys()):
            pool = manager.pools.get(key)
            if pool is None or pool.pool is None:
                continue
            # LifoQueue: its deque is ``queue``; None entries are empty slots.
            found.extend(conn for conn in list(pool.pool.queue) if conn is not None)
    return found


def _half_read(conn: Any) -> bool:
    # http.client keeps the response a keep-alive connection last produced in a private
    # attribute until it is closed (read to the end); a pooled connection holding one that
    # is still open would start the next exchange in the middle of an old body.
    response = getattr(conn, "_HTTPConnection__response", None)
    return response is not None and not response.isclosed()


def assert_pool_clean(session: tether.Session) -> None:
    """Fail if an idle pooled connection still holds an unfinished response."""
    bad = [conn for conn in pooled_connections(session) if _half_read(conn)]
    assert not bad, f"half-read connections left in the pool: {bad!r}"


def open_fds() -> int:
    """How many file descriptors this process holds (Linux only)."""
    return len(os.listdir("/proc/self/fd"))


@contextlib.contextmanager
def wall_clock(limit: float) -> Iterator[None]:
    """Assert that the block finishes within ``limit`` seconds of wall-clock time."""
    start = time.monotonic()
    yield
    elapsed = time.monotonic() - start
    assert elapsed < limit, f"took {elapsed:.2f} s (limit {limit} s)"


# -- proxy -----------------------------------------------------------------------------------

#: Upper bound on how long one proxied tunnel may stay open in a test.
_TUNNEL_LIMIT = 10.0


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways between the client and the target until either side closes.

    Both directions run in this one thread. Behind an HTTPS proxy ``client`` is an
    `ssl.SSLSocket`, and an OpenSSL connection must not be read in one thread while another
    writes to it: the two calls share its state, and the loser of the race can report a
    false EOF that cuts the tunnel mid-exchange (a flaky ``RemoteDisconnected``).
    """
    deadline = time.monotonic() + _TUNNEL_LIMIT
    with selectors.DefaultSelector() as selector:
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        while time.monotonic() < deadline:
            ready = [(key.fileobj, key.data) for key, _ in selector.select(0.05)]
            # Decrypted bytes TLS already holds are invisible to select().
            held = isinstance(client, ssl.SSLSocket) and client.pending() > 0
            if held and all(source is not client for source, _ in ready):
                ready.append((client, upstream))
            for source, sink in ready:
                assert isinstance(source, socket.socket)
                try:
                    data = source.recv(65536)
                except (TimeoutError, BlockingIOError, ssl.SSLWantReadError):
                    continue  # a partial TLS record: wait for the rest
                except OSError:
                    return
                if not data:
                    return
                try:
                    sink.sendall(data)
                except OSError:
                    return


def connect_proxy_handler(
    seen: list[RawRequest] | None = None,
) -> Callable[[RawRequest, Connection], None]:
    """A CONNECT proxy: answers ``200``, then pipes bytes to the requested loopback port.

    Every CONNECT head is appended to ``seen``. Only 127.0.0.1 / localhost / ::1 targets are
    accepted (tests never reach anything else); other methods get ``405``.
    """

    def handler(request: RawRequest, conn: Connection) -> None:
        if seen is not None:
            seen.append(request)
        if request.method != "CONNECT":
            conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        host, _, port = request.target.rpartition(":")
        host = host.strip("[]")
        if host not in ("127.0.0.1", "localhost", "::1"):
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        upstream = socket.create_connection((host, int(port)), timeout=2.0)
        upstream.settimeout(0.05)
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        try:
            _relay(conn.socket, upstream)
        finally:
            upstream.close()
            conn.close()

    return handler


# -- DNS -------------------------------------------------------------------------------------


class FakeDNS:
    """Resolve ``*.test`` names to loopback addresses; record every name looked up.

    ``mapping`` maps a name (or a ``.suffix``) to ``"127.0.0.1"`` or ``"::1"``; any other
    ``.test`` name resolves to 127.0.0.1. Names outside ``.test`` resolve as usual.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch, mapping: dict[str, str] | None = None):
        self.mapping = dict(mapping or {})
        self.looked_up: list[str] = []
        self._real = socket.getaddrinfo
        monkeypatch.setattr(socket, "getaddrinfo", self._getaddrinfo)

    def address_of(self, name: str) -> str | None:
        lowered = name.lower().rstrip(".")
        if lowered in self.mapping:
            return self.mapping[lowered]
        for suffix, address in self.mapping.items():
            if suffix.startswith(".") and lowered.endswith(suffix):
                return address
        if lowered.endswith(".test"):
            return "127.0.0.1"
        return None

    def _getaddrinfo(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode("ascii") if isinstance(host, bytes) else host
        if isinstance(name, str):
            address = self.address_of(name)
            if address is not None:
                self.looked_up.append(name.lower())
                host = address
        return self._real(host, port, *args, **kwargs)


# -- compressed bodies -----------------------------------------------------------------------


def gzip_bomb(size: int, *, wbits: int = 31) -> bytes:
    """``size`` zero bytes, gzip-compressed (``wbits=31``) or zlib/deflate (``wbits=15``)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = bytes(1 << 20)
    out = bytearray()
    left = size
    while left > 0:
        step = min(left, len(block))
        out += compressor.compress(block[:step] if step < len(block) else block)
        left -= step
    out += compressor.flush()
    return bytes(out)


def deflate_body(data: bytes) -> bytes:
    """``data`` as a zlib-wrapped deflate stream (``Content-Encoding: deflate``)."""
    return zlib.compress(data)
