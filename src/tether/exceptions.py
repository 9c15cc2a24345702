"""Everything tether raises or warns about.

Class names, base classes (including the second bases such as ``ValueError``) and
constructor arguments are those of ``requests.exceptions`` 2.34, so an ``except`` clause
written for requests catches the same failures from tether. Every exception has a
``request`` and a ``response`` attribute (``None`` when there is none).
"""

from __future__ import annotations

from json import JSONDecodeError as CompatJSONDecodeError
from typing import TYPE_CHECKING, Any

from urllib3.exceptions import HTTPError as BaseHTTPError

if TYPE_CHECKING:
    from .models import PreparedRequest, Request, Response

__all__ = [
    "BaseHTTPError",
    "ChunkedEncodingError",
    "CompatJSONDecodeError",
    "ConnectTimeout",
    "ConnectionError",
    "ContentDecodingError",
    "FileModeWarning",
    "HTTPError",
    "InvalidHeader",
    "InvalidJSONError",
    "InvalidProxyURL",
    "InvalidSchema",
    "InvalidURL",
    "JSONDecodeError",
    "MissingSchema",
    "ProxyError",
    "ReadTimeout",
    "RequestException",
    "RequestsDependencyWarning",
    "RequestsWarning",
    "RetryError",
    "SSLError",
    "SessionFileError",
    "SessionFileWarning",
    "StreamConsumedError",
    "Timeout",
    "TooManyRedirects",
    "URLRequired",
    "UnrewindableBodyError",
]


class RequestException(IOError):
    """The base of every tether exception (itself an ``IOError``/``OSError``).

    Besides the message, the constructor accepts two keyword arguments, kept as attributes:
    ``request`` (the request concerned) and ``response`` (the response, when there was one;
    its ``request`` fills in a missing ``request``).
    """

    response: Response | None
    request: Request | PreparedRequest | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        response = kwargs.pop("response", None)
        self.response = response
        self.request = kwargs.pop("request", None)
        if response is not None and self.request is None and hasattr(response, "request"):
            self.request = response.request
        super().__init__(*args, **kwargs)


class InvalidJSONError(RequestException):
    """A JSON body could not be produced or parsed: ``json=`` held a value that cannot be
    serialised, or (through :class:`JSONDecodeError`) a response body was not JSON.
    """


class JSONDecodeError(InvalidJSONError, CompatJSONDecodeError):
    """:meth:`Response.json <tether.models.Response.json>` was called on a body that is not
    valid JSON. It is also a ``json.JSONDecodeError``, so ``msg``, ``doc``, ``pos``,
    ``lineno`` and ``colno`` are available.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # json.JSONDecodeError takes (msg, doc, pos) and formats its own message; build it
        # first, then hand the formatted args to RequestException so the message survives
        # and ``request=``/``response=`` are still accepted.
        CompatJSONDecodeError.__init__(self, *args)
        InvalidJSONError.__init__(self, *self.args, **kwargs)

    def __reduce__(self) -> str | tuple[Any, ...]:
        # Pickle through json.JSONDecodeError, whose constructor needs all three arguments;
        # OSError's __reduce__ (first in the MRO) would pass only the message.
        return CompatJSONDecodeError.__reduce__(self)


class HTTPError(RequestException):
    """The server answered with an error status; raised by
    :meth:`Response.raise_for_status <tether.models.Response.raise_for_status>`.
    """


class ConnectionError(RequestException):
    """No usable connection: the name did not resolve, the connection was refused or reset, or
    the connection broke before a response arrived. :class:`ProxyError`, :class:`SSLError`
    and :class:`ConnectTimeout` are the more specific kinds.
    """


class ProxyError(ConnectionError):
    """The proxy could not be reached, refused the connection, or rejected the ``CONNECT``
    request (for example for missing proxy credentials).
    """


class SSLError(ConnectionError):
    """The TLS handshake failed: most often the server's certificate did not verify (untrusted
    issuer, wrong host name, expired), or the client certificate was refused.
    """


class Timeout(RequestException):
    """The base of both timeouts: ``except Timeout`` catches :class:`ConnectTimeout` and
    :class:`ReadTimeout`.
    """


class ConnectTimeout(ConnectionError, Timeout):
    """No connection was established within the connect timeout. Nothing was sent, so the
    request can safely be tried again. Also a :class:`ConnectionError`.
    """


class ReadTimeout(Timeout):
    """The connection was made and the request sent, but the server sent nothing for longer
    than the read timeout. The server may have acted on the request.
    """


class URLRequired(RequestException):
    """No URL was given where one is needed."""


class TooManyRedirects(RequestException):
    """A request followed more redirects than the session's ``max_redirects`` (30 by default).
    The last redirect response is attached as ``response``.
    """


class MissingSchema(RequestException, ValueError):
    """The URL has no scheme (``"example.org/x"`` instead of ``"https://example.org/x"``)."""


class InvalidSchema(RequestException, ValueError):
    """No adapter is mounted for the URL's scheme (``ftp://``, a typo), or a SOCKS proxy was
    asked for without the ``socks`` extra installed.
    """


class InvalidURL(RequestException, ValueError):
    """The URL cannot be used: no host, a bad port, a host that does not IDNA-encode, or
    characters that are not allowed.
    """


class InvalidHeader(RequestException, ValueError):
    """A header name or value is not valid (not a string, or containing CR, LF or leading
    whitespace), or a response header could not be parsed.
    """


class InvalidProxyURL(InvalidURL):
    """A proxy URL has no host or cannot be parsed."""


class ChunkedEncodingError(RequestException):
    """The response body broke off: a malformed chunk, or the connection closed before the
    announced length or the last chunk arrived.
    """


class ContentDecodingError(RequestException, BaseHTTPError):
    """A compressed response body (``gzip``, ``deflate``, ``br``, ``zstd``) could not be
    decompressed.
    """


class StreamConsumedError(RequestException, TypeError):
    """A streamed response body was iterated a second time; it can only be read once."""


class RetryError(RequestException):
    """A urllib3 ``Retry`` policy gave up: every attempt ended with a status listed in its
    ``status_forcelist``.
    """


class UnrewindableBodyError(RequestException):
    """A request body had to be sent again (a 307/308 redirect, a Digest retry) but could not be
    rewound to its start: a generator, or a file whose position cannot be restored.
    """


class SessionFileError(RequestException, ValueError):
    """A saved session or cookies file is malformed, truncated, too large, of an unknown
    version, or holds a value of the wrong type or out of range (tether). Nothing from the
    file was applied."""


# Warnings


class RequestsWarning(Warning):
    """The base of tether's warnings (the name is requests', kept for filters that use it)."""


class FileModeWarning(RequestsWarning, DeprecationWarning):
    """A file opened in text mode was given as a body; its length was computed in bytes. Open
    files passed as bodies in binary mode (``"rb"``).
    """


class RequestsDependencyWarning(RequestsWarning):
    """An installed dependency's version is outside the range this release was tested with."""


class SessionFileWarning(RequestsWarning):
    """Part of a session could not be written to a session or cookies file and was left
    out (tether): a custom adapter, auth object or hook, for example."""
