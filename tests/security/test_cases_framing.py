"""Security catalogue cases 37 and 40: response framing, pooled-connection hygiene and
hostile header blocks.

A keep-alive Session must never read one response's leftovers as the next response
(response-queue poisoning), must refuse ambiguous lengths, and must turn oversized or
endless header blocks into a tether exception that leaves no connection behind.
"""

from __future__ import annotations

import contextlib
import time

import pytest

import tether
from tests.support.fixtures import RawServerFactory
from tests.support.hostile import assert_pool_clean, pooled_connections, wall_clock
from tests.support.servers import Connection, RawRequest, RawServer, chunked, http_response

POISON = http_response(200, b"POISON")
REAL = http_response(200, b"real")


def _first_then_real(first: bytes | None = None, after: bytes | None = None, delay: float = 0.0):  # type: ignore[no-untyped-def]
    """Answer the first request on each server with ``first`` (then ``after`` once
    ``delay`` has passed), every other request with ``real``."""

    def handler(request: RawRequest, conn: Connection) -> bytes | None:
        if request.connection == 0 and request.index == 0:
            conn.sendall(first or b"")
            if after is not None:
                if delay:
                    conn.sleep(delay)
                conn.sendall(after)
            return None
        return REAL

    return handler


def _two_requests(server: RawServer, pause: float = 0.0, *, method: str = "GET") -> list[bytes]:
    with tether.Session() as s:
        first = s.request(method, server.url)
        if pause:
            time.sleep(pause)
        second = s.get(server.url)
        assert_pool_clean(s)
        return [first.content, second.content]


# -- case 37 ---------------------------------------------------------------------------------


def test_case_37_cve_2023_47641_bytes_after_body_in_same_write_not_read_as_next_response(
    raw_server: RawServerFactory,
) -> None:
    server = raw_server(_first_then_real(http_response(200, b"ok") + POISON))
    assert _two_requests(server) == [b"ok", b"real"]


def test_case_37_cve_2023_47641_bytes_after_body_later_drop_the_pooled_connection(
    raw_server: RawServerFactory,
) -> None:
    server = raw_server(_first_then_real(http_response(200, b"ok"), POISON, delay=0.1))
    assert _two_requests(server, pause=0.4) == [b"ok", b"real"]
    # The readable pooled connection was treated as dropped and replaced.
    assert server.connections_accepted == 2


def test_case_37_cve_2023_47641_transfer_encoding_beats_content_length(
    raw_server: RawServerFactory,
) -> None:
    # RFC 9112 §6.3: chunked framing wins over Content-Length; whatever Content-Length
    # would have covered beyond the chunked body never becomes the next response.
    response = (
        b"HTTP/1.1 200 OK\r\nContent-Length: 60\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunked(b"ok")
        + POISON
    )
    server = raw_server(_first_then_real(response))
    assert _two_requests(server) == [b"ok", b"real"]
    # RFC 9112 §6.3: such a message "ought to be handled as an error"; its connection is
    # not reused even when nothing follows the chunked body.
    assert server.connections_accepted == 2


def test_case_37_cve_2023_47641_both_framings_close_the_connection_when_streamed(
    raw_server: RawServerFactory,
) -> None:
    response = (
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunked(b"o", b"k")
    )
    server = raw_server(_first_then_real(response))
    with tether.Session() as s:
        r = s.get(server.url, stream=True)
        assert b"".join(r.iter_content(1)) == b"ok"
        assert s.get(server.url).content == b"real"
        assert s.get(server.url).content == b"real"
        assert_pool_clean(s)
    assert server.connections_accepted == 2


@pytest.mark.parametrize(
    "lengths",
    [("2", "5"), ("2, 5",), ("5", "2")],
    ids=["two-fields", "one-list", "reversed"],
)
def test_case_37_cve_2023_47641_conflicting_content_lengths_refused(
    raw_server: RawServerFactory, lengths: tuple[str, ...]
) -> None:
    head = b"HTTP/1.1 200 OK\r\n" + b"".join(
        b"Content-Length: " + value.encode() + b"\r\n" for value in lengths
    )
    server = raw_server(_first_then_real(head + b"\r\nokPOISON"))
    with tether.Session() as s:
        with pytest.raises(tether.exceptions.InvalidHeader, match=r"(?i)content-length"):
            s.get(server.url)
        assert pooled_connections(s) == [] or all(c.sock is None for c in pooled_connections(s))
        assert s.get(server.url).content == b"real"
    assert server.connections_accepted == 2


def test_case_37_cve_2023_47641_equal_repeated_content_lengths_accepted(
    raw_server: RawServerFactory,
) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"
    server = raw_server(_first_then_real(head))
    assert _two_requests(server) == [b"ok", b"real"]


@pytest.mark.parametrize("stream", [False, True])
def test_case_37_cve_2023_47641_short_body_never_silently_truncated(
    raw_server: RawServerFactory, stream: bool
) -> None:
    def handler(request: RawRequest, conn: Connection) -> None:
        if request.connection == 0:
            conn.sendall(http_response(200, headers=[("Content-Length", 100)]) + b"12345")
            conn.close()
        else:
            conn.sendall(REAL)

    server = raw_server(handler)
    with tether.Session() as s:
        with pytest.raises(tether.exceptions.ChunkedEncodingError):
            r = s.get(server.url, stream=stream)
            b"".join(r.iter_content(10))
        assert_pool_clean(s)
        assert s.get(server.url).content == b"real"


@pytest.mark.parametrize(
    ("method", "status"),
    [("GET", 204), ("GET", 304), ("HEAD", 200)],
    ids=["204", "304", "HEAD"],
)
def test_case_37_cve_2023_47641_bodyless_response_followed_by_bytes_does_not_poison(
    raw_server: RawServerFactory, method: str, status: int
) -> None:
    first = f"HTTP/1.1 {status} X\r\nContent-Length: 6\r\n\r\n".encode() + b"POISON"
    server = raw_server(_first_then_real(first))
    assert _two_requests(server, pause=0.2, method=method) == [b"", b"real"]


def test_case_37_cve_2023_47641_interim_response_other_than_100_does_not_poison(
    raw_server: RawServerFactory,
) -> None:
    # http.client returns a 103 as if it were final (requests does the same); the real
    # response that follows it is either dropped with the 103's read buffer or left on the
    # socket, which makes the pool discard the connection. It is never read as the answer
    # to the next request.
    first = b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + http_response(200, b"ok")
    server = raw_server(_first_then_real(first))
    with tether.Session() as s:
        assert s.get(server.url).status_code == 103
        time.sleep(0.2)
        assert s.get(server.url).content == b"real"


# -- case 40 ---------------------------------------------------------------------------------


def _many_headers(count: int) -> bytes:
    return b"".join(b"X-H%d: v\r\n" % i for i in range(count))


@pytest.mark.parametrize(
    "response",
    [
        b"HTTP/1.1 100 Continue\r\n" + _many_headers(1000) + b"\r\n" + REAL,
        b"HTTP/1.1 200 OK\r\n" + _many_headers(150) + b"Content-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70_000 + b"\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 " + b"R" * 70_000 + b"\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 100 Continue\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n" + REAL,
    ],
    ids=[
        "100-continue-1000-headers",
        "150-headers",
        "70k-header-line",
        "70k-reason",
        "100-continue-70k-line",
    ],
)
def test_case_40_cve_2021_3737_header_limits(raw_server: RawServerFactory, response: bytes) -> None:
    server = raw_server(_first_then_real(response))
    with tether.Session() as s, wall_clock(3.0):
        with pytest.raises(tether.exceptions.ConnectionError):
            s.get(server.url, timeout=2)
        assert_pool_clean(s)
        assert s.get(server.url, timeout=2).content == b"real"


def test_case_40_cve_2021_3737_single_100_continue_is_skipped(raw_server: RawServerFactory) -> None:
    server = raw_server(
        _first_then_real(b"HTTP/1.1 100 Continue\r\n\r\n" + http_response(200, b"ok"))
    )
    assert _two_requests(server) == [b"ok", b"real"]


@pytest.mark.parametrize("count", [150, 10_000])
def test_case_40_cve_2023_38039_endless_100_continue_is_refused(
    raw_server: RawServerFactory, count: int
) -> None:
    # http.client would skip interim responses for as long as the server sends them (each
    # one bounded, so memory stays flat, but no read timeout fires while bytes keep
    # coming). tether stops after 100 with a ConnectionError and drops the connection.
    block = b"HTTP/1.1 100 Continue\r\nX: y\r\n\r\n"

    def handler(request: RawRequest, conn: Connection) -> None:
        if request.connection == 0:
            with contextlib.suppress(OSError):
                for _ in range(count // 50):
                    conn.sendall(block * 50)
            conn.hold()
        else:
            conn.sendall(REAL)

    server = raw_server(handler)
    with tether.Session() as s, wall_clock(3.0):
        with pytest.raises(tether.exceptions.ConnectionError, match="interim responses"):
            s.get(server.url, timeout=2)
        assert_pool_clean(s)
        assert s.get(server.url, timeout=2).content == b"real"


def test_case_40_cve_2023_38039_a_few_100_continue_are_skipped(
    raw_server: RawServerFactory,
) -> None:
    first = b"HTTP/1.1 100 Continue\r\n\r\n" * 100 + http_response(200, b"ok")
    server = raw_server(_first_then_real(first))
    assert _two_requests(server) == [b"ok", b"real"]
