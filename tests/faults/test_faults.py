"""Fault injection against raw-socket servers.

Each fault must end in the exception tether documents for it, within the timeout the
request was given, must leave no half-read connection in the Session's pools, and must not
stop the *next* request on the same Session from succeeding. The servers misbehave on
their first connection only and answer ``ok`` afterwards.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

import tether
from tests.support.fixtures import RawServerFactory
from tests.support.hostile import assert_pool_clean, open_fds, pooled_connections, wall_clock
from tests.support.servers import Connection, RawRequest, http_response

OK = http_response(200, b"ok")
TIMEOUT = 0.3
#: How long past its timeout a failing request may take (thread scheduling, teardown).
SLACK = 1.5


def _first_connection(
    fault: Callable[[RawRequest, Connection], None],
) -> Callable[[RawRequest, Connection], bytes | None]:
    def handler(request: RawRequest, conn: Connection) -> bytes | None:
        if request.connection == 0:
            fault(request, conn)
            return None
        return OK

    return handler


def _send_then_reset(data: bytes) -> Callable[[RawRequest, Connection], None]:
    def fault(request: RawRequest, conn: Connection) -> None:
        conn.sendall(data)
        conn.sleep(0.05)  # let the bytes leave before the RST
        conn.reset()

    return fault


def _send_then_close(data: bytes) -> Callable[[RawRequest, Connection], None]:
    def fault(request: RawRequest, conn: Connection) -> None:
        conn.sendall(data)
        conn.close()

    return fault


def _send_then_stall(data: bytes) -> Callable[[RawRequest, Connection], None]:
    def fault(request: RawRequest, conn: Connection) -> None:
        conn.sendall(data)
        conn.hold()

    return fault


@dataclass(frozen=True)
class Fault:
    name: str
    behave: Callable[[RawRequest, Connection], None]
    #: Raised by ``get(stream=False)``.
    error: type[Exception]
    #: Raised when streaming (``stream=True`` then iterating); None: same as ``error``.
    stream_error: type[Exception] | None = None


E = tether.exceptions
FAULTS = [
    Fault("reset-before-response", _send_then_reset(b""), E.ConnectionError),
    Fault("reset-during-status-line", _send_then_reset(b"HTTP/1.1 2"), E.ConnectionError),
    Fault(
        "reset-during-headers",
        _send_then_reset(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nX-Par"),
        E.ConnectionError,
    ),
    Fault(
        "reset-during-body",
        _send_then_reset(http_response(200, headers=[("Content-Length", 1000)]) + b"x" * 100),
        E.ChunkedEncodingError,
    ),
    Fault(
        "reset-during-chunked-body",
        _send_then_reset(
            http_response(200, headers=[("Transfer-Encoding", "chunked")]) + b"64\r\nabc"
        ),
        E.ChunkedEncodingError,
    ),
    Fault(
        "body-shorter-than-content-length",
        _send_then_close(http_response(200, headers=[("Content-Length", 1000)]) + b"x" * 100),
        E.ChunkedEncodingError,
    ),
    Fault(
        "chunked-body-without-last-chunk",
        _send_then_close(
            http_response(200, headers=[("Transfer-Encoding", "chunked")]) + b"3\r\nabc\r\n"
        ),
        E.ChunkedEncodingError,
    ),
    Fault(
        "bad-chunk-size",
        _send_then_close(
            http_response(200, headers=[("Transfer-Encoding", "chunked")]) + b"zz\r\nabc\r\n"
        ),
        E.ChunkedEncodingError,
    ),
    Fault("malformed-status-code", _send_then_close(b"HTTP/1.1 abc OK\r\n\r\n"), E.ConnectionError),
    Fault("malformed-version", _send_then_close(b"HTTX/1.1 200 OK\r\n\r\n"), E.ConnectionError),
    Fault("status-out-of-range", _send_then_close(b"HTTP/1.1 1000 Big\r\n\r\n"), E.ConnectionError),
    Fault(
        "garbage-instead-of-http",
        _send_then_close(b"\x16\x03\x01\x00\xa5\x01\x00garbage\r\n\r\n"),
        E.ConnectionError,
    ),
    Fault("endless-garbage-line", _send_then_close(b"G" * 70_000), E.ConnectionError),
    Fault("close-without-response", _send_then_close(b""), E.ConnectionError),
    Fault("stall-before-response", _send_then_stall(b""), E.ReadTimeout),
    Fault("stall-mid-headers", _send_then_stall(b"HTTP/1.1 200 OK\r\nX: "), E.ReadTimeout),
    Fault(
        "stall-mid-body",
        _send_then_stall(http_response(200, headers=[("Content-Length", 1000)]) + b"partial"),
        # requests reports a read timeout while reading a body as ConnectionError.
        E.ConnectionError,
    ),
    Fault(
        "stall-mid-chunked-body",
        _send_then_stall(
            http_response(200, headers=[("Transfer-Encoding", "chunked")]) + b"5\r\nab"
        ),
        E.ConnectionError,
    ),
]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
@pytest.mark.parametrize("stream", [False, True], ids=["content", "stream"])
def test_fault_raises_documented_error_and_session_recovers(
    raw_server: RawServerFactory, fault: Fault, stream: bool
) -> None:
    server = raw_server(_first_connection(fault.behave))
    with tether.Session() as s:
        start = time.monotonic()
        with pytest.raises(fault.error) as info:
            r = s.get(server.url, timeout=TIMEOUT, stream=stream)
            for _ in r.iter_content(64):
                pass
        assert time.monotonic() - start < TIMEOUT + SLACK
        # Every tether error is a RequestException carrying the request it was about,
        # except those raised while reading a body (requests raises them without one).
        assert isinstance(info.value, tether.exceptions.RequestException)
        assert_pool_clean(s)
        with wall_clock(TIMEOUT + SLACK):
            assert s.get(server.url, timeout=TIMEOUT).content == b"ok"
        assert_pool_clean(s)


def test_fault_connection_refused(raw_server: RawServerFactory) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on ``port`` now.
    good = raw_server(lambda request, conn: OK)
    with tether.Session() as s, wall_clock(TIMEOUT + SLACK):
        with pytest.raises(tether.exceptions.ConnectionError) as info:
            s.get(f"http://127.0.0.1:{port}/", timeout=TIMEOUT)
        assert not isinstance(info.value, tether.exceptions.ConnectTimeout)
        assert info.value.request is not None
        assert pooled_connections(s) == []
        assert s.get(good.url, timeout=TIMEOUT).content == b"ok"


def test_fault_server_closes_idle_keep_alive_connection(raw_server: RawServerFactory) -> None:
    # The server closes every connection a moment after answering, without saying so.
    def handler(request: RawRequest, conn: Connection) -> None:
        conn.sendall(http_response(200, b"ok"))
        conn.sleep(0.05)
        conn.close()

    server = raw_server(handler)
    with tether.Session() as s:
        for _ in range(3):
            assert s.get(server.url, timeout=TIMEOUT).content == b"ok"
            time.sleep(0.15)
            assert_pool_clean(s)
    assert server.connections_accepted == 3


def test_fault_server_closes_kept_alive_connection_as_request_arrives(
    raw_server: RawServerFactory,
) -> None:
    # The close races the reuse: the request is written to a connection the server drops
    # unanswered. A reused connection that gives no response byte is retried once on a new
    # connection (the request was never processed).
    def handler(request: RawRequest, conn: Connection) -> None:
        if request.index == 0:
            conn.sendall(http_response(200, b"first"))
        else:
            conn.close()

    server = raw_server(handler)
    with tether.Session() as s:
        assert s.get(server.url, timeout=TIMEOUT).content == b"first"
        assert s.get(server.url, timeout=TIMEOUT).content == b"first"
        assert_pool_clean(s)
    assert server.connections_accepted == 2


@pytest.mark.parametrize(
    "variant", ["untrusted-certificate", "plain-http-server", "reset-during-handshake"]
)
def test_fault_failed_tls_handshake(
    raw_server: RawServerFactory, ca_bundle: str, variant: str
) -> None:
    good = raw_server(lambda request, conn: OK, tls=True)
    if variant == "untrusted-certificate":
        url, verify = good.url, True
    elif variant == "plain-http-server":
        greeter = _PlainGreeter()
        url, verify = greeter.url, ca_bundle
    else:
        server = raw_server(lambda request, conn: OK, tls=_failing_context())
        url, verify = server.url, ca_bundle
    with tether.Session() as s:
        with wall_clock(TIMEOUT + SLACK), pytest.raises(tether.exceptions.SSLError):
            s.get(url, timeout=TIMEOUT, verify=verify)
        assert pooled_connections(s) == []
        assert s.get(good.url, timeout=TIMEOUT, verify=ca_bundle).content == b"ok"
    if variant == "plain-http-server":
        greeter.stop()


class _PlainGreeter:
    """Answers every connection with a plain-text HTTP response at once, then closes it
    (a client expecting a TLS ServerHello gets HTTP)."""

    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(8)
        self._listener.settimeout(0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._listener.getsockname()[1]}/"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2.0)
        self._listener.close()


def _failing_context() -> ssl.SSLContext:
    """A server context whose handshake always fails (no certificate to present)."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)


def test_faults_leak_no_file_descriptors(raw_server: RawServerFactory) -> None:
    # Even-numbered connections are reset mid-headers, odd ones answer.
    def handler(request: RawRequest, conn: Connection) -> bytes | None:
        if conn.index % 2 == 0:
            _send_then_reset(b"HTTP/1.1 200 OK\r\nContent-Le")(request, conn)
            return None
        return OK

    server = raw_server(handler)
    before = open_fds()
    for _ in range(30):
        with tether.Session() as s:
            with pytest.raises(tether.exceptions.ConnectionError):
                s.get(server.url, timeout=TIMEOUT)
            assert s.get(server.url, timeout=TIMEOUT).content == b"ok"
    assert server.wait_until(lambda: open_fds() - before < 5)
