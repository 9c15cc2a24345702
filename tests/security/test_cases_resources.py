"""Security catalogue cases 26, 27, 29, 30, 38, 39, 41, 44: decompression bombs and other
resource bounds.

Memory is measured with ``tracemalloc`` (peak of Python allocations, which is where
decompressed and buffered bytes live); CPU and hangs with a wall-clock bound. The bombs
are 100 MiB of zeros (about 100 KB gzip, a few hundred bytes brotli): big enough that any
unbounded buffer shows up as 20 times the limit, small enough to keep the tests fast.
"""

from __future__ import annotations

import contextlib
import email.utils
import functools
import time
import tracemalloc
import zlib
from collections.abc import Iterator

import pytest
from urllib3.util.retry import Retry

import tether
from tests.support.fixtures import RawServerFactory
from tests.support.hostile import deflate_body, gzip_bomb, wall_clock
from tests.support.servers import Connection, RawRequest, RawServer, chunked, http_response
from tether.adapters import HTTPAdapter

MiB = 1 << 20
BOMB_SIZE = 100 * MiB


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


@functools.cache
def _bomb(coding: str) -> bytes:
    if coding == "gzip":
        return gzip_bomb(BOMB_SIZE)
    if coding == "deflate":
        return gzip_bomb(BOMB_SIZE, wbits=15)
    if coding == "br":
        import brotli

        return bytes(brotli.compress(bytes(BOMB_SIZE), quality=5))
    if coding == "zstd":
        zstd = pytest.importorskip("zstandard")
        return bytes(zstd.ZstdCompressor(level=3).compress(bytes(BOMB_SIZE)))
    raise ValueError(coding)


def _bomb_server(raw_server: RawServerFactory, coding: str) -> RawServer:
    response = http_response(
        200,
        _bomb(coding),
        [("Content-Type", "application/octet-stream"), ("Content-Encoding", coding)],
    )

    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.path == "/small":
            return http_response(200, b"small")
        return response

    return raw_server(handler)


CODINGS = ["gzip", "deflate", "br", "zstd"]


# -- case 26: decoded output bounded per read ------------------------------------------------


@pytest.mark.parametrize("coding", CODINGS)
def test_case_26_cve_2025_66471_streaming_bomb_bounded_per_read(
    raw_server: RawServerFactory, coding: str
) -> None:
    server = _bomb_server(raw_server, coding)
    with tether.Session() as s:
        r = s.get(server.url, stream=True)
        with peak_memory() as peak:
            chunks = r.iter_content(1024)
            assert len(next(chunks)) == 1024
            assert len(next(chunks)) == 1024
        r.close()
    assert peak[0] < 5 * MiB


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_case_26_cve_2025_66471_iter_content_none_bounded(
    raw_server: RawServerFactory, coding: str
) -> None:
    # chunk_size=None means "as it arrives"; it must not mean "inflate everything at once".
    server = _bomb_server(raw_server, coding)
    with tether.Session() as s:
        r = s.get(server.url, stream=True)
        with peak_memory() as peak:
            assert 0 < len(next(r.iter_content(None))) <= MiB
        r.close()
    assert peak[0] < 5 * MiB


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_case_26_cve_2025_66471_full_iteration_stays_bounded(
    raw_server: RawServerFactory, coding: str
) -> None:
    server = _bomb_server(raw_server, coding)
    with tether.Session() as s:
        r = s.get(server.url, stream=True)
        total = 0
        with peak_memory() as peak:
            for chunk in r.iter_content(64 * 1024):
                total += len(chunk)
        assert total == BOMB_SIZE
        # Read to the end: the connection went back to the pool and is reused.
        assert s.get(server.url_for("/small")).content == b"small"
    assert server.connections_accepted == 1
    assert peak[0] < 5 * MiB


def test_case_26_cve_2025_66471_raw_read_amount_bounded(raw_server: RawServerFactory) -> None:
    server = _bomb_server(raw_server, "gzip")
    r = tether.get(server.url, stream=True)
    with peak_memory() as peak:
        assert len(r.raw.read(1024, decode_content=True)) == 1024
    r.close()
    assert peak[0] < 5 * MiB


# -- case 27: Content-Encoding chains --------------------------------------------------------


def _encode_chain(data: bytes, codings: list[str]) -> bytes:
    for coding in codings:  # applied in the order listed, as the header states
        if coding == "gzip":
            compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
            data = compressor.compress(data) + compressor.flush()
        elif coding == "deflate":
            data = deflate_body(data)
        else:
            raise ValueError(coding)
    return data


@pytest.mark.parametrize(
    "header_lines",
    [
        [("Content-Encoding", "gzip, deflate, gzip, deflate, gzip, deflate")],
        [("Content-Encoding", "gzip, gzip, gzip"), ("Content-Encoding", "gzip, gzip, gzip")],
        [("Content-Encoding", "gzip")] * 6,
    ],
    ids=["one-line", "two-lines", "six-lines"],
)
@pytest.mark.parametrize("stream", [False, True])
def test_case_27_cve_2025_66418_too_many_content_encodings(
    raw_server: RawServerFactory, header_lines: list[tuple[str, str]], stream: bool
) -> None:
    codings = [c.strip() for _, value in header_lines for c in value.split(",")]
    body = _encode_chain(b"x" * 100, codings)
    server = raw_server(lambda request, conn: http_response(200, body, header_lines))
    with pytest.raises(
        tether.exceptions.ContentDecodingError, match=r"(?i)too many content encodings"
    ):
        r = tether.get(server.url, stream=stream)
        for _ in r.iter_content(1024):
            pass


def test_case_27_cve_2025_66418_five_layers_still_decode(raw_server: RawServerFactory) -> None:
    codings = ["gzip", "deflate", "gzip", "deflate", "gzip"]
    body = _encode_chain(b"payload" * 100, codings)
    header = ", ".join(codings)
    server = raw_server(
        lambda request, conn: http_response(200, body, [("Content-Encoding", header)])
    )
    assert tether.get(server.url).content == b"payload" * 100


# -- case 29: draining after a partial read --------------------------------------------------


def test_case_29_cve_2026_44432_drain_after_partial_read_does_not_decode(
    raw_server: RawServerFactory,
) -> None:
    server = _bomb_server(raw_server, "gzip")
    with tether.Session() as s:
        r = s.get(server.url, stream=True)
        with peak_memory() as peak:
            assert len(r.raw.read(1024, decode_content=True)) == 1024
            r.raw.drain_conn()
        assert s.get(server.url_for("/small")).content == b"small"
    assert peak[0] < 5 * MiB


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_case_29_cve_2026_44432_close_after_partial_read_is_bounded(
    raw_server: RawServerFactory, coding: str
) -> None:
    server = _bomb_server(raw_server, coding)
    with tether.Session() as s:
        r = s.get(server.url, stream=True)
        with peak_memory() as peak:
            next(r.iter_content(1024))
            r.close()
        assert s.get(server.url_for("/small")).content == b"small"
    assert peak[0] < 5 * MiB


def test_case_29_cve_2026_44432_second_small_brotli_read_bounded(
    raw_server: RawServerFactory,
) -> None:
    server = _bomb_server(raw_server, "br")
    r = tether.get(server.url, stream=True)
    with peak_memory() as peak:
        assert len(r.raw.read(MiB, decode_content=True)) == MiB
        assert len(r.raw.read(1024, decode_content=True)) == 1024
    r.close()
    assert peak[0] < 15 * MiB


# -- case 30: many (empty) gzip members ------------------------------------------------------


@functools.cache
def _empty_members(count: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    member = compressor.compress(b"") + compressor.flush()
    return member * count


@pytest.mark.parametrize(
    "consume",
    [
        lambda r: r.content,
        lambda r: b"".join(r.iter_content(1024)),
        lambda r: b"".join(r.iter_content(1 << 20)),
        lambda r: b"".join(r.iter_content(None)),
    ],
    ids=["content", "iter_content-1KiB", "iter_content-1MiB", "iter_content-None"],
)
def test_case_30_cve_2025_69223_many_empty_gzip_members_are_linear(
    raw_server: RawServerFactory, consume: object
) -> None:
    # 100,000 empty members (2 MB). urllib3's gzip decoder copies the rest of its input
    # after every member, so feeding it MiB-sized reads is quadratic (seconds per MB);
    # tether never hands it more than 64 KiB at a time.
    body = _empty_members(100_000)
    server = raw_server(
        lambda request, conn: http_response(200, body, [("Content-Encoding", "gzip")])
    )
    with wall_clock(2.0):
        r = tether.get(server.url, stream=True)
        assert consume(r) == b""  # type: ignore[operator]


# -- case 38: the chunk-size line ------------------------------------------------------------


def _endless_size_line(request: RawRequest, conn: Connection) -> None:
    conn.sendall(http_response(200, headers=[("Transfer-Encoding", "chunked")]))
    block = b"1" * 65536
    with contextlib.suppress(OSError):
        for _ in range(100):  # 6.5 MB without a newline
            conn.sendall(block)
    conn.close()


@pytest.mark.parametrize("stream", [False, True])
def test_case_38_cve_2026_97689_chunk_size_line_is_bounded(
    raw_server: RawServerFactory, stream: bool
) -> None:
    server = raw_server(_endless_size_line)
    with wall_clock(5.0), peak_memory() as peak:
        with pytest.raises(tether.exceptions.ChunkedEncodingError):
            r = tether.get(server.url, stream=stream, timeout=5)
            for _ in r.iter_content(1024):
                pass
    assert peak[0] < 1 * MiB


def test_case_38_cve_2026_97689_trailer_line_is_bounded(raw_server: RawServerFactory) -> None:
    def handler(request: RawRequest, conn: Connection) -> None:
        conn.sendall(http_response(200, headers=[("Transfer-Encoding", "chunked")]))
        conn.sendall(b"2\r\nok\r\n0\r\nX-Trailer: ")
        with contextlib.suppress(OSError):
            for _ in range(100):
                conn.sendall(b"t" * 65536)
        conn.close()

    server = raw_server(handler)
    with wall_clock(5.0), pytest.raises(tether.exceptions.ChunkedEncodingError):
        tether.get(server.url, timeout=5)


# -- case 39: trailing bytes after a deflate stream ------------------------------------------


def test_case_39_cve_2026_97688_trailing_bytes_after_deflate_do_not_spin(
    raw_server: RawServerFactory,
) -> None:
    body = deflate_body(b"A" * 200_000) + b"TRAILINGJUNK"
    pieces = [body[i : i + 4096] for i in range(0, len(body), 4096)]
    response = http_response(
        200,
        chunked(*pieces),
        [("Transfer-Encoding", "chunked"), ("Content-Encoding", "deflate")],
    )
    server = raw_server(lambda request, conn: response)
    with wall_clock(2.0):
        r = tether.get(server.url, stream=True, timeout=1)
        data = b"".join(r.iter_content(1024))
    assert data == b"A" * 200_000


# -- case 41: no preallocation from Content-Length -------------------------------------------


@pytest.fixture
def liar(raw_server: RawServerFactory) -> RawServer:
    def handler(request: RawRequest, conn: Connection) -> None:
        conn.sendall(http_response(200, headers=[("Content-Length", 4_000_000_000)]) + b"abc")
        conn.close()

    return raw_server(handler)


@pytest.mark.parametrize(
    "consume",
    [
        lambda r: r.content,
        lambda r: r.text,
        lambda r: r.json(),
        lambda r: list(r.iter_content(1024)),
        lambda r: list(r.iter_content(None)),
        lambda r: list(r.iter_lines()),
    ],
    ids=["content", "text", "json", "iter_content", "iter_content-None", "iter_lines"],
)
def test_case_41_cve_2025_13836_content_length_not_preallocated(
    liar: RawServer, consume: object
) -> None:
    r = tether.get(liar.url, stream=True)
    with peak_memory() as peak:
        with pytest.raises(tether.exceptions.ChunkedEncodingError):
            consume(r)  # type: ignore[operator]
    assert peak[0] < 10 * MiB


def test_case_41_cve_2025_13836_non_streamed_request(liar: RawServer) -> None:
    with peak_memory() as peak:
        with pytest.raises(tether.exceptions.ChunkedEncodingError):
            tether.get(liar.url)
    assert peak[0] < 10 * MiB


# -- case 44: Retry-After --------------------------------------------------------------------


@pytest.fixture
def recorded_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    return sleeps


def _unavailable_once(retry_after: str) -> object:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.connection == 0 and request.index == 0:
            return http_response(503, b"busy", [("Retry-After", retry_after)])
        return http_response(200, b"ok")

    return handler


@pytest.mark.parametrize(
    "retry_after",
    [
        "999999999",
        email.utils.formatdate(time.time() + 10 * 365 * 86400, usegmt=True),
    ],
    ids=["seconds", "http-date"],
)
def test_case_44_urllib3_3743_retry_after_is_capped(
    raw_server: RawServerFactory, recorded_sleeps: list[float], retry_after: str
) -> None:
    server = raw_server(_unavailable_once(retry_after))  # type: ignore[arg-type]
    retries = Retry(total=1, status_forcelist=[503], respect_retry_after_header=True)
    with tether.Session() as s:
        s.mount("http://", HTTPAdapter(max_retries=retries))
        assert s.get(server.url).status_code == 200
    assert recorded_sleeps and max(recorded_sleeps) <= 6 * 3600
    with tether.Session(retries=retries) as s:
        assert s.get(server.url).status_code == 200
    assert max(recorded_sleeps) <= 6 * 3600


def test_case_44_urllib3_3743_default_never_sleeps(
    raw_server: RawServerFactory, recorded_sleeps: list[float]
) -> None:
    server = raw_server(_unavailable_once("999999999"))  # type: ignore[arg-type]
    r = tether.get(server.url)
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "999999999"
    assert recorded_sleeps == []
