"""
tether.sessions
~~~~~~~~~~~~~~~

``Session``: the object that holds defaults (headers, auth, proxies, TLS, timeout, params,
hooks), a cookie jar and the mounted transport adapters, and applies all of them to every
request it sends, redirects included.

Differences from ``requests.Session`` (each documented in docs/migrating.md):

* ``Session.timeout`` is applied to every request that gives none.
* ``Session(...)`` takes every default as a keyword argument, plus ``base_url=`` and
  ``retries=``.
* A proxy or CA bundle set on the session beats the environment's (psf/requests#2018).
* Redirects bind per-request cookies, Digest answers, the netrc ``default`` entry and the
  session's ``sensitive_headers`` to the first origin (SECURITY-CASES §5).
* Redirect bodies are drained undecoded (CVE-2026-21441).
"""

from __future__ import annotations

import os
import sys
import time
from collections import OrderedDict
from collections.abc import Generator, Iterable, Mapping, MutableMapping
from datetime import timedelta
from http import cookiejar as cookielib
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urljoin, urlparse

from urllib3.util.retry import Retry

from . import _redirects, _urls
from ._body import rewind_body, to_key_val_list
from ._environ import ca_bundle_from_env, netrc_auth_for_host
from ._environ import get_netrc_auth as _get_netrc_auth
from ._headers import default_headers
from ._internal_utils import to_native_string
from ._proxies import get_environ_proxies, resolve_proxies, should_bypass_proxies
from ._reading import drain
from .adapters import HTTPAdapter
from .auth import _basic_auth_str
from .cookies import RequestsCookieJar, cookiejar_from_dict, extract_cookies_to_jar, merge_cookies
from .exceptions import ChunkedEncodingError, ContentDecodingError, InvalidSchema, TooManyRedirects
from .hooks import default_hooks, dispatch_hook
from .models import DEFAULT_REDIRECT_LIMIT, REDIRECT_STATI, PreparedRequest, Request
from .status_codes import codes
from .structures import CaseInsensitiveDict

if TYPE_CHECKING:
    from .adapters import BaseAdapter

from .models import Response

__all__ = ["Session", "SessionRedirectMixin", "merge_hooks", "merge_setting", "session"]

# Patch point: requests' tests and some libraries replace sessions.get_netrc_auth.
get_netrc_auth = _get_netrc_auth
get_auth_from_url = _urls.get_auth_from_url
requote_uri = _urls.requote_uri
DEFAULT_PORTS = _redirects.DEFAULT_PORTS

# Preferred clock, based on which one is more accurate on a given system.
if sys.platform == "win32":
    preferred_clock = time.perf_counter
else:
    preferred_clock = time.time

# Names requests.sessions exposes that third-party code imports from it.
_reexported = (
    codes,
    ChunkedEncodingError,
    ContentDecodingError,
    REDIRECT_STATI,
    cookielib,
    should_bypass_proxies,
    get_environ_proxies,
    rewind_body,
    default_hooks,
    urlparse,
    urljoin,
    os,
)


_SCALARS = frozenset((bool, int, float, str, bytes, tuple))
_MAPPINGS = frozenset((dict, OrderedDict, CaseInsensitiveDict))


def _is_mapping(value: Any) -> bool:
    # The exact built-in types first: an ABC isinstance check is a Python-level call.
    return type(value) in _MAPPINGS or isinstance(value, Mapping)


def merge_setting(
    request_setting: Any, session_setting: Any, dict_class: type = OrderedDict
) -> Any:
    """Determines appropriate setting for a given request, taking into account
    the explicit setting on that request, and the setting in the session. If a
    setting is a dictionary, they will be merged together using `dict_class`
    """
    if session_setting is None:
        return request_setting
    if request_setting is None:
        return session_setting
    # Bypass if not a dictionary (e.g. verify). Scalars (bool, str, tuple) are the common
    # case and are answered before the slower ABC check.
    if type(request_setting) in _SCALARS or type(session_setting) in _SCALARS:
        return request_setting
    if not (_is_mapping(session_setting) and _is_mapping(request_setting)):
        return request_setting
    if not session_setting and not request_setting:
        return dict_class()

    if dict_class is CaseInsensitiveDict and type(session_setting) is CaseInsensitiveDict:
        # The per-request headers merge: copy the session's store in one step.
        merged = session_setting.copy()
        if request_setting:
            merged.update(request_setting)
    else:
        merged = dict_class(to_key_val_list(session_setting))
        if request_setting:
            merged.update(to_key_val_list(request_setting))

    # Remove keys that are set to None. Extract keys first to avoid altering
    # the dictionary during iteration.
    none_keys = [k for (k, v) in merged.items() if v is None]
    for key in none_keys:
        del merged[key]

    return merged


def merge_hooks(request_hooks: Any, session_hooks: Any, dict_class: type = OrderedDict) -> Any:
    """Properly merges both requests and session hooks.

    This is necessary because when request_hooks == {'response': []}, the
    merge breaks Session hooks entirely.
    """
    if session_hooks is None or session_hooks.get("response") == []:
        return request_hooks

    if request_hooks is None or request_hooks.get("response") == []:
        return session_hooks

    return merge_setting(request_hooks, session_hooks, dict_class)


class _Origin:
    """tether's per-request bookkeeping, carried on ``PreparedRequest._tether`` across copies:
    the first URL of a redirect chain, whether auth was given explicitly, and the jar of
    per-request cookies that may not leave that origin."""

    __slots__ = ("explicit_auth", "request_cookies", "url")

    def __init__(
        self, url: str, explicit_auth: bool, request_cookies: cookielib.CookieJar | None
    ) -> None:
        self.url = url
        self.explicit_auth = explicit_auth
        self.request_cookies = request_cookies


class SessionRedirectMixin:
    """Redirect handling for :class:`Session`; every step is an overridable method."""

    max_redirects: int
    trust_env: bool
    cookies: RequestsCookieJar
    proxies: MutableMapping[str, str]
    sensitive_headers: frozenset[str]

    if TYPE_CHECKING:

        def send(self, request: PreparedRequest, **kwargs: Any) -> Response: ...

    def get_redirect_target(self, resp: Response) -> str | None:
        """Receives a Response. Returns a redirect URI or ``None``"""
        # Due to the nature of how requests processes redirects this method will
        # be called at least once upon the original response and at least twice
        # on each subsequent redirect response (if any).
        if resp.is_redirect:
            return _redirects.decode_location(resp.headers["location"])
        return None

    def should_strip_auth(self, old_url: str, new_url: str) -> bool:
        """Decide whether Authorization header should be removed when redirecting"""
        return _redirects.should_strip_auth(old_url, new_url)

    def resolve_redirects(
        self,
        resp: Response,
        req: PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Any = None,
        yield_requests: bool = False,
        **adapter_kwargs: Any,
    ) -> Generator[Any, None, None]:
        """Receives a Response. Returns a generator of Responses or Requests."""
        hist: list[Response] = []  # keep track of history

        url = self.get_redirect_target(resp)
        previous_fragment = urlparse(req.url or "").fragment
        while url:
            prepared_request = req.copy()

            # Update history and keep track of redirects.
            # resp.history must ignore the original request in this loop
            hist.append(resp)
            resp.history = hist[1:]

            _drain_redirect(resp)

            if len(resp.history) >= self.max_redirects:
                raise TooManyRedirects(f"Exceeded {self.max_redirects} redirects.", response=resp)

            url, previous_fragment = _redirects.join_location(resp.url, url, previous_fragment)
            prepared_request.url = to_native_string(url)

            self.rebuild_method(prepared_request, resp)

            # https://github.com/psf/requests/issues/1084
            if not _redirects.keeps_body(resp.status_code):
                # https://github.com/psf/requests/issues/3490
                purged_headers = ("Content-Length", "Content-Type", "Transfer-Encoding")
                for header in purged_headers:
                    prepared_request.headers.pop(header, None)
                prepared_request.body = None

            headers = prepared_request.headers
            headers.pop("Cookie", None)

            # Extract any cookies sent on the response to the cookiejar
            # in the new request. Because we've mutated our copied prepared
            # request, use the old one that we continue to mutate.
            _rebuild_cookies(self.cookies, prepared_request, req, resp)

            # Rebuild auth and proxy information.
            proxies = self.rebuild_proxies(prepared_request, proxies)
            self.rebuild_auth(prepared_request, resp)

            # A failed tell() sets `_body_position` to `object()`. This non-None
            # value ensures `rewindable` will be True, allowing us to raise an
            # UnrewindableBodyError, instead of hanging the connection.
            rewindable = prepared_request._body_position is not None and (
                "Content-Length" in headers or "Transfer-Encoding" in headers
            )

            # Attempt to rewind consumed file-like object.
            if rewindable:
                rewind_body(prepared_request)

            # Override the original request.
            req = prepared_request

            if yield_requests:
                yield req
            else:
                resp = self.send(
                    req,
                    stream=stream,
                    timeout=timeout,
                    verify=verify,
                    cert=cert,
                    proxies=proxies,
                    allow_redirects=False,
                    **adapter_kwargs,
                )

                extract_cookies_to_jar(self.cookies, prepared_request, resp.raw)

                # extract redirect url, if any, for the next loop
                url = self.get_redirect_target(resp)
                yield resp

    def rebuild_auth(self, prepared_request: PreparedRequest, response: Response) -> None:
        """When being redirected we may want to strip authentication from the
        request to avoid leaking credentials. This method intelligently removes
        and reapplies authentication where possible to avoid credential loss.
        """
        headers = prepared_request.headers
        url = prepared_request.url or ""
        previous_url = response.request.url or ""

        if self.should_strip_auth(previous_url, url):
            # On a hop that leaves the site, credentials and the headers the session marks
            # as sensitive stay behind.
            headers.pop("Authorization", None)
            for name in self.sensitive_headers:
                headers.pop(name, None)

        if not self.trust_env:
            return
        state = _state_of(prepared_request)
        if state is not None and not _redirects.same_origin(state.url, url):
            # SECURITY-CASES case 07: away from the first origin, an explicit auth= is never
            # replaced by netrc, and netrc's catch-all `default` entry does not apply.
            if state.explicit_auth:
                return
            new_auth = netrc_auth_for_host(url, allow_default=False)
        else:
            new_auth = get_netrc_auth(url)
        if new_auth is not None:
            prepared_request.prepare_auth(new_auth)

    def rebuild_proxies(self, prepared_request: PreparedRequest, proxies: Any) -> dict[str, str]:
        """This method re-evaluates the proxy configuration by considering the
        environment variables. If we are redirected to a URL covered by
        NO_PROXY, we strip the proxy configuration. Otherwise, we set missing
        proxy keys for this URL (in case they were stripped by a previous
        redirect).

        This method also replaces the Proxy-Authorization header where
        necessary.
        """
        headers = prepared_request.headers
        scheme = urlparse(prepared_request.url or "").scheme
        new_proxies = resolve_proxies(prepared_request, proxies, self.trust_env)

        if "Proxy-Authorization" in headers:
            del headers["Proxy-Authorization"]

        try:
            username, password = get_auth_from_url(new_proxies[scheme])
        except KeyError:
            username, password = None, None

        # urllib3 handles proxy authorization for us in the standard adapter.
        # Avoid appending this to TLS tunneled requests where it may be leaked.
        if not scheme.startswith("https") and username and password:
            headers["Proxy-Authorization"] = _basic_auth_str(username, password)

        return new_proxies

    def rebuild_method(self, prepared_request: PreparedRequest, response: Response) -> None:
        """When being redirected we may want to change the method of the request
        based on certain specs or browser behavior.
        """
        prepared_request.method = _redirects.redirect_method(
            prepared_request.method, response.status_code
        )


def _jar_is_empty(jar: cookielib.CookieJar) -> bool:
    # http.cookiejar keeps cookies in ``_cookies`` ({domain: {path: {name: cookie}}}); an
    # empty dict means no cookie without walking (and locking) the jar. Anything else is
    # counted the slow, sure way.
    stored = getattr(jar, "_cookies", None)
    if type(stored) is dict and not stored:
        return True
    return len(jar) == 0


def _state_of(request: PreparedRequest) -> _Origin | None:
    state = request.__dict__.get("_tether")
    return state if isinstance(state, _Origin) else None


def _release(resp: Response) -> None:
    try:
        resp.close()
    except Exception:
        pass


def _drain_redirect(resp: Response) -> None:
    """Consume a redirect response's body so its connection can be reused.

    requests decodes the body here (``resp.content``); tether reads it undecoded and
    bounded (SECURITY-CASES case 28). An identity body is kept as ``resp.content``; an
    encoded one is not decoded and ``resp.content`` is ``b""``.
    """
    if resp._content is not False:
        resp.close()
        return
    raw = resp.raw
    data = drain(raw)
    encoded = "content-encoding" in resp.headers and resp.headers[
        "content-encoding"
    ].strip().lower() not in (
        "",
        "identity",
    )
    resp._content = b"" if (data is None or encoded) else data
    resp._content_consumed = True
    _release(resp)


def _rebuild_cookies(
    session_jar: RequestsCookieJar,
    prepared_request: PreparedRequest,
    previous: PreparedRequest,
    resp: Response,
) -> None:
    """Recompute the jar and ``Cookie`` header for the next hop from scratch.

    Cookies set by the redirect response are stored first; then the jar is rebuilt so that
    only cookies the jar's policy allows for the new URL are sent. Per-request cookies and
    domain-less cookies stay with the origin of the first request (SECURITY-CASES case 16).
    """
    jar = prepared_request._cookies
    if jar is None:
        jar = RequestsCookieJar()
    extract_cookies_to_jar(jar, previous, resp.raw)
    merge_cookies(jar, session_jar)
    state = _state_of(prepared_request)
    if state is not None and not _redirects.same_origin(state.url, prepared_request.url or ""):
        unbound = RequestsCookieJar()
        unbound.set_policy(
            jar.get_policy() if isinstance(jar, RequestsCookieJar) else unbound.get_policy()
        )
        request_only = state.request_cookies
        for cookie in list(jar):
            if not cookie.domain:
                continue  # a domain-less cookie cannot be scoped; keep it home
            if (
                request_only is not None
                and _in_jar(request_only, cookie)
                and not _in_jar(session_jar, cookie)
            ):
                continue
            unbound.set_cookie(cookie)
        jar = unbound
    prepared_request.prepare_cookies(jar)


def _in_jar(jar: cookielib.CookieJar, cookie: cookielib.Cookie) -> bool:
    for other in list(jar):
        if (
            other.name == cookie.name
            and other.domain == cookie.domain
            and other.path == cookie.path
        ):
            return other.value == cookie.value
    return False


class Session(SessionRedirectMixin):
    """A tether session.

    Provides cookie persistence, connection-pooling, and configuration.

    Basic Usage::

      >>> import tether
      >>> s = tether.Session()
      >>> s.get('https://httpbin.org/get')
      <Response [200]>

    Or as a context manager::

      >>> with tether.Session() as s:
      ...     s.get('https://httpbin.org/get')
      <Response [200]>

    Every default can also be given to the constructor; all of them are keyword-only:
    ``Session(headers=..., auth=..., timeout=10, base_url="https://api.example/v1/",
    retries=3)``.
    """

    __attrs__ = [
        "headers",
        "cookies",
        "auth",
        "proxies",
        "hooks",
        "params",
        "verify",
        "cert",
        "adapters",
        "stream",
        "trust_env",
        "max_redirects",
        "timeout",
        "base_url",
        "sensitive_headers",
    ]

    def __init__(
        self,
        *,
        headers: Mapping[str, str | bytes | None] | None = None,
        auth: Any = None,
        proxies: Mapping[str, str] | None = None,
        hooks: Mapping[str, Any] | None = None,
        params: Any = None,
        stream: bool | None = None,
        verify: bool | str | None = None,
        cert: Any = None,
        max_redirects: int | None = None,
        trust_env: bool | None = None,
        cookies: Any = None,
        timeout: Any = None,
        base_url: str | None = None,
        retries: int | Retry | None = None,
        sensitive_headers: Iterable[str] = (),
    ) -> None:
        #: A case-insensitive dictionary of headers to be sent on each
        #: :class:`Request <Request>` sent from this
        #: :class:`Session <Session>`.
        self.headers = default_headers()
        if headers:
            self.headers.update(headers)

        #: Default Authentication tuple or object to attach to
        #: :class:`Request <Request>`.
        self.auth = auth

        #: Dictionary mapping protocol or protocol and host to the URL of the proxy
        #: (e.g. {'http': 'foo.bar:3128', 'http://host.name': 'foo.bar:4012'}) to
        #: be used on each :class:`Request <Request>`.
        self.proxies: MutableMapping[str, str] = dict(proxies) if proxies else {}

        #: Event-handling hooks.
        self.hooks = default_hooks()
        if hooks:
            for event, hook in hooks.items():
                self.hooks[event] = list(hook) if isinstance(hook, (list, tuple)) else [hook]

        #: Dictionary of querystring data to attach to each
        #: :class:`Request <Request>`. The dictionary values may be lists for
        #: representing multivalued query parameters.
        self.params = (
            dict(params) if isinstance(params, Mapping) else (params if params is not None else {})
        )

        #: Stream response content default.
        self.stream = bool(stream) if stream is not None else False

        #: SSL Verification default.
        #: Defaults to `True`, requiring requests to verify the TLS certificate at the
        #: remote end.
        #: If verify is set to `False`, requests will accept any TLS certificate
        #: presented by the server, and will ignore hostname mismatches and/or
        #: expired certificates, which will make your application vulnerable to
        #: man-in-the-middle (MitM) attacks.
        #: Only set this to `False` for testing.
        #: If verify is set to a string, it must be the path to a CA bundle file
        #: that will be used to verify the TLS certificate.
        self.verify: bool | str = True if verify is None else verify

        #: SSL client certificate default, if String, path to ssl client
        #: cert file (.pem). If Tuple, ('cert', 'key') pair.
        self.cert = cert

        #: Maximum number of redirects allowed. If the request exceeds this
        #: limit, a :class:`TooManyRedirects` exception is raised.
        #: This defaults to requests.models.DEFAULT_REDIRECT_LIMIT, which is
        #: 30.
        self.max_redirects = DEFAULT_REDIRECT_LIMIT if max_redirects is None else max_redirects

        #: Trust environment settings for proxy configuration, default
        #: authentication and similar.
        self.trust_env = True if trust_env is None else trust_env

        #: A CookieJar containing all currently outstanding cookies set on this
        #: session. By default it is a
        #: :class:`RequestsCookieJar <tether.cookies.RequestsCookieJar>`, but
        #: may be any other ``cookielib.CookieJar`` compatible object.
        self.cookies = cast(RequestsCookieJar, cookiejar_from_dict({}))
        if cookies is not None:
            if isinstance(cookies, cookielib.CookieJar):
                merge_cookies(self.cookies, cookies)
            else:
                cookiejar_from_dict(cookies, self.cookies)

        #: Default timeout for every request that does not give one (tether; requests
        #: ignores this attribute). A float, a ``(connect, read)`` tuple or a urllib3
        #: ``Timeout``; ``None`` means no default.
        self.timeout = timeout

        #: URL that relative request URLs are resolved against (tether).
        self.base_url = base_url

        #: Header names that are removed, like ``Authorization``, when a redirect leaves
        #: the site (tether; SECURITY-CASES case 09). Empty by default.
        self.sensitive_headers = frozenset(sensitive_headers)

        # Default connection adapters.
        self.adapters: OrderedDict[str, BaseAdapter] = OrderedDict()
        self.mount("https://", HTTPAdapter(max_retries=retries if retries is not None else 0))
        self.mount("http://", HTTPAdapter(max_retries=retries if retries is not None else 0))

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    def prepare_request(self, request: Request) -> PreparedRequest:
        """Constructs a :class:`PreparedRequest <PreparedRequest>` for
        transmission and returns it. The :class:`PreparedRequest` has settings
        merged from the :class:`Request <Request>` instance and those of the
        :class:`Session`.

        :param request: :class:`Request` instance to prepare with this
            session's settings.
        :rtype: tether.PreparedRequest
        """
        cookies = request.cookies or None
        # Bootstrap CookieJar.
        if cookies is not None and not isinstance(cookies, cookielib.CookieJar):
            cookies = cookiejar_from_dict(cookies)

        # The request gets its own jar: the session's cookies, then the request's. Empty
        # jars are skipped (copying cookies one by one is the expensive part).
        # It follows the session jar's policy (requests gives it a fresh default policy; the
        # session's is the one the user chose, and sharing it spares building one).
        merged_cookies = RequestsCookieJar(getattr(self.cookies, "_policy", None))
        if not _jar_is_empty(self.cookies):
            merge_cookies(merged_cookies, self.cookies)
        if cookies is not None and not _jar_is_empty(cookies):
            merge_cookies(merged_cookies, cookies)
        else:
            cookies = None

        url = request.url
        base_url = getattr(self, "base_url", None)
        if base_url and url is not None:
            url = _join_base_url(base_url, url)

        # Set environment's basic authentication if not explicitly set.
        auth = request.auth
        explicit_auth = bool(auth or self.auth)
        if self.trust_env and not auth and not self.auth:
            auth = get_netrc_auth(
                url if isinstance(url, str) else to_native_string(url or b"", "utf8")
            )

        p = PreparedRequest()
        p.prepare(
            method=request.method.upper() if request.method is not None else None,
            url=url,
            files=request.files,
            data=request.data,
            json=request.json,
            headers=merge_setting(request.headers, self.headers, dict_class=CaseInsensitiveDict),
            params=merge_setting(request.params, self.params),
            auth=merge_setting(auth, self.auth),
            cookies=merged_cookies,
            hooks=merge_hooks(request.hooks, self.hooks),
        )
        p.__dict__["_tether"] = _Origin(p.url or "", explicit_auth, cookies)
        return p

    def request(
        self,
        method: str | bytes,
        url: str | bytes,
        params: Any = None,
        data: Any = None,
        headers: Mapping[str, Any] | None = None,
        cookies: Any = None,
        files: Any = None,
        auth: Any = None,
        timeout: Any = None,
        allow_redirects: bool = True,
        proxies: MutableMapping[str, str] | None = None,
        hooks: Mapping[str, Any] | None = None,
        stream: bool | None = None,
        verify: bool | str | None = None,
        cert: Any = None,
        json: Any = None,
    ) -> Response:
        """Constructs a :class:`Request <Request>`, prepares it and sends it.
        Returns :class:`Response <Response>` object.

        :param method: method for the new :class:`Request` object.
        :param url: URL for the new :class:`Request` object.
        :param params: (optional) Dictionary or bytes to be sent in the query
            string for the :class:`Request`.
        :param data: (optional) Dictionary, list of tuples, bytes, or file-like
            object to send in the body of the :class:`Request`.
        :param json: (optional) json to send in the body of the
            :class:`Request`.
        :param headers: (optional) Dictionary of HTTP Headers to send with the
            :class:`Request`.
        :param cookies: (optional) Dict or CookieJar object to send with the
            :class:`Request`.
        :param files: (optional) Dictionary of ``'filename': file-like-objects``
            for multipart encoding upload.
        :param auth: (optional) Auth tuple or callable to enable
            Basic/Digest/Custom HTTP Auth.
        :param timeout: (optional) How long to wait for the server to send
            data before giving up, as a float, or a :ref:`(connect timeout,
            read timeout) <timeouts>` tuple. ``None`` uses the session's
            ``timeout``.
        :param allow_redirects: (optional) Set to True by default.
        :param proxies: (optional) Dictionary mapping protocol or protocol and
            hostname to the URL of the proxy.
        :param hooks: (optional) Dictionary mapping hook name to one event or
            list of events, event must be callable.
        :param stream: (optional) whether to immediately download the response
            content. Defaults to ``False``.
        :param verify: (optional) Either a boolean, in which case it controls whether we verify
            the server's TLS certificate, or a string, in which case it must be a path
            to a CA bundle to use. Defaults to ``True``.
        :param cert: (optional) if String, path to ssl client cert file (.pem).
            If Tuple, ('cert', 'key') pair.
        :rtype: tether.Response
        """
        # Create the Request.
        req = Request(
            method=method.upper(),  # type: ignore[arg-type]
            url=url,
            headers=headers,
            files=files,
            data=data or {},
            json=json,
            params=params or {},
            auth=auth,
            cookies=cookies,
            hooks=hooks,
        )
        prep = self.prepare_request(req)

        proxies = proxies or {}

        settings = self.merge_environment_settings(prep.url, proxies, stream, verify, cert)

        # Send the request.
        send_kwargs: dict[str, Any] = {
            "timeout": timeout,
            "allow_redirects": allow_redirects,
        }
        send_kwargs.update(settings)
        resp = self.send(prep, **send_kwargs)

        return resp

    def get(self, url: str | bytes, params: Any = None, **kwargs: Any) -> Response:
        r"""Sends a GET request. Returns :class:`Response` object.

        :param url: URL for the new :class:`Request` object.
        :param params: (optional) Dictionary, list of tuples or bytes to send
            in the query string for the :class:`Request`.
        :param \*\*kwargs: Optional arguments that ``request`` takes.
        :rtype: tether.Response
        """
        kwargs.setdefault("allow_redirects", True)
        return self.request("GET", url, params=params, **kwargs)

    def options(self, url: str | bytes, **kwargs: Any) -> Response:
        r"""Sends a OPTIONS request. Returns :class:`Response` object.

        :param url: URL for the new :class:`Request` object.
        :param \*\*kwargs: Optional arguments that ``request`` takes.
        :rtype: tether.Response
        """
        kwargs.setdefault("allow_redirects", True)
        return self.request("OPTIONS", url, **kwargs)

    def head(self, url: str | bytes, **kwargs: Any) -> Response:
        r"""Sends a HEAD request. Returns :class:`Response` object.

        :param url: URL for the new :class:`Request` object.
        :param \*\*kwargs: Optional arguments that ``request`` takes.
        :rtype: tether.Response
        """
        kwargs.setdefault("allow_redirects", False)
        return self.request("HEAD", url, **kwargs)

    def post(self, url: str | bytes, data: Any = None, json: Any = None, **kwargs: Any) -> Response:
        r"""Sends a POST request. Returns :class:`Response` object.

        :param url: URL for the new :class:`Request` object.
        :param data: (optional) Dictionary, list of tuples, bytes, or file-like
            object to send in the body of the :class:`Request`.
        :param json: (optional) json to send in the body of the :class:`Request`.
        :param \*\*kwargs: Optional arguments that ``request`` takes.
        :rtype: tether.Response
        """
        return self.request("POST", url, data=data, json=json, **kwargs)

    def put(self, url: str | bytes, data: Any = None, **kwargs: Any) -> Response:
        r"""Sends a PUT request. Returns :class:`Response` object.

        :param url: URL for the new :class:`Request` object.
        :param data: (optional) Dictionary, list of tuples, bytes, or file-like
            object to send in the body of the :class:`Request`.
        :param \*\*kwargs: Optional arguments that ``request`` takes.
        :rtype: tether.Response
        """
        return self.request("PUT", url, data=data, **kwargs)

    def patch(self, url: str | bytes, data: Any = None, **kwargs: Any) -> Response:
        r"""Sends a PATCH request. Returns :class:`Response` object.

        :param url: URL for the new :class:`Request` object.
        :param data: (optional) Dictionary, list of tuples, bytes, or file-like
            object to send in the body of the :class:`Request`.
        :param \*\*kwargs: Optional arguments that ``request`` takes.
        :rtype: tether.Response
        """
        return self.request("PATCH", url, data=data, **kwargs)

    def delete(self, url: str | bytes, **kwargs: Any) -> Response:
        r"""Sends a DELETE request. Returns :class:`Response` object.

        :param url: URL for the new :class:`Request` object.
        :param \*\*kwargs: Optional arguments that ``request`` takes.
        :rtype: tether.Response
        """
        return self.request("DELETE", url, **kwargs)

    def send(self, request: PreparedRequest, **kwargs: Any) -> Response:
        """Send a given PreparedRequest.

        :rtype: tether.Response
        """
        # Set defaults that the hooks can utilize to ensure they always have
        # the correct parameters to reproduce the previous request.
        kwargs.setdefault("stream", self.stream)
        kwargs.setdefault("verify", self.verify)
        kwargs.setdefault("cert", self.cert)
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = getattr(self, "timeout", None)
        if "proxies" not in kwargs:
            kwargs["proxies"] = resolve_proxies(request, self.proxies, self.trust_env)

        # It's possible that users might accidentally send a Request object.
        # Guard against that specific failure case.
        if isinstance(request, Request):
            raise ValueError("You can only send PreparedRequests.")

        # Set up variables needed for resolve_redirects and dispatching of hooks
        allow_redirects = kwargs.pop("allow_redirects", True)
        stream = kwargs.get("stream")
        hooks = request.hooks

        # Get the appropriate adapter to use
        adapter = self.get_adapter(url=request.url or "")

        # Start time (approximately) of the request
        start = preferred_clock()

        # Send the request
        r = adapter.send(request, **kwargs)

        # Total elapsed time of the request (approximately)
        elapsed = preferred_clock() - start
        r.elapsed = timedelta(seconds=elapsed)

        # Response manipulation hooks
        r = dispatch_hook("response", hooks, r, **kwargs)

        # Persist cookies
        if r.history:
            # If the hooks create history then we want those cookies too
            for resp in r.history:
                extract_cookies_to_jar(self.cookies, resp.request, resp.raw)

        extract_cookies_to_jar(self.cookies, request, r.raw)

        # Resolve redirects if allowed. (The generator is only built when there is a target,
        # unless a subclass replaced resolve_redirects and expects to be called.)
        if allow_redirects and (
            type(self).resolve_redirects is not SessionRedirectMixin.resolve_redirects
            or self.get_redirect_target(r) is not None
        ):
            # Redirect resolving generator.
            gen = self.resolve_redirects(r, request, **kwargs)
            history = list(gen)
        else:
            history = []

        # Shuffle things around if there's history.
        if history:
            # Insert the first (original) request at the start
            history.insert(0, r)
            # Get the last request made
            r = history.pop()
            r.history = history

        # If redirects aren't being followed, store the response on the Request for Response.next().
        if not allow_redirects:
            try:
                r._next = next(self.resolve_redirects(r, request, yield_requests=True, **kwargs))
            except StopIteration:
                pass

        if not stream:
            r.content  # noqa: B018

        return r

    def merge_environment_settings(
        self,
        url: str | None,
        proxies: MutableMapping[str, str] | None,
        stream: bool | None,
        verify: bool | str | None,
        cert: Any,
    ) -> dict[str, Any]:
        """Check the environment and merge it with some settings.

        Precedence (tether): the request's value, then the session's, then the
        environment's. requests lets the environment's proxies and CA bundle override the
        session's (psf/requests#2018, #3829); tether does not.

        :rtype: dict
        """
        proxies = merge_setting(proxies, self.proxies)
        stream = merge_setting(stream, self.stream)
        verify = merge_setting(verify, self.verify)
        cert = merge_setting(cert, self.cert)

        if self.trust_env:
            # Gather clues from the surrounding environment; they only fill what neither
            # the request nor the session set.
            no_proxy = proxies.get("no_proxy") if proxies is not None else None
            env_proxies = get_environ_proxies(url or "", no_proxy=no_proxy)
            if env_proxies:
                proxies = dict(proxies) if proxies is not None else {}
                for k, v in env_proxies.items():
                    proxies.setdefault(k, v)

            # Look for requests environment configuration when verification was left
            # at its default.
            if verify is True or verify is None:
                verify = ca_bundle_from_env() or verify

        return {"proxies": proxies, "stream": stream, "verify": verify, "cert": cert}

    def get_adapter(self, url: str) -> BaseAdapter:
        """
        Returns the appropriate connection adapter for the given URL.

        :rtype: tether.adapters.BaseAdapter
        """
        lowered = url.lower()
        for prefix, adapter in self.adapters.items():
            if lowered.startswith(prefix.lower()):
                return adapter

        # Nothing matches :-/
        raise InvalidSchema(f"No connection adapters were found for {url!r}")

    def close(self) -> None:
        """Closes all adapters and as such the session"""
        for v in list(self.adapters.values()):
            v.close()

    def mount(self, prefix: str, adapter: BaseAdapter) -> None:
        """Registers a connection adapter to a prefix.

        Adapters are sorted in descending order by prefix length.
        """
        # Copy-on-write: get_adapter in other threads iterates the old mapping safely.
        adapters: OrderedDict[str, BaseAdapter] = OrderedDict(self.adapters)
        adapters[prefix] = adapter
        keys_to_move = [k for k in adapters if len(k) < len(prefix)]
        for key in keys_to_move:
            adapters[key] = adapters.pop(key)
        self.adapters = adapters

    def __getstate__(self) -> dict[str, Any]:
        state = {attr: getattr(self, attr, None) for attr in self.__attrs__}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Sessions pickled by requests (or an older tether) lack tether's attributes.
        self.timeout = None
        self.base_url = None
        self.sensitive_headers = frozenset()
        for attr, value in state.items():
            if attr == "sensitive_headers" and value is None:
                continue
            setattr(self, attr, value)


def _join_base_url(base_url: str, url: str | bytes) -> str | bytes:
    """Resolve a request URL against ``base_url``; absolute URLs are returned unchanged.

    The request URL is taken as relative to the base URL's *path*:
    ``base_url="https://api.example/v1"`` and ``"/users"`` give
    ``https://api.example/v1/users`` (a leading slash does not climb to the host's root).
    """
    text = url.decode("utf8") if isinstance(url, bytes) else str(url)
    stripped = text.lstrip()
    if (
        "://" in stripped
        or stripped.lower().startswith(("http:", "https:"))
        or _has_scheme(stripped)
    ):
        return url
    base = base_url if base_url.endswith("/") else base_url + "/"
    if not stripped:
        return base_url
    return urljoin(base, stripped.lstrip("/") if not stripped.startswith("//") else stripped)


def _has_scheme(text: str) -> bool:
    head, sep, _ = text.partition(":")
    return bool(sep) and head.isalpha() and "/" not in head and len(head) > 1


def session() -> Session:
    """
    Returns a :class:`Session` for context-management.

    .. deprecated:: 1.0.0

        This method has been deprecated since version 1.0.0 and is only kept for
        backwards compatibility. New code should use :class:`~tether.sessions.Session`
        to create a session. This may be removed at a future date.

    :rtype: Session
    """
    return Session()
