"""multipart/form-data request bodies for ``files=``.

This module turns requests' ``files=``/``data=`` shapes into a multipart body (RFC 7578)
byte for byte as requests 2.34 does (it renders each part with urllib3's ``RequestField``
and frames it as ``urllib3.filepost.encode_multipart_formdata`` does), guesses filenames
from file objects, rejects control characters in part headers before anything is sent,
and provides ``StreamingMultipart``: the same bytes as a seekable file-like body that
reads large files in blocks while it is sent instead of loading them into memory.
"""

from __future__ import annotations

import bisect
import io
import re
from collections.abc import Iterator
from typing import Any, NoReturn

from urllib3 import filepost
from urllib3.fields import RequestField

from ._body import ReplayableBody, guess_filename, to_key_val_list
from ._internal_utils import _VALID_HEADER_NAME_RE_STR
from .exceptions import InvalidHeader

__all__ = [
    "BLOCK_SIZE",
    "SMALL_PART_MAX",
    "STREAM_THRESHOLD",
    "StreamingMultipart",
    "encode_files",
    "guess_filename",
    "multipart_body",
]

#: With ``stream_multipart=None`` (the default), a ``files=`` body is streamed from the
#: files when the parts that can be streamed hold at least this many bytes (1 MiB);
#: below it the body is built in memory as requests does.
STREAM_THRESHOLD = 1 << 20

#: Size of the blocks ``StreamingMultipart`` yields when iterated.
BLOCK_SIZE = 64 * 1024

#: A file part of at most this many bytes is read when the body is prepared even when the
#: body streams: it costs no memory worth saving, and it keeps files whose reported size
#: is not what they read (sysfs attributes report 4096) out of the exact-length path.
SMALL_PART_MAX = 64 * 1024

# A static piece this large becomes a segment of its own instead of being joined to its
# neighbours, so a big ``bytes`` part is never copied.
_JOIN_MAX = 16 * 1024

_MULTIPART_SORTED_HEADERS = ("Content-Disposition", "Content-Type", "Content-Location")


# --------------------------------------------------------------------------------------
# Part-header policy (SECURITY-CASES case 36).
#
# urllib3 percent-encodes CR, LF and '"' in the ``name`` and ``filename`` parameters
# (WHATWG form encoding) but writes a part's Content-Type and custom part headers
# verbatim, so CR/LF there ends the header line and lets the value add headers, or end
# the part headers early and forge body content (RFC 7578 §4.8 part headers follow RFC
# 5322 line syntax). tether rejects C0 control characters other than HTAB, and DEL, in a
# part's name, filename, Content-Type and custom header names and values, raising
# InvalidHeader (a ValueError) before any file is read or anything is sent. A custom
# header name must also be a header name requests would accept (no ':' and no leading
# whitespace, which would continue the previous line as an obsolete fold). The ``"``
# escaping in name/filename is urllib3's and is kept.
# --------------------------------------------------------------------------------------

_CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_CONTROL_RULE = "control characters such as CR or LF are not allowed in part headers"
_NAME_RULE = (
    "a part header name must not be empty, start with whitespace, "
    "or contain ':' or control characters"
)


def _reject(what: str, field: Any, value: str, rule: str = _CONTROL_RULE) -> NoReturn:
    raise InvalidHeader(f"Invalid multipart {what} for field {field!r}: {value!r} ({rule})")


def _check_param(what: str, field: Any, value: Any) -> None:
    # urllib3 decodes bytes parameters as UTF-8 before writing them; other types fail
    # inside urllib3 exactly as they do with requests, so they are left to it.
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if isinstance(value, str) and _CONTROL_CHARS_RE.search(value):
        _reject(what, field, value)


def _check_part(name: Any, filename: Any, content_type: Any, headers: Any) -> None:
    """Apply the part-header policy to what urllib3 will render for one part."""
    _check_param("name", name, name)
    if filename is not None:
        _check_param("filename", name, filename)
    if content_type:
        rendered = f"{content_type}"
        if _CONTROL_CHARS_RE.search(rendered):
            _reject("Content-Type", name, rendered)
    if headers:
        for header_name, header_value in dict(headers).items():
            # make_multipart() overwrites these three, so a custom value is never written.
            if header_name in _MULTIPART_SORTED_HEADERS or not header_value:
                continue
            rendered_name = f"{header_name}"
            if _CONTROL_CHARS_RE.search(rendered_name) or not _VALID_HEADER_NAME_RE_STR.match(
                rendered_name
            ):
                _reject("header name", name, rendered_name, _NAME_RULE)
            rendered = f"{header_value}"
            if _CONTROL_CHARS_RE.search(rendered):
                _reject(f"{rendered_name} header", name, rendered)


# --------------------------------------------------------------------------------------
# Collecting parts: requests' ``_encode_files`` rules, without reading any file yet.
# --------------------------------------------------------------------------------------


class _Part:
    """One part of a multipart body (a plain class: ``dataclasses`` is slow to import)."""

    __slots__ = ("content_type", "filename", "headers", "name", "reader", "value")

    def __init__(
        self,
        name: Any,
        filename: Any,
        content_type: Any,
        headers: Any,
        value: Any,
        reader: bool = False,
    ) -> None:
        self.name = name
        self.filename = filename
        self.content_type = content_type
        self.headers = headers
        self.value = value
        #: ``value`` is a file-like object whose contents are still to be read.
        self.reader = reader


def _collect(files: Any, data: Any) -> list[_Part]:
    """Validate and list the parts: ``data`` fields first, then ``files`` in order."""
    if not files:
        raise ValueError("Files must be provided.")
    if isinstance(data, (str, bytes)):
        raise ValueError("Data must not be a string.")

    parts: list[_Part] = []
    for field, values in to_key_val_list(data or {}) or ():
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            values = (values,)
        for value in values:
            if value is None:
                continue
            if not isinstance(value, bytes):
                value = str(value)
            name = field.decode("utf-8") if isinstance(field, bytes) else field
            _check_part(name, None, None, None)
            encoded = value.encode("utf-8") if isinstance(value, str) else value
            parts.append(_Part(name, None, None, None, encoded))

    for name, spec in to_key_val_list(files or {}) or ():
        content_type = None
        headers = None
        if isinstance(spec, (tuple, list)):
            if len(spec) == 2:
                filename, fileobj = spec
            elif len(spec) == 3:
                filename, fileobj, content_type = spec
            else:
                filename, fileobj, content_type, headers = spec
        else:
            filename = guess_filename(spec) or name
            fileobj = spec
        if fileobj is None:
            continue
        _check_part(name, filename, content_type, headers)
        reader = not isinstance(fileobj, (str, bytes, bytearray)) and hasattr(fileobj, "read")
        parts.append(_Part(name, filename, content_type, headers, fileobj, reader))
    return parts


def _request_field(part: _Part, data: Any) -> RequestField:
    field = RequestField(name=part.name, data=data, filename=part.filename, headers=part.headers)
    field.make_multipart(content_type=part.content_type)
    return field


def _encode_parts(parts: list[_Part]) -> tuple[bytes, str]:
    fields = [_request_field(p, p.value.read() if p.reader else p.value) for p in parts]
    return filepost.encode_multipart_formdata(fields)


def encode_files(files: Any, data: Any) -> tuple[bytes, str]:
    """Build a multipart/form-data body in memory: ``(body, content_type)``.

    The bytes are those of requests' ``RequestEncodingMixin._encode_files`` for the same
    boundary (``urllib3.filepost.choose_boundary``). ``files`` maps (or lists) field names
    to file objects, str/bytes, or ``(filename, fileobj[, content_type[, headers]])``;
    ``data`` fields come first. Raises InvalidHeader for control characters in part
    headers (case 36), where requests would send them.
    """
    return _encode_parts(_collect(files, data))


# --------------------------------------------------------------------------------------
# Streaming.
#
# Theory of operation. The body is a list of segments: static bytes (boundary lines, part
# headers, in-memory values, CRLFs; small neighbours joined) and file spans (a file
# object, the offset where its part starts, and its byte count). A file part is streamed
# when it is binary (an io buffered/raw stream, or a ``mode`` containing "b"), seekable,
# and its remaining size can be measured by seeking to the end; it is then left at its end
# as if requests had read it. Any other part (text files, pipes, sockets, objects without
# seek) is read when the body is prepared, as requests does, so every body requests can
# send is still sent. The length is known up front, so the request carries an exact
# Content-Length. Reading seeks a file to its span's offset when entering the span (so
# seek(0) replays identical bytes for 307/308 redirects and Digest retries) and returns
# the file's own bytes whenever a read stays inside one span. A file that reads shorter
# than measured raises OSError instead of sending a short body; extra bytes (a file that
# grew) are not sent. The files must stay open until the request has been sent.
# --------------------------------------------------------------------------------------


class _FileSpan:
    """A streamed file's bytes in the body: ``size`` bytes of ``fileobj`` from ``start``."""

    __slots__ = ("fileobj", "name", "size", "start")

    def __init__(self, fileobj: Any, start: int, size: int, name: Any) -> None:
        self.fileobj = fileobj
        self.start = start
        self.size = size
        self.name = name


_Segment = bytes | _FileSpan


def _is_binary(fileobj: Any) -> bool:
    if isinstance(fileobj, (io.BufferedIOBase, io.RawIOBase)):
        return True
    if isinstance(fileobj, io.TextIOBase):
        return False
    mode = getattr(fileobj, "mode", None)
    return isinstance(mode, str) and "b" in mode


def _measure(fileobj: Any) -> tuple[int, int] | None:
    """Return ``(position, bytes left)`` for a streamable file, leaving it where it was."""
    if not _is_binary(fileobj):
        return None
    try:
        seekable = getattr(fileobj, "seekable", None)
        if seekable is not None and not seekable():
            return None
        start = fileobj.tell()
        fileobj.seek(0, 2)
        end = fileobj.tell()
        fileobj.seek(start)
    except (OSError, ValueError, AttributeError, TypeError):
        return None
    if not isinstance(start, int) or not isinstance(end, int):
        return None
    return start, max(0, end - start)


def _lazy_total(parts: list[_Part]) -> int:
    total = 0
    for part in parts:
        if part.reader:
            measured = _measure(part.value)
            if measured is not None:
                total += measured[1]
                if total >= STREAM_THRESHOLD:
                    break
    return total


def _value_bytes(data: Any) -> bytes:
    # The conversions encode_multipart_formdata applies to a part's value.
    if isinstance(data, int):
        data = str(data)
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, bytes):
        return data
    buffer = io.BytesIO()
    buffer.write(data)
    return buffer.getvalue()


class StreamingMultipart(ReplayableBody):
    """A multipart/form-data body read from its files while it is sent.

    Produces exactly the bytes ``encode_files(files, data)`` would for the same
    boundary. ``len()`` is the exact total size; ``read(n)``, ``tell()``, ``seek()`` and
    iteration (blocks of ``BLOCK_SIZE``) work like a binary file. Parts that cannot be
    streamed with a known size are read into memory when the object is created.
    """

    __slots__ = (
        "_index",
        "_length",
        "_offsets",
        "_pos",
        "_seg_pos",
        "_segments",
        "_synced",
        "boundary",
    )

    boundary: str
    _segments: list[_Segment]
    _offsets: list[int]
    _length: int
    _pos: int
    _index: int
    _seg_pos: int
    _synced: bool

    def __init__(self, files: Any, data: Any = None, *, boundary: str | None = None) -> None:
        self._build(_collect(files, data), boundary)

    @classmethod
    def _from_parts(cls, parts: list[_Part], boundary: str | None = None) -> StreamingMultipart:
        self = cls.__new__(cls)
        self._build(parts, boundary)
        return self

    def _build(self, parts: list[_Part], boundary: str | None) -> None:
        if boundary is None:
            boundary = filepost.choose_boundary()
        self.boundary = boundary
        segments: list[_Segment] = []
        pending: list[bytes] = []

        def flush() -> None:
            if pending:
                joined = b"".join(pending)
                pending.clear()
                if joined:
                    segments.append(joined)

        def add(piece: bytes) -> None:
            if len(piece) >= _JOIN_MAX:
                flush()
                segments.append(piece)
            else:
                pending.append(piece)

        opening = f"--{boundary}\r\n".encode("latin-1")
        for part in parts:
            add(opening)
            add(_request_field(part, b"").render_headers().encode("utf-8"))
            if part.reader:
                measured = _measure(part.value)
                if measured is None or measured[1] == 0 or measured[1] <= SMALL_PART_MAX:
                    add(_value_bytes(part.value.read()))
                else:
                    start, size = measured
                    flush()
                    segments.append(_FileSpan(part.value, start, size, part.name))
                    # Leave the file where requests' read() would have: at its end.
                    part.value.seek(start + size)
            else:
                add(_value_bytes(part.value))
            add(b"\r\n")
        add(f"--{boundary}--\r\n".encode("latin-1"))
        flush()

        offsets: list[int] = []
        length = 0
        for segment in segments:
            offsets.append(length)
            length += len(segment) if isinstance(segment, bytes) else segment.size
        self._segments = segments
        self._offsets = offsets
        self._length = length
        self._pos = 0
        self._index = 0
        self._seg_pos = 0
        self._synced = False

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header value, with this body's boundary."""
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return self._length

    def __repr__(self) -> str:
        return f"<StreamingMultipart [{self._length} bytes, at {self._pos}]>"

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        """Move to ``offset`` (``whence`` as for files); the next read seeks the file."""
        if whence == 0:
            target = offset
        elif whence == 1:
            target = self._pos + offset
        elif whence == 2:
            target = self._length + offset
        else:
            raise ValueError(f"invalid whence ({whence}, should be 0, 1 or 2)")
        if target < 0:
            raise ValueError(f"negative seek value {target}")
        self._pos = target
        if target >= self._length:
            self._index = len(self._segments)
            self._seg_pos = 0
        else:
            self._index = bisect.bisect_right(self._offsets, target) - 1
            self._seg_pos = target - self._offsets[self._index]
        self._synced = False
        return target

    def read(self, size: int | None = -1) -> bytes:
        """Return up to ``size`` bytes (all that is left when negative or ``None``).

        Fewer bytes than asked only at the end of the body.
        """
        left = self._length - self._pos
        if size is None or size < 0 or size > left:
            size = left
        if size <= 0:
            return b""
        pieces: list[bytes] = []
        want = size
        while want:
            segment = self._segments[self._index]
            if isinstance(segment, bytes):
                seg_len = len(segment)
                begin = self._seg_pos
                end = min(seg_len, begin + want)
                piece = segment if begin == 0 and end == seg_len else segment[begin:end]
            else:
                seg_len = segment.size
                piece = self._read_span(segment, min(want, seg_len - self._seg_pos))
            count = len(piece)
            pieces.append(piece)
            want -= count
            self._pos += count
            self._seg_pos += count
            if self._seg_pos >= seg_len:
                self._index += 1
                self._seg_pos = 0
                self._synced = False
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def _read_span(self, span: _FileSpan, amount: int) -> bytes:
        fileobj = span.fileobj
        if not self._synced:
            fileobj.seek(span.start + self._seg_pos)
            self._synced = True
        chunk = fileobj.read(amount)
        if not isinstance(chunk, bytes):
            if isinstance(chunk, (bytearray, memoryview)):
                chunk = bytes(chunk)
            else:
                raise TypeError(
                    f"multipart file part {span.name!r} read {type(chunk).__name__}, not bytes"
                )
        if not chunk:
            raise OSError(
                f"multipart file part {span.name!r} ended after {self._seg_pos} of "
                f"{span.size} bytes: it changed after the request was prepared"
            )
        if len(chunk) > amount:
            chunk = chunk[:amount]
            self._synced = False
        return chunk

    def __iter__(self) -> Iterator[bytes]:
        while True:
            block = self.read(BLOCK_SIZE)
            if not block:
                return
            yield block


def multipart_body(
    files: Any, data: Any, *, stream: bool | None = None
) -> tuple[bytes | StreamingMultipart, str]:
    """Build the ``files=`` body, streamed or in memory: ``(body, content_type)``.

    ``stream=None`` streams when the streamable file parts hold at least
    ``STREAM_THRESHOLD`` bytes; ``True`` always returns a ``StreamingMultipart``;
    ``False`` always builds ``bytes`` (exactly requests' behaviour).
    """
    if stream is False:
        return encode_files(files, data)
    parts = _collect(files, data)
    if stream is None and _lazy_total(parts) < STREAM_THRESHOLD:
        return _encode_parts(parts)
    body = StreamingMultipart._from_parts(parts)
    return body, body.content_type
