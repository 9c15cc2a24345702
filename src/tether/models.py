"""The three objects a request passes through: ``Request``, ``PreparedRequest``, ``Response``.

A :class:`Request` records what the caller asked for, as given. Preparing it produces a
:class:`PreparedRequest`: the method, final URL, headers and encoded body exactly as the
adapter will send them. The adapter answers with a :class:`Response`. The class names,
attributes and behaviour follow requests 2.34; each preparation step delegates its work to
one private module (``_urls``, ``_headers``, ``_body``, ``_multipart``, ``_cookies``,
``_decoding``, ``_reading``).
"""

from __future__ import annotations

import datetime
import json as complexjson
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from . import _body, _lazycookies, _urls
from ._headers import (
    all_validated,
    check_header_validity,
    check_header_validity_cached,
    parse_header_links,
)
from ._internal_utils import to_native_string
from ._lazyimport import LazyModule, bound
from ._reading import iter_raw, needs_rechunk, read_all, read_size
from .exceptions import (
    HTTPError,
    StreamConsumedError,
)
from .exceptions import (
    JSONDecodeError as RequestsJSONDecodeError,
)
from .hooks import default_hooks
from .status_codes import codes
from .structures import CaseInsensitiveDict

if TYPE_CHECKING:
    from http import cookiejar as cookielib

    from . import _cookiecache, _decoding
    from .adapters import BaseAdapter
    from .cookies import (
        _copy_cookie_jar,
        cookiejar_from_dict,
        extract_cookies_to_jar,
        get_cookie_header,
    )
else:
    # Imported with the first body decoded beyond .content (see _lazyimport).
    _decoding = LazyModule(globals(), "_decoding", "tether._decoding")

# Names requests.models has at module level; third-party code imports them from here.
from io import UnsupportedOperation
from urllib.parse import urlencode, urlsplit, urlunparse

from urllib3.exceptions import (
    DecodeError,
    LocationParseError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.fields import RequestField
from urllib3.filepost import encode_multipart_formdata
from urllib3.util import parse_url

from ._body import guess_filename, super_len, to_key_val_list
from ._internal_utils import unicode_is_ascii
from ._urls import get_auth_from_url, requote_uri
from .exceptions import (
    ChunkedEncodingError,
    ConnectionError,
    ContentDecodingError,
    InvalidJSONError,
    InvalidURL,
    JSONDecodeError,
    MissingSchema,
)
from .exceptions import SSLError as RequestsSSLError

basestring = (str, bytes)
builtin_str = str
_compat_names = (
    check_header_validity,
    UnsupportedOperation,
    urlencode,
    urlsplit,
    urlunparse,
    DecodeError,
    LocationParseError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
    RequestField,
    encode_multipart_formdata,
    parse_url,
    super_len,
    to_key_val_list,
    unicode_is_ascii,
    guess_filename,
    get_auth_from_url,
    requote_uri,
    ChunkedEncodingError,
    ConnectionError,
    ContentDecodingError,
    InvalidJSONError,
    InvalidURL,
    JSONDecodeError,
    MissingSchema,
    RequestsSSLError,
)


# Bound when the cookie machinery loads (the first Session, Request.prepare() or
# Response.cookies): see _lazycookies.
_cookie_attribute, _cookie_dir = _lazycookies.module_names(
    globals(),
    "cookielib",
    "_copy_cookie_jar",
    "cookiejar_from_dict",
    "extract_cookies_to_jar",
    "get_cookie_header",
    "_cookiecache",
)

# Names requests.models has that come from modules a plain request does not need; bound
# (see _lazyimport) on first access, or by prepare_auth for HTTPBasicAuth.
_LAZY_NAMES = {
    "HTTPBasicAuth": "tether.auth",
    "guess_json_utf": "tether._decoding",
    "iter_slices": "tether._decoding",
    "stream_decode_response_unicode": "tether._decoding",
}


def __getattr__(name: str) -> Any:
    if name == "chardet":  # requests.models.chardet: the character detector module
        import charset_normalizer

        return charset_normalizer
    if name in _LAZY_NAMES:
        return bound(globals(), name, _LAZY_NAMES[name])
    return _cookie_attribute(name)


def __dir__() -> list[str]:
    return sorted({*_cookie_dir(), *_LAZY_NAMES})


__all__ = [
    "CONTENT_CHUNK_SIZE",
    "DEFAULT_REDIRECT_LIMIT",
    "ITER_CHUNK_SIZE",
    "REDIRECT_STATI",
    "PreparedRequest",
    "Request",
    "RequestEncodingMixin",
    "RequestHooksMixin",
    "Response",
]

#: Statuses that mean "go elsewhere" when a ``Location`` header is present.
REDIRECT_STATI = (
    codes.moved,  # 301
    codes.found,  # 302
    codes.other,  # 303
    codes.temporary_redirect,  # 307
    codes.permanent_redirect,  # 308
)

DEFAULT_REDIRECT_LIMIT = 30
CONTENT_CHUNK_SIZE = 10 * 1024
ITER_CHUNK_SIZE = 512

_JSON = complexjson
_JSONDecodeError = complexjson.JSONDecodeError


class RequestEncodingMixin:
    """Helpers for the URL path and body encoding, kept as a base class because code written for
    requests subclasses it.
    """

    url: str | None

    @property
    def path_url(self) -> str:
        """The request target sent on the request line: the URL's path (``/`` when empty) followed
        by ``?query`` when there is one.
        """
        return _urls.path_url(self.url or "")

    @staticmethod
    def _encode_params(data: Any) -> Any:
        return _body.encode_params(data)

    @staticmethod
    def _encode_files(files: Any, data: Any) -> tuple[bytes, str]:
        from ._multipart import encode_files  # loaded with the first files= body

        return encode_files(files, data)


class RequestHooksMixin:
    """Adding and removing event hooks on a request (the only event is ``"response"``)."""

    hooks: dict[str, list[Callable[..., Any]]]

    def register_hook(self, event: str, hook: Any) -> None:
        """Add ``hook`` (a callable, or an iterable of callables) to the hooks for ``event``.

        Items of an iterable that are not callable are ignored.

        :param event: the event name; anything but a known event raises ``ValueError``.
        :param hook: the callable or callables to add.
        """
        if event not in self.hooks:
            raise ValueError(f'Unsupported event specified, with event name "{event}"')
        if callable(hook):
            self.hooks[event].append(hook)
        elif hasattr(hook, "__iter__"):
            self.hooks[event].extend(h for h in hook if callable(h))

    def deregister_hook(self, event: str, hook: Callable[..., Any]) -> bool:
        """Remove one registration of ``hook`` from ``event``.

        :param event: the event name.
        :param hook: the callable to remove.
        :return: whether the hook was registered (and is now removed).
        :rtype: bool
        """
        try:
            self.hooks[event].remove(hook)
            return True
        except ValueError:
            return False


class Request(RequestHooksMixin):
    """A request as the caller described it, before any setting is merged or any byte encoded.

    Nothing is validated or encoded until :meth:`prepare` (or
    :meth:`Session.prepare_request <tether.sessions.Session.prepare_request>`, which also
    merges the session's settings) turns it into a :class:`PreparedRequest`.

    Example:

    ```python
    req = tether.Request("POST", "https://httpbin.org/post", json={"a": 1})
    prepared = req.prepare()
    prepared.headers["Content-Type"]   # 'application/json'
    ```

    :param method: the method token, such as ``"GET"``.
    :param url: the URL.
    :param headers: header fields, as a mapping.
    :param files: parts of a ``multipart/form-data`` body, keyed by field name (see
        :func:`tether.request`).
    :param data: the body: a mapping or list of pairs is form-encoded; ``bytes``, ``str``, a
        file object or an iterable of chunks is sent as it is.
    :param params: query parameters: a mapping, a list of pairs, or an encoded string.
    :param auth: a ``(user, password)`` pair or an auth object.
    :param cookies: cookies to send: a dict or a ``CookieJar``.
    :param hooks: hooks keyed by event name.
    :param json: a value to send as JSON when neither ``data`` nor ``files`` is given.
    """

    def __init__(
        self,
        method: str | None = None,
        url: str | bytes | None = None,
        headers: Mapping[str, Any] | None = None,
        files: Any = None,
        data: Any = None,
        params: Any = None,
        auth: Any = None,
        cookies: Any = None,
        hooks: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> None:
        # None means "not given"; the attributes hold empty containers instead.
        data = [] if data is None else data
        files = [] if files is None else files
        headers = {} if headers is None else headers
        params = {} if params is None else params
        hooks = {} if hooks is None else hooks

        self.hooks = default_hooks()
        if hooks:
            for k, v in list(hooks.items()):
                self.register_hook(event=k, hook=v)

        self.method = method
        self.url = url
        self.headers = headers
        self.files = files
        self.data = data
        self.json = json
        self.params = params
        self.auth = auth
        self.cookies = cookies

    def __repr__(self) -> str:
        return f"<Request [{self.method}]>"

    def prepare(self) -> PreparedRequest:
        """Encode this request on its own (no session settings) into a :class:`PreparedRequest`.

        :rtype: tether.PreparedRequest
        """
        p = PreparedRequest()
        p.prepare(
            method=self.method,
            url=self.url,
            headers=self.headers,
            files=self.files,
            data=self.data,
            json=self.json,
            params=self.params,
            auth=self.auth,
            cookies=self.cookies,
            hooks=self.hooks,
        )
        return p


class PreparedRequest(RequestEncodingMixin, RequestHooksMixin):
    """A request in its final form: method, URL, headers and body as they will be sent.

    Build one with :meth:`Request.prepare` or
    :meth:`Session.prepare_request <tether.sessions.Session.prepare_request>`, then hand it to
    :meth:`Session.send <tether.sessions.Session.send>`. Every attribute may be changed before
    sending (auth objects and hooks do exactly that); the ``prepare_*`` methods run in
    requests' order, with auth last so that a signing scheme sees the finished request.

    Example:

    ```python
    with tether.Session() as s:
        prepared = s.prepare_request(tether.Request("GET", "https://httpbin.org/get"))
        prepared.headers["X-Trace"] = "1"
        r = s.send(prepared)
    ```
    """

    method: str | None
    url: str | None
    headers: CaseInsensitiveDict[Any]
    body: Any
    _cookies: cookielib.CookieJar | None
    _body_position: int | object | None
    #: How a ``files=`` body is built (tether): ``None`` streams it from the files when
    #: they hold at least ``_multipart.STREAM_THRESHOLD`` bytes, ``True`` always streams,
    #: ``False`` always builds bytes as requests does. Set from
    #: ``Session(stream_multipart=...)`` before ``prepare_body`` runs.
    _stream_multipart: bool | None = None

    def __init__(self) -> None:
        #: The method token, upper-case (``"GET"``).
        self.method = None
        #: The final URL, host IDNA-encoded and query appended.
        self.url = None
        #: The header fields to send (a case-insensitive dict).
        self.headers = None  # type: ignore[assignment]
        # The jar prepare_cookies built the Cookie header from; redirects reuse it.
        self._cookies = None
        #: The encoded body: ``bytes``, ``str``, a file object, an iterator, or ``None``.
        self.body = None
        #: Hooks by event name.
        self.hooks = default_hooks()
        # Where a file-like body started (its tell()), so it can be rewound for a resend.
        self._body_position = None

    def prepare(
        self,
        method: str | None = None,
        url: str | bytes | None = None,
        headers: Mapping[str, Any] | None = None,
        files: Any = None,
        data: Any = None,
        params: Any = None,
        auth: Any = None,
        cookies: Any = None,
        hooks: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> None:
        """Run every preparation step, in order: method, URL, headers, cookies, body, auth, hooks.

        The parameters are those of :class:`Request`.
        """
        self.prepare_method(method)
        self.prepare_url(url, params)
        self.prepare_headers(headers)
        self.prepare_cookies(cookies)
        self.prepare_body(data, files, json)
        self.prepare_auth(auth, url)

        # Auth runs after everything else so that a signing scheme (OAuth 1) sees the
        # final URL, headers and body; hooks come after it because an auth object (Digest)
        # may register a response hook of its own.
        self.prepare_hooks(hooks)

    def __repr__(self) -> str:
        return f"<PreparedRequest [{self.method}]>"

    def copy(self) -> PreparedRequest:
        p = PreparedRequest()
        p.method = self.method
        p.url = self.url
        headers: CaseInsensitiveDict[Any] | None = self.headers
        p.headers = headers.copy() if headers is not None else None  # type: ignore[assignment]
        p._cookies = _copy_cookie_jar(self._cookies)
        p.body = self.body
        p.hooks = self.hooks
        p._body_position = self._body_position
        # tether's own bookkeeping (where the request started, how auth was obtained).
        extra = self.__dict__.get("_tether")
        if extra is not None:
            p.__dict__["_tether"] = extra
        return p

    _get_idna_encoded_host = staticmethod(_urls.get_idna_encoded_host)

    def prepare_method(self, method: str | bytes | None) -> None:
        """Set the method, upper-cased; a method that is not a valid HTTP token is refused with
        ``ValueError`` before anything is sent.

        :param method: the method, as ``str`` or ``bytes``.
        """
        self.method = method  # type: ignore[assignment]
        if self.method is not None:
            self.method = to_native_string(self.method.upper())
            # A method that is not a token is refused before anything is sent (case 33).
            _urls.check_method(self.method)

    def prepare_url(self, url: str | bytes | None, params: Any) -> None:
        """Build the final URL: IDNA-encode the host, quote what must be quoted, append ``params``.

        :param url: the URL, as ``str`` or ``bytes`` (UTF-8).
        :param params: query parameters to append.
        :raises tether.exceptions.MissingSchema: the URL has no scheme.
        :raises tether.exceptions.InvalidURL: the URL cannot be parsed or has no host.
        """
        # bytes are decoded as UTF-8 (str() would give "b'...'"); anything else is
        # converted with str(), so URL objects from other libraries work.
        if isinstance(url, bytes):
            url = url.decode("utf8")
        else:
            url = str(url)
        self.url = _urls.prepare_url(url, self._encode_params(params) if params else None)

    def prepare_headers(self, headers: Mapping[str, Any] | None) -> None:
        """Copy ``headers`` into a new case-insensitive dict, refusing any name or value that could
        split the header section (CR, LF, leading whitespace).

        :param headers: the header fields.
        :raises tether.exceptions.InvalidHeader: a name or value is not valid.
        """
        self.headers = prepared = CaseInsensitiveDict[Any]()
        if type(headers) is CaseInsensitiveDict and all_validated(headers._store):
            # Every (str name, str value) pair was validated before: share the pairs.
            prepared._store = headers._store.copy()
        elif headers:
            store = prepared._store
            for header in headers.items():
                # Names and values that could split the header block are refused here.
                check_header_validity_cached(header)
                name, value = header
                if type(name) is not str:
                    name = to_native_string(name)
                store[name.lower()] = (name, value)

    def prepare_body(self, data: Any, files: Any, json: Any = None) -> None:
        """Encode the body and set ``Content-Type`` and ``Content-Length`` (or
        ``Transfer-Encoding: chunked`` for a stream of unknown size).

        :param data: form data, raw bytes or text, a file object, or an iterable of chunks.
        :param files: multipart parts (see :func:`tether.request`).
        :param json: a value to encode as JSON, used when ``data`` and ``files`` are empty.
        """
        if not data and not files and json is None:
            # No body at all (most GETs): only the Content-Length rule applies.
            self.prepare_content_length(None)
            self.body = None
            return
        plan = _body.prepare_body(
            data, files, json, request=self, stream_multipart=self._stream_multipart
        )
        body = plan.body
        if plan.position is not None:
            # Where a file-like body starts, so a 307/308 redirect or a Digest retry can
            # rewind it (streamed multipart bodies start at 0).
            self._body_position = plan.position
        if plan.is_stream:
            if plan.length:
                self.headers["Content-Length"] = str(plan.length)
            else:
                self.headers["Transfer-Encoding"] = "chunked"
        else:
            self.prepare_content_length(body)
        if plan.content_type and "content-type" not in self.headers:
            self.headers["Content-Type"] = plan.content_type
        self.body = body

    def prepare_content_length(self, body: Any) -> None:
        """Set ``Content-Length`` for ``body`` when its size can be known; with no body, send
        ``Content-Length: 0`` for methods other than ``GET`` and ``HEAD``.

        :param body: the encoded body, or ``None``.
        """
        if body is not None:
            length = _body.super_len(body)
            if length:
                # A length of 0 from super_len means "unknown": no Content-Length then.
                self.headers["Content-Length"] = str(length)
        elif self.method not in ("GET", "HEAD") and self.headers.get("Content-Length") is None:
            # A bodiless POST/PUT/... still says Content-Length: 0 (RFC 9110 §8.6 SHOULD).
            self.headers["Content-Length"] = "0"

    def prepare_auth(self, auth: Any, url: str | bytes | None = "") -> None:
        """Apply credentials to the request.

        Without ``auth``, credentials embedded in the URL (``https://user:pw@host/``) are used.
        A ``(user, password)`` pair becomes :class:`~tether.auth.HTTPBasicAuth`; the auth object is
        then called with this request and may change any of it, after which ``Content-Length`` is
        recomputed.

        :param auth: a pair, an auth object, or ``None``.
        :param url: unused; kept for requests' signature.
        """
        # Without auth=, credentials written into the URL are used.
        if auth is None and self.url and "@" in self.url:
            url_auth = _urls.get_auth_from_url(self.url)
            auth = url_auth if any(url_auth) else None

        if auth:
            if isinstance(auth, tuple) and len(auth) == 2:
                # A (user, password) pair means Basic.
                # models.HTTPBasicAuth, as requests looks it up (bound on first use).
                auth = bound(globals(), "HTTPBasicAuth", "tether.auth")(*auth)

            # The auth object may return this request or a new one; take over its state.
            r = auth(self)
            self.__dict__.update(r.__dict__)

            # It may have replaced the body, so the length is computed again.
            self.prepare_content_length(self.body)

    def prepare_cookies(self, cookies: Any) -> None:
        """Set the ``Cookie`` header from ``cookies`` (a ``CookieJar`` or a dict).

        The jar's policy chooses which cookies apply to this URL. A ``Cookie`` header that is
        already present is left alone, so calling this again changes nothing unless that header is
        removed first.

        :param cookies: the cookies to consider.
        """
        if isinstance(cookies, cookielib.CookieJar):
            self._cookies = cookies
        else:
            self._cookies = cookiejar_from_dict(cookies)

        cookie_header = get_cookie_header(self._cookies, self)
        if cookie_header is not None:
            self.headers["Cookie"] = cookie_header

    def prepare_hooks(self, hooks: Mapping[str, Any] | None) -> None:
        """Register ``hooks`` (a mapping of event name to a callable or a list of callables).

        :param hooks: the hooks, or ``None``.
        """
        # None (or any empty value) registers nothing.
        hooks = hooks or []  # type: ignore[assignment]
        for event in hooks:  # type: ignore[union-attr]
            hook = hooks[event]  # type: ignore[index]
            if hook == [] and event in self.hooks:
                continue  # nothing to register (the usual case)
            self.register_hook(event, hook)


# ``Response.elapsed`` before the response is timed (a timedelta is immutable: one will do).
_NO_TIME = datetime.timedelta(0)


class Response:
    """A server's answer: status, headers, body, and the request that produced it.

    Attributes: ``status_code``, ``reason``, ``headers`` (case-insensitive), ``url`` (the
    final one, after redirects), ``history`` (the redirect responses before this one, oldest
    first), ``encoding``, ``elapsed``, ``request``, ``raw`` (the urllib3 response) and
    ``cookies``. The body is read on first access to :attr:`content`, :attr:`text` or
    :meth:`json`, or piece by piece with :meth:`iter_content` and :meth:`iter_lines` when the
    request was sent with ``stream=True``. A response is a context manager: leaving the
    ``with`` block releases its connection.
    """

    __attrs__ = [
        "_content",
        "status_code",
        "headers",
        "url",
        "history",
        "encoding",
        "reason",
        "cookies",
        "elapsed",
        "request",
    ]

    _content: bytes | bool | None
    headers: CaseInsensitiveDict[str]
    status_code: int
    raw: Any
    url: str
    encoding: str | None
    history: list[Response]
    reason: str
    elapsed: datetime.timedelta
    request: PreparedRequest
    connection: BaseAdapter

    def __init__(self) -> None:
        self._content = False
        self._content_consumed = False
        self._next: PreparedRequest | None = None

        #: The status code, such as ``200`` or ``404``.
        self.status_code = None  # type: ignore[assignment]

        #: The response header fields; names are matched case-insensitively
        #: (``headers["content-type"]`` finds ``Content-Type``).
        self.headers = CaseInsensitiveDict()

        #: The underlying urllib3 response. Reading from it directly only makes sense with
        #: ``stream=True``, before the body was consumed through this object.
        self.raw = None

        #: The URL this response came from (the last one, after redirects).
        self.url = None  # type: ignore[assignment]

        #: The character encoding :attr:`text` decodes with; from ``Content-Type``, and
        #: settable.
        self.encoding = None

        #: The redirect responses that led to this one, oldest first (empty when there
        #: was no redirect).
        self.history = []

        #: The reason phrase the server sent with the status, such as ``"Not Found"``.
        self.reason = None  # type: ignore[assignment]

        # ``cookies`` (a CookieJar of what the server sent back) is created on first use:
        # most responses set none, and a jar is not free to build.

        #: A ``timedelta`` from just before the request was handed to the adapter to the
        #: moment the response headers were parsed; reading the body is not included.
        self.elapsed = _NO_TIME

        #: The :class:`PreparedRequest` this response answers.
        self.request = None  # type: ignore[assignment]

    @property
    def cookies(self) -> Any:
        """The cookies set by this response (a :class:`~tether.cookies.RequestsCookieJar`), built on
        first access.
        """
        jar = self.__dict__.get("cookies")
        if jar is None:
            jar = cookiejar_from_dict({})
            # The adapter leaves the Set-Cookie fields to be read here, on first use.
            pending = self.__dict__.get("_tether_set_cookie")
            if pending is not None:
                (url, host), raw = pending
                extract_cookies_to_jar(jar, _cookiecache.CookieSource(url, host), raw)
            jar = self.__dict__.setdefault("cookies", jar)
            self.__dict__.pop("_tether_set_cookie", None)
        return jar

    @cookies.setter
    def cookies(self, value: Any) -> None:
        self.__dict__.pop("_tether_set_cookie", None)
        self.__dict__["cookies"] = value

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    def __getstate__(self) -> dict[str, Any]:
        # A pickled response carries its body, so the body is read in full first.
        if not self._content_consumed:
            self.content  # noqa: B018

        return {attr: getattr(self, attr, None) for attr in self.__attrs__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)

        # There is no connection behind an unpickled response.
        setattr(self, "_content_consumed", True)  # noqa: B010
        setattr(self, "raw", None)  # noqa: B010

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}]>"

    def __bool__(self) -> bool:
        """Same as :attr:`ok`: true unless the status is 4xx or 5xx."""
        return self.ok

    def __nonzero__(self) -> bool:
        """Same as :attr:`ok` (the Python 2 spelling, kept for compatibility)."""
        return self.ok

    def __iter__(self) -> Iterator[bytes]:
        """Iterate over the body in 128-byte pieces (``iter_content(128)``)."""
        return self.iter_content(128)

    @property
    def ok(self) -> bool:
        """Whether the status is below 400.

        Redirects (3xx) count as ok. Use ``status_code == 200`` to test for one precise status,
        or :meth:`raise_for_status` to turn an error status into an exception.
        """
        try:
            self.raise_for_status()
        except HTTPError:
            return False
        return True

    @property
    def is_redirect(self) -> bool:
        """Whether this is a redirect tether knows how to follow: status 301, 302, 303, 307 or 308
        together with a ``Location`` header.
        """
        return "location" in self.headers and self.status_code in REDIRECT_STATI

    @property
    def is_permanent_redirect(self) -> bool:
        """Whether this is a permanent redirect (301 or 308) with a ``Location`` header."""
        return "location" in self.headers and self.status_code in (
            codes.moved_permanently,
            codes.permanent_redirect,
        )

    @property
    def next(self) -> PreparedRequest | None:
        """The :class:`PreparedRequest` for the next hop of a redirect that was not followed
        (``allow_redirects=False``), or ``None``.
        """
        return self._next

    @property
    def apparent_encoding(self) -> str | None:
        """The character encoding charset-normalizer guesses from the body (read in full for this).
        """
        content = self.content
        cached = self.__dict__.get("_apparent")
        if cached is not None and cached[0] is content:
            return cached[1]  # type: ignore[no-any-return]
        encoding = _decoding.apparent_encoding(content) if content else "utf-8"
        self.__dict__["_apparent"] = (content, encoding)
        return encoding

    def _fallback_encoding(self) -> str | None:
        """The session's ``default_encoding`` for a response whose headers name no charset.

        A callable default is called (with this response) once, on first need, and its
        answer kept; ``None`` when the session has none or the callable answered ``None``.
        """
        fallback = self.__dict__.get("_default_encoding")
        if fallback is None or isinstance(fallback, str):
            return fallback
        # Cleared before the call, so a callable that reads ``text`` gets the apparent
        # encoding instead of recursing.
        self.__dict__["_default_encoding"] = None
        answer = fallback(self)
        self.__dict__["_default_encoding"] = answer
        return answer  # type: ignore[no-any-return]

    def iter_content(
        self, chunk_size: int | None = 1, decode_unicode: bool = False
    ) -> Iterator[Any]:
        """Yield the body in pieces, decoding ``gzip``/``deflate``/``br``/``zstd`` on the way.

        With ``stream=True`` on the request the body comes from the network as it is iterated,
        so memory use stays bounded by ``chunk_size``. Every piece but the last has exactly
        ``chunk_size`` bytes, also for chunked transfer coding (requests yields whatever the
        network delivered there). ``chunk_size=None`` yields data as it arrives when streaming,
        and the whole body as one piece otherwise. If the body was already read, it is sliced from
        memory.

        :param chunk_size: bytes per piece, or ``None``.
        :param decode_unicode: yield ``str`` decoded with :attr:`encoding` (or the apparent
            encoding) instead of ``bytes``.
        :raises tether.exceptions.StreamConsumedError: the streamed body was already iterated.
        :raises tether.exceptions.ChunkedEncodingError: the connection broke mid-body.
        :raises tether.exceptions.ContentDecodingError: a compressed body is corrupt.
        """
        if self._content_consumed and isinstance(self._content, bool):
            raise StreamConsumedError()
        elif chunk_size is not None and not isinstance(chunk_size, int):
            raise TypeError(f"chunk_size must be an int, it is instead a {type(chunk_size)}.")

        # What decode_unicode decodes with: the response itself (its ``encoding`` is read
        # when iteration starts, as requests does), or the session's default encoding when
        # the headers named none. That one is resolved now, before the source of the chunks
        # is chosen, because a callable default may read ``content``.
        decoder_source: Any = self
        if decode_unicode and self.encoding is None and "_default_encoding" in self.__dict__:
            decoder_source = self._fallback_encoding()

        chunks: Iterator[Any]
        if self._content_consumed:
            # The body is in memory (read by ``content``): slice it.
            chunks = _decoding.iter_slices(self._content, chunk_size)  # type: ignore[arg-type]
        else:
            chunks = self._generate(chunk_size)

        if decode_unicode:
            chunks = _decoding.stream_decode_response_unicode(chunks, decoder_source)
        return chunks

    def _generate(self, chunk_size: int | None) -> Iterator[bytes]:
        # Not a generator itself: the source's own generator marks the body consumed at its
        # end, so a plain identity body is one generator layer above urllib3's.
        raw = self.raw
        if chunk_size is None or chunk_size <= 0:
            return iter_raw(raw, chunk_size, self._consumed)
        if not needs_rechunk(raw):
            return iter_raw(raw, read_size(raw, chunk_size), self._consumed)
        return self._rechunked(raw, chunk_size)

    def _rechunked(self, raw: Any, chunk_size: int) -> Iterator[bytes]:
        # A chunked body arrives in the server's pieces, a decoded one in what the
        # decompressor produced: re-block them so that every chunk but the last has exactly
        # ``chunk_size`` bytes, whatever the network did.
        yield from _decoding.rechunk(iter_raw(raw, read_size(raw, chunk_size)), chunk_size)
        self._content_consumed = True

    def _consumed(self) -> None:
        self._content_consumed = True

    def iter_lines(
        self,
        chunk_size: int = ITER_CHUNK_SIZE,
        decode_unicode: bool = False,
        delimiter: str | bytes | None = None,
    ) -> Iterator[Any]:
        """Yield the body one line at a time, without the line terminators.

        Without ``delimiter``, lines are split where ``bytes.splitlines`` (or ``str.splitlines``)
        would split them: LF, CRLF, CR and the other line boundaries. Unlike requests, a CRLF or a
        ``delimiter`` that arrives split across two network reads still counts as one terminator,
        so no spurious empty or joined line appears.

        :param chunk_size: how many bytes to read at a time.
        :param decode_unicode: yield ``str`` instead of ``bytes``.
        :param delimiter: a custom line terminator.
        """
        return _decoding.iter_lines(
            self.iter_content(chunk_size=chunk_size, decode_unicode=decode_unicode), delimiter
        )

    @property
    def content(self) -> bytes | None:
        """The whole body as ``bytes``, with any content coding (gzip, ...) undone.

        Read on first access and kept; ``None`` when the response has no body source.
        """
        if self._content is False:
            if self._content_consumed:
                raise RuntimeError("The content for this response was already consumed")

            if self.status_code == 0 or self.raw is None:
                self._content = None
            else:
                self._content = read_all(self.raw) or b""

        self._content_consumed = True
        # Reading to the end already returned the connection to its pool.
        return self._content  # type: ignore[return-value]

    @property
    def text(self) -> str:
        """The body as ``str``.

        The character encoding is :attr:`encoding`, which comes from the ``Content-Type`` header;
        when the header names none, charset-normalizer guesses one (:attr:`apparent_encoding`).
        Set :attr:`encoding` yourself before reading ``text`` when you know better. Bytes that do
        not decode are replaced with U+FFFD.
        """
        content = None
        encoding = self.encoding

        if not self.content:
            return ""

        # No charset in Content-Type: the session's default encoding when it has one, else
        # a guess from the bytes.
        if encoding is None:
            encoding = self._fallback_encoding() or self.apparent_encoding

        try:
            content = str(self.content, encoding, errors="replace")  # type: ignore[arg-type]
        except (LookupError, TypeError):
            # An unknown codec name (LookupError) or no encoding at all (TypeError):
            # decode with the default codec rather than fail.
            content = str(self.content, errors="replace")

        return content

    def json(self, **kwargs: Any) -> Any:
        """Parse the body as JSON and return the result.

        Without a declared encoding, the UTF-8/16/32 variant is detected from the first bytes, as
        RFC 8259 allows.

        :param kwargs: passed to ``json.loads``.
        :raises tether.exceptions.JSONDecodeError: the body is not valid JSON (this class is also
            a ``json.JSONDecodeError``).
        """
        content = self.content
        if not self.encoding and content and len(content) > 3:
            # JSON text is UTF-8, -16 or -32 (RFC 8259 §8.1; RFC 4627 §3 told how to
            # tell them apart from the first four bytes). If that guess fails, fall back
            # to self.text and its charset detection.
            encoding = _decoding.guess_json_utf(content)
            if encoding is not None:
                try:
                    return _JSON.loads(content.decode(encoding), **kwargs)
                except UnicodeDecodeError:
                    # Not UTF at all (a server sending latin-1 JSON without saying so).
                    pass
                except _JSONDecodeError as e:
                    raise RequestsJSONDecodeError(e.msg, e.doc, e.pos) from e

        try:
            return _JSON.loads(self.text, **kwargs)
        except _JSONDecodeError as e:
            # Re-raised as tether's JSONDecodeError, which is also a json.JSONDecodeError.
            raise RequestsJSONDecodeError(e.msg, e.doc, e.pos) from e

    @property
    def links(self) -> dict[str, dict[str, str]]:
        """The ``Link`` header (RFC 8288) as a dict: each link keyed by its ``rel`` (or its URL when
        it has none).
        """
        header = self.headers.get("link")

        resolved_links: dict[str, dict[str, str]] = {}

        if header:
            links = parse_header_links(header)

            for link in links:
                key = link.get("rel") or link.get("url")
                resolved_links[key] = link  # type: ignore[index]

        return resolved_links

    def raise_for_status(self) -> None:
        """Raise :class:`~tether.exceptions.HTTPError` if the status is 4xx or 5xx; do nothing
        otherwise. The exception carries this response as ``.response``.
        """
        http_error_msg = ""
        if isinstance(self.reason, bytes):
            # A reason phrase in bytes: UTF-8 when it decodes (localised phrases), else
            # Latin-1, which decodes anything.
            try:
                reason = self.reason.decode("utf-8")
            except UnicodeDecodeError:
                reason = self.reason.decode("iso-8859-1")
        else:
            reason = self.reason

        if 400 <= self.status_code < 500:
            http_error_msg = f"{self.status_code} Client Error: {reason} for url: {self.url}"

        elif 500 <= self.status_code < 600:
            http_error_msg = f"{self.status_code} Server Error: {reason} for url: {self.url}"

        if http_error_msg:
            raise HTTPError(http_error_msg, response=self)

    def close(self) -> None:
        """Give the connection back to the pool, or close it if the body was not read to the end.

        Usually unnecessary: reading the body releases the connection, and a ``with`` block calls
        this. Do not use :attr:`raw` afterwards.
        """
        if not self._content_consumed:
            self.raw.close()

        release_conn = getattr(self.raw, "release_conn", None)
        if release_conn is not None:
            release_conn()


# Methods that name the cookie globals load them on first use; afterwards they are the
# plain functions again. See _lazycookies.
_lazycookies.defer_methods(PreparedRequest, "copy", "prepare_cookies")
_lazycookies.defer_methods(Response, "cookies")


def _apply_default_encoding(response: Response, default: Any) -> None:
    """Apply ``Session(default_encoding=...)`` to a response fresh from the adapter.

    Only a response whose ``Content-Type`` names no charset is affected, and JSON keeps its
    UTF-8 (RFC 8259 §8.1): there the headers decide, as in requests. Otherwise a string
    default becomes :attr:`Response.encoding` (instead of requests' ISO-8859-1 for
    ``text/*``, or ``None``); a callable default leaves ``encoding`` as ``None`` and is
    called with the response the first time text has to be decoded.
    """
    if not _decoding.charset_is_implied(response.headers.get("content-type")):
        return
    if isinstance(default, str):
        response.encoding = default
    else:
        response.encoding = None
        response.__dict__["_default_encoding"] = default
