"""Request bodies: turn ``data=``, ``files=`` and ``json=`` into what goes on the wire.

This module owns the decisions requests 2.34 makes in ``PreparedRequest.prepare_body``
(which body wins, whether it is a stream, which ``Content-Type`` it implies, how long it
is) and the helpers around them: ``super_len`` (the length of anything requests accepts as
a body), ``encode_params`` (form encoding), ``to_key_val_list`` and the body position
bookkeeping behind ``rewind_body``. It performs no I/O beyond ``tell``/``seek``/``fstat`` on
the caller's own file objects; multipart encoding lives in ``_multipart``.
"""

from __future__ import annotations

import io
import json as _json
import os
import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from .exceptions import FileModeWarning, InvalidJSONError, UnrewindableBodyError

__all__ = [
    "SEND_BLOCKSIZE",
    "BodyPlan",
    "ReplayableBody",
    "UnserializableJSONError",
    "body_position",
    "encode_params",
    "guess_filename",
    "is_stream",
    "prepare_body",
    "rewind_body",
    "super_len",
    "to_key_val_list",
]

#: Size of the blocks urllib3 reads from a file-like request body (a file, a streamed
#: multipart body) and sends; tether's adapters set it on their pools. urllib3's default,
#: 16 KiB, costs a 100 MiB upload 6,400 read and send calls; 256 KiB keeps most of the
#: speed of larger blocks while upload progress callbacks (requests-toolbelt's monitor,
#: HTTPie's bar) still advance in small steps.
SEND_BLOCKSIZE = 1 << 18

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"

_FILE_MODE_MESSAGE = (
    "Requests has determined the content-length for this "
    "request using the binary size of the file: however, the "
    "file has been opened in text mode (i.e. without the 'b' "
    "flag in the mode). This may lead to an incorrect "
    "content-length. In Requests 3.0, support will be removed "
    "for files in text mode."
)


class ReplayableBody:
    """Base of the request bodies tether builds itself (``_multipart.StreamingMultipart``):
    ``seek(0)`` replays one from its first byte, so a resend always can.

    It lives here so the adapters can recognise such a body without importing
    ``_multipart``, which loads with the first ``files=`` request.
    """

    __slots__ = ()

    def tell(self) -> int:
        raise NotImplementedError

    def seek(self, offset: int, whence: int = 0) -> int:
        raise NotImplementedError


def guess_filename(obj: Any) -> Any:
    """Return the base name of ``obj.name`` (``requests.utils.guess_filename``).

    ``None`` when there is no usable name, or when it looks like ``<stdin>``.
    """
    name = getattr(obj, "name", None)
    if name and isinstance(name, (str, bytes)) and name[0] != "<" and name[-1] != ">":
        return os.path.basename(name)
    return None


class UnserializableJSONError(InvalidJSONError, TypeError):
    """``json=`` holds a value the JSON encoder cannot serialise (an ``object()``, a set).

    Both an InvalidJSONError (tether's exceptions for ``json=``) and the TypeError that
    ``json.dumps`` raised, which is what requests lets through.
    """


# --------------------------------------------------------------------------------------
# super_len
#
# Theory of operation. The length of a body is what is left to read from where the
# object stands now, measured in bytes as urllib3 2.x will send them:
#   1. ``str`` counts as its UTF-8 encoding (urllib3 2 encodes text bodies as UTF-8).
#   2. The total comes from ``__len__``, else a ``len`` attribute, else ``fstat`` of
#      ``fileno()``. fstat gives the *binary* size, so a file opened in text mode gets a
#      FileModeWarning (requests' wording), because decoding may change its length.
#   3. ``tell()`` gives the current position; an object with ``seek`` but no total yet
#      (BytesIO, StringIO, wrapped streams) is measured by seeking to the end and back.
#   4. Anything unknown counts as 0, which callers read as "length unknown, use chunked".
# Failures of tell/seek (stdin, pipes, sockets) mean "unknown", never an exception.
# --------------------------------------------------------------------------------------


def super_len(o: Any) -> int:
    """Return the number of bytes left to read from ``o`` (0 when it cannot be known).

    Same results as ``requests.utils.super_len`` 2.34. Where requests would raise because
    an object has a ``fileno()`` but no usable ``mode`` (sockets, ``GzipFile`` on Python
    3.11), the length is reported as unknown (0) instead.
    """
    total_length: int | None = None
    current_position: Any = 0

    if isinstance(o, str):
        o = o.encode("utf-8")

    if hasattr(o, "__len__"):
        total_length = len(o)
    elif hasattr(o, "len"):
        total_length = o.len
    elif hasattr(o, "fileno"):
        try:
            fileno = o.fileno()
        except (io.UnsupportedOperation, AttributeError):
            # AttributeError despite hasattr: tarfile.extractfile() objects (requests #5229).
            pass
        else:
            size = os.fstat(fileno).st_size
            mode = getattr(o, "mode", None)
            if not isinstance(mode, str):
                # No text/binary mode to go by (a socket, or a GzipFile whose mode is an
                # int): the descriptor's size need not be what read() yields. Unknown.
                return 0
            total_length = size
            if "b" not in mode:
                warnings.warn(_FILE_MODE_MESSAGE, FileModeWarning, stacklevel=1)

    if hasattr(o, "tell"):
        try:
            current_position = o.tell()
        except OSError:
            # A special descriptor such as stdin: no position, so nothing is known left.
            if total_length is not None:
                current_position = total_length
        else:
            if hasattr(o, "seek") and total_length is None:
                try:
                    o.seek(0, 2)
                    total_length = o.tell()
                    # Back to where the caller left it: partially read bodies stay partial.
                    o.seek(current_position or 0)
                except OSError:
                    total_length = 0

    if total_length is None:
        total_length = 0
    if not isinstance(current_position, int):
        # A tell() that answers None or an opaque cookie: measure from the start.
        current_position = 0
    remaining: int = total_length - current_position
    return max(0, remaining)


# --------------------------------------------------------------------------------------
# Form encoding
# --------------------------------------------------------------------------------------


def to_key_val_list(value: Any) -> list[tuple[Any, Any]] | None:
    """Return ``value`` (a mapping or an iterable of pairs) as a list of pairs.

    ``requests.utils.to_key_val_list``: ``None`` stays ``None``; strings, bytes, bools and
    ints raise ``ValueError``; anything with ``items()`` is taken as a mapping.
    """
    if value is None:
        return None
    if isinstance(value, (str, bytes, bool, int)):
        raise ValueError("cannot encode objects that are not 2-tuples")
    if hasattr(value, "items"):
        return list(value.items())
    return list(value)


def encode_params(data: Any) -> Any:
    """Form-encode ``data`` the way requests' ``_encode_params`` does.

    ``str``/``bytes`` and file-like objects (anything with ``read``) are returned as they
    are. Mappings and iterables of pairs become ``application/x-www-form-urlencoded``
    text: a value that is a non-string iterable repeats its key once per item (``doseq``),
    ``None`` values are left out, and text is encoded as UTF-8. Anything else is
    returned unchanged.
    """
    if isinstance(data, (str, bytes)):
        return data
    if hasattr(data, "read"):
        return data
    if hasattr(data, "__iter__"):
        result: list[tuple[Any, Any]] = []
        for key, values in to_key_val_list(data) or ():
            if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
                values = (values,)
            for value in values:
                if value is None:
                    continue
                result.append(
                    (
                        key.encode("utf-8") if isinstance(key, str) else key,
                        value.encode("utf-8") if isinstance(value, str) else value,
                    )
                )
        return urlencode(result, doseq=True)
    return data


# --------------------------------------------------------------------------------------
# prepare_body
#
# Theory of operation (requests 2.34 ``PreparedRequest.prepare_body``):
#   * ``json=`` is used only when ``data`` is falsy; it is dumped with the stdlib defaults
#     (", " / ": " separators, ASCII-escaped) and ``allow_nan=False`` (RFC 8259 §6 has no
#     NaN or Infinity); a ValueError becomes InvalidJSONError, and a TypeError (a value
#     JSON cannot represent) an UnserializableJSONError, which is both. The separators are
#     requests' on purpose: signing and mocking libraries compare or hash these bytes.
#   * A *stream* is anything iterable that is not str, bytes, list, tuple or a Mapping:
#     files, generators, iterators, bytearrays, custom iterables. It is sent as is, framed
#     by Content-Length when ``super_len`` knows a non-zero length, else by
#     ``Transfer-Encoding: chunked`` (RFC 9112 §6.1). A stream never gets a Content-Type,
#     and cannot be combined with ``files=``.
#   * Otherwise ``files=`` makes a multipart/form-data body (``data`` fields first);
#     ``data`` alone is form-encoded when it is a mapping or pairs, and passed through
#     without a Content-Type when it is str, bytes or has ``read``. The caller frames these
#     with its ``prepare_content_length`` (Content-Length when known, never chunked).
# --------------------------------------------------------------------------------------


class BodyPlan:
    """What ``prepare_body`` decided; the caller turns it into ``body`` and headers.

    ``is_stream`` tells which framing rule applies. For a stream, send ``Content-Length:
    length`` when ``length`` is set, else ``Transfer-Encoding: chunked`` (``chunked`` is
    then True) and record ``position`` as ``_body_position``. For anything else, call
    ``prepare_content_length(body)`` as requests does (``length`` is None, ``chunked`` is
    False) and set ``Content-Type: content_type`` unless the caller already has one.
    ``position`` is also set (to 0) for a ``StreamingMultipart`` body, so redirects and
    Digest retries rewind it.

    A plain class rather than a dataclass: ``dataclasses`` (and the ``inspect`` module it
    imports) would add milliseconds to ``import tether``.
    """

    __slots__ = ("body", "chunked", "content_type", "is_stream", "length", "position")

    def __init__(
        self,
        body: Any,
        content_type: str | None,
        length: int | None,
        chunked: bool,
        is_stream: bool = False,
        position: int | object | None = None,
    ) -> None:
        self.body = body
        self.content_type = content_type
        self.length = length
        self.chunked = chunked
        self.is_stream = is_stream
        self.position = position

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"BodyPlan({fields})"


def is_stream(data: Any) -> bool:
    """Tell whether requests would send ``data`` as a stream rather than encode it."""
    if isinstance(data, (str, bytes, list, tuple, Mapping)):
        return False
    # ``hasattr`` as well as the ABC: proxies forward ``__iter__`` through __getattr__.
    return isinstance(data, Iterable) or hasattr(data, "__iter__")


def body_position(body: Any) -> int | object | None:
    """Return ``body.tell()`` as ``_body_position`` is recorded by requests.

    ``None`` when the body has no ``tell``; a fresh ``object()`` when ``tell()`` fails, so
    that a later rewind is attempted and reports UnrewindableBodyError rather than
    re-sending a half-read body.
    """
    tell = getattr(body, "tell", None)
    if tell is None:
        return None
    try:
        position: int | object = tell()
    except OSError:
        return object()
    return position


def prepare_body(
    data: Any,
    files: Any,
    json: Any = None,
    *,
    request: Any = None,
    stream_multipart: bool | None = None,
) -> BodyPlan:
    """Decide the body, Content-Type and framing for ``data``/``files``/``json``.

    ``request`` is attached to InvalidJSONError. ``stream_multipart`` chooses how a
    ``files=`` body is built: ``None`` streams it from the files when they hold at least
    ``_multipart.STREAM_THRESHOLD`` bytes, ``True`` always streams, ``False`` never does.
    """
    body: Any = None
    content_type: str | None = None

    if not data and json is not None:
        content_type = JSON_CONTENT_TYPE
        try:
            text = _json.dumps(json, allow_nan=False)
        except ValueError as ve:
            raise InvalidJSONError(ve, request=request)
        except TypeError as te:
            # requests lets this TypeError escape; it is raised here as an InvalidJSONError
            # that is still a TypeError, so both kinds of handler catch it.
            raise UnserializableJSONError(te, request=request) from te
        body = text.encode("utf-8")

    if is_stream(data):
        try:
            length: int | None = super_len(data)
        except (TypeError, AttributeError, io.UnsupportedOperation):
            length = None
        position = body_position(data)
        if files:
            raise NotImplementedError("Streamed bodies and files are mutually exclusive.")
        if length:
            return BodyPlan(data, None, length, False, True, position)
        return BodyPlan(data, None, None, True, True, position)

    position = None
    if files:
        from ._multipart import StreamingMultipart, multipart_body

        body, content_type = multipart_body(files, data, stream=stream_multipart)
        if isinstance(body, StreamingMultipart):
            position = body.tell()
    elif data:
        body = encode_params(data)
        if isinstance(data, (str, bytes)) or hasattr(data, "read"):
            content_type = None
        else:
            content_type = FORM_CONTENT_TYPE
    return BodyPlan(body, content_type, None, False, False, position)


if TYPE_CHECKING:  # a Protocol class costs time to create; only type checkers need it
    from typing import Protocol

    class _HasBody(Protocol):
        """The two attributes of a ``PreparedRequest`` that ``rewind_body`` uses."""

        @property
        def body(self) -> Any: ...

        @property
        def _body_position(self) -> Any: ...


def rewind_body(prepared_request: _HasBody) -> None:
    """Seek the request body back to its recorded ``_body_position`` for a resend.

    Raises UnrewindableBodyError (requests' messages) when the body cannot seek, no
    integer position was recorded, or the seek fails.
    """
    body_seek = getattr(prepared_request.body, "seek", None)
    position = prepared_request._body_position
    if body_seek is not None and isinstance(position, int):
        try:
            body_seek(position)
        except OSError:
            raise UnrewindableBodyError(
                "An error occurred when rewinding request body for redirect."
            )
    else:
        raise UnrewindableBodyError("Unable to rewind request body for redirect.")
