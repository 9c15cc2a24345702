"""A fast loopback HTTP/1.1 keep-alive server for the benchmarks (run as its own process).

Endpoints:

* ``GET /small``: a 100-byte body.
* ``GET /cookie``: sets ``bench=1; Path=/`` and answers ``cookie=1`` when the request carried
  that cookie back, ``cookie=0`` otherwise (so the harness can check the round trip).
* ``GET /bytes/N``: N bytes sliced out of one preallocated buffer (no per-request
  allocation), written under asyncio flow control so a slow reader never makes the server
  buffer the whole body.
* ``POST /upload``: drains a Content-Length or chunked body without keeping it and answers
  the number of body bytes received.

It is a hand-written `asyncio.Protocol`: requests are parsed by byte searches on the head
only (no header dictionary), static responses are prebuilt bytes, and upload bodies are
counted as they arrive. ``python benchmarks/server.py`` prints ``READY <port>`` once
listening on 127.0.0.1 and stops on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

SMALL_BODY = b"x" * 100
_BUFFER_SIZE = 1 << 20  # 1 MiB of body bytes shared by every /bytes/N response
_BUFFER = memoryview(bytes(range(256)) * (_BUFFER_SIZE // 256))
_WRITE_HIGH_WATER = 4 << 20
_MAX_HEAD = 64 * 1024


def _response(status: bytes, body: bytes, extra: bytes = b"") -> bytes:
    return (
        b"HTTP/1.1 " + status + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n"
        b"Content-Type: text/plain\r\n" + extra + b"\r\n" + body
    )


SMALL = _response(b"200 OK", SMALL_BODY)
COOKIE_SET = b"Set-Cookie: bench=1; Path=/\r\n"
COOKIE_HIT = _response(b"200 OK", b"cookie=1", COOKIE_SET)
COOKIE_MISS = _response(b"200 OK", b"cookie=0", COOKIE_SET)
NOT_FOUND = _response(b"404 Not Found", b"not found")
BAD_REQUEST = _response(b"400 Bad Request", b"bad request", b"Connection: close\r\n")

# Parser states.
_HEAD, _BODY, _CHUNK_SIZE, _CHUNK_DATA, _CHUNK_CRLF, _TRAILERS = range(6)


def _header_value(head_lower: bytes, name: bytes) -> bytes | None:
    """Value of header `name` (lower case, with the colon) in a lower-cased head."""
    start = head_lower.find(b"\r\n" + name)
    if start < 0:
        return None
    start += 2 + len(name)
    end = head_lower.find(b"\r\n", start)
    return head_lower[start : end if end >= 0 else len(head_lower)].strip()


class BenchProtocol(asyncio.Protocol):
    """One connection: parse requests from `buffer`, answer them in order."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.state = _HEAD
        self.remaining = 0  # body (or chunk) bytes still expected
        self.received = 0  # upload body bytes counted so far
        self.close_after = False
        self.paused = False
        self.pump_left = 0  # body bytes of a /bytes/N response still to write
        self.pump_offset = 0

    # -- asyncio callbacks ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.set_write_buffer_limits(high=_WRITE_HIGH_WATER)

    def data_received(self, data: bytes) -> None:
        if self.state == _BODY:  # the hot path of an upload: count, do not store
            if len(data) <= self.remaining:
                self.remaining -= len(data)
                self.received += len(data)
                if self.remaining == 0:
                    self._upload_done()
                return
            self.received += self.remaining
            data = data[self.remaining :]
            self.remaining = 0
            self._upload_done()
        self.buffer += data
        self._process()

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        self._pump()
        if not self.pump_left:
            self._process()

    # -- parsing -------------------------------------------------------------------------

    def _process(self) -> None:
        buffer = self.buffer
        while buffer and not self.pump_left and self.transport is not None:
            if self.state == _HEAD:
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    if len(buffer) > _MAX_HEAD:
                        self._fail()
                    return
                head = bytes(buffer[:end])
                del buffer[: end + 4]
                self._dispatch(head)
            elif self.state == _BODY:
                take = min(self.remaining, len(buffer))
                del buffer[:take]
                self.remaining -= take
                self.received += take
                if self.remaining == 0:
                    self._upload_done()
            elif self.state == _CHUNK_SIZE:
                end = buffer.find(b"\r\n")
                if end < 0:
                    return
                try:
                    size = int(bytes(buffer[:end]).split(b";", 1)[0], 16)
                except ValueError:
                    self._fail()
                    return
                del buffer[: end + 2]
                if size == 0:
                    self.state = _TRAILERS
                else:
                    self.remaining = size
                    self.state = _CHUNK_DATA
            elif self.state == _CHUNK_DATA:
                take = min(self.remaining, len(buffer))
                del buffer[:take]
                self.remaining -= take
                self.received += take
                if self.remaining == 0:
                    self.state = _CHUNK_CRLF
            elif self.state == _CHUNK_CRLF:
                if len(buffer) < 2:
                    return
                del buffer[:2]
                self.state = _CHUNK_SIZE
            else:  # _TRAILERS: lines until an empty one
                end = buffer.find(b"\r\n")
                if end < 0:
                    return
                del buffer[: end + 2]
                if end == 0:
                    self._upload_done()

    def _dispatch(self, head: bytes) -> None:
        line_end = head.find(b"\r\n")
        request_line = head if line_end < 0 else head[:line_end]
        parts = request_line.split(b" ")
        if len(parts) != 3:
            self._fail()
            return
        method, target = parts[0], parts[1]
        lower = head.lower()
        self.close_after = b"\r\nconnection: close" in lower
        transport = self.transport
        assert transport is not None
        if method == b"GET":
            if target == b"/small":
                transport.write(SMALL)
            elif target == b"/cookie":
                cookie = _header_value(lower, b"cookie:")
                transport.write(COOKIE_HIT if cookie and b"bench=1" in cookie else COOKIE_MISS)
            elif target.startswith(b"/bytes/"):
                try:
                    size = int(target[7:])
                except ValueError:
                    size = -1
                if size < 0:
                    transport.write(NOT_FOUND)
                else:
                    transport.write(
                        b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"
                        b"Content-Type: application/octet-stream\r\n\r\n" % size
                    )
                    self.pump_left = size
                    self.pump_offset = 0
                    self._pump()  # finishes with _after_response(), now or on resume_writing
                    return
            else:
                transport.write(NOT_FOUND)
            self._after_response()
        elif method == b"POST" and target == b"/upload":
            self.received = 0
            encoding = _header_value(lower, b"transfer-encoding:")
            if encoding is not None and encoding.endswith(b"chunked"):
                self.state = _CHUNK_SIZE
                return
            length = _header_value(lower, b"content-length:")
            self.remaining = int(length) if length else 0
            if self.remaining:
                self.state = _BODY
            else:
                self._upload_done()
        else:
            transport.write(NOT_FOUND)
            self._after_response()

    def _pump(self) -> None:
        transport = self.transport
        while self.pump_left and not self.paused and transport is not None:
            start = self.pump_offset
            size = min(self.pump_left, _BUFFER_SIZE - start)
            transport.write(_BUFFER[start : start + size])
            self.pump_left -= size
            self.pump_offset = (start + size) % _BUFFER_SIZE
        if not self.pump_left:
            self._after_response()

    def _upload_done(self) -> None:
        self.state = _HEAD
        assert self.transport is not None
        self.transport.write(_response(b"200 OK", str(self.received).encode()))
        self._after_response()

    def _after_response(self) -> None:
        if self.close_after and self.transport is not None and not self.pump_left:
            self.transport.close()
            self.transport = None

    def _fail(self) -> None:
        if self.transport is not None:
            self.transport.write(BAD_REQUEST)
            self.transport.close()
            self.transport = None


async def serve(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(BenchProtocol, host, port, backlog=512, reuse_address=True)
    bound_port = server.sockets[0].getsockname()[1]
    print(f"READY {bound_port}", flush=True)
    stop: asyncio.Future[None] = loop.create_future()

    def request_stop() -> None:
        if not stop.done():
            stop.set_result(None)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, request_stop)
    async with server:
        await stop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1", choices=["127.0.0.1", "::1"])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        import uvloop  # type: ignore[import-not-found]  # optional, faster event loop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(serve(args.host, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
