"""Translation of urllib3 and socket errors into tether's exception hierarchy.

There are exactly two boundaries where lower-level errors enter tether: sending a request
(``HTTPAdapter.send``) and reading a response body (``Response.iter_content`` and
``Response.content``). Each has one function here, written as an ordered table so that the
precedence between overlapping urllib3 classes is visible. The first matching row wins.

Quirks kept from requests, because callers depend on them:

* ``NewConnectionError`` subclasses urllib3's ``ConnectTimeoutError``; a refused connection is
  a ``ConnectionError``, never a ``ConnectTimeout`` (psf/requests#2811 discussion).
* A read timeout while *streaming* a body is reported as ``ConnectionError`` wrapping
  urllib3's ``ReadTimeoutError`` (psf/requests#5430), not as ``ReadTimeout``.
* A bare urllib3 ``ProxyError`` outside ``MaxRetryError`` is raised without ``request=``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from urllib3 import exceptions as u3

from . import exceptions as exc

if TYPE_CHECKING:
    from .models import PreparedRequest

# Reasons inside a MaxRetryError, checked in order. NewConnectionError is listed before
# ConnectTimeoutError because it is a subclass of it and must not become ConnectTimeout.
_MAX_RETRY_REASONS: tuple[tuple[type[BaseException], type[exc.RequestException]], ...] = (
    (u3.NewConnectionError, exc.ConnectionError),
    (u3.ConnectTimeoutError, exc.ConnectTimeout),
    (u3.ResponseError, exc.RetryError),
    (u3.ProxyError, exc.ProxyError),
    (u3.SSLError, exc.SSLError),
)

# Errors raised directly by urlopen (no retry wrapper), checked after ProtocolError/OSError.
_DIRECT: tuple[tuple[type[BaseException], type[exc.RequestException]], ...] = (
    (u3.ClosedPoolError, exc.ConnectionError),
    (u3.SSLError, exc.SSLError),
    (u3.ReadTimeoutError, exc.ReadTimeout),
    (u3.InvalidHeader, exc.InvalidHeader),
    (u3.LocationValueError, exc.InvalidURL),
)

# Body streaming boundary.
_STREAM: tuple[tuple[type[BaseException], type[exc.RequestException]], ...] = (
    (u3.ProtocolError, exc.ChunkedEncodingError),
    (u3.DecodeError, exc.ContentDecodingError),
    (u3.ReadTimeoutError, exc.ConnectionError),
    (u3.SSLError, exc.SSLError),
)


def on_send(error: BaseException, request: PreparedRequest | None) -> BaseException:
    """Return the tether exception to raise for ``error`` raised while sending ``request``.

    Unknown errors are returned unchanged, so the caller re-raises them as they are.
    """
    if isinstance(error, (u3.ProtocolError, OSError)):
        return exc.ConnectionError(error, request=request)
    if isinstance(error, u3.MaxRetryError):
        reason = error.reason
        for cls, target in _MAX_RETRY_REASONS:
            if isinstance(reason, cls):
                return target(error, request=request)
        return exc.ConnectionError(error, request=request)
    if isinstance(error, u3.ProxyError) and not isinstance(error, u3.MaxRetryError):
        return exc.ProxyError(error)
    for cls, target in _DIRECT:
        if isinstance(error, cls):
            return target(error, request=request)
    return error


def on_stream(error: BaseException) -> BaseException:
    """Return the tether exception to raise for ``error`` raised while reading a body."""
    for cls, target in _STREAM:
        if isinstance(error, cls):
            return target(error)
    return error


#: What ``on_stream`` translates; ``except STREAM_ERRORS`` keeps the hot loop free of checks.
STREAM_ERRORS: tuple[type[BaseException], ...] = tuple(cls for cls, _ in _STREAM)
#: What ``on_send`` translates.
SEND_ERRORS: tuple[type[BaseException], ...] = (u3.HTTPError, OSError)
