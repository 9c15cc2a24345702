"""Response bodies end to end: ``content``, ``text``, ``json``, ``iter_content`` and
``iter_lines`` against scripted loopback servers, with requests as the oracle where it is
right.

Memory is measured with ``tracemalloc`` around the call (the loopback servers run in this
process but send from preallocated buffers, so what is traced is the client's).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import threading
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import tether
from tests.support.differential import library
from tests.support.fixtures import RawServerFactory
from tests.support.hostile import assert_pool_clean, gzip_bomb, wall_clock
from tests.support.servers import Connection, RawRequest, RawServer, chunked, http_response

MiB = 1 << 20
BLOCK = bytes(range(256)) * 4096  # 1 MiB, every byte value
TEXT = "naïve café — 日本語 — 🙂 " * 50  # multi-byte UTF-8 of 1 to 4 bytes per character


@contextlib.contextmanager
def peak_memory() -> Iterator[list[int]]:
    """Yield a list that holds the tracemalloc peak (bytes) once the block ends."""
    result: list[int] = []
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        yield result
    finally:
        result.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


def send_body(conn: Connection, size: int) -> None:
    """Write ``size`` bytes of `BLOCK` repeated, from the one preallocated buffer."""
    view = memoryview(BLOCK)
    while size > 0:
        step = min(size, len(BLOCK))
        conn.sendall(view[:step])
        size -= step


def big_body_handler(size: int, *, framing: str = "length") -> Callable[..., None]:
    def handler(request: RawRequest, conn: Connection) -> None:
        if framing == "length":
            conn.sendall(http_response(200, headers=[("Content-Length", size)]))
            send_body(conn, size)
        elif framing == "chunked":
            conn.sendall(http_response(200, headers=[("Transfer-Encoding", "chunked")]))
            left = size
            while left > 0:
                step = min(left, len(BLOCK))
                conn.sendall(b"%x\r\n" % step + BLOCK[:step] + b"\r\n")
                left -= step
            conn.sendall(b"0\r\n\r\n")
        else:  # delimited by the connection closing (RFC 9112 §6.3, item 8)
            conn.sendall(http_response(200, content_length=False))
            send_body(conn, size)
            conn.close()

    return handler


def assert_is_blocks(content: bytes | None, size: int) -> None:
    assert content is not None and len(content) == size
    view = memoryview(content)
    for offset in range(0, size, len(BLOCK)):
        piece = view[offset : offset + len(BLOCK)]
        assert piece == BLOCK[: len(piece)], f"wrong bytes at offset {offset}"


def in_pieces(
    data: bytes, *sizes: int, content_type: str = "text/plain; charset=utf-8"
) -> Callable[[RawRequest, Connection], None]:
    """A handler that writes a 200 response (Content-Length) in TCP writes of ``sizes``."""

    def handler(request: RawRequest, conn: Connection) -> None:
        wire = http_response(200, data, [("Content-Type", content_type)])
        head = len(wire) - len(data)
        conn.sendall(wire[:head])
        offset = head
        for size in sizes:
            conn.sendall(wire[offset : offset + size])
            offset += size
        conn.sendall(wire[offset:])

    return handler


# -- .content ---------------------------------------------------------------------------------


@pytest.mark.parametrize("framing", ["length", "chunked", "close"])
@pytest.mark.parametrize("size", [0, 10, MiB, MiB + 1, 5 * MiB + 12345])
def test_content_is_the_whole_body(raw_server: RawServerFactory, framing: str, size: int) -> None:
    server = raw_server(big_body_handler(size, framing=framing))
    r = tether.get(server.url)
    assert r._content_consumed
    assert type(r.content) is bytes
    assert_is_blocks(r.content, size)


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_content_over_tls(raw_server: RawServerFactory, ca_bundle: str, framing: str) -> None:
    server = raw_server(big_body_handler(6 * MiB + 7, framing=framing), tls=True)
    with tether.Session(verify=ca_bundle) as s:
        assert_is_blocks(s.get(server.url).content, 6 * MiB + 7)
        with s.get(server.url, stream=True) as r:
            assert_is_blocks(b"".join(r.iter_content(None)), 6 * MiB + 7)


def test_short_body_over_tls(raw_server: RawServerFactory, ca_bundle: str) -> None:
    def handler(request: RawRequest, conn: Connection) -> None:
        conn.sendall(http_response(200, headers=[("Content-Length", 5 * MiB)]))
        send_body(conn, 2 * MiB)
        conn.close()

    server = raw_server(handler, tls=True)
    with pytest.raises(tether.exceptions.ChunkedEncodingError):
        tether.get(server.url, verify=ca_bundle)


def test_large_body_returns_its_connection_to_the_pool(raw_server: RawServerFactory) -> None:
    server = raw_server(big_body_handler(9 * MiB))
    with tether.Session() as s:
        assert_is_blocks(s.get(server.url).content, 9 * MiB)
        assert_is_blocks(s.get(server.url).content, 9 * MiB)
    assert [r.connection for r in server.requests] == [0, 0]


def test_direct_read_keeps_urllib3_bookkeeping(raw_server: RawServerFactory) -> None:
    server = raw_server(big_body_handler(3 * MiB))
    r = tether.get(server.url, stream=True)
    assert r.content == BLOCK * 3
    assert r.raw.tell() == 3 * MiB
    assert r.raw.length_remaining == 0
    assert r.raw.isclosed()
    assert r.raw.read() == b""


def test_content_after_a_partial_raw_read_is_the_rest(raw_server: RawServerFactory) -> None:
    server = raw_server(big_body_handler(3 * MiB))
    r = tether.get(server.url, stream=True)
    head = r.raw.read(1000)
    assert head + r.content == BLOCK * 3


@pytest.mark.slow
def test_content_of_256_mib_peaks_at_the_body_size(raw_server: RawServerFactory) -> None:
    size = 256 * MiB
    server = raw_server(big_body_handler(size))
    with tether.Session() as s:
        s.get(server.url_for("/warm"), stream=True).close()
        with peak_memory() as peak:
            content = s.get(server.url).content
    assert_is_blocks(content, size)
    # One buffer the size of the body, plus the prefix read before it was trusted.
    assert peak[0] <= 1.1 * size, f"peak {peak[0] / MiB:.1f} MiB for a {size // MiB} MiB body"


def test_content_of_a_chunked_body_stays_near_its_size(raw_server: RawServerFactory) -> None:
    size = 48 * MiB
    server = raw_server(big_body_handler(size, framing="chunked"))
    with peak_memory() as peak:
        content = tether.get(server.url).content
    assert_is_blocks(content, size)
    assert peak[0] <= 1.3 * size  # growth by a quarter at most, never a second copy


@pytest.mark.parametrize(
    ("announced", "sent"),
    [(100, 5), (3 * MiB, MiB), (64 * MiB, 3 * MiB), (4_000_000_000, 3)],
    ids=["small", "direct", "after-trust", "huge-claim"],
)
def test_short_body_raises_and_never_truncates(
    raw_server: RawServerFactory, announced: int, sent: int
) -> None:
    def handler(request: RawRequest, conn: Connection) -> None:
        conn.sendall(http_response(200, headers=[("Content-Length", announced)]))
        send_body(conn, sent)
        conn.close()

    server = raw_server(handler)
    with peak_memory() as peak, pytest.raises(tether.exceptions.ChunkedEncodingError) as info:
        tether.get(server.url)
    assert "IncompleteRead" in str(info.value)
    # Memory follows what arrived, not what was announced (SECURITY-CASES case 41).
    assert peak[0] < 32 * sent + 8 * MiB

    r = tether.get(server.url, stream=True)
    with pytest.raises(tether.exceptions.ChunkedEncodingError):
        for _ in r.iter_content(65536):
            pass


@pytest.mark.parametrize("stream", [False, True])
def test_broken_chunked_body_raises(raw_server: RawServerFactory, stream: bool) -> None:
    def handler(request: RawRequest, conn: Connection) -> None:
        conn.sendall(http_response(200, headers=[("Transfer-Encoding", "chunked")]))
        conn.sendall(b"%x\r\n" % len(BLOCK) + BLOCK + b"\r\n")
        conn.sendall(b"10\r\nonly-eight")
        conn.close()

    server = raw_server(handler)
    with pytest.raises(tether.exceptions.ChunkedEncodingError):
        r = tether.get(server.url, stream=stream)
        for _ in r.iter_content(4096):
            pass


@pytest.mark.parametrize("body_size", [5, 2 * MiB], ids=["small", "large"])
def test_connection_closed_mid_body_never_returns_to_the_pool(
    raw_server: RawServerFactory, body_size: int
) -> None:
    def handler(request: RawRequest, conn: Connection) -> None:
        if request.target == "/broken":
            conn.sendall(http_response(200, headers=[("Content-Length", body_size + 100)]))
            send_body(conn, body_size)
            conn.shutdown_write()  # FIN after a short body
            conn.recv(1, timeout=0.5)
            conn.close()
        else:
            conn.sendall(http_response(200, b"fine"))

    server = raw_server(handler)
    with tether.Session() as s:
        assert s.get(server.url_for("/ok")).content == b"fine"
        with pytest.raises(tether.exceptions.ChunkedEncodingError):
            s.get(server.url_for("/broken"))
        assert_pool_clean(s)
        assert s.get(server.url_for("/ok")).content == b"fine"
    assert [(r.target, r.connection) for r in server.requests] == [
        ("/ok", 0),
        ("/broken", 0),
        ("/ok", 1),
    ]


@pytest.mark.parametrize("body_size", [5, 2 * MiB], ids=["small", "large"])
def test_connection_stalled_mid_body_never_returns_to_the_pool(
    raw_server: RawServerFactory, body_size: int
) -> None:
    # The server finishes the body late and then would answer the next request on the same
    # connection: a client that pooled it would read the stale bytes as its next response.
    def handler(request: RawRequest, conn: Connection) -> None:
        if request.target == "/slow":
            conn.sendall(http_response(200, headers=[("Content-Length", body_size + 100)]))
            send_body(conn, body_size)
            conn.recv(1, timeout=1.0)  # until the client gives up and closes
            if not conn.closed:
                conn.sendall(b"s" * 100)
        else:
            conn.sendall(http_response(200, b"fine"))

    server = raw_server(handler)
    with tether.Session() as s:
        with pytest.raises(tether.exceptions.ConnectionError):
            s.get(server.url_for("/slow"), timeout=(2, 0.3))
        assert_pool_clean(s)
        assert s.get(server.url_for("/ok")).content == b"fine"
    assert [(r.target, r.connection) for r in server.requests] == [("/slow", 0), ("/ok", 1)]


def test_content_matches_requests(raw_server: RawServerFactory) -> None:
    body = BLOCK[:300_000]
    wire = http_response(
        200,
        chunked(body[:7], body[7:200_000], body[200_000:]),
        [
            ("Transfer-Encoding", "chunked"),
            ("Content-Type", "application/octet-stream"),
        ],
    )
    server = raw_server(lambda request, conn: wire)
    results = [library(name).get(server.url).content for name in ("requests", "tether")]
    assert results[0] == results[1] == body


# -- iter_content -----------------------------------------------------------------------------


def _encode(coding: str, data: bytes) -> bytes:
    if coding == "gzip":
        return gzip.compress(data)
    if coding == "deflate":
        return zlib.compress(data)
    if coding == "deflate-raw":
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
        return compressor.compress(data) + compressor.flush()
    if coding == "br":
        brotli = pytest.importorskip("brotli")
        return bytes(brotli.compress(data))
    if coding == "zstd":
        try:
            from compression import zstd  # type: ignore[import-not-found]
        except ImportError:
            zstd = pytest.importorskip("backports.zstd")
        return bytes(zstd.compress(data))
    assert coding == "identity"
    return data


CODINGS = ["identity", "gzip", "deflate", "deflate-raw", "br", "zstd"]


def _wire_coding(coding: str) -> str:
    return "deflate" if coding == "deflate-raw" else coding


@pytest.mark.parametrize("coding", CODINGS)
@pytest.mark.parametrize("framing", ["length", "chunked"])
@pytest.mark.parametrize("chunk_size", [1, 777, 65536])
def test_iter_content_yields_exact_chunk_sizes(
    raw_server: RawServerFactory, coding: str, framing: str, chunk_size: int
) -> None:
    data = (BLOCK[:150_000] + b"x" * 150_000)[: 3000 if chunk_size == 1 else 300_000]
    encoded = _encode(coding, data)
    headers: list[tuple[str, str]] = [("Content-Encoding", _wire_coding(coding))]
    if framing == "chunked":
        # Odd chunk sizes: the network decides nothing about what iter_content yields.
        pieces = [encoded[i : i + 1009] for i in range(0, len(encoded), 1009)]
        wire = http_response(200, chunked(*pieces), [*headers, ("Transfer-Encoding", "chunked")])
    else:
        wire = http_response(200, encoded, headers)

    def handler(request: RawRequest, conn: Connection) -> None:
        for offset in range(0, len(wire), 4099):
            conn.sendall(wire[offset : offset + 4099])

    server = raw_server(handler)
    r = tether.get(server.url, stream=True)
    chunks = list(r.iter_content(chunk_size))
    assert b"".join(chunks) == data
    assert all(len(c) == chunk_size for c in chunks[:-1])
    assert 0 < len(chunks[-1]) <= chunk_size


def test_iter_content_none_yields_what_has_arrived(raw_server: RawServerFactory) -> None:
    got_first = threading.Event()

    def handler(request: RawRequest, conn: Connection) -> None:
        conn.sendall(http_response(200, headers=[("Content-Length", 6)]) + b"abc")
        got_first.wait(5)  # the client must not wait for more before yielding "abc"
        conn.sendall(b"def")

    server = raw_server(handler)
    r = tether.get(server.url, stream=True)
    chunks = []
    for chunk in r.iter_content(None):
        chunks.append(chunk)
        got_first.set()
    assert chunks == [b"abc", b"def"]


def test_iter_content_none_on_a_chunked_body(raw_server: RawServerFactory) -> None:
    got_first = threading.Event()

    def handler(request: RawRequest, conn: Connection) -> None:
        conn.sendall(http_response(200, headers=[("Transfer-Encoding", "chunked")]))
        conn.sendall(b"3\r\nabc\r\n")
        got_first.wait(5)
        conn.sendall(b"4\r\ndefg\r\n0\r\n\r\n")

    server = raw_server(handler)
    r = tether.get(server.url, stream=True)
    chunks = []
    for chunk in r.iter_content(None):
        chunks.append(chunk)
        got_first.set()
    assert b"".join(chunks) == b"abcdefg"
    assert chunks[0] == b"abc"


def test_iter_content_none_without_stream_is_one_piece(raw_server: RawServerFactory) -> None:
    server = raw_server(in_pieces(b"0123456789" * 1000, 7, 100, 3000))
    r = tether.get(server.url)
    assert list(r.iter_content(None)) == [b"0123456789" * 1000]


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, None])
def test_decode_unicode_never_splits_a_character(
    raw_server: RawServerFactory, chunk_size: int | None
) -> None:
    data = TEXT.encode("utf-8")
    server = raw_server(
        lambda request, conn: http_response(
            200, data, [("Content-Type", "text/plain; charset=utf-8")]
        )
    )
    for name in ("requests", "tether"):
        r = library(name).get(server.url, stream=True)
        pieces = list(r.iter_content(chunk_size, decode_unicode=True))
        assert all(isinstance(p, str) for p in pieces), name
        assert "".join(pieces) == TEXT, name
        assert "\ufffd" not in "".join(pieces)


def test_decode_unicode_after_content_decodes_the_cached_bytes(
    raw_server: RawServerFactory,
) -> None:
    data = TEXT.encode("utf-16")
    server = raw_server(
        lambda request, conn: http_response(
            200, data, [("Content-Type", "text/plain; charset=utf-16")]
        )
    )
    r = tether.get(server.url)
    assert "".join(r.iter_content(3, decode_unicode=True)) == TEXT


def test_decode_unicode_without_an_encoding_yields_bytes_like_requests(
    raw_server: RawServerFactory,
) -> None:
    server = raw_server(
        lambda request, conn: http_response(
            200, b"\x00\x01binary", [("Content-Type", "application/octet-stream")]
        )
    )
    for name in ("requests", "tether"):
        r = library(name).get(server.url, stream=True)
        assert list(r.iter_content(4, decode_unicode=True)) == [b"\x00\x01bi", b"nary"], name


def test_second_pass_over_a_stream_raises(raw_server: RawServerFactory) -> None:
    server = raw_server(lambda request, conn: http_response(200, b"x" * 1000))
    r = tether.get(server.url, stream=True)
    assert b"".join(r.iter_content(100)) == b"x" * 1000
    with pytest.raises(tether.exceptions.StreamConsumedError):
        r.iter_content(100)
    with pytest.raises(TypeError):  # StreamConsumedError is also a TypeError, as in requests
        r.iter_content(100)
    with pytest.raises(RuntimeError, match="already consumed"):
        r.content  # noqa: B018


def test_iter_content_after_content_replays_the_bytes(raw_server: RawServerFactory) -> None:
    server = raw_server(lambda request, conn: http_response(200, b"0123456789"))
    r = tether.get(server.url, stream=True)
    assert r.content == b"0123456789"
    assert list(r.iter_content(4)) == [b"0123", b"4567", b"89"]
    assert list(r.iter_content(4)) == [b"0123", b"4567", b"89"]  # as often as asked
    assert list(r) == [b"0123456789"]  # __iter__ uses 128-byte chunks


def test_iter_content_rejects_a_non_int_chunk_size(raw_server: RawServerFactory) -> None:
    server = raw_server(lambda request, conn: http_response(200, b"x"))
    r = tether.get(server.url, stream=True)
    with pytest.raises(TypeError, match="chunk_size must be an int"):
        r.iter_content("10")  # type: ignore[arg-type]


@pytest.mark.slow
def test_iter_content_of_256_mib_stays_bounded(raw_server: RawServerFactory) -> None:
    size = 256 * MiB
    server = raw_server(big_body_handler(size))
    total = 0
    with peak_memory() as peak:
        with tether.get(server.url, stream=True) as r:
            for chunk in r.iter_content(65536):
                total += len(chunk)
    assert total == size
    assert peak[0] < 2 * MiB


# -- iter_lines -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pieces", "delimiter"),
    [
        ([b"one\r", b"\ntwo\r", b"\n", b"three"], None),
        ([b"a\r", b"\r\n", b"b\n", b"\rc\r"], None),
        ([b"x|", b"|y||", b"|z"], b"||"),
        ([b"x|", b"|", b"|", b"|y"], b"||"),
        ([b"end\r\n"], None),
    ],
    ids=["crlf-split", "cr-then-crlf", "delimiter-split", "delimiter-across-three", "trailing"],
)
def test_iter_lines_across_tcp_writes(
    raw_server: RawServerFactory,
    monkeypatch: pytest.MonkeyPatch,
    pieces: list[bytes],
    delimiter: bytes | None,
) -> None:
    body = b"".join(pieces)
    arrived = threading.Event()

    def handler(request: RawRequest, conn: Connection) -> None:
        conn.sendall(http_response(200, headers=[("Transfer-Encoding", "chunked")]))
        for piece in pieces:
            arrived.clear()
            conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            arrived.wait(2)  # one network read per piece
        conn.sendall(b"0\r\n\r\n")

    server = raw_server(handler)
    r = tether.get(server.url, stream=True)
    seen_chunks: list[bytes] = []
    read1 = r.raw.read1

    def read1_then_signal(*args: Any, **kwargs: Any) -> bytes:
        data: bytes = read1(*args, **kwargs)
        if data:
            seen_chunks.append(data)
        arrived.set()
        return data

    monkeypatch.setattr(r.raw, "read1", read1_then_signal)
    lines = list(r.iter_lines(chunk_size=None, delimiter=delimiter))  # type: ignore[arg-type]
    assert seen_chunks == pieces  # the terminators really were split between reads
    expected = body.split(delimiter) if delimiter else body.splitlines()
    assert lines == expected


def test_iter_lines_crlf_straddling_a_chunk_boundary(raw_server: RawServerFactory) -> None:
    # With 512-byte chunks, the CR ends chunk one and the LF starts chunk two; requests
    # yields an extra empty line here (psf/requests#3980, #5540).
    body = b"a" * 511 + b"\r\n" + b"b" * 100 + b"\n" + b"c" * 411 + b"\r\n\r\nlast"
    server = raw_server(in_pieces(body, 511, 1, 1, 300))
    r = tether.get(server.url, stream=True)
    assert list(r.iter_lines()) == body.splitlines()
    r = tether.get(server.url, stream=True)
    assert list(r.iter_lines(chunk_size=7, decode_unicode=True)) == body.decode().splitlines()


def test_iter_lines_decodes_characters_split_across_chunks(raw_server: RawServerFactory) -> None:
    text = "première ligne\nzweite Zeile 🙂\n第三行\n"
    server = raw_server(
        lambda request, conn: http_response(
            200, text.encode("utf-8"), [("Content-Type", "text/plain; charset=utf-8")]
        )
    )
    r = tether.get(server.url, stream=True)
    assert list(r.iter_lines(chunk_size=1, decode_unicode=True)) == text.splitlines()


def test_iter_lines_matches_requests_when_chunks_align(raw_server: RawServerFactory) -> None:
    body = b"alpha\nbeta\r\ngamma\rdelta\n\nepsilon"
    server = raw_server(lambda request, conn: http_response(200, body))
    results = [
        list(library(name).get(server.url, stream=True).iter_lines(chunk_size=1024))
        for name in ("requests", "tether")
    ]
    assert results[0] == results[1] == body.splitlines()


# -- content codings --------------------------------------------------------------------------


def test_accept_encoding_lists_what_can_be_decoded(raw_server: RawServerFactory) -> None:
    import urllib3.response

    server = raw_server(lambda request, conn: http_response(200, b"ok"))
    tether.get(server.url)
    requests_ = library("requests")
    requests_.get(server.url)
    decodable = [c for c in urllib3.response.HTTPResponse.CONTENT_DECODERS if c != "x-gzip"]
    sent = [r.header("accept-encoding") for r in server.requests]
    assert sent[0] == sent[1] == ", ".join(decodable).encode()


@pytest.mark.parametrize("coding", CODINGS)
@pytest.mark.parametrize("stream", [False, True])
def test_content_decodes_like_requests(
    raw_server: RawServerFactory, coding: str, stream: bool
) -> None:
    data = TEXT.encode("utf-8") * 20
    wire = http_response(200, _encode(coding, data), [("Content-Encoding", _wire_coding(coding))])
    server = raw_server(lambda request, conn: wire)
    for name in ("requests", "tether"):
        r = library(name).get(server.url, stream=stream)
        got = b"".join(r.iter_content(1000)) if stream else r.content
        assert got == data, name


def test_multi_member_gzip(raw_server: RawServerFactory) -> None:
    data = b"".join(gzip.compress(part) for part in (b"first ", b"", b"second ", BLOCK[:5000]))
    expected = b"first second " + BLOCK[:5000]
    server = raw_server(
        lambda request, conn: http_response(200, data, [("Content-Encoding", "gzip")])
    )
    assert tether.get(server.url).content == expected
    assert b"".join(tether.get(server.url, stream=True).iter_content(7)) == expected


def test_large_encoded_body_reads_whole(raw_server: RawServerFactory) -> None:
    data = BLOCK * 6
    wire = http_response(200, gzip.compress(data, 1), [("Content-Encoding", "gzip")])
    server = raw_server(lambda request, conn: wire)
    assert tether.get(server.url).content == data


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "zstd"])
@pytest.mark.parametrize("stream", [False, True])
def test_corrupt_encoded_body_is_content_decoding_error(
    raw_server: RawServerFactory, coding: str, stream: bool
) -> None:
    good = _encode(coding, BLOCK[:20000])
    corrupt = good[:8] + bytes(b ^ 0x5A for b in good[8:40]) + good[40:]
    server = raw_server(
        lambda request, conn: http_response(200, corrupt, [("Content-Encoding", coding)])
    )
    with pytest.raises(tether.exceptions.ContentDecodingError):
        r = tether.get(server.url, stream=stream)
        for _ in r.iter_content(1024):
            pass


def test_gzip_bomb_streams_in_bounded_memory(raw_server: RawServerFactory) -> None:
    bomb = gzip_bomb(128 * MiB)  # about 130 KB on the wire
    wire = http_response(200, bomb, [("Content-Encoding", "gzip")])
    server = raw_server(lambda request, conn: wire)
    total = 0
    with wall_clock(20.0), peak_memory() as peak:
        with tether.get(server.url, stream=True) as r:
            for chunk in r.iter_content(65536):
                total += len(chunk)
    assert total == 128 * MiB
    assert peak[0] < 4 * MiB


def test_gzip_bomb_partly_read_then_closed(raw_server: RawServerFactory) -> None:
    bomb = gzip_bomb(64 * MiB)
    wire = http_response(200, bomb, [("Content-Encoding", "gzip")])
    server = raw_server(lambda request, conn: wire)
    with peak_memory() as peak:
        r = tether.get(server.url, stream=True)
        first = next(r.iter_content(1024))
        r.close()
    assert first == bytes(1024)
    assert peak[0] < 2 * MiB


# -- encodings, text and json -----------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/html",
        "text/plain; charset=utf-8",
        "text/plain; charset='windows-1252'",
        "application/json",
        "application/json; charset=utf-16",
        "application/xml",
        "application/vnd.api+json",
        'text/csv; charset="koi8-r"; header=present',
    ],
)
def test_encoding_from_headers_matches_requests(
    raw_server: RawServerFactory, content_type: str | None
) -> None:
    headers = [] if content_type is None else [("Content-Type", content_type)]
    server = raw_server(lambda request, conn: http_response(200, b"caf\xc3\xa9", headers))
    results = [library(name).get(server.url) for name in ("requests", "tether")]
    assert results[0].encoding == results[1].encoding
    assert results[0].text == results[1].text


def test_text_defaults_to_iso_8859_1_for_text_types(raw_server: RawServerFactory) -> None:
    server = raw_server(
        lambda request, conn: http_response(200, "café".encode(), [("Content-Type", "text/plain")])
    )
    r = tether.get(server.url)
    assert r.encoding == "ISO-8859-1"
    assert r.text == "cafÃ©"  # what requests gives, too
    r.encoding = "utf-8"
    assert r.text == "café"


def test_text_of_a_large_body(raw_server: RawServerFactory) -> None:
    text = TEXT * 3000
    data = text.encode("utf-8")
    server = raw_server(
        lambda request, conn: http_response(
            200, data, [("Content-Type", "text/plain; charset=utf-8")]
        )
    )
    assert tether.get(server.url).text == text


def test_apparent_encoding_is_lazy_and_computed_once(
    raw_server: RawServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tether import _decoding  # loaded on first use, not by import tether

    calls: list[int] = []
    detect = _decoding.apparent_encoding

    def counting(content: bytes) -> str | None:
        calls.append(len(content))
        return detect(content)

    monkeypatch.setattr(_decoding, "apparent_encoding", counting)
    body = "Привет, мир! Это текст в кодировке windows-1251.".encode("cp1251") * 20
    server = raw_server(
        lambda request, conn: http_response(
            200, body, [("Content-Type", "application/octet-stream")]
        )
    )
    r = tether.get(server.url)
    assert r.content == body and calls == []  # reading the body detects nothing
    first = r.text
    assert calls == [len(body)]
    assert r.apparent_encoding == r.apparent_encoding
    assert r.text == first
    assert calls == [len(body)]
    assert first == body.decode(r.apparent_encoding or "")

    declared = raw_server(
        lambda request, conn: http_response(
            200, body, [("Content-Type", "text/plain; charset=windows-1251")]
        )
    )
    assert "Привет" in tether.get(declared.url).text
    assert calls == [len(body)]  # a declared charset needs no detection


@pytest.mark.parametrize(
    "codec",
    ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"],
)
def test_json_detects_utf_8_16_32_like_requests(raw_server: RawServerFactory, codec: str) -> None:
    document = {"name": "Zoë", "city": "東京", "emoji": "🙂", "n": [1, 2.5, None]}
    body = json.dumps(document, ensure_ascii=False).encode(codec)
    server = raw_server(lambda request, conn: http_response(200, body))  # no Content-Type
    for name in ("requests", "tether"):
        assert library(name).get(server.url).json() == document, name


def test_json_decode_error_for_invalid_json(raw_server: RawServerFactory) -> None:
    server = raw_server(
        lambda request, conn: http_response(
            200, b"{not json", [("Content-Type", "application/json")]
        )
    )
    r = tether.get(server.url)
    with pytest.raises(tether.exceptions.JSONDecodeError) as info:
        r.json()
    assert isinstance(info.value, json.JSONDecodeError)
    assert info.value.pos == 1


# -- Session(default_encoding=...) ------------------------------------------------------------


BINARY_TEXT = "naïve café, résumé déjà vu; " * 20


def _typed_server(raw_server: RawServerFactory) -> RawServer:
    bodies = {
        "/plain": ("text/plain", "café 🙂".encode()),
        "/declared": ("text/plain; charset=iso-8859-1", "café".encode("latin-1")),
        "/json": ("application/json", json.dumps({"k": "é"}, ensure_ascii=False).encode()),
        "/binary": ("application/octet-stream", BINARY_TEXT.encode()),
    }

    def handler(request: RawRequest, conn: Connection) -> bytes:
        content_type, body = bodies[request.path]
        return http_response(200, body, [("Content-Type", content_type)])

    return raw_server(handler)


def test_default_encoding_string(raw_server: RawServerFactory) -> None:
    server = _typed_server(raw_server)
    with tether.Session(default_encoding="utf-8") as s:
        plain = s.get(server.url_for("/plain"))
        assert plain.encoding == "utf-8" and plain.text == "café 🙂"
        declared = s.get(server.url_for("/declared"))
        assert declared.encoding == "iso-8859-1" and declared.text == "café"
        assert s.get(server.url_for("/json")).encoding == "utf-8"
        assert s.get(server.url_for("/binary")).encoding == "utf-8"
        assert s.get(server.url_for("/binary")).text == BINARY_TEXT
    with tether.Session() as s:  # requests' rules when not set
        assert s.get(server.url_for("/plain")).encoding == "ISO-8859-1"
        assert s.get(server.url_for("/binary")).encoding is None


def test_default_encoding_callable_is_lazy_and_called_once(raw_server: RawServerFactory) -> None:
    server = _typed_server(raw_server)
    calls: list[str] = []

    def choose(response: tether.Response) -> str | None:
        calls.append(response.url.rsplit("/", 1)[1])
        return "utf-8" if response.url.endswith("/plain") else None

    with tether.Session(default_encoding=choose) as s:
        plain = s.get(server.url_for("/plain"))
        assert plain.encoding is None and calls == []  # nothing decoded yet
        assert plain.text == "café 🙂"
        assert plain.text == "café 🙂"
        assert "".join(plain.iter_content(1, decode_unicode=True)) == "café 🙂"
        assert calls == ["plain"]
        streamed = s.get(server.url_for("/plain"), stream=True)
        assert "".join(streamed.iter_content(1, decode_unicode=True)) == "café 🙂"
        assert calls == ["plain", "plain"]
        binary = s.get(server.url_for("/binary"))
        assert binary.text == BINARY_TEXT  # the callable said None: charset detection
        declared = s.get(server.url_for("/declared"))
        assert declared.text == "café"
        assert s.get(server.url_for("/json")).json() == {"k": "é"}
    assert calls == ["plain", "plain", "binary"]


def test_default_encoding_callable_may_read_the_body(raw_server: RawServerFactory) -> None:
    server = _typed_server(raw_server)

    def detect(response: tether.Response) -> str | None:
        assert response.content is not None
        return response.apparent_encoding

    with tether.Session(default_encoding=detect) as s:
        r = s.get(server.url_for("/plain"), stream=True)
        assert "".join(r.iter_content(4, decode_unicode=True)) == "café 🙂"
        r = s.get(server.url_for("/plain"))
        assert r.text == "café 🙂"


def test_default_encoding_survives_pickling() -> None:
    import pickle

    s = tether.Session(default_encoding="utf-8", stream_multipart=False)
    copy = pickle.loads(pickle.dumps(s))
    assert copy.default_encoding == "utf-8"
    assert copy.stream_multipart is False
    state = s.__getstate__()
    for name in ("default_encoding", "stream_multipart"):
        del state[name]
    old = tether.Session.__new__(tether.Session)
    old.__setstate__(state)  # a session pickled by requests or an older tether
    assert old.default_encoding is None and old.stream_multipart is None


def test_hooks_see_the_default_encoding(raw_server: RawServerFactory) -> None:
    server = _typed_server(raw_server)
    seen: list[Any] = []
    with tether.Session(default_encoding="cp1252") as s:
        s.get(server.url_for("/plain"), hooks={"response": lambda r, **kw: seen.append(r.encoding)})
    assert seen == ["cp1252"]
