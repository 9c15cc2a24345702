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

Deliberate difference: a SOCKS proxy that cannot be reached, refuses the credentials or
cannot reach the target raises ``ProxyError`` (a ``ConnectionError`` subclass, so existing
``except ConnectionError`` code still catches it). requests raises a plain
``ConnectionError`` there, unlike for HTTP proxies, because urllib3 reports SOCKS failures as
``NewConnectionError``; the PySocks error is still visible as its ``__context__``.

``closed_before_response`` is the stale keep-alive test used by ``HTTPAdapter.send`` (see
its comment): it recognises the errors that mean "the peer closed the connection before a
single byte of the response arrived".
"""

from __future__ import annotations

import ssl
import sys
from http.client import RemoteDisconnected
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
        if isinstance(reason, u3.NewConnectionError) and _from_socks(reason):
            return exc.ProxyError(error, request=request)
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


def _from_socks(error: BaseException) -> bool:
    """Whether urllib3 raised ``error`` while handling a PySocks proxy failure."""
    socks = sys.modules.get("socks")
    proxy_error = getattr(socks, "ProxyError", None)
    cause = error.__cause__ or error.__context__
    return proxy_error is not None and isinstance(cause, proxy_error)


# The peer closed (FIN or RST) while the request was being written or before the status
# line: http.client raises RemoteDisconnected for an empty status line, the socket layer the
# others; over TLS a close without close_notify surfaces as SSLEOFError (urllib3 wraps it in
# its SSLError) and a clean TLS close as SSLZeroReturnError.
_CLOSED_BEFORE_RESPONSE = (
    RemoteDisconnected,
    ConnectionResetError,
    ConnectionAbortedError,
    BrokenPipeError,
    ssl.SSLEOFError,
    ssl.SSLZeroReturnError,
)


def closed_before_response(error: BaseException) -> bool:
    """Whether ``error`` (raised by ``urlopen``) means the connection was closed by the peer
    before any byte of a response arrived."""
    if isinstance(error, u3.MaxRetryError):
        error = error.reason if error.reason is not None else error
    if isinstance(error, (u3.ProtocolError, u3.SSLError)):
        inner = error.args[-1] if error.args else None
        if not isinstance(inner, BaseException):
            inner = error.__context__
        return isinstance(inner, _CLOSED_BEFORE_RESPONSE)
    return isinstance(error, _CLOSED_BEFORE_RESPONSE)


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
