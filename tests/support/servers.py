"""Scripted loopback servers for tests that need bytes on a real socket.

`RawServer` is a raw-socket HTTP/1.1 server driven by a handler function. It parses each
request just enough to know where it ends (request line, headers as raw byte pairs, a body
framed by Content-Length or chunked coding), records it, and hands it to the handler, which
either returns the bytes to write or drives the socket itself through `Connection`
(partial writes, short sleeps, a TCP reset, a close, holding the connection open). Nothing
about the *response* is interpreted, so a handler can send anything, however malformed.

Theory of operation:

* One accept thread per server (selector over the IPv4 and, where available, the IPv6
  loopback listener, which share a port) and one thread per accepted connection.
* Every blocking call is bounded: sockets poll with a short timeout and check the server's
  stop event between polls, so `stop()` returns promptly even when a handler is holding a
  connection or a client never reads. Sleeps wait on the same event.
* Handler failures that are not socket errors are kept in `errors`; the fixtures re-raise
  them at teardown so a broken handler fails its test instead of looking like a client bug.
  Socket errors (the client went away) and TLS handshake failures (the client rejected the
  certificate) are expected in hostile tests and are only recorded.
* Servers bind 127.0.0.1 (and ::1 on the same port) on an ephemeral port, never anything
  else.
"""

from __future__ import annotations

import contextlib
import errno
import json
import selectors
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType

__all__ = [
    "MAX_SLEEP",
    "STALL_BODY_LENGTH",
    "STALL_BODY_PREFIX",
    "Connection",
    "Handler",
    "RawRequest",
    "RawServer",
    "chunked",
    "echo_handler",
    "http_response",
    "respond_with",
    "stall_handler",
    "stall_mid_body_handler",
    "url_host",
]

#: Longest single sleep a handler may ask for (keeps the suite fast and bounded).
MAX_SLEEP = 1.0
#: How often blocked socket calls wake up to look at the stop event.
_POLL = 0.05
#: A connection that sees no bytes for this long is closed by the server.
_IDLE_TIMEOUT = 15.0
#: Upper bound for `Connection.hold()` and for a single blocked send.
_HOLD_LIMIT = 30.0
#: TLS handshakes that take longer than this are abandoned.
_HANDSHAKE_TIMEOUT = 5.0
#: How long a connection whose TLS handshake failed stays open (see `_serve_connection`).
_ALERT_LINGER = 0.2
#: Request heads (request line + headers) larger than this are rejected with 431.
_MAX_HEAD = 64 * 1024
_SEND_SLICE = 256 * 1024
_JOIN_TIMEOUT = 5.0

_BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


@dataclass(frozen=True)
class RawRequest:
    """One request as the server received it."""

    #: Index of the connection it came on (0 for the first connection accepted).
    connection: int
    #: Position of the request on that connection (0 for the first).
    index: int
    method: str
    target: str
    version: str
    #: Header fields in arrival order, names as sent, values with surrounding OWS stripped.
    headers: tuple[tuple[bytes, bytes], ...]
    #: The body with any chunked framing removed.
    body: bytes
    #: The exact bytes read for this request (head and framed body).
    raw: bytes
    #: The data of each chunk when the body came with chunked coding, else None.
    chunks: tuple[bytes, ...] | None = None
    trailers: tuple[tuple[bytes, bytes], ...] = ()
    #: The client certificate (``SSLSocket.getpeercert()``) on TLS connections that asked for one.
    peer_cert: dict[str, object] | None = None

    def header(self, name: str | bytes) -> bytes | None:
        """First value of a header (case-insensitive), or None."""
        values = self.header_values(name)
        return values[0] if values else None

    def header_values(self, name: str | bytes) -> list[bytes]:
        """Every value of a header (case-insensitive), in order."""
        wanted = (name.encode("latin-1") if isinstance(name, str) else name).lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    @property
    def header_names(self) -> list[bytes]:
        return [key for key, _ in self.headers]

    @property
    def path(self) -> str:
        """The target without its query string."""
        return self.target.split("?", 1)[0]


class _Stopped(Exception):
    """The server is stopping (or the peer closed): unwind the connection thread."""


class Connection:
    """One accepted connection, as seen by a handler.

    A handler may write with `sendall`, pause with `sleep`, end the connection with `close`
    (FIN) or `reset` (RST), half-close with `shutdown_write`, keep it open without answering
    with `hold`, read extra bytes with `recv`, or reach the socket itself via `socket`.
    Setting `keep_alive = False` closes the connection after the handler's response.
    """

    def __init__(self, server: RawServer, sock: socket.socket, index: int) -> None:
        self._server = server
        self._sock = sock
        self.index = index
        self.keep_alive = True
        self._closed = False
        self._buffer = bytearray()

    # -- handler API ---------------------------------------------------------------------

    @property
    def socket(self) -> socket.socket:
        return self._sock

    @property
    def closed(self) -> bool:
        return self._closed

    def sendall(self, data: bytes | bytearray | memoryview) -> None:
        """Write every byte, retrying across poll timeouts; bounded by the hold limit."""
        view = memoryview(data).cast("B")
        deadline = time.monotonic() + _HOLD_LIMIT
        while view:
            if self._server.stopping:
                raise _Stopped
            try:
                sent = self._sock.send(view[:_SEND_SLICE])
            except (TimeoutError, ssl.SSLWantWriteError):
                if time.monotonic() > deadline:
                    raise TimeoutError("client did not read for too long") from None
                continue
            view = view[sent:]

    def sleep(self, seconds: float) -> None:
        """Pause (at most `MAX_SLEEP`); returns early if the server stops."""
        if not 0 <= seconds <= MAX_SLEEP:
            raise ValueError(f"sleep({seconds}) is outside [0, {MAX_SLEEP}]")
        if self._server._stop_event.wait(seconds):
            raise _Stopped

    def recv(self, size: int = 65536, timeout: float = MAX_SLEEP) -> bytes:
        """Read up to `size` more bytes (buffered ones first); b"" on EOF or timeout."""
        if self._buffer:
            data = bytes(self._buffer[:size])
            del self._buffer[:size]
            return data
        deadline = time.monotonic() + min(timeout, _HOLD_LIMIT)
        while time.monotonic() < deadline:
            chunk = self._recv_once(size)
            if chunk is not None:
                return chunk
        return b""

    def hold(self) -> None:
        """Keep the connection open and silent until the client closes it or the server stops.

        Anything the client sends meanwhile is read and discarded. Bounded by a 30 s limit.
        """
        deadline = time.monotonic() + _HOLD_LIMIT
        self._buffer.clear()
        while time.monotonic() < deadline:
            chunk = self._recv_once(65536)
            if chunk == b"":
                break
        self.close()

    def shutdown_write(self) -> None:
        """Half-close: send FIN but keep reading."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        """Close the connection normally (FIN)."""
        if not self._closed:
            self._closed = True
            with contextlib.suppress(OSError):
                self._sock.close()

    def reset(self) -> None:
        """Abort the connection: SO_LINGER 0 makes close() send RST instead of FIN."""
        if not self._closed:
            with contextlib.suppress(OSError):
                self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # (SSLSocket.close() sends no close_notify, so TLS aborts look the same.)
            self.close()

    # -- reading used by the server ------------------------------------------------------

    def _recv_once(self, size: int) -> bytes | None:
        """One poll: bytes, b"" on EOF, None on timeout. Raises _Stopped when stopping."""
        if self._server.stopping:
            raise _Stopped
        if self._closed:
            return b""
        try:
            return self._sock.recv(size)
        except (TimeoutError, ssl.SSLWantReadError):
            return None
        except (ConnectionError, ssl.SSLError):
            return b""

    def _fill(self) -> bool:
        """Read more bytes into the buffer; False on EOF or after the idle timeout."""
        deadline = time.monotonic() + _IDLE_TIMEOUT
        while time.monotonic() < deadline:
            chunk = self._recv_once(65536)
            if chunk is None:
                continue
            if not chunk:
                return False
            self._buffer += chunk
            return True
        return False

    def _read_line(self, raw: bytearray, limit: int = _MAX_HEAD) -> bytes:
        while True:
            end = self._buffer.find(b"\r\n")
            if end >= 0:
                line = bytes(self._buffer[: end + 2])
                del self._buffer[: end + 2]
                raw += line
                return line[:-2]
            if len(self._buffer) > limit:
                raise ValueError("line too long")
            if not self._fill():
                raise EOFError

    def _read_exact(self, size: int, raw: bytearray) -> bytes:
        while len(self._buffer) < size:
            if not self._fill():
                raise EOFError
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        raw += data
        return data

    def _read_head(self) -> bytes | None:
        """Bytes up to and including the blank line; None on a clean EOF between requests."""
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end >= 0:
                head = bytes(self._buffer[: end + 4])
                del self._buffer[: end + 4]
                return head
            if len(self._buffer) > _MAX_HEAD:
                raise ValueError("request head too large")
            if not self._fill():
                if self._buffer:
                    raise EOFError
                return None


def _parse_header_lines(lines: Iterable[bytes]) -> tuple[tuple[bytes, bytes], ...]:
    fields: list[tuple[bytes, bytes]] = []
    for line in lines:
        name, sep, value = line.partition(b":")
        if not sep:
            raise ValueError(f"malformed header line {line!r}")
        fields.append((name, value.strip(b" \t")))
    return tuple(fields)


def _read_chunked(
    conn: Connection, raw: bytearray
) -> tuple[bytes, tuple[bytes, ...], tuple[tuple[bytes, bytes], ...]]:
    """Decode a chunked body (RFC 9112 section 7.1): chunks, then trailer fields."""
    chunks: list[bytes] = []
    while True:
        size_line = conn._read_line(raw)
        size_text = size_line.split(b";", 1)[0].strip()
        size = int(size_text, 16)
        if size < 0:
            raise ValueError("negative chunk size")
        if size == 0:
            break
        chunks.append(conn._read_exact(size, raw))
        if conn._read_exact(2, raw) != b"\r\n":
            raise ValueError("chunk data not followed by CRLF")
    trailer_lines: list[bytes] = []
    while True:
        line = conn._read_line(raw)
        if not line:
            break
        trailer_lines.append(line)
    return b"".join(chunks), tuple(chunks), _parse_header_lines(trailer_lines)


def _read_request(conn: Connection, index: int, read_body: bool) -> RawRequest | None:
    head = conn._read_head()
    if head is None:
        return None
    raw = bytearray(head)
    request_line, *header_lines = head[:-4].split(b"\r\n")
    parts = request_line.split(b" ")
    if len(parts) != 3:
        raise ValueError(f"malformed request line {request_line!r}")
    method, target, version = (part.decode("latin-1") for part in parts)
    headers = _parse_header_lines(header_lines)
    lowered = {name.lower(): value for name, value in headers}
    body = b""
    chunks: tuple[bytes, ...] | None = None
    trailers: tuple[tuple[bytes, bytes], ...] = ()
    if read_body:
        codings = [c.strip().lower() for c in lowered.get(b"transfer-encoding", b"").split(b",")]
        if codings[-1] == b"chunked":
            body, chunks, trailers = _read_chunked(conn, raw)
        elif b"content-length" in lowered:
            body = conn._read_exact(int(lowered[b"content-length"]), raw)
    peer_cert: dict[str, object] | None = None
    if isinstance(conn.socket, ssl.SSLSocket):
        peer_cert = dict(conn.socket.getpeercert() or {}) or None
    return RawRequest(
        connection=conn.index,
        index=index,
        method=method,
        target=target,
        version=version,
        headers=headers,
        body=body,
        raw=bytes(raw),
        chunks=chunks,
        trailers=trailers,
        peer_cert=peer_cert,
    )


#: A handler gets each parsed request and the connection. It returns bytes to write, or
#: None when it wrote (or closed) by itself.
Handler = Callable[[RawRequest, Connection], "bytes | bytearray | memoryview | None"]


@dataclass
class _Listeners:
    sockets: list[socket.socket] = field(default_factory=list)
    port: int = 0
    has_ipv6: bool = False


def _bind_loopback() -> _Listeners:
    """Bind 127.0.0.1 on an ephemeral port, and ::1 on the same port when the host has IPv6."""
    last_error: OSError | None = None
    for _ in range(20):
        v4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        v4.bind(("127.0.0.1", 0))
        v4.listen(128)
        port = v4.getsockname()[1]
        if not socket.has_ipv6:
            return _Listeners([v4], port, False)
        v6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        try:
            v6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            v6.bind(("::1", port))
            v6.listen(128)
        except OSError as exc:
            v6.close()
            if exc.errno == errno.EADDRINUSE:  # ::1 port taken by someone else: next port
                v4.close()
                last_error = exc
                continue
            return _Listeners([v4], port, False)  # no IPv6 loopback on this host
        return _Listeners([v4, v6], port, True)
    raise OSError(f"could not bind 127.0.0.1 and ::1 on one port: {last_error}")


def url_host(host: str) -> str:
    """The host as it appears in a URL: IPv6 literals get brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


class RawServer:
    """A threaded raw-socket HTTP/1.1 server driven by `handler`; see the module docstring.

    ``tls`` is False (plain), or a server `ssl.SSLContext` to wrap accepted sockets with.
    With ``read_body=False`` the body is left unread on the socket (for early-response and
    upload-abort tests) and the connection is closed after the handler returns.
    """

    def __init__(
        self,
        handler: Handler,
        tls: ssl.SSLContext | None = None,
        *,
        read_body: bool = True,
    ) -> None:
        self.handler = handler
        self.ssl_context = tls
        self.read_body = read_body
        self.requests: list[RawRequest] = []
        self.errors: list[BaseException] = []
        self.io_errors: list[OSError] = []
        self.tls_errors: list[BaseException] = []
        self.bad_requests: list[str] = []
        self.connections_accepted = 0
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self._threads: list[threading.Thread] = []
        self._listeners: _Listeners | None = None
        self._accept_thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> RawServer:
        if self._listeners is not None:
            raise RuntimeError("server already started")
        self._listeners = _bind_loopback()
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"RawServer-accept-{self.port}", daemon=True
        )
        self._accept_thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, wake every connection thread, join them, close every socket."""
        self._stop_event.set()
        if self._accept_thread is not None:
            self._accept_thread.join(_JOIN_TIMEOUT)
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(_JOIN_TIMEOUT)
            if thread.is_alive():
                self.errors.append(RuntimeError(f"{thread.name} did not stop"))
        if self._listeners is not None:
            for listener in self._listeners.sockets:
                listener.close()

    @property
    def stopping(self) -> bool:
        return self._stop_event.is_set()

    def __enter__(self) -> RawServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def check(self) -> None:
        """Raise the first handler error, if any (the fixtures call this at teardown)."""
        if self.errors:
            first = self.errors[0]
            raise AssertionError(f"RawServer handler failed: {first!r}") from first

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 2.0) -> bool:
        """Poll `predicate` until it is true or `timeout` passes; returns its last value."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    # -- addresses -----------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._listeners is None:
            raise RuntimeError("server not started")
        return self._listeners.port

    @property
    def has_ipv6(self) -> bool:
        return self._listeners is not None and self._listeners.has_ipv6

    @property
    def scheme(self) -> str:
        return "https" if self.ssl_context is not None else "http"

    def url_for(self, path: str = "/", host: str = "127.0.0.1") -> str:
        """An absolute URL for `path` on this server addressed as `host`."""
        if not path.startswith("/"):
            path = "/" + path
        return f"{self.scheme}://{url_host(host)}:{self.port}{path}"

    @property
    def base_url(self) -> str:
        """``scheme://127.0.0.1:PORT`` (no trailing slash)."""
        return self.url_for("", "127.0.0.1").rstrip("/")

    @property
    def url(self) -> str:
        """``scheme://127.0.0.1:PORT/``."""
        return self.url_for("/", "127.0.0.1")

    @property
    def localhost_base_url(self) -> str:
        """``scheme://localhost:PORT``: a different host (origin) than `base_url`."""
        return self.url_for("", "localhost").rstrip("/")

    @property
    def localhost_url(self) -> str:
        return self.url_for("/", "localhost")

    @property
    def ipv6_url(self) -> str:
        if not self.has_ipv6:
            raise RuntimeError("this host has no IPv6 loopback")
        return self.url_for("/", "::1")

    # -- threads -------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        assert self._listeners is not None
        with selectors.DefaultSelector() as selector:
            for listener in self._listeners.sockets:
                listener.setblocking(False)
                selector.register(listener, selectors.EVENT_READ)
            while not self._stop_event.is_set():
                for key, _ in selector.select(_POLL):
                    ready = key.fileobj
                    assert isinstance(ready, socket.socket)
                    try:
                        sock, _addr = ready.accept()
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError:
                        if self._stop_event.is_set():
                            return
                        raise
                    with self._lock:
                        index = self.connections_accepted
                        self.connections_accepted += 1
                        thread = threading.Thread(
                            target=self._serve_connection,
                            args=(sock, index),
                            name=f"RawServer-{self.port}-conn-{index}",
                            daemon=True,
                        )
                        self._threads.append(thread)
                    thread.start()

    def _serve_connection(self, sock: socket.socket, index: int) -> None:
        try:
            sock.setblocking(True)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.ssl_context is not None:
                sock.settimeout(_HANDSHAKE_TIMEOUT)
                tls_sock = self.ssl_context.wrap_socket(
                    sock, server_side=True, do_handshake_on_connect=False
                )
                try:
                    tls_sock.do_handshake()
                except (OSError, ssl.SSLError) as exc:
                    self.tls_errors.append(exc)
                    # Linger before closing, as real servers do: with TLS 1.3 a client
                    # learns of a refused client certificate only after its handshake,
                    # and a close at once makes its request write fail with a bare EOF
                    # before it can read the alert ("certificate required").
                    self._stop_event.wait(_ALERT_LINGER)
                    tls_sock.close()
                    return
                sock = tls_sock
            sock.settimeout(_POLL)
            self._converse(Connection(self, sock, index))
        finally:
            with contextlib.suppress(OSError):
                sock.close()

    def _converse(self, conn: Connection) -> None:
        count = 0
        try:
            while not conn.closed:
                try:
                    request = _read_request(conn, count, self.read_body)
                except (ValueError, EOFError) as exc:
                    if isinstance(exc, ValueError):
                        self.bad_requests.append(str(exc))
                        with contextlib.suppress(OSError, _Stopped):
                            conn.sendall(_BAD_REQUEST)
                    break
                if request is None:
                    break
                with self._lock:
                    self.requests.append(request)
                count += 1
                try:
                    out = self.handler(request, conn)
                    if out is not None and not conn.closed:
                        conn.sendall(out)
                except (_Stopped, OSError) as exc:
                    if isinstance(exc, OSError):
                        self.io_errors.append(exc)
                    break
                except Exception as exc:
                    self.errors.append(exc)
                    break
                if not self.read_body or not conn.keep_alive:
                    break
                if (request.header("connection") or b"").lower() == b"close":
                    break
        except _Stopped:
            pass
        except OSError as exc:
            self.io_errors.append(exc)
        finally:
            conn.close()


# -- response building -------------------------------------------------------------------


def _to_bytes(value: str | bytes | int) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode("latin-1")


def http_response(
    status: int = 200,
    body: bytes = b"",
    headers: Sequence[tuple[str | bytes, str | bytes | int]] = (),
    *,
    reason: str | None = None,
    version: str = "HTTP/1.1",
    content_length: bool = True,
) -> bytes:
    """Serialise a response. Adds Content-Length unless given or ``content_length=False``."""
    if reason is None:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
    lines = [f"{version} {status} {reason}".encode("latin-1")]
    names = set()
    for name, value in headers:
        name_bytes = _to_bytes(name)
        names.add(name_bytes.lower())
        lines.append(name_bytes + b": " + _to_bytes(value))
    if content_length and b"content-length" not in names and b"transfer-encoding" not in names:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def chunked(*chunks: bytes, trailers: Sequence[tuple[str, str]] = ()) -> bytes:
    """Frame `chunks` with chunked transfer coding (empty chunks are skipped)."""
    out = bytearray()
    for chunk in chunks:
        if chunk:
            out += b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    out += b"0\r\n"
    for name, value in trailers:
        out += f"{name}: {value}\r\n".encode("latin-1")
    out += b"\r\n"
    return bytes(out)


def respond_with(data: bytes) -> Handler:
    """A handler that answers every request with the same bytes."""

    def handler(request: RawRequest, conn: Connection) -> bytes:
        return data

    return handler


def echo_handler(request: RawRequest, conn: Connection) -> bytes:
    """Answers with a JSON description of the request (strings decoded as latin-1)."""
    payload = {
        "method": request.method,
        "target": request.target,
        "version": request.version,
        "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in request.headers],
        "body": request.body.decode("latin-1"),
        "chunks": None if request.chunks is None else [c.decode("latin-1") for c in request.chunks],
        "connection": request.connection,
        "index": request.index,
    }
    body = json.dumps(payload).encode()
    return http_response(200, body, [("Content-Type", "application/json")])


#: What `stall_mid_body_handler` promises and what it sends before stalling.
STALL_BODY_LENGTH = 1000
STALL_BODY_PREFIX = b"partial-body"


def stall_handler(request: RawRequest, conn: Connection) -> None:
    """Never answer: hold the connection until the client gives up or the server stops."""
    conn.hold()


def stall_mid_body_handler(request: RawRequest, conn: Connection) -> None:
    """Send the status line, headers and a few body bytes, then stall."""
    conn.sendall(
        http_response(200, headers=[("Content-Length", STALL_BODY_LENGTH)]) + STALL_BODY_PREFIX
    )
    conn.hold()
