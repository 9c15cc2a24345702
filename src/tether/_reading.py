"""Reading response bodies: the whole body at once, or as a stream of chunks.

This is the second boundary where urllib3 errors enter tether (the first is sending, in
``adapters``); every read goes through here so that the translation is the same for
``.content``, ``iter_content`` and redirect draining.

Theory of operation: ``read_all``
---------------------------------
The whole body must end up in one ``bytes`` object, read in one pass, in memory close to
the body's size, and as fast as urllib3's own ``HTTPResponse.data``, which asks
``http.client`` for the whole announced ``Content-Length`` in one call. tether must not do
that: a server that announces 100 GB and sends 3 bytes would make the process allocate for
data that never comes (CPython CVE-2025-13836, SECURITY-CASES case 41). So:

* A body of at most ``READ_PIECE`` bytes announced (most responses) is one bounded urllib3
  ``read()``: one allocation of at most 1 MiB, no copy.
* A larger, unencoded body of a plain urllib3 ``HTTPResponse`` is read straight from the
  socket file into the storage of an ``io.BytesIO`` (``getbuffer`` + ``readinto``), whose
  ``getvalue()`` then hands that storage over as the result without copying. No per-piece
  temporaries, no second copy. Memory follows what has really arrived:

  1. The buffer starts at 256 KiB and grows geometrically (by 2 MiB, then by a quarter),
     each time only once it is full: never more than that step beyond the bytes received.
  2. Once 1/32 of the announced length has arrived (``_TRUST_RATIO``), the buffer for the
     whole body is allocated at once and the prefix copied into it. Its storage is a
     calloc'd ``bytes(total)`` whose pages nobody has touched, so the kernel's copy from
     the socket is their first touch, exactly as in urllib3's one-call read. (Growing a
     BytesIO zero-fills the new part, a first touch from user space; on large bodies the
     extra page faults taken from user mode cost about a fifth of the throughput.)

  So a server can never make tether reserve more than 32 times what it actually sent,
  plus a few MiB, and the body shorter than it claimed is found out before that. urllib3's
  bookkeeping is kept exact: the reads run inside its ``_error_catcher`` (same error
  translation, same release of the connection), ``tell()`` and ``length_remaining``
  advance, and a body shorter than its ``Content-Length`` raises urllib3's
  ``IncompleteRead`` where urllib3 would. Chunked and close-delimited bodies have no
  announced length and stay in step 1.
* Anything else (a content-encoded body, a subclass or look-alike of urllib3's response) is
  read with bounded urllib3 ``read()`` calls into one BytesIO (``ENCODED_PIECE`` input bytes
  at a time for an encoded body); decompression is
  urllib3's, with its own bound on how much one read may inflate (CVE-2025-66471).
"""

from __future__ import annotations

import http.client
from collections.abc import Callable, Iterator
from io import BytesIO
from typing import TYPE_CHECKING, Any

from urllib3.exceptions import (
    DecodeError,
    IncompleteRead,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.response import HTTPResponse

from ._lazyimport import LazyModule

if TYPE_CHECKING:
    from . import _errors
else:
    # Imported with the first error a body read raises (see _lazyimport).
    _errors = LazyModule(globals(), "_errors", "tether._errors")

#: What ``_errors.on_stream`` translates (``_errors.STREAM_ERRORS``, checked equal by the
#: tests), held here so that matching an exception never imports anything.
STREAM_ERRORS = (ProtocolError, DecodeError, ReadTimeoutError, SSLError)

_HTTPLIB_READS = (http.client.HTTPResponse.read, http.client.HTTPResponse.readinto)


def _is_direct_file(fp: Any) -> bool:
    """Whether the direct path may read ``fp``: the in-memory body of a hand-built response,
    or the ``http.client`` response urllib3 reads a socket through, including subclasses
    that leave its reads alone (tether's own bounds the interim responses; see _interim).
    Anything else may be a wrapper that watches the reads (CacheControl replaces ``_fp``
    with one that stores the body once it has been read): the body is read through it.
    """
    kind = type(fp)
    if kind is BytesIO:
        return True
    return issubclass(kind, http.client.HTTPResponse) and (
        kind.read,
        kind.readinto,
    ) == _HTTPLIB_READS

#: Size of one bounded read when the whole body is wanted, and the largest body read in a
#: single call: large enough that per-call overhead is negligible, small enough that a lying
#: Content-Length cannot allocate much.
READ_PIECE = 1 << 20
#: Size of one read of a content-encoded body. urllib3's gzip decoder copies the input that
#: follows each gzip member it finishes, so one call over N bytes made of many tiny members
#: costs O(N^2); 64 KiB pieces keep a body of empty members linear (about 0.15 s per MB
#: instead of 2.5 s per MiB-sized read; aiohttp CVE-2025-69223 class, case 30) for a few
#: per cent on ordinary compressed bodies.
ENCODED_PIECE = 1 << 16
#: Largest piece ``iter_content(None)`` asks for: it returns what has arrived, up to this.
READ1_MAX = 1 << 20
#: Smallest read of a ``deflate`` body (see ``read_size``).
DEFLATE_MIN_READ = 64 << 10
#: How much of a redirect's body is drained (undecoded) to keep its connection for reuse;
#: a longer body closes the connection instead (SECURITY-CASES case 28).
DRAIN_LIMIT = 1 << 16

# The direct read's buffer starts at _GROW_FIRST bytes (before anything has arrived, the
# announced length is not trusted), then grows by at least _GROW_MIN, and by a quarter of
# its size once larger (geometric growth keeps the number of reallocations logarithmic).
_GROW_FIRST = 256 << 10
_GROW_MIN = 2 << 20
# Once this fraction of the announced length has really arrived, the rest is trusted: the
# buffer for the whole body is allocated at once (so memory never exceeds this many times
# what the server sent), and the remaining bytes are read straight into it.
_TRUST_RATIO = 32
# Largest single readinto(): pyOpenSSL-wrapped sockets overflow above 2 GiB in one call.
_MAX_CALL = 1 << 28


def read_all(raw: Any) -> bytes:
    """Read and decode what remains of ``raw`` (a urllib3 response or any file-like)."""
    if not hasattr(raw, "stream"):
        # A plain file-like object (mocking libraries and hand-built responses use these).
        return b"".join(iter_raw(raw, READ_PIECE))
    try:
        remaining = getattr(raw, "length_remaining", None)
        if remaining is not None and remaining <= READ_PIECE:
            if remaining > ENCODED_PIECE and _encoded(raw):
                # Decoded in pieces of at most ENCODED_PIECE input bytes (see there).
                return _read_pieces(raw, ENCODED_PIECE)
            # Small body of known length (the common case): one bounded read. urllib3
            # checks the length and raises IncompleteRead when the body is short.
            data: bytes = raw.read(decode_content=True)
            if raw.length_remaining:
                # Only a raw built over an in-memory body (responses, requests-mock) can
                # disagree with its Content-Length here: http.client enforces the length
                # on a socket. One more read lets urllib3 raise IncompleteRead, as it does
                # for requests, which reads in chunks.
                raw.read(1, decode_content=True)
            return data
        fp = _direct_source(raw)
        if fp is not None:
            return _read_direct(raw, fp)
        return _read_pieces(raw, ENCODED_PIECE if _encoded(raw) else READ_PIECE)
    except STREAM_ERRORS as error:
        raise _errors.on_stream(error) from error


def _direct_source(raw: Any) -> Any:
    """The file ``raw`` reads from when the direct path applies to it, else None.

    Only urllib3's own ``HTTPResponse`` (not a subclass, which may override ``read``), with
    nothing decoded or buffered yet and a body that urllib3 would not decode.
    """
    if type(raw) is not HTTPResponse:
        return None
    fp: Any = getattr(raw, "_fp", None)
    if not _is_direct_file(fp) or fp.closed:
        return None
    if getattr(raw, "_decoder", None) is not None or len(raw._decoded_buffer):
        return None
    encoding = raw.headers.get("content-encoding")
    if encoding and encoding.strip().lower() != "identity":
        return None
    if not hasattr(raw, "_error_catcher") or not hasattr(raw, "_fp_bytes_read"):
        return None
    return fp


def _read_direct(raw: HTTPResponse, fp: Any) -> bytes:
    announced = raw.length_remaining  # None: chunked or delimited by the connection closing
    buf = BytesIO()
    size = 0  # bytes received
    cap = 0  # bytes of buffer made available so far
    eof = False
    with raw._error_catcher():
        try:
            while True:
                if size == cap:
                    if announced is not None and size >= announced:
                        break
                    if announced is not None and size and size * _TRUST_RATIO >= announced:
                        buf = _whole_buffer(buf, size, announced)
                        cap = announced
                    else:
                        step = max(_GROW_MIN, size >> 2) if size else _GROW_FIRST
                        cap = size + step if announced is None else min(size + step, announced)
                        # A one-byte write past the end reallocates the BytesIO without
                        # copying; the gap it zero-fills is the new pages' first touch.
                        buf.seek(cap - 1)
                        buf.write(b"\0")
                with buf.getbuffer() as view:
                    n = fp.readinto(view[size : min(cap, size + _MAX_CALL)])
                if not n:
                    eof = True
                    break
                size += n
        finally:
            raw._fp_bytes_read += size
            if announced is not None:
                raw.length_remaining = announced - size
        # What urllib3's own read() does at the end of a body: close the response so the
        # connection goes back to the pool (the catcher releases it).
        fp.close()
        if eof and announced is not None and announced != size:
            # enforce_content_length: never hand out a silently truncated body.
            raise IncompleteRead(raw._fp_bytes_read, announced - size)
    if size != cap:
        buf.truncate(size)
    return buf.getvalue()


def _whole_buffer(prefix: BytesIO, size: int, total: int) -> BytesIO:
    """A BytesIO of ``total`` bytes that starts with the first ``size`` bytes of ``prefix``.

    Its storage is a ``bytes(total)``: calloc'd memory whose pages nobody has touched, so
    the kernel's copy from the socket is their first touch, as with urllib3's one-call
    read (a page first written from user space costs a fault taken from user mode, which
    on this body size is what separates a BytesIO that grows from urllib3's speed). The
    BytesIO is the only owner of that ``bytes``, so ``getbuffer`` writes into it in place.
    """
    whole = BytesIO(bytes(total))
    with whole.getbuffer() as target, prefix.getbuffer() as source:
        target[:size] = source[:size]
    return whole


def _encoded(raw: Any) -> bool:
    headers = getattr(raw, "headers", None)
    encoding = headers.get("content-encoding") if headers is not None else None
    return encoding is not None and encoding.strip().lower() not in ("", "identity")


def _read_pieces(raw: Any, piece_size: int) -> bytes:
    read = raw.read
    first: bytes = read(piece_size, decode_content=True)
    if not first:
        return b""
    second: bytes = read(piece_size, decode_content=True)
    if not second:
        return first  # the whole body in one piece: no copy
    buf = BytesIO()
    buf.write(first)
    buf.write(second)
    del first, second
    while True:
        piece = read(piece_size, decode_content=True)
        if not piece:
            break
        buf.write(piece)
    return buf.getvalue()


def iter_raw(
    raw: Any, chunk_size: int | None, finished: Callable[[], object] | None = None
) -> Iterator[bytes]:
    """Yield the decoded body of ``raw`` in chunks, translating transport errors.

    ``chunk_size=None`` yields what has arrived (at most ``READ1_MAX`` bytes at a time)
    rather than waiting for any particular amount. ``finished`` is called once the body has
    been read to its end (here, rather than by a generator wrapped around this one: each
    layer of generators costs time on every chunk).
    """
    if hasattr(raw, "stream"):
        try:
            read1 = getattr(raw, "read1", None) if chunk_size is None else None
            if read1 is not None:
                while True:
                    chunk = read1(READ1_MAX, decode_content=True)
                    if not chunk:
                        break
                    yield chunk
            else:
                size = READ1_MAX if chunk_size is None else chunk_size
                if size > ENCODED_PIECE and _encoded(raw):
                    # Bounded decoder input (see ENCODED_PIECE); ``Response._generate``
                    # re-blocks the pieces to ``chunk_size``.
                    size = ENCODED_PIECE
                yield from raw.stream(size, decode_content=True)
        except STREAM_ERRORS as error:
            raise _errors.on_stream(error) from error
    else:
        # A plain file-like object (mocking libraries and hand-built responses use these).
        size = READ1_MAX if chunk_size is None else chunk_size
        while True:
            chunk = raw.read(size)
            if not chunk:
                break
            yield chunk
    if finished is not None:
        finished()


def read_size(raw: Any, chunk_size: int) -> int:
    """How much to ask urllib3 for per read when the caller wants ``chunk_size`` pieces.

    ``chunk_size`` itself, except for a ``deflate`` body read in pieces smaller than
    ``DEFLATE_MIN_READ``: urllib3 (2.8 and earlier) loses the end of a raw-deflate body
    (RFC 1951 data sent as ``deflate``, which its decoder detects by failing a zlib header
    first) when its first reads are that small. Reading more and re-blocking (the caller
    does, as for any decoded body) gives exactly the same chunks without the loss.
    """
    if chunk_size >= DEFLATE_MIN_READ:
        return chunk_size
    headers = getattr(raw, "headers", None)
    encoding = headers.get("content-encoding") if headers is not None else None
    if encoding is not None and "deflate" in encoding.lower():
        return DEFLATE_MIN_READ
    return chunk_size


def needs_rechunk(raw: Any) -> bool:
    """Tell whether ``raw``'s chunks can be shorter than asked before the end of the body.

    urllib3 returns exactly the size asked from an unencoded body framed by
    Content-Length; a chunked body comes in the server's chunks, a decoded one in what the
    decoder produced, and a plain file-like object in whatever its ``read`` returns.
    """
    if not hasattr(raw, "stream"):
        return True
    if getattr(raw, "chunked", False):
        return True
    headers = getattr(raw, "headers", None)
    encoding = headers.get("content-encoding") if headers is not None else None
    return encoding is not None and encoding.strip().lower() not in ("", "identity")


def drain(raw: Any) -> bytes | None:
    """Read a redirect's body without decoding it, up to ``DRAIN_LIMIT`` bytes.

    Returns the bytes when the whole body was read (the connection goes back to the pool),
    or ``None`` when the body was longer and the connection was closed instead. Reading
    undecoded means a compressed body can never inflate here (CVE-2026-21441).
    """
    if raw is None:
        return b""
    try:
        data = raw.read(DRAIN_LIMIT + 1, decode_content=False)
        if len(data) <= DRAIN_LIMIT and not raw.read(1, decode_content=False):
            return bytes(data)
    except STREAM_ERRORS:
        pass
    except Exception:  # a hand-built raw without decode_content, or a dead socket
        pass
    close = getattr(raw, "close", None)
    if close is not None:
        close()
    return None
