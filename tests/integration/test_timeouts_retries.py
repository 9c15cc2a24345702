"""Timeouts and retries against real loopback servers that stall, drop connections, answer
503 with ``Retry-After``, or close kept-alive connections while the client reuses them.

A connect timeout needs a peer that never completes the TCP handshake. On loopback that is
a listening socket whose accept queue is full: ``listen(0)`` plus a few connections that
are never accepted, after which Linux drops further SYNs and ``connect()`` waits. The
fixture checks that the queue really is full (a probe connection must not complete) and
skips otherwise, so the test cannot pass by accident on a platform that answers with RST.
"""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from urllib3.util import Timeout
from urllib3.util.retry import Retry

import tether
from tests.support.fixtures import RawServerFactory
from tests.support.servers import (
    STALL_BODY_PREFIX,
    Connection,
    RawRequest,
    RawServer,
    http_response,
)
from tether.adapters import HTTPAdapter

Lib = Any  # the tether or requests module


def _ok(request: RawRequest, conn: Connection) -> bytes:
    payload = {
        "method": request.method,
        "target": request.target,
        "body": request.body.decode("latin-1"),
        "connection": request.connection,
    }
    return http_response(200, json.dumps(payload).encode(), [("Content-Type", "application/json")])


# -- connect timeouts ------------------------------------------------------------------------


@pytest.fixture
def unaccepting_port() -> Iterator[int]:
    """A loopback port whose listener never accepts and whose accept queue is full."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    address = listener.getsockname()
    fillers: list[socket.socket] = []
    try:
        for _ in range(16):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            filler.connect_ex(address)
            fillers.append(filler)
            _, writable, _ = select.select([], [filler], [], 0.1)
            if not writable:
                break  # this handshake did not complete: the queue is full
        else:
            pytest.skip("this platform completes connections beyond the accept backlog")
        yield address[1]
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


@pytest.mark.parametrize("lib", [tether, requests], ids=["tether", "requests"])
@pytest.mark.parametrize(
    "timeout",
    [0.2, (0.2, 5), Timeout(connect=0.2, read=5)],
    ids=["float", "tuple", "urllib3-Timeout"],
)
def test_connect_timeout(lib: Lib, unaccepting_port: int, timeout: Any) -> None:
    start = time.monotonic()
    with pytest.raises(lib.exceptions.ConnectTimeout) as info:
        lib.get(f"http://127.0.0.1:{unaccepting_port}/", timeout=timeout)
    assert time.monotonic() - start < 2.0
    # ConnectTimeout is both a ConnectionError and a Timeout: it is safe to retry.
    assert isinstance(info.value, lib.exceptions.ConnectionError)
    assert isinstance(info.value, lib.exceptions.Timeout)


def test_connect_timeout_from_session_default(unaccepting_port: int) -> None:
    with tether.Session(timeout=(0.2, 5)) as s:
        with pytest.raises(tether.exceptions.ConnectTimeout):
            s.get(f"http://127.0.0.1:{unaccepting_port}/")


def test_refused_connection_is_not_a_timeout() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(tether.exceptions.ConnectionError) as info:
        tether.get(f"http://127.0.0.1:{port}/", timeout=1)
    assert not isinstance(info.value, tether.exceptions.Timeout)


# -- read timeouts ---------------------------------------------------------------------------


@pytest.mark.parametrize("lib", [tether, requests], ids=["tether", "requests"])
@pytest.mark.parametrize(
    "timeout",
    [0.3, (5, 0.3), (None, 0.3), Timeout(connect=5, read=0.3)],
    ids=["float", "tuple", "read-only", "urllib3-Timeout"],
)
def test_read_timeout(lib: Lib, stall_server: RawServer, timeout: Any) -> None:
    start = time.monotonic()
    with pytest.raises(lib.exceptions.ReadTimeout) as info:
        lib.get(stall_server.url, timeout=timeout)
    assert 0.25 < time.monotonic() - start < 2.0
    assert not isinstance(info.value, lib.exceptions.ConnectionError)
    assert len(stall_server.requests) == 1  # a read timeout is never resent


@pytest.mark.parametrize("lib", [tether, requests], ids=["tether", "requests"])
def test_malformed_timeout_tuple(lib: Lib, stall_server: RawServer) -> None:
    with pytest.raises(ValueError, match="Pass a \\(connect, read\\) timeout tuple"):
        lib.get(stall_server.url, timeout=(1, 2, 3))


@pytest.mark.parametrize("lib", [tether, requests], ids=["tether", "requests"])
def test_stalled_body_raises_within_the_read_timeout(
    lib: Lib, stall_mid_body_server: RawServer
) -> None:
    # requests reports a timeout while reading the body as ConnectionError (#5430); kept.
    with lib.Session() as s:
        r = s.get(stall_mid_body_server.url, stream=True, timeout=0.3)
        start = time.monotonic()
        chunks = []
        with pytest.raises(lib.exceptions.ConnectionError):
            for chunk in r.iter_content(1):
                chunks.append(chunk)
        assert time.monotonic() - start < 2.0
        assert b"".join(chunks) == STALL_BODY_PREFIX
        start = time.monotonic()
        with pytest.raises(lib.exceptions.ConnectionError):
            s.get(stall_mid_body_server.url, timeout=0.3)  # .content read by the session
        assert time.monotonic() - start < 2.0


def _redirect_then_stall(request: RawRequest, conn: Connection) -> bytes | None:
    if request.path == "/start":
        return http_response(302, headers=[("Location", "/stall")])
    conn.hold()
    return None


def test_session_timeout_applies_to_every_redirect_hop(raw_server: RawServerFactory) -> None:
    server = raw_server(_redirect_then_stall)
    with tether.Session(timeout=0.3) as s:
        start = time.monotonic()
        with pytest.raises(tether.exceptions.ReadTimeout):
            s.get(server.url_for("/start"))
        assert time.monotonic() - start < 2.0
    assert [request.path for request in server.requests] == ["/start", "/stall"]


def _digest_then_stall(request: RawRequest, conn: Connection) -> bytes | None:
    if request.header("Authorization") is None:
        challenge = 'Digest realm="r", nonce="abc", qop="auth", algorithm=MD5'
        return http_response(401, headers=[("WWW-Authenticate", challenge)])
    conn.hold()
    return None


def test_session_timeout_applies_to_the_digest_retry(raw_server: RawServerFactory) -> None:
    server = raw_server(_digest_then_stall)
    with tether.Session(timeout=0.3, auth=tether.auth.HTTPDigestAuth("u", "p")) as s:
        start = time.monotonic()
        with pytest.raises(tether.exceptions.ReadTimeout):
            s.get(server.url)
        assert time.monotonic() - start < 2.0
    assert [request.header("Authorization") is None for request in server.requests] == [True, False]


# -- retries ---------------------------------------------------------------------------------


def _drop_first(count: int) -> Callable[[RawRequest, Connection], bytes | None]:
    """Close the first ``count`` connections without a response, answer after that."""

    def handler(request: RawRequest, conn: Connection) -> bytes | None:
        if request.connection < count:
            conn.close()
            return None
        return _ok(request, conn)

    return handler


def test_default_adapter_never_retries(raw_server: RawServerFactory) -> None:
    adapter = HTTPAdapter()
    assert adapter.max_retries.total == 0
    assert adapter.max_retries.read is False
    server = raw_server(_drop_first(10))
    for lib in (tether, requests):
        with pytest.raises(lib.exceptions.ConnectionError):
            lib.get(server.url)
    # One attempt each (a new connection that fails is never resent).
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    "make",
    [
        lambda: tether.Session(retries=2),
        lambda: _mounted(HTTPAdapter(max_retries=2)),
        lambda: _mounted(HTTPAdapter(max_retries=Retry(total=2))),
    ],
    ids=["Session(retries=int)", "max_retries=int", "max_retries=Retry"],
)
def test_configured_retries(
    raw_server: RawServerFactory, make: Callable[[], tether.Session]
) -> None:
    server = raw_server(_drop_first(2))
    with make() as s:
        assert s.get(server.url).json()["connection"] == 2
        # urllib3 retries only idempotent methods after the request was sent.
        server2 = raw_server(_drop_first(2))
        with pytest.raises(tether.exceptions.ConnectionError):
            s.post(server2.url, data=b"x")
    assert len(server.requests) == 3
    assert len(server2.requests) == 1


def _mounted(adapter: HTTPAdapter) -> tether.Session:
    session = tether.Session()
    session.mount("http://", adapter)
    return session


def _statuses(
    *statuses: int, retry_after: str | None = None
) -> Callable[[RawRequest, Connection], bytes]:
    """Answer the n-th request with ``statuses[n]`` (the last one repeats)."""
    answered: list[int] = []

    def handler(request: RawRequest, conn: Connection) -> bytes:
        status = statuses[min(len(answered), len(statuses) - 1)]
        answered.append(status)
        headers = [("Retry-After", retry_after)] if retry_after is not None else []
        return http_response(status, b"status", headers)

    return handler


@pytest.mark.parametrize("lib", [tether, requests], ids=["tether", "requests"])
def test_status_retries_then_success(lib: Lib, raw_server: RawServerFactory) -> None:
    server = raw_server(_statuses(503, 503, 200))
    with lib.Session() as s:
        s.mount(
            "http://", lib.adapters.HTTPAdapter(max_retries=Retry(total=3, status_forcelist=[503]))
        )
        assert s.get(server.url).status_code == 200
    assert len(server.requests) == 3


@pytest.mark.parametrize("lib", [tether, requests], ids=["tether", "requests"])
def test_retry_error_when_status_retries_run_out(lib: Lib, raw_server: RawServerFactory) -> None:
    server = raw_server(_statuses(503))
    with lib.Session() as s:
        s.mount(
            "http://", lib.adapters.HTTPAdapter(max_retries=Retry(total=2, status_forcelist=[503]))
        )
        with pytest.raises(lib.exceptions.RetryError):
            s.get(server.url)
        s.mount(
            "http://",
            lib.adapters.HTTPAdapter(
                max_retries=Retry(total=1, status_forcelist=[503], raise_on_status=False)
            ),
        )
        assert s.get(server.url).status_code == 503
    assert len(server.requests) == 3 + 2


def test_retry_after_is_honoured(raw_server: RawServerFactory) -> None:
    # Session(retries=int) retries 413/429/503 answers that carry Retry-After (urllib3's
    # Retry.RETRY_AFTER_STATUS_CODES), after the delay they ask for.
    server = raw_server(_statuses(503, 200, retry_after="1"))
    with tether.Session(retries=1) as s:
        start = time.monotonic()
        assert s.get(server.url).status_code == 200
        assert 0.9 < time.monotonic() - start < 3.0
    assert len(server.requests) == 2


def test_retry_after_is_capped(raw_server: RawServerFactory) -> None:
    # urllib3 2.8 caps the delay at Retry.retry_after_max (6 h by default, CVE-class DoS
    # urllib3#3743); a smaller cap bounds the wait here.
    assert Retry.DEFAULT_RETRY_AFTER_MAX == 6 * 3600
    assert HTTPAdapter(max_retries=3).max_retries.retry_after_max == Retry.DEFAULT_RETRY_AFTER_MAX
    server = raw_server(_statuses(503, 200, retry_after="86400"))
    retry = Retry(total=1, status_forcelist=[503], retry_after_max=0.2)  # type: ignore[arg-type]
    with _mounted(HTTPAdapter(max_retries=retry)) as s:
        start = time.monotonic()
        assert s.get(server.url).status_code == 200
        assert 0.15 < time.monotonic() - start < 1.5


# -- kept-alive connections the server closed ------------------------------------------------


def _close_idle(how: str) -> Callable[[RawRequest, Connection], bytes | None]:
    """Answer the first request on each connection; on a later one, act as a server whose
    idle timer fired just as the request arrived: close (FIN) or reset (RST) unanswered."""

    def handler(request: RawRequest, conn: Connection) -> bytes | None:
        if request.index == 0:
            return _ok(request, conn)
        if how == "reset":
            conn.reset()
        else:
            conn.close()
        return None

    return handler


def _close_after_response(request: RawRequest, conn: Connection) -> bytes:
    # Closes right after answering, without saying so (no "Connection: close").
    conn.keep_alive = False
    return _ok(request, conn)


def _body_kinds(tmp_path: Path) -> dict[str, Callable[[], Any]]:
    path = tmp_path / "upload.bin"
    path.write_bytes(b"file-body-0123456789")

    def opened_at(offset: int) -> Any:
        handle = path.open("rb")
        handle.seek(offset)
        return handle

    return {
        "none": lambda: None,
        "bytes": lambda: b"bytes-body",
        "file": lambda: opened_at(0),
        "file-at-offset": lambda: opened_at(5),
    }


EXPECTED_BODY = {
    "none": "",
    "bytes": "bytes-body",
    "file": "file-body-0123456789",
    "file-at-offset": "body-0123456789",
}


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
@pytest.mark.parametrize("how", ["close", "reset"])
@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("GET", "none"),
        ("POST", "bytes"),
        ("POST", "file"),
        ("PUT", "file-at-offset"),
        ("DELETE", "none"),
    ],
)
def test_stale_keep_alive_connection_is_replaced(
    raw_server: RawServerFactory,
    ca_bundle: str,
    tmp_path: Path,
    tls: bool,
    how: str,
    method: str,
    body: str,
) -> None:
    server = raw_server(_close_idle(how), tls=tls)
    make_body = _body_kinds(tmp_path)[body]
    with tether.Session() as s:
        for _ in range(3):
            data = make_body()
            try:
                r = s.request(method, server.url, data=data, verify=ca_bundle)
            finally:
                if hasattr(data, "close"):
                    data.close()
            assert r.status_code == 200
            assert r.json()["body"] == EXPECTED_BODY[body]
    # Requests 2 and 3 each met a closed kept-alive connection and were sent again, once,
    # on a new one, with the whole body.
    seen = [
        (request.connection, request.index, request.body.decode()) for request in server.requests
    ]
    expected_body = EXPECTED_BODY[body]
    assert seen == [
        (0, 0, expected_body),
        (0, 1, expected_body),
        (1, 0, expected_body),
        (1, 1, expected_body),
        (2, 0, expected_body),
    ]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_server_closing_after_every_response(raw_server: RawServerFactory, method: str) -> None:
    server = raw_server(_close_after_response)
    with tether.Session() as s:
        for _ in range(5):
            assert s.request(method, server.url, data=b"x" if method == "POST" else None).ok
    assert [request.connection for request in server.requests] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("lib", [tether, requests], ids=["tether", "requests"])
def test_requests_fails_where_tether_resends(lib: Lib, raw_server: RawServerFactory) -> None:
    server = raw_server(_close_idle("close"))
    with lib.Session() as s:
        s.post(server.url, data=b"one")
        if lib is tether:
            assert s.post(server.url, data=b"two").json()["body"] == "two"
        else:
            with pytest.raises(requests.exceptions.ConnectionError):
                s.post(server.url, data=b"two")


def test_failure_on_a_new_connection_is_not_resent(raw_server: RawServerFactory) -> None:
    server = raw_server(_drop_first(10))
    with tether.Session() as s:
        with pytest.raises(tether.exceptions.ConnectionError):
            s.post(server.url, data=b"once")
    assert len(server.requests) == 1


def test_resent_at_most_once(raw_server: RawServerFactory) -> None:
    def only_first(request: RawRequest, conn: Connection) -> bytes | None:
        if request.connection == 0 and request.index == 0:
            return _ok(request, conn)
        conn.close()
        return None

    server = raw_server(only_first)
    with tether.Session() as s:
        s.get(server.url)
        with pytest.raises(tether.exceptions.ConnectionError):
            s.post(server.url, data=b"x")
    assert [(r.connection, r.index) for r in server.requests] == [(0, 0), (0, 1), (1, 0)]


def test_not_resent_once_response_bytes_arrived(raw_server: RawServerFactory) -> None:
    def partial_second(request: RawRequest, conn: Connection) -> bytes | None:
        if request.index == 0:
            return _ok(request, conn)
        conn.sendall(b"HTTP/1.1 2")
        conn.close()
        return None

    server = raw_server(partial_second)
    with tether.Session() as s:
        s.get(server.url)
        with pytest.raises(tether.exceptions.ConnectionError):
            s.post(server.url, data=b"x")
    assert len(server.requests) == 2


def test_not_resent_after_a_read_timeout(raw_server: RawServerFactory) -> None:
    def stall_second(request: RawRequest, conn: Connection) -> bytes | None:
        if request.index == 0:
            return _ok(request, conn)
        conn.hold()
        return None

    server = raw_server(stall_second)
    with tether.Session() as s:
        s.get(server.url)
        with pytest.raises(tether.exceptions.ReadTimeout):
            s.post(server.url, data=b"x", timeout=0.3)
    assert len(server.requests) == 2


def test_unrewindable_body_is_not_resent(raw_server: RawServerFactory) -> None:
    server = raw_server(_close_idle("close"))
    with tether.Session() as s:
        s.get(server.url)
        with pytest.raises(tether.exceptions.ConnectionError):
            s.post(server.url, data=iter([b"gener", b"ated"]))
    assert [request.body for request in server.requests] == [b"", b"generated"]
