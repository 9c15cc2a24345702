"""Reading response bodies: the whole body at once, or as a stream of chunks.

This is the second boundary where urllib3 errors enter tether (the first is sending, in
``adapters``); every read goes through here so that the translation is the same for
``.content``, ``iter_content`` and redirect draining.

Theory of operation. ``read_all`` reads the body in bounded pieces and appends them to a
single growing buffer (``io.BytesIO``) whose final ``getvalue()`` hands its storage over
without a second copy. It never asks for the whole server-announced ``Content-Length`` in
one call, so a hostile length cannot make the process allocate memory the server never
sends (CPython CVE-2025-13836, SECURITY-CASES case 41), and peak memory stays close to the
body size instead of twice it. Decompression is done by urllib3 piece by piece, with its
own bound on how much one read may inflate (CVE-2025-66471).
"""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from typing import Any

from ._errors import STREAM_ERRORS, on_stream

#: Size of one read when the whole body is wanted: large enough that per-call overhead is
#: negligible, small enough that a lying Content-Length cannot allocate much.
READ_PIECE = 1 << 20
#: How much of a redirect's body is drained (undecoded) to keep its connection for reuse;
#: a longer body closes the connection instead (SECURITY-CASES case 28).
DRAIN_LIMIT = 1 << 16


def read_all(raw: Any) -> bytes:
    """Read and decode what remains of ``raw`` (a urllib3 response or any file-like)."""
    if hasattr(raw, "stream"):
        read = raw.read
        try:
            remaining = getattr(raw, "length_remaining", None)
            if remaining is not None and remaining <= READ_PIECE:
                # Small body of known length (the common case): one read. urllib3 checks
                # the length and raises IncompleteRead when the body is short.
                return read(decode_content=True)  # type: ignore[no-any-return]
            buf = BytesIO()
            while True:
                piece = read(READ_PIECE, decode_content=True)
                if not piece:
                    break
                buf.write(piece)
        except STREAM_ERRORS as error:
            raise on_stream(error) from error
        return buf.getvalue()
    return b"".join(iter_raw(raw, READ_PIECE))


def iter_raw(raw: Any, chunk_size: int | None) -> Iterator[bytes]:
    """Yield the decoded body of ``raw`` in chunks, translating transport errors."""
    if hasattr(raw, "stream"):
        try:
            yield from raw.stream(chunk_size, decode_content=True)
        except STREAM_ERRORS as error:
            raise on_stream(error) from error
    else:
        # A plain file-like object (mocking libraries and hand-built responses use these).
        while True:
            chunk = raw.read(chunk_size)
            if not chunk:
                break
            yield chunk


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
