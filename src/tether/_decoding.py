"""Turning response bytes into text and lines.

This module owns the body-side helpers of ``Response``: finding the charset (JSON's UTF
flavour from its first bytes, ``<meta>`` declarations, charset detection), decoding a
stream of chunks incrementally, cutting a body into fixed-size blocks (``rechunk``,
``iter_slices``) and into lines (``iter_lines``). Everything here is a pure function over
bytes, strings and iterators; charset_normalizer is imported only when detection is asked
for.

Theory of operation: lines across chunk boundaries
--------------------------------------------------
``iter_lines`` must give the lines of the whole body, whatever the network did to it. Its
contract is split-invariance: for any way of cutting a body into chunks, the lines are

* ``body.splitlines()`` when no delimiter is given: universal newlines of the chunk type
  (``bytes``: LF, CR, CRLF; ``str``: also VT, FF, FS, GS, RS, NEL, LS, PS), terminators
  removed, no line after a final terminator;
* ``body.split(delimiter)`` with a delimiter, so a body ending in the delimiter gives a
  final empty line (``b"a,b,"`` -> ``[b"a", b"b", b""]``);
* nothing at all for an empty body.

These are exactly what requests' ``Response.iter_lines`` yields when the body arrives in one
chunk. Across chunks requests gets it wrong: a CRLF cut between two chunks counts as two
line breaks and gives an extra empty line (psf/requests#3980, #5540), and a chunk that ends
exactly on the delimiter gives a spurious empty line (#4121, #5540). Here, an unfinished
line is kept as a list of pieces and joined once, when its end arrives, so a long line costs
linear time however many chunks it spans.
"""

from __future__ import annotations

import codecs
import re
import warnings
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, AnyStr, overload

from ._headers import get_encoding_from_headers, parse_content_type_header

if TYPE_CHECKING:
    from .structures import CaseInsensitiveDict

__all__ = [
    "apparent_encoding",
    "charset_is_implied",
    "get_encodings_from_content",
    "get_unicode_from_response",
    "guess_json_utf",
    "iter_lines",
    "iter_slices",
    "rechunk",
    "stream_decode_response_unicode",
]

# HTML 4/5 ``<meta charset=...>`` and ``<meta http-equiv ... content="...;charset=...">``,
# and the XML declaration's ``encoding=``, as requests matches them. Compiled by ``re`` on
# first use (only the deprecated ``get_encodings_from_content`` needs them).
_META_CHARSET = r'<meta.*?charset=["\']*(.+?)["\'>]'
_META_PRAGMA = r'<meta.*?content=["\']*;?charset=(.+?)["\'>]'
_XML_ENCODING = r'^<\?xml.*?encoding=["\']*(.+?)["\'>]'

# The last character of a chunk that ends a line under ``str.splitlines`` / ``bytes.splitlines``.
_STR_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
_BYTE_LINE_BREAKS = frozenset(b"\n\r")  # as ints, the items of a bytes object


if TYPE_CHECKING:  # Protocol classes cost time to create; only type checkers need them
    from typing import Protocol

    class _HasEncoding(Protocol):
        @property
        def encoding(self) -> str | None: ...

    class _ResponseLike(Protocol):
        @property
        def content(self) -> bytes | None: ...
        @property
        def headers(self) -> CaseInsensitiveDict[str]: ...


def guess_json_utf(data: bytes) -> str | None:
    """Guess which UTF encoding a JSON document uses, from its first four bytes.

    A BOM names the encoding. Without one, RFC 4627 §3: the first two characters of JSON text
    are ASCII, so the pattern of NUL bytes among the first four tells UTF-8, UTF-16 and
    UTF-32 and their byte order apart. ``None`` when the pattern fits none of them.
    """
    sample = data[:4]
    if sample in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE):
        return "utf-32"  # the BOM is consumed by the codec
    if sample[:3] == codecs.BOM_UTF8:
        return "utf-8-sig"
    if sample[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    nulls = sample.count(0)
    if nulls == 0:
        return "utf-8"
    if nulls == 2:
        if sample[0::2] == b"\x00\x00":
            return "utf-16-be"
        if sample[1::2] == b"\x00\x00":
            return "utf-16-le"
    elif nulls == 3:
        if sample[:3] == b"\x00\x00\x00":
            return "utf-32-be"
        if sample[1:] == b"\x00\x00\x00":
            return "utf-32-le"
    return None


def get_encodings_from_content(content: str) -> list[str]:
    """Return the charsets that ``<meta>`` tags and an XML declaration in ``content`` name.

    Deprecated in requests (psf/requests#2266) and warns the same way.
    """
    warnings.warn(
        (
            "In requests 3.0, get_encodings_from_content will be removed. For "
            "more information, please see the discussion on issue #2266. (This"
            " warning should only appear once.)"
        ),
        DeprecationWarning,
        stacklevel=2,
    )
    return (
        re.findall(_META_CHARSET, content, flags=re.I)
        + re.findall(_META_PRAGMA, content, flags=re.I)
        + re.findall(_XML_ENCODING, content)
    )


def get_unicode_from_response(r: _ResponseLike) -> str | bytes | None:
    """Return ``r.content`` decoded with the charset of its headers, replacing what fails.

    Without a charset, UTF-8 with replacement characters. Deprecated in requests
    (psf/requests#2266) and warns the same way.
    """
    warnings.warn(
        (
            "In requests 3.0, get_unicode_from_response will be removed. For "
            "more information, please see the discussion on issue #2266. (This"
            " warning should only appear once.)"
        ),
        DeprecationWarning,
        stacklevel=2,
    )
    content = r.content
    if content is None:
        return None
    encoding = get_encoding_from_headers(r.headers)
    if encoding:
        try:
            return str(content, encoding)
        except UnicodeError:
            pass
    try:
        return str(content, encoding or "utf-8", errors="replace")
    except TypeError:
        return content


def stream_decode_response_unicode(
    iterator: Iterable[bytes], r: str | _HasEncoding | None
) -> Iterator[str | bytes]:
    """Decode a stream of byte chunks with an incremental decoder (``errors="replace"``).

    ``r`` is a codec name, or (as in ``requests.utils``) a response whose
    ``encoding`` is read when iteration starts. With no encoding the chunks pass through as
    bytes. Empty decoded pieces are not yielded; a multi-byte character cut between chunks
    comes out whole.
    """
    encoding = r
    if encoding is not None and not isinstance(encoding, str):
        encoding = encoding.encoding
    if encoding is None:
        yield from iterator
        return
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    for chunk in iterator:
        text = decoder.decode(chunk)
        if text:
            yield text
    text = decoder.decode(b"", final=True)
    if text:
        yield text


@overload
def iter_slices(string: bytes, slice_length: int | None) -> Iterator[bytes]: ...
@overload
def iter_slices(string: str, slice_length: int | None) -> Iterator[str]: ...
def iter_slices(string: bytes | str, slice_length: int | None) -> Iterator[bytes | str]:
    """Yield successive ``slice_length`` slices of ``string`` (all of it when not positive)."""
    length = len(string)
    if slice_length is None or slice_length <= 0:
        slice_length = length
    for start in range(0, length, slice_length or 1):
        yield string[start : start + slice_length]


def charset_is_implied(content_type: str | None) -> bool:
    """Tell whether a ``Content-Type`` value leaves the body's charset to a default.

    True when it names no ``charset`` parameter and is not JSON, whose encoding RFC 8259
    §8.1 fixes (UTF-8); a missing header counts as naming none.
    """
    if not content_type:
        return True
    media_type, params = parse_content_type_header(content_type)
    return "charset" not in params and "application/json" not in media_type


def apparent_encoding(content: bytes) -> str | None:
    """Return the encoding charset_normalizer detects in ``content``, or ``None``.

    The value is the one requests' ``Response.apparent_encoding`` reports: charset-normalizer's
    chardet-compatible ``detect`` (chardet-style names such as ``"utf-8"``, ``"UTF-8-SIG"``,
    ``"windows-1251"``). Imported here because detection is rare and the import is not cheap.
    """
    import charset_normalizer

    return charset_normalizer.detect(content)["encoding"]


def rechunk(chunks: Iterable[bytes], size: int) -> Iterator[bytes]:
    """Re-block ``chunks`` so that every yielded chunk but the last has exactly ``size`` bytes.

    The concatenation is unchanged and no empty chunk is yielded. Each byte is copied once:
    blocks are sliced straight out of the input chunks, and only a block that spans two
    chunks is assembled in a buffer. While the stream is aligned, an input chunk of exactly
    ``size`` bytes is passed on as the same object.
    """
    if size <= 0:
        raise ValueError(f"chunk size must be positive, not {size}")
    buffer = bytearray()  # the start of a block that spans chunks; always < size bytes
    for chunk in chunks:
        length = len(chunk)
        if not length:
            continue
        start = 0
        if buffer:
            need = size - len(buffer)
            if length < need:
                buffer += chunk
                continue
            buffer += memoryview(chunk)[:need]
            yield bytes(buffer)
            buffer.clear()
            start = need
        elif length == size:
            yield chunk
            continue
        # Aligned from ``start`` on: whole blocks are slices of ``chunk``.
        end = length - (length - start) % size
        for offset in range(start, end, size):
            yield chunk[offset : offset + size]
        if end < length:
            buffer += memoryview(chunk)[end:]
    if buffer:
        yield bytes(buffer)


@overload
def iter_lines(chunks: Iterable[bytes], delimiter: bytes | None = None) -> Iterator[bytes]: ...
@overload
def iter_lines(chunks: Iterable[str], delimiter: str | None = None) -> Iterator[str]: ...
@overload
def iter_lines(
    chunks: Iterable[bytes | str], delimiter: bytes | str | None = None
) -> Iterator[bytes | str]: ...
def iter_lines(
    chunks: Iterable[bytes | str], delimiter: bytes | str | None = None
) -> Iterator[bytes | str]:
    """Yield the lines of the concatenated ``chunks``, without their terminators.

    See the module docstring for the exact rules. ``chunks`` are all ``bytes`` or all ``str``
    and ``delimiter``, when given, has the same type. An empty delimiter counts as none, as in
    requests.
    """
    # The helpers are generic in one string type; the mix of types in this signature only
    # serves the overloads above, so the chunks are handed over as Any.
    loose: Iterable[Any] = chunks
    if delimiter:
        return _split_on_delimiter(loose, delimiter)
    return _split_universal(loose)


def _split_universal(chunks: Iterable[AnyStr]) -> Iterator[AnyStr]:
    pending: list[AnyStr] = []  # pieces of the line not yet terminated
    skip_lf = False  # the previous chunk ended in CR: a leading LF completes that CRLF
    # Set from the first chunk: the line-break table, LF and CR as ``chunk[-1]`` gives them
    # (a one-character str, or an int for bytes).
    breaks: frozenset[str] | frozenset[int] | None = None
    lf: str | int = "\n"
    cr: str | int = "\r"
    for chunk in chunks:
        if not chunk:
            continue
        if breaks is None:
            if isinstance(chunk, str):
                breaks = _STR_LINE_BREAKS
            else:
                breaks, lf, cr = _BYTE_LINE_BREAKS, 10, 13
        if skip_lf:
            skip_lf = False
            if chunk[0] == lf:
                chunk = chunk[1:]
                if not chunk:
                    continue
        lines = chunk.splitlines()
        last = chunk[-1]
        terminated = last in breaks
        skip_lf = last == cr
        if pending:
            if not terminated and len(lines) == 1:
                pending.append(lines[0])  # still the same line: no copy yet
                continue
            # The first line of this chunk completes the pending one (if the chunk starts
            # with a terminator, ``lines[0]`` is empty and the pending line ends there).
            if len(pending) == 1:
                lines[0] = pending[0] + lines[0]
            else:
                pending.append(lines[0])
                lines[0] = chunk[:0].join(pending)
            pending.clear()
        if not terminated:
            pending.append(lines.pop())
        yield from lines
    if pending:
        yield pending[0][:0].join(pending)


def _split_on_delimiter(chunks: Iterable[AnyStr], delimiter: AnyStr) -> Iterator[AnyStr]:
    # ``pending`` holds the pieces of the line not yet ended; it never contains the
    # delimiter. A delimiter that ends in a new chunk can begin at most ``overlap``
    # characters before it, so a chunk that neither contains the delimiter nor completes one
    # across the boundary is just another piece of the pending line (no copy). Otherwise the
    # pending line is joined to the chunk once and the result split, as requests does.
    overlap = len(delimiter) - 1
    pending: list[AnyStr] = []
    seen_data = False
    for chunk in chunks:
        if not chunk:
            continue
        seen_data = True
        if pending:
            if delimiter not in chunk and (
                not overlap or delimiter not in _last_chars(pending, overlap) + chunk[:overlap]
            ):
                pending.append(chunk)
                continue
            if len(pending) == 1:
                chunk = pending[0] + chunk
            else:
                pending.append(chunk)
                chunk = chunk[:0].join(pending)
            pending.clear()
        parts = chunk.split(delimiter)
        last = parts.pop()
        yield from parts
        if last:
            pending.append(last)
    if seen_data:
        yield delimiter[:0].join(pending)


def _last_chars(pieces: list[AnyStr], count: int) -> AnyStr:
    """The last ``count`` characters of ``"".join(pieces)``, touching only the pieces needed."""
    taken: list[AnyStr] = []
    for piece in reversed(pieces):
        if len(piece) >= count:
            taken.append(piece[len(piece) - count :])
            break
        taken.append(piece)
        count -= len(piece)
    taken.reverse()
    return pieces[0][:0].join(taken)
