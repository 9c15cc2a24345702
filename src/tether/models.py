"""
tether.models
~~~~~~~~~~~~~

The objects that carry a request and a response: ``Request`` (what the user asked for),
``PreparedRequest`` (the exact bytes-to-be that go to the adapter) and ``Response``.
Names, attributes and behaviour are requests 2.34's; the work of each preparation step is
done by a private module (``_urls``, ``_headers``, ``_body``, ``_multipart``, ``_cookies``,
``_decoding``, ``_reading``).
"""

from __future__ import annotations

import datetime
import json as complexjson
from collections.abc import Callable, Iterator, Mapping
from http import cookiejar as cookielib
from typing import TYPE_CHECKING, Any

from . import _body, _decoding, _multipart, _urls
from ._headers import check_header_validity, check_header_validity_cached, parse_header_links
from ._internal_utils import to_native_string
from ._reading import iter_raw, read_all
from .auth import HTTPBasicAuth
from .cookies import _copy_cookie_jar, cookiejar_from_dict, get_cookie_header
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
    from .adapters import BaseAdapter

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

from ._body import super_len, to_key_val_list
from ._decoding import guess_json_utf, iter_slices, stream_decode_response_unicode
from ._internal_utils import unicode_is_ascii
from ._multipart import guess_filename
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
    guess_json_utf,
    iter_slices,
    stream_decode_response_unicode,
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


def __getattr__(name: str) -> Any:
    if name == "chardet":  # requests.models.chardet: the character detector module
        import charset_normalizer

        return charset_normalizer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    """URL path and body encoding helpers shared by requests' model classes."""

    url: str | None

    @property
    def path_url(self) -> str:
        """Build the path URL to use."""
        return _urls.path_url(self.url or "")

    @staticmethod
    def _encode_params(data: Any) -> Any:
        return _body.encode_params(data)

    @staticmethod
    def _encode_files(files: Any, data: Any) -> tuple[bytes, str]:
        return _multipart.encode_files(files, data)


class RequestHooksMixin:
    """Registration of event hooks on a request."""

    hooks: dict[str, list[Callable[..., Any]]]

    def register_hook(self, event: str, hook: Any) -> None:
        """Properly register a hook."""
        if event not in self.hooks:
            raise ValueError(f'Unsupported event specified, with event name "{event}"')
        if callable(hook):
            self.hooks[event].append(hook)
        elif hasattr(hook, "__iter__"):
            self.hooks[event].extend(h for h in hook if callable(h))

    def deregister_hook(self, event: str, hook: Callable[..., Any]) -> bool:
        """Deregister a previously registered hook.
        Returns True if the hook existed, False if not.
        """
        try:
            self.hooks[event].remove(hook)
            return True
        except ValueError:
            return False


class Request(RequestHooksMixin):
    """A user-created :class:`Request <Request>` object.

    Used to prepare a :class:`PreparedRequest <PreparedRequest>`, which is sent to the server.

    :param method: HTTP method to use.
    :param url: URL to send.
    :param headers: dictionary of headers to send.
    :param files: dictionary of {filename: fileobject} files to multipart upload.
    :param data: the body to attach to the request. If a dictionary or
        list of tuples ``[(key, value)]`` is provided, form-encoding will
        take place.
    :param json: json for the body to attach to the request (if files or data is not specified).
    :param params: URL parameters to append to the URL. If a dictionary or
        list of tuples ``[(key, value)]`` is provided, form-encoding will
        take place.
    :param auth: Auth handler or (user, pass) tuple.
    :param cookies: dictionary or CookieJar of cookies to attach to this request.
    :param hooks: dictionary of callback hooks, for internal usage.

    Usage::

      >>> import tether
      >>> req = tether.Request('GET', 'https://httpbin.org/get')
      >>> req.prepare()
      <PreparedRequest [GET]>
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
        # Default empty dicts for dict params.
        data = [] if data is None else data
        files = [] if files is None else files
        headers = {} if headers is None else headers
        params = {} if params is None else params
        hooks = {} if hooks is None else hooks

        self.hooks = default_hooks()
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
        """Constructs a :class:`PreparedRequest <PreparedRequest>` for transmission and returns it."""
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
    """The fully mutable :class:`PreparedRequest <PreparedRequest>` object,
    containing the exact bytes that will be sent to the server.

    Instances are generated from a :class:`Request <Request>` object, and
    should not be instantiated manually; doing so may produce undesirable
    effects.

    Usage::

      >>> import tether
      >>> req = tether.Request('GET', 'https://httpbin.org/get')
      >>> r = req.prepare()
      >>> r
      <PreparedRequest [GET]>

      >>> s = tether.Session()
      >>> s.send(r)
      <Response [200]>
    """

    method: str | None
    url: str | None
    headers: CaseInsensitiveDict[Any]
    body: Any
    _cookies: cookielib.CookieJar | None
    _body_position: int | object | None

    def __init__(self) -> None:
        #: HTTP verb to send to the server.
        self.method = None
        #: HTTP URL to send the request to.
        self.url = None
        #: dictionary of HTTP headers.
        self.headers = None  # type: ignore[assignment]
        # The `CookieJar` used to create the Cookie header will be stored here
        # after prepare_cookies is called
        self._cookies = None
        #: request body to send to the server.
        self.body = None
        #: dictionary of callback hooks, for internal usage.
        self.hooks = default_hooks()
        #: integer denoting starting position of a readable file-like body.
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
        """Prepares the entire request with the given parameters."""
        self.prepare_method(method)
        self.prepare_url(url, params)
        self.prepare_headers(headers)
        self.prepare_cookies(cookies)
        self.prepare_body(data, files, json)
        self.prepare_auth(auth, url)

        # Note that prepare_auth must be last to enable authentication schemes
        # such as OAuth to work on a fully prepared request.

        # This MUST go after prepare_auth. Authenticators could add a hook
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
        """Prepares the given HTTP method."""
        self.method = method  # type: ignore[assignment]
        if self.method is not None:
            self.method = to_native_string(self.method.upper())

    def prepare_url(self, url: str | bytes | None, params: Any) -> None:
        """Prepares the given HTTP URL."""
        #: Accept objects that have string representations.
        #: We're unable to blindly call unicode/str functions
        #: as this will include the bytestring indicator (b'')
        #: on python 3.x.
        #: https://github.com/psf/requests/pull/2238
        if isinstance(url, bytes):
            url = url.decode("utf8")
        else:
            url = str(url)
        self.url = _urls.prepare_url(url, self._encode_params(params) if params else None)

    def prepare_headers(self, headers: Mapping[str, Any] | None) -> None:
        """Prepares the given HTTP headers."""
        self.headers = prepared = CaseInsensitiveDict[Any]()
        if headers:
            store = prepared._store
            for header in headers.items():
                # Raise exception on invalid header value.
                check_header_validity_cached(header)
                name, value = header
                if type(name) is not str:
                    name = to_native_string(name)
                store[name.lower()] = (name, value)

    def prepare_body(self, data: Any, files: Any, json: Any = None) -> None:
        """Prepares the given HTTP body data."""
        if not data and not files and json is None:
            # No body at all (most GETs): only the Content-Length rule applies.
            self.prepare_content_length(None)
            self.body = None
            return
        plan = _body.prepare_body(data, files, json, request=self)
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
        """Prepare Content-Length header based on request method and body"""
        if body is not None:
            length = _body.super_len(body)
            if length:
                # If length exists, set it. Otherwise, we fallback
                # to Transfer-Encoding: chunked.
                self.headers["Content-Length"] = str(length)
        elif self.method not in ("GET", "HEAD") and self.headers.get("Content-Length") is None:
            # Set Content-Length to 0 for methods that can have a body
            # but don't provide one. (i.e. not GET or HEAD)
            self.headers["Content-Length"] = "0"

    def prepare_auth(self, auth: Any, url: str | bytes | None = "") -> None:
        """Prepares the given HTTP auth data."""
        # If no Auth is explicitly provided, extract it from the URL first.
        if auth is None and self.url and "@" in self.url:
            url_auth = _urls.get_auth_from_url(self.url)
            auth = url_auth if any(url_auth) else None

        if auth:
            if isinstance(auth, tuple) and len(auth) == 2:
                # special-case basic HTTP auth
                auth = HTTPBasicAuth(*auth)

            # Allow auth to make its changes.
            r = auth(self)

            # Update self to reflect the auth changes.
            self.__dict__.update(r.__dict__)

            # Recompute Content-Length
            self.prepare_content_length(self.body)

    def prepare_cookies(self, cookies: Any) -> None:
        """Prepares the given HTTP cookie data.

        This function eventually generates a ``Cookie`` header from the
        given cookies using cookielib. Due to cookielib's design, the header
        will not be regenerated if it already exists, meaning this function
        can only be called once for the life of the
        :class:`PreparedRequest <PreparedRequest>` object. Any subsequent calls
        to ``prepare_cookies`` will have no actual effect, unless the "Cookie"
        header is removed beforehand.
        """
        if isinstance(cookies, cookielib.CookieJar):
            self._cookies = cookies
        else:
            self._cookies = cookiejar_from_dict(cookies)

        cookie_header = get_cookie_header(self._cookies, self)
        if cookie_header is not None:
            self.headers["Cookie"] = cookie_header

    def prepare_hooks(self, hooks: Mapping[str, Any] | None) -> None:
        """Prepares the given hooks."""
        # hooks can be passed as None to the prepare method and to this
        # method. To prevent iterating over None, simply use an empty list
        # if hooks is False-y
        hooks = hooks or []  # type: ignore[assignment]
        for event in hooks:  # type: ignore[union-attr]
            hook = hooks[event]  # type: ignore[index]
            if hook == [] and event in self.hooks:
                continue  # nothing to register (the usual case)
            self.register_hook(event, hook)


class Response:
    """The :class:`Response <Response>` object, which contains a
    server's response to an HTTP request.
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

        #: Integer Code of responded HTTP Status, e.g. 404 or 200.
        self.status_code = None  # type: ignore[assignment]

        #: Case-insensitive Dictionary of Response Headers.
        #: For example, ``headers['content-encoding']`` will return the
        #: value of a ``'Content-Encoding'`` response header.
        self.headers = CaseInsensitiveDict()

        #: File-like object representation of response (for advanced usage).
        #: Use of ``raw`` requires that ``stream=True`` be set on the request.
        #: This requirement does not apply for use internally to tether.
        self.raw = None

        #: Final URL location of Response.
        self.url = None  # type: ignore[assignment]

        #: Encoding to decode with when accessing r.text.
        self.encoding = None

        #: A list of :class:`Response <Response>` objects from
        #: the history of the Request. Any redirect responses will end
        #: up here. The list is sorted from the oldest to the most recent request.
        self.history = []

        #: Textual reason of responded HTTP Status, e.g. "Not Found" or "OK".
        self.reason = None  # type: ignore[assignment]

        # ``cookies`` (a CookieJar of what the server sent back) is created on first use:
        # most responses set none, and a jar is not free to build.

        #: The amount of time elapsed between sending the request
        #: and the arrival of the response (as a timedelta).
        #: This property specifically measures the time taken between sending
        #: the first byte of the request and finishing parsing the headers. It
        #: is therefore unaffected by consuming the response content or the
        #: value of the ``stream`` keyword argument.
        self.elapsed = datetime.timedelta(0)

        #: The :class:`PreparedRequest <PreparedRequest>` object to which this
        #: is a response.
        self.request = None  # type: ignore[assignment]

    @property
    def cookies(self) -> Any:
        """A CookieJar of Cookies the server sent back."""
        jar = self.__dict__.get("cookies")
        if jar is None:
            jar = self.__dict__["cookies"] = cookiejar_from_dict({})
        return jar

    @cookies.setter
    def cookies(self, value: Any) -> None:
        self.__dict__["cookies"] = value

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    def __getstate__(self) -> dict[str, Any]:
        # Consume everything; accessing the content attribute makes
        # sure the content has been fully read.
        if not self._content_consumed:
            self.content  # noqa: B018

        return {attr: getattr(self, attr, None) for attr in self.__attrs__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)

        # pickled objects do not have .raw
        setattr(self, "_content_consumed", True)  # noqa: B010
        setattr(self, "raw", None)  # noqa: B010

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}]>"

    def __bool__(self) -> bool:
        """Returns True if :attr:`status_code` is less than 400.

        This attribute checks if the status code of the response is between
        400 and 600 to see if there was a client error or a server error. If
        the status code, is between 200 and 400, this will return True. This
        is **not** a check to see if the response code is ``200 OK``.
        """
        return self.ok

    def __nonzero__(self) -> bool:
        """Returns True if :attr:`status_code` is less than 400."""
        return self.ok

    def __iter__(self) -> Iterator[bytes]:
        """Allows you to use a response as an iterator."""
        return self.iter_content(128)

    @property
    def ok(self) -> bool:
        """Returns True if :attr:`status_code` is less than 400, False if not.

        This attribute checks if the status code of the response is between
        400 and 600 to see if there was a client error or a server error. If
        the status code is between 200 and 400, this will return True. This
        is **not** a check to see if the response code is ``200 OK``.
        """
        try:
            self.raise_for_status()
        except HTTPError:
            return False
        return True

    @property
    def is_redirect(self) -> bool:
        """True if this Response is a well-formed HTTP redirect that could have
        been processed automatically (by :meth:`Session.resolve_redirects`).
        """
        return "location" in self.headers and self.status_code in REDIRECT_STATI

    @property
    def is_permanent_redirect(self) -> bool:
        """True if this Response one of the permanent versions of redirect."""
        return "location" in self.headers and self.status_code in (
            codes.moved_permanently,
            codes.permanent_redirect,
        )

    @property
    def next(self) -> PreparedRequest | None:
        """Returns a PreparedRequest for the next request in a redirect chain, if there is one."""
        return self._next

    @property
    def apparent_encoding(self) -> str | None:
        """The apparent encoding, provided by the charset_normalizer library."""
        content = self.content
        cached = self.__dict__.get("_apparent")
        if cached is not None and cached[0] is content:
            return cached[1]  # type: ignore[no-any-return]
        encoding = _decoding.apparent_encoding(content) if content else "utf-8"
        self.__dict__["_apparent"] = (content, encoding)
        return encoding

    def iter_content(
        self, chunk_size: int | None = 1, decode_unicode: bool = False
    ) -> Iterator[Any]:
        """Iterates over the response data.  When stream=True is set on the
        request, this avoids reading the content at once into memory for
        large responses.  The chunk size is the number of bytes it should
        read into memory.  This is not necessarily the length of each item
        returned as decoding can take place.

        chunk_size must be of type int or None. A value of None will
        function differently depending on the value of `stream`.
        stream=True will read data as it arrives in whatever size the
        chunks are received. If stream=False, data is returned as
        a single chunk.

        If decode_unicode is True, content will be decoded using the best
        available encoding based on the response.
        """
        if self._content_consumed and isinstance(self._content, bool):
            raise StreamConsumedError()
        elif chunk_size is not None and not isinstance(chunk_size, int):
            raise TypeError(f"chunk_size must be an int, it is instead a {type(chunk_size)}.")

        chunks: Iterator[Any]
        if self._content_consumed:
            # simulate reading small chunks of the content
            chunks = _decoding.iter_slices(self._content, chunk_size)  # type: ignore[arg-type]
        else:
            chunks = self._generate(chunk_size)

        if decode_unicode:
            chunks = _decoding.stream_decode_response_unicode(chunks, self)
        return chunks

    def _generate(self, chunk_size: int | None) -> Iterator[bytes]:
        raw = self.raw
        chunks = iter_raw(raw, chunk_size)
        if chunk_size and getattr(raw, "chunked", False):
            # A chunked body arrives in the server's pieces; re-block them so every chunk
            # but the last has exactly ``chunk_size`` bytes, whatever the network did.
            chunks = _decoding.rechunk(chunks, chunk_size)
        yield from chunks
        self._content_consumed = True

    def iter_lines(
        self,
        chunk_size: int = ITER_CHUNK_SIZE,
        decode_unicode: bool = False,
        delimiter: str | bytes | None = None,
    ) -> Iterator[Any]:
        """Iterates over the response data, one line at a time.  When
        stream=True is set on the request, this avoids reading the
        content at once into memory for large responses.

        Unlike requests, a line ending (or a custom ``delimiter``) that arrives split across
        two network chunks is recognised as one terminator.
        """
        return _decoding.iter_lines(
            self.iter_content(chunk_size=chunk_size, decode_unicode=decode_unicode), delimiter
        )

    @property
    def content(self) -> bytes | None:
        """Content of the response, in bytes."""
        if self._content is False:
            # Read the contents.
            if self._content_consumed:
                raise RuntimeError("The content for this response was already consumed")

            if self.status_code == 0 or self.raw is None:
                self._content = None
            else:
                self._content = read_all(self.raw) or b""

        self._content_consumed = True
        # don't need to release the connection; that's been handled by urllib3
        # since we exhausted the data.
        return self._content  # type: ignore[return-value]

    @property
    def text(self) -> str:
        """Content of the response, in unicode.

        If Response.encoding is None, encoding will be guessed using
        ``charset_normalizer``.

        The encoding of the response content is determined based solely on HTTP
        headers, following RFC 2616 to the letter. If you can take advantage of
        non-HTTP knowledge to make a better guess at the encoding, you should
        set ``r.encoding`` appropriately before accessing this property.
        """
        # Try charset from content-type
        content = None
        encoding = self.encoding

        if not self.content:
            return ""

        # Fallback to auto-detected encoding.
        if self.encoding is None:
            encoding = self.apparent_encoding

        # Decode unicode from given encoding.
        try:
            content = str(self.content, encoding, errors="replace")  # type: ignore[arg-type]
        except (LookupError, TypeError):
            # A LookupError is raised if the encoding was not found which could
            # indicate a misspelling or similar mistake.
            #
            # A TypeError can be raised if encoding is None
            #
            # So we try blindly encoding.
            content = str(self.content, errors="replace")

        return content

    def json(self, **kwargs: Any) -> Any:
        r"""Returns the json-encoded content of a response, if any.

        :param \*\*kwargs: Optional arguments that ``json.loads`` takes.
        :raises tether.exceptions.JSONDecodeError: If the response body does not
            contain valid json.
        """
        content = self.content
        if not self.encoding and content and len(content) > 3:
            # No encoding set. JSON RFC 4627 section 3 states we should expect
            # UTF-8, -16 or -32. Detect which one to use; If the detection or
            # decoding fails, fall back to `self.text` (using charset_normalizer to make
            # a best guess).
            encoding = _decoding.guess_json_utf(content)
            if encoding is not None:
                try:
                    return _JSON.loads(content.decode(encoding), **kwargs)
                except UnicodeDecodeError:
                    # Wrong UTF codec detected; usually because it's not UTF-8
                    # but some other 8-bit codec.  This is an RFC violation,
                    # and the server didn't bother to tell us what codec *was*
                    # used.
                    pass
                except _JSONDecodeError as e:
                    raise RequestsJSONDecodeError(e.msg, e.doc, e.pos) from e

        try:
            return _JSON.loads(self.text, **kwargs)
        except _JSONDecodeError as e:
            # Catch JSON-related errors and raise as tether.JSONDecodeError
            # This aliases json.JSONDecodeError and simplejson.JSONDecodeError
            raise RequestsJSONDecodeError(e.msg, e.doc, e.pos) from e

    @property
    def links(self) -> dict[str, dict[str, str]]:
        """Returns the parsed header links of the response, if any."""
        header = self.headers.get("link")

        resolved_links: dict[str, dict[str, str]] = {}

        if header:
            links = parse_header_links(header)

            for link in links:
                key = link.get("rel") or link.get("url")
                resolved_links[key] = link  # type: ignore[index]

        return resolved_links

    def raise_for_status(self) -> None:
        """Raises :class:`HTTPError`, if one occurred."""
        http_error_msg = ""
        if isinstance(self.reason, bytes):
            # We attempt to decode utf-8 first because some servers
            # choose to localize their reason strings. If the string
            # isn't utf-8, we fall back to iso-8859-1 for all other
            # encodings. (See PR #3538)
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
        """Releases the connection back to the pool. Once this method has been
        called the underlying ``raw`` object must not be accessed again.

        *Note: Should not normally need to be called explicitly.*
        """
        if not self._content_consumed:
            self.raw.close()

        release_conn = getattr(self.raw, "release_conn", None)
        if release_conn is not None:
            release_conn()
