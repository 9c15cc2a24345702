"""The :class:`Session`: defaults, a cookie jar and transport adapters, applied to every request.

A session holds the settings a program would otherwise repeat on each call (headers,
authentication, proxies, TLS options, a timeout, query parameters, hooks), keeps the cookies
servers set, and owns the adapters whose connection pools make repeated requests to one host
cheap. Everything it holds is applied to every request it sends, each redirect hop included.

Where tether deliberately departs from ``requests.Session`` (each difference is listed, with
its reason, in docs/migrating.md):

* ``Session.timeout`` is honoured for every request that does not pass its own.
* ``Session(...)`` accepts each default as a keyword argument, plus ``base_url=``,
  ``retries=`` and ``sensitive_headers=``.
* A proxy or CA bundle set on the session is preferred to the environment's
  (psf/requests#2018).
* On a redirect, per-request cookies, Digest answers, netrc's ``default`` entry and the
  session's ``sensitive_headers`` stay with the first origin (SECURITY-CASES §5).
* The bodies of redirect responses are drained without being decoded (CVE-2026-21441).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterable, Mapping, MutableMapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urljoin, urlparse

from urllib3.util.retry import Retry

from . import _hops, _lazycookies, _urls
from ._body import rewind_body, to_key_val_list
from ._environ import ca_bundle_from_env, netrc_auth_for_host
from ._environ import get_netrc_auth as _get_netrc_auth
from ._headers import all_validated, default_headers
from ._internal_utils import to_native_string
from ._lazyimport import LazyModule, bound
from ._proxies import (
    get_environ_proxies,
    pin_request_choice,
    resolve_proxies,
    resolve_session_proxies,
    select_proxy,
    should_bypass_proxies,
)
from .adapters import HTTPAdapter
from .exceptions import (
    ChunkedEncodingError,
    ContentDecodingError,
    InvalidSchema,
    TooManyRedirects,
    UnrewindableBodyError,
)
from .hooks import default_hooks, dispatch_hook
from .models import (
    DEFAULT_REDIRECT_LIMIT,
    REDIRECT_STATI,
    PreparedRequest,
    Request,
    _apply_default_encoding,
)
from .status_codes import codes
from .structures import CaseInsensitiveDict

if TYPE_CHECKING:
    from http import cookiejar as cookielib

    from typing_extensions import Self

    from . import _redirects
    from .adapters import BaseAdapter
    from .cookies import (
        RequestsCookieJar,
        cookiejar_from_dict,
        extract_cookies_to_jar,
        merge_cookies,
    )
else:
    # Bound when the cookie machinery loads (the first Session): see _lazycookies.
    _cookie_attribute, _cookie_dir = _lazycookies.module_names(
        globals(),
        "cookielib",
        "RequestsCookieJar",
        "cookiejar_from_dict",
        "extract_cookies_to_jar",
        "merge_cookies",
    )
    # Imported with the first redirect (see _lazyimport).
    _redirects = LazyModule(globals(), "_redirects", "tether._redirects")

    def __getattr__(name: str) -> Any:
        if name == "_basic_auth_str":  # requests.sessions has it; tether.auth loads on first use
            return bound(globals(), name, "tether.auth")
        return _cookie_attribute(name)

    def __dir__() -> list[str]:
        return sorted({*_cookie_dir(), "_basic_auth_str"})


from .models import Response

__all__ = ["Session", "SessionRedirectMixin", "merge_hooks", "merge_setting", "session"]

# Serialises Session.mount (rare) across threads; request paths never take it.
_MOUNT_LOCK = threading.Lock()

# Patch point: requests' tests and some libraries replace sessions.get_netrc_auth.
get_netrc_auth = _get_netrc_auth
get_auth_from_url = _urls.get_auth_from_url
requote_uri = _urls.requote_uri
DEFAULT_PORTS = _urls._DEFAULT_PORTS  # the very dict of utils.DEFAULT_PORTS, as in requests

# The clock behind Response.elapsed: perf_counter where time.time is coarse (Windows).
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
    should_bypass_proxies,
    get_environ_proxies,
    resolve_proxies,
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
    """Combine a per-request value with the session's value of the same setting.

    A ``None`` on either side yields the other side. When both are mappings, the result is a
    new ``dict_class`` holding the session's entries overlaid with the request's, and any key
    whose merged value is ``None`` is dropped (that is how a request removes a session header).
    For anything else (``verify``, ``stream``, ``cert``, tuples ...) the request's value wins.

    :param request_setting: the value given to this request, or ``None``.
    :param session_setting: the session's value, or ``None``.
    :param dict_class: the mapping type to build when both values are mappings.
    :return: the value to use for this request.
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
        # The per-request headers merge: copy the session's store in one step, and look
        # for None values (removals) in the store itself.
        merged = session_setting.copy()
        if request_setting:
            merged.update(request_setting)
        store = merged._store
        for lower in [lower for lower, pair in store.items() if pair[1] is None]:
            del store[lower]
        return merged
    else:
        merged = dict_class(to_key_val_list(session_setting))
        if request_setting:
            merged.update(to_key_val_list(request_setting))

    # A None value means "remove this key" (a request unsetting a session header). The keys
    # are collected first because the mapping cannot shrink while it is iterated.
    none_keys = [k for (k, v) in merged.items() if v is None]
    for key in none_keys:
        del merged[key]

    return merged


def merge_hooks(request_hooks: Any, session_hooks: Any, dict_class: type = OrderedDict) -> Any:
    """Combine a request's hooks with the session's.

    An empty ``{"response": []}`` on one side (the default every ``Request`` carries) is treated
    as "no hooks", so it cannot hide the other side's hooks; otherwise the two mappings are
    merged like any other setting (see :func:`merge_setting`).

    :param request_hooks: the request's hook mapping.
    :param session_hooks: the session's hook mapping.
    :param dict_class: the mapping type of the result.
    :return: the hooks to run for this request.
    """
    if session_hooks is None or session_hooks.get("response") == []:
        return request_hooks

    if request_hooks is None or request_hooks.get("response") == []:
        return session_hooks

    return merge_setting(request_hooks, session_hooks, dict_class)


class SessionRedirectMixin:
    """How a :class:`Session` follows redirects, as a set of methods a subclass may override.

    :meth:`resolve_redirects` drives the loop. For each hop it calls, on ``self``,
    :meth:`get_redirect_target`, :meth:`rebuild_method`, :meth:`rebuild_proxies`,
    :meth:`rebuild_auth` (which asks :meth:`should_strip_auth`) and then ``send``; the decisions
    themselves are pure functions in tether's private ``_redirects`` module.
    """

    max_redirects: int
    trust_env: bool
    cookies: RequestsCookieJar
    proxies: MutableMapping[str, str]
    sensitive_headers: frozenset[str]

    if TYPE_CHECKING:

        def send(self, request: PreparedRequest, **kwargs: Any) -> Response: ...

    def get_redirect_target(self, resp: Response) -> str | None:
        """The URL a redirect response points to, or ``None`` if ``resp`` is not a redirect.

        The ``Location`` value is returned as the server sent it (relative or absolute), after
        undoing the Latin-1 reading that raw UTF-8 bytes get from the HTTP parser.

        :param resp: a response received by this session.
        :rtype: str | None
        """
        # Called more than once per response (by send() and by resolve_redirects), so it
        # must stay cheap and free of side effects.
        if resp.is_redirect:
            return _redirects.decode_location(resp.headers["location"])
        return None

    def should_strip_auth(self, old_url: str, new_url: str) -> bool:
        """Whether credentials must be dropped when a redirect goes from ``old_url`` to ``new_url``.

        They are kept on the same host, on an ``http`` to ``https`` upgrade of the same host with
        default ports, and when only a default port is spelled out; any other change of scheme,
        host or port strips them.

        :param old_url: the URL of the response that redirected.
        :param new_url: the URL the redirect leads to.
        :rtype: bool
        """
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
        """Follow the redirect chain that starts with ``resp``; yield each new response in turn.

        Every hop re-uses a copy of the previous request with its method, body, cookies,
        credentials and proxy settings rebuilt for the new URL. The body of each redirect response
        is drained (undecoded, bounded) so its connection returns to the pool, and
        :class:`~tether.exceptions.TooManyRedirects` is raised once ``max_redirects`` hops have been
        made. With ``yield_requests=True`` nothing is sent: the next prepared request is yielded
        instead (this is how :attr:`Response.next <tether.models.Response.next>` is computed).

        :param resp: the response that redirected.
        :param req: the prepared request that produced ``resp``.
        :param stream: the ``stream`` setting to send each hop with.
        :param timeout: the timeout for each hop.
        :param verify: the TLS verification setting for each hop.
        :param cert: the client certificate for each hop.
        :param proxies: the proxy mapping in effect; rebuilt for every new URL.
        :param yield_requests: yield the next :class:`~tether.models.PreparedRequest` instead of
            sending it.
        :param adapter_kwargs: further keywords passed on to ``send``.
        :return: a generator of :class:`~tether.models.Response` (or of prepared requests).
        """
        hist: list[Response] = []  # keep track of history

        url = self.get_redirect_target(resp)
        previous_fragment = urlparse(req.url or "").fragment
        while url:
            prepared_request = req.copy()

            # Update history and keep track of redirects. A response's history holds the
            # responses before it, never itself (requests 2.34.0).
            resp.history = hist[:]
            hist.append(resp)

            if not yield_requests:
                # The body of a redirect that is followed is drained undecoded (case 28).
                # With yield_requests (``Response.next`` under allow_redirects=False) the
                # response is the caller's final one: its body is left for the caller,
                # and no redirect is being followed, so the limit does not apply
                # (requests drains and decodes it, and raises TooManyRedirects when
                # max_redirects is 0).
                _hops.drain_redirect(resp)

                if len(resp.history) >= self.max_redirects:
                    raise TooManyRedirects(
                        f"Exceeded {self.max_redirects} redirects.", response=resp
                    )

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

            # Cookies the redirect response set are stored against the request that received
            # it (`req`), not against the copy being rebuilt for the next hop.
            _hops.rebuild_cookies(self.cookies, prepared_request, req, resp)

            # Proxies and credentials are decided again for the new URL.
            proxies = self.rebuild_proxies(prepared_request, proxies)
            self.rebuild_auth(prepared_request, resp)

            # A body whose position could not be recorded has `_body_position` set to a
            # sentinel object, so it still counts as rewindable here and rewind_body raises
            # UnrewindableBodyError rather than sending a half-read body.
            rewindable = prepared_request._body_position is not None and (
                "Content-Length" in headers or "Transfer-Encoding" in headers
            )

            # A file-like body was read by the previous hop: seek back to where it started.
            if rewindable:
                rewind_body(prepared_request)

            # The rebuilt request is the one the next hop (and the next loop) works from.
            req = prepared_request

            if yield_requests:
                yield req
            else:
                if not rewindable and _hops.is_one_shot_body(prepared_request):
                    # A generator or read-once body was consumed by the previous hop; a
                    # 307/308 must re-send it, so fail instead of sending it empty (requests
                    # sends an empty body).
                    raise UnrewindableBodyError("Unable to rewind request body for redirect.")
                # Marks this request as a hop, so that send() leaves a redirect response's
                # body to _drain_redirect instead of reading and decoding it (case 28).
                req.__dict__[_hops.HOP] = True
                try:
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
                finally:
                    req.__dict__.pop(_hops.HOP, None)

                extract_cookies_to_jar(self.cookies, prepared_request, resp.raw)

                # Where this response points, if it is itself a redirect.
                url = self.get_redirect_target(resp)
                yield resp

    def rebuild_auth(self, prepared_request: PreparedRequest, response: Response) -> None:
        """Adjust the credentials of a redirected request for its new URL.

        ``Authorization`` (and every header named in ``sensitive_headers``) is removed when
        :meth:`should_strip_auth` says the hop leaves the site. With ``trust_env`` on, netrc may
        then supply credentials for the new host, but only through an exact ``machine`` entry once
        the chain has left its first origin, and never in place of credentials the caller gave
        explicitly.

        :param prepared_request: the request about to be sent to the redirect target; changed in
            place.
        :param response: the redirect response that led here.
        """
        headers = prepared_request.headers
        url = prepared_request.url or ""
        previous_url = response.request.url or ""

        if self.should_strip_auth(previous_url, url):
            # On a hop that leaves the site (CVE-2014-1829, CVE-2018-18074), credentials and
            # the headers the session marks as sensitive (case 09) stay behind.
            headers.pop("Authorization", None)
            for name in getattr(self, "sensitive_headers", ()):
                headers.pop(name, None)

        if not self.trust_env:
            return
        # SECURITY-CASES case 07. An explicit auth= (request or session) is never replaced
        # by netrc, on any hop (requests replaces it on every hop, even to the same host).
        # Away from the first origin (the previous hop's, for a request not prepared by a
        # session) only an exact `machine` entry applies, never the catch-all `default`.
        state = _hops.state_of(prepared_request)
        if state is not None and state.explicit_auth:
            return
        first_url = state.url if state is not None else previous_url
        if get_netrc_auth is _get_netrc_auth and not _redirects.same_origin(first_url, url):
            new_auth = netrc_auth_for_host(url, allow_default=False)
        else:
            # Same origin, or sessions.get_netrc_auth was replaced (a patch point): ask it.
            new_auth = get_netrc_auth(url)
        if new_auth is not None:
            prepared_request.prepare_auth(new_auth)

    def rebuild_proxies(self, prepared_request: PreparedRequest, proxies: Any) -> dict[str, str]:
        """Work out the proxies for a redirected request and refresh its ``Proxy-Authorization``.

        The proxy mapping is resolved again for the new URL (so ``no_proxy`` is honoured per hop).
        Any ``Proxy-Authorization`` header is removed and, for a plain-HTTP target whose proxy URL
        carries credentials, set again from those credentials; HTTPS targets go through a tunnel
        and never get the header in the request itself.

        :param prepared_request: the request about to be sent; changed in place.
        :param proxies: the proxy mapping that was in effect for the previous hop.
        :return: the proxy mapping to use for this hop.
        :rtype: dict
        """
        headers = prepared_request.headers
        scheme = urlparse(prepared_request.url or "").scheme
        new_proxies = resolve_session_proxies(prepared_request, proxies, self.trust_env)

        if "Proxy-Authorization" in headers:
            del headers["Proxy-Authorization"]

        try:
            username, password = get_auth_from_url(new_proxies[scheme])
        except KeyError:
            username, password = None, None

        # For an https:// target the adapter authenticates to the proxy on the CONNECT
        # tunnel; putting the header in the tunnelled request would hand it to the origin.
        if not scheme.startswith("https") and username and password:
            # sessions._basic_auth_str, as requests looks it up (bound on first use).
            basic_auth_str = bound(globals(), "_basic_auth_str", "tether.auth")
            headers["Proxy-Authorization"] = basic_auth_str(username, password)

        return new_proxies

    def rebuild_method(self, prepared_request: PreparedRequest, response: Response) -> None:
        """Set the method a redirected request is sent with.

        As browsers do (and as RFC 9110 §15.4 allows for 301 and 302): a 303 or a 302 turns any
        method but ``HEAD`` into ``GET``, a 301 turns ``POST`` into ``GET``, and 307 and 308 keep
        the method and the body.

        :param prepared_request: the request about to be sent; changed in place.
        :param response: the redirect response.
        """
        prepared_request.method = _redirects.redirect_method(
            prepared_request.method, response.status_code
        )


class Session(SessionRedirectMixin):
    """A set of defaults, a cookie jar and connection pools, shared by the requests it sends.

    Each setting below is applied to every request the session sends; a value given to one
    request overrides it for that request only (for mappings such as ``headers``, the two are
    merged and a request value of ``None`` removes the session's entry). Every setting can be
    given to the constructor as a keyword argument, and ``Session()`` with none behaves exactly
    like ``requests.Session()``.

    A session can be shared between threads. Close it (or use it as a context manager) to
    release its connections.

    Example:

    ```python
    with tether.Session(base_url="https://httpbin.org", timeout=5) as s:
        s.headers["X-Client"] = "docs"
        r = s.get("/get", params={"page": 2})
    ```

    :param headers: extra default headers, added to tether's defaults (``User-Agent``,
        ``Accept-Encoding``, ``Accept``, ``Connection``).
    :param auth: default credentials: a ``(user, password)`` pair or an auth object.
    :param proxies: default proxy URL per scheme or per ``scheme://host``.
    :param hooks: default hooks, keyed by event name.
    :param params: default query parameters.
    :param stream: default for ``stream=`` (``False``).
    :param verify: default TLS verification: ``True``, ``False`` or a CA bundle path.
    :param cert: default client certificate: a path or a ``(cert, key)`` pair.
    :param max_redirects: how many redirects to follow before giving up (30).
    :param trust_env: whether to read proxies, netrc and CA bundle variables from the
        environment (``True``).
    :param cookies: initial cookies: a dict or a ``CookieJar``.
    :param timeout: default timeout for every request (tether; requests has none).
    :param base_url: a URL that relative request URLs are joined to (tether).
    :param retries: an ``int`` or a urllib3 ``Retry`` for the two default adapters (tether).
    :param sensitive_headers: header names that, like ``Authorization``, are removed when a
        redirect leaves the site (tether).
    :param stream_multipart: how ``files=`` bodies are built (tether): ``None`` streams them
        from the files once these hold 1 MiB or more, ``True`` always streams, ``False``
        always builds them in memory as requests does.
    :param default_encoding: the text encoding of responses whose ``Content-Type`` names no
        charset (tether): a codec name, or a callable given the response that returns one
        (or ``None`` for charset detection). JSON keeps UTF-8. ``None`` keeps requests'
        rules (ISO-8859-1 for ``text/*``).
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
        "stream_multipart",
        "default_encoding",
    ]

    # tether's body options; class-level defaults also cover sessions unpickled from
    # requests or an older tether, whose state lacks them.
    stream_multipart: bool | None = None
    default_encoding: str | Callable[[Response], str | None] | None = None

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
        stream_multipart: bool | None = None,
        default_encoding: str | Callable[[Response], str | None] | None = None,
    ) -> None:
        #: Headers sent with every request (a case-insensitive dict). A request's header of
        #: the same name replaces the session's; a request value of ``None`` removes it.
        self.headers = default_headers()
        if headers:
            self.headers.update(headers)

        #: Credentials for every request that brings none: a ``(user, password)`` pair
        #: (Basic) or an auth object.
        self.auth = auth

        #: Proxy URL by scheme (``"https"``) or by scheme and host
        #: (``"https://internal.example"``); the most specific key that matches wins.
        self.proxies: MutableMapping[str, str] = dict(proxies) if proxies else {}

        #: Callables run on events, by event name; ``"response"`` is the only event.
        self.hooks = default_hooks()
        if hooks:
            for event, hook in hooks.items():
                self.hooks[event] = list(hook) if isinstance(hook, (list, tuple)) else [hook]

        #: Query parameters added to every URL; a list value repeats the parameter.
        self.params = (
            dict(params) if isinstance(params, Mapping) else (params if params is not None else {})
        )

        #: Whether responses leave their body unread until it is asked for.
        self.stream = bool(stream) if stream is not None else False

        #: How server certificates are checked: ``True`` (certifi's CA bundle), a path to
        #: a CA bundle file or directory, or ``False``, which accepts any certificate for
        #: any host and so leaves the connection open to interception. Keep ``False`` for
        #: tests against servers you control.
        self.verify: bool | str = True if verify is None else verify

        #: Client certificate presented to servers that ask for one: the path of a PEM
        #: file holding certificate and key, or a ``(certificate, key)`` pair of paths.
        self.cert = cert

        #: How many redirects one request may follow before
        #: :class:`~tether.exceptions.TooManyRedirects` is raised (default 30).
        self.max_redirects = DEFAULT_REDIRECT_LIMIT if max_redirects is None else max_redirects

        #: Whether to read the environment: ``*_proxy`` variables, ``~/.netrc`` and the
        #: ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` variables.
        self.trust_env = True if trust_env is None else trust_env

        #: The cookies this session holds: every ``Set-Cookie`` it receives lands here and
        #: is sent back where it applies. A :class:`~tether.cookies.RequestsCookieJar` by
        #: default; any ``http.cookiejar.CookieJar`` works.
        self.cookies = cast(RequestsCookieJar, cookiejar_from_dict({}))
        if cookies is not None:
            if isinstance(cookies, cookielib.CookieJar):
                merge_cookies(self.cookies, cookies)
            else:
                cookiejar_from_dict(cookies, self.cookies)

        #: Default timeout for every request that does not give one (tether; requests
        #: ignores this attribute). A float, a ``(connect, read)`` tuple or a urllib3
        #: ``Timeout``; ``None`` means no default.
        # A subclass written for requests may define ``timeout`` or ``base_url`` itself (a
        # class attribute, or set before calling ``super().__init__()``, as
        # requests-toolbelt's BaseUrlSession does): keep it unless the keyword is given.
        if timeout is not None or not hasattr(self, "timeout"):
            self.timeout = timeout

        #: URL that relative request URLs are resolved against (tether).
        if base_url is not None or not hasattr(self, "base_url"):
            self.base_url = base_url

        #: Header names that are removed, like ``Authorization``, when a redirect leaves
        #: the site (tether; SECURITY-CASES case 09). Empty by default.
        self.sensitive_headers = frozenset(sensitive_headers)

        #: How ``files=`` bodies are built (tether): ``None`` streams them from the files at
        #: or above ``_multipart.STREAM_THRESHOLD`` bytes, ``True``/``False`` force it.
        self.stream_multipart = stream_multipart

        #: Encoding for responses whose Content-Type names no charset (tether): a codec
        #: name or a callable given the response; ``None`` keeps requests' rules.
        self.default_encoding = default_encoding

        # Default connection adapters.
        self.adapters: OrderedDict[str, BaseAdapter] = OrderedDict()
        self.mount("https://", HTTPAdapter(max_retries=retries if retries is not None else 0))
        self.mount("http://", HTTPAdapter(max_retries=retries if retries is not None else 0))

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    def prepare_request(self, request: Request) -> PreparedRequest:
        """Build the :class:`~tether.models.PreparedRequest` that this session would send for
        ``request``.

        The request's own values are merged with the session's: headers, query parameters, auth
        (netrc is consulted when neither gives any and ``trust_env`` is on), hooks, and a cookie jar
        holding the session's cookies followed by the request's. A relative URL is joined to
        ``base_url``. Nothing is sent, and the session itself is not changed.

        :param request: the request to prepare.
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
        if not _hops.jar_is_empty(self.cookies):
            merge_cookies(merged_cookies, self.cookies)
        if cookies is not None and not _hops.jar_is_empty(cookies):
            merge_cookies(merged_cookies, cookies)
        else:
            cookies = None

        url = request.url
        base_url = getattr(self, "base_url", None)
        if base_url and url is not None:
            url = _urls.join_base_url(base_url, url)

        # Set environment's basic authentication if not explicitly set. netrc is looked up
        # for the *prepared* URL (after ``prepare`` below), the one the connection is made
        # to. requests looks up the raw URL with urlparse, which reads
        # "http://a.test:1\@b.test/" as host b.test while urllib3 connects to a.test, so
        # b.test's credentials go to a.test (CVE-2024-47081 class, SECURITY-CASES case 45).
        auth = request.auth
        explicit_auth = bool(auth or self.auth)
        use_netrc = self.trust_env and not auth and not self.auth

        # Without request headers, and with only valid str values (so no None to remove),
        # merge_setting's result would be a copy of the session's headers, which
        # prepare_headers copies again: it is handed the session's headers to copy once.
        session_headers = self.headers
        p = PreparedRequest()
        if self.stream_multipart is not None:
            p._stream_multipart = self.stream_multipart
        p.prepare(
            method=request.method.upper() if request.method is not None else None,
            url=url,
            files=request.files,
            data=request.data,
            json=request.json,
            headers=session_headers
            if type(request.headers) is dict  # Request() turns headers=None into {}
            and not request.headers
            and type(session_headers) is CaseInsensitiveDict
            and all_validated(session_headers._store)
            else merge_setting(request.headers, session_headers, dict_class=CaseInsensitiveDict),
            # (Both empty: whatever merge_setting returns is empty and adds no query.)
            params=merge_setting(request.params, self.params)
            if request.params or self.params
            else None,
            auth=auth if self.auth is None else merge_setting(auth, self.auth),
            cookies=merged_cookies,
            hooks=merge_hooks(request.hooks, self.hooks),
        )
        if use_netrc:
            # What ``prepare(auth=netrc_auth)`` would do: Basic auth beats URL credentials.
            netrc_auth = get_netrc_auth(p.url or "")
            if netrc_auth is not None:
                p.prepare_auth(netrc_auth)
        p.__dict__["_tether"] = _hops.Origin(p.url or "", explicit_auth)
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
        """Build a request from the arguments, prepare it with the session's settings, and send it.

        Arguments left as ``None`` fall back to the session's value. Redirects are followed unless
        ``allow_redirects=False``; the final response is returned with the earlier ones in
        ``history``.

        :param method: the method token (``GET``, ``POST``, ...); it is upper-cased.
        :param url: the URL; a relative one is joined to the session's ``base_url``.
        :param params: query parameters: a mapping, a list of pairs, or an encoded ``str``/``bytes``.
        :param data: the body: a mapping or list of pairs (form-encoded), ``bytes``, ``str``, a file
            object, or an iterable of byte chunks (sent with chunked coding when its size is
            unknown).
        :param headers: header fields for this request, merged over the session's.
        :param cookies: cookies for this request only: a dict or a ``CookieJar``.
        :param files: parts of a ``multipart/form-data`` body (see :func:`tether.request`).
        :param auth: credentials for this request: a ``(user, password)`` pair or an auth object.
        :param timeout: seconds to wait: one number, a ``(connect, read)`` pair or a urllib3
            ``Timeout``. ``None`` means the session's ``timeout``.
        :param allow_redirects: follow redirects (``True``).
        :param proxies: proxy URL per scheme or per ``scheme://host``, over the session's.
        :param hooks: hooks for this request, merged with the session's.
        :param stream: return once the headers are in and read the body on demand.
        :param verify: TLS verification for this request: ``True``, ``False`` or a CA bundle path.
        :param cert: client certificate for this request: a path or a ``(cert, key)`` pair.
        :param json: a value to send as a JSON body when ``data`` and ``files`` are not given.
        :rtype: tether.Response
        """
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

        send_kwargs: dict[str, Any] = {
            "timeout": timeout,
            "allow_redirects": allow_redirects,
        }
        send_kwargs.update(settings)
        resp = self.send(prep, **send_kwargs)

        return resp

    def get(self, url: str | bytes, params: Any = None, **kwargs: Any) -> Response:
        """Send a ``GET`` request through this session.

        :param url: the URL, absolute or relative to ``base_url``.
        :param params: query parameters for this request.
        :param kwargs: any other keyword :meth:`request` accepts.
        :rtype: tether.Response
        """
        kwargs.setdefault("allow_redirects", True)
        return self.request("GET", url, params=params, **kwargs)

    def options(self, url: str | bytes, **kwargs: Any) -> Response:
        """Send an ``OPTIONS`` request through this session.

        :param url: the URL, absolute or relative to ``base_url``.
        :param kwargs: any other keyword :meth:`request` accepts.
        :rtype: tether.Response
        """
        kwargs.setdefault("allow_redirects", True)
        return self.request("OPTIONS", url, **kwargs)

    def head(self, url: str | bytes, **kwargs: Any) -> Response:
        """Send a ``HEAD`` request through this session; redirects are not followed unless
        ``allow_redirects=True`` is passed.

        :param url: the URL, absolute or relative to ``base_url``.
        :param kwargs: any other keyword :meth:`request` accepts.
        :rtype: tether.Response
        """
        kwargs.setdefault("allow_redirects", False)
        return self.request("HEAD", url, **kwargs)

    def post(self, url: str | bytes, data: Any = None, json: Any = None, **kwargs: Any) -> Response:
        """Send a ``POST`` request through this session.

        :param url: the URL, absolute or relative to ``base_url``.
        :param data: the body, in any form :meth:`request` accepts.
        :param json: a value to send as a JSON body instead.
        :param kwargs: any other keyword :meth:`request` accepts.
        :rtype: tether.Response
        """
        return self.request("POST", url, data=data, json=json, **kwargs)

    def put(self, url: str | bytes, data: Any = None, **kwargs: Any) -> Response:
        """Send a ``PUT`` request through this session.

        :param url: the URL, absolute or relative to ``base_url``.
        :param data: the body, in any form :meth:`request` accepts.
        :param kwargs: any other keyword :meth:`request` accepts.
        :rtype: tether.Response
        """
        return self.request("PUT", url, data=data, **kwargs)

    def patch(self, url: str | bytes, data: Any = None, **kwargs: Any) -> Response:
        """Send a ``PATCH`` request through this session.

        :param url: the URL, absolute or relative to ``base_url``.
        :param data: the body, in any form :meth:`request` accepts.
        :param kwargs: any other keyword :meth:`request` accepts.
        :rtype: tether.Response
        """
        return self.request("PATCH", url, data=data, **kwargs)

    def delete(self, url: str | bytes, **kwargs: Any) -> Response:
        """Send a ``DELETE`` request through this session.

        :param url: the URL, absolute or relative to ``base_url``.
        :param kwargs: any other keyword :meth:`request` accepts.
        :rtype: tether.Response
        """
        return self.request("DELETE", url, **kwargs)

    def send(self, request: PreparedRequest, **kwargs: Any) -> Response:
        """Send a request that is already prepared, and follow its redirects.

        Settings not given as keywords (``stream``, ``verify``, ``cert``, ``timeout``, ``proxies``)
        come from the session. The adapter mounted for the URL sends the request; then the
        ``response`` hooks run, cookies from the response (and from any history the hooks added)
        enter the jar, and redirects are followed unless ``allow_redirects=False``. Unless
        ``stream`` is true, the body is read before returning.

        :param request: the prepared request to send (a plain ``Request`` raises ``ValueError``).
        :param kwargs: ``stream``, ``timeout``, ``verify``, ``cert``, ``proxies`` and
            ``allow_redirects``.
        :rtype: tether.Response
        """
        # Settings are filled into kwargs (not just used) because hooks receive kwargs and
        # may re-send a request with them.
        kwargs.setdefault("stream", self.stream)
        kwargs.setdefault("verify", self.verify)
        kwargs.setdefault("cert", self.cert)
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = getattr(self, "timeout", None)
        if "proxies" not in kwargs:
            kwargs["proxies"] = resolve_session_proxies(request, self.proxies, self.trust_env)

        # A Request that was never prepared has no final URL or body: refuse it clearly.
        if isinstance(request, Request):
            raise ValueError("You can only send PreparedRequests.")

        allow_redirects = kwargs.pop("allow_redirects", True)
        stream = kwargs.get("stream")
        hooks = request.hooks

        adapter = self.get_adapter(url=request.url or "")

        # Response.elapsed: from just before the adapter sends to when the headers are in.
        start = preferred_clock()

        r = adapter.send(request, **kwargs)
        if self.default_encoding is not None:
            _apply_default_encoding(r, self.default_encoding)

        elapsed = preferred_clock() - start
        r.elapsed = timedelta(seconds=elapsed)

        r = dispatch_hook("response", hooks, r, **kwargs)

        if r.history:
            # A hook may have followed redirects itself; keep the cookies of those hops too.
            for resp in r.history:
                extract_cookies_to_jar(self.cookies, resp.request, resp.raw)

        extract_cookies_to_jar(self.cookies, request, r.raw)

        # Resolve redirects if allowed. (The generator is only built when there is a target,
        # unless a subclass replaced resolve_redirects and expects to be called.)
        if allow_redirects and (
            type(self).resolve_redirects is not SessionRedirectMixin.resolve_redirects
            or self.get_redirect_target(r) is not None
        ):
            gen = self.resolve_redirects(r, request, **kwargs)
            history = list(gen)
        else:
            history = []

        if history:
            # The last hop's response is returned; every earlier one becomes its history.
            history.insert(0, r)
            r = history.pop()
            r.history = history

        # Not following: prepare (without sending) the next hop, for Response.next.
        if not allow_redirects:
            try:
                r._next = next(self.resolve_redirects(r, request, yield_requests=True, **kwargs))
            except StopIteration:
                pass

        # (A redirect answering a hop of resolve_redirects is drained there, undecoded.)
        if not stream and not (_hops.HOP in request.__dict__ and r.is_redirect):
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
        """Decide ``proxies``, ``stream``, ``verify`` and ``cert`` for a request to ``url``.

        Each comes from the request if it set one, else from the session. With ``trust_env`` on,
        the environment fills the gaps: its proxies only when neither the request nor the session
        names one for this URL, and ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` only when verification
        was left at ``True``. (requests lets the environment override the session's proxies and CA
        bundle, psf/requests#2018 and #3829; tether does not.)

        :param url: the URL the request goes to.
        :param proxies: the request's proxy mapping, if any.
        :param stream: the request's ``stream``, if given.
        :param verify: the request's ``verify``, if given.
        :param cert: the request's ``cert``, if given.
        :return: a dict with the keys ``proxies``, ``stream``, ``verify`` and ``cert``.
        :rtype: dict
        """
        request_proxies = proxies
        if not proxies and not self.proxies:
            proxies = OrderedDict()  # what merge_setting gives for two empty mappings
        else:
            proxies = merge_setting(proxies, self.proxies)
        # merge_setting's answer when the request leaves a setting at None, without the call.
        stream = self.stream if stream is None else merge_setting(stream, self.stream)
        verify = self.verify if verify is None else merge_setting(verify, self.verify)
        cert = self.cert if cert is None else merge_setting(cert, self.cert)

        if request_proxies and self.proxies and url and proxies is not request_proxies:
            # The request's proxy for this URL beats a more specific key of the session's.
            proxies = pin_request_choice(url, request_proxies, proxies)

        if self.trust_env:
            # The environment only fills in when neither the request nor the session names
            # a proxy for this URL (see _proxies: "tether's precedence").
            if not proxies or select_proxy(url or "", proxies) is None:
                no_proxy = proxies.get("no_proxy") if proxies is not None else None
                env_proxies = get_environ_proxies(url or "", no_proxy=no_proxy)
                if env_proxies:
                    proxies = dict(proxies) if proxies is not None else {}
                    for k, v in env_proxies.items():
                        proxies.setdefault(k, v)

            # The CA bundle variables count only when verify was left at True.
            if verify is True or verify is None:
                verify = ca_bundle_from_env() or verify

        return {"proxies": proxies, "stream": stream, "verify": verify, "cert": cert}

    def get_adapter(self, url: str) -> BaseAdapter:
        """The adapter mounted for ``url``: the one with the longest prefix that matches it
        (case-insensitively).

        :param url: the URL a request is about to be sent to.
        :raises tether.exceptions.InvalidSchema: no mounted prefix matches.
        :rtype: tether.adapters.BaseAdapter
        """
        lowered = url.lower()
        for prefix, adapter in self.adapters.items():
            # The URL usually starts with the prefix as written (prepared URLs have a
            # lower-case scheme); otherwise compare without case.
            if url.startswith(prefix) or lowered.startswith(prefix.lower()):
                return adapter

        raise InvalidSchema(f"No connection adapters were found for {url!r}")

    def close(self) -> None:
        """Close every mounted adapter, and with them their pooled connections.

        The session stays usable: a later request opens new connections.
        """
        for v in list(self.adapters.values()):
            v.close()

    def mount(self, prefix: str, adapter: BaseAdapter) -> None:
        """Use ``adapter`` for every URL that starts with ``prefix``.

        Longer prefixes are tried first, so ``"https://api.example.org/"`` wins over
        ``"https://"``. The mapping is replaced by an updated copy rather than changed in place,
        so threads looking up adapters at the same moment are unaffected.

        :param prefix: a URL prefix such as ``"https://"`` or ``"http://localhost:8000/"``.
        :param adapter: the adapter that sends requests for that prefix.
        """
        # Copy-on-write: get_adapter in other threads iterates the old mapping safely. The
        # lock keeps two threads mounting at once from losing one of the two mounts.
        with _MOUNT_LOCK:
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

    # -- saving and restoring without pickle (tether; docs/persistence.md) -----------------

    def save(self, path: str | os.PathLike[str], *, include_credentials: bool = False) -> None:
        """Write this session's configuration and cookies to ``path`` as versioned JSON.

        The file is created with permissions 0600 and replaces ``path`` atomically. Cookies
        are always written; credentials (``auth``, the ``Authorization``,
        ``Proxy-Authorization`` and ``Cookie`` headers and those named in
        ``sensitive_headers``, and user:password in proxy URLs and ``base_url``) only with
        ``include_credentials=True``. Adapters other than a plain ``HTTPAdapter``, hooks and
        custom auth objects are left out with a
        :class:`~tether.exceptions.SessionFileWarning`.

        :param path: where to write the session file.
        :param include_credentials: also write credentials.
        :raises SessionFileError: a setting is out of the range a session file can hold.
        """
        from ._persist import save_session

        save_session(self, path, include_credentials=include_credentials)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Self:
        """A new session configured from a file written by :meth:`save`.

        Loading never runs code: the file is JSON, and every field is checked before the
        session is built.

        :param path: the session file.
        :raises SessionFileError: the file is malformed, truncated, too large, of an unknown
            version, or holds a value of the wrong type or out of range. Nothing is applied.
        :raises OSError: the file cannot be read.
        """
        from ._persist import load_session

        return load_session(cls, path)

    def export_cookies(self, path: str | os.PathLike[str]) -> int:
        """Write the session's cookies to ``path`` in the Netscape ``cookies.txt`` format
        curl and browsers use (permissions 0600, atomic). Returns how many were written.

        Cookies without a domain, or whose fields hold tabs or control characters, cannot be
        represented and are left out with a :class:`~tether.exceptions.SessionFileWarning`.
        """
        from ._cookiestxt import export_cookies

        return export_cookies(self.cookies, path)

    def import_cookies(self, path: str | os.PathLike[str]) -> int:
        """Add the cookies of a Netscape ``cookies.txt`` file to the session's jar. Expired
        cookies are skipped. Returns how many were added.

        :raises SessionFileError: a line is malformed; no cookie from the file was added.
        """
        from ._cookiestxt import import_cookies

        return import_cookies(self.cookies, path)


# Methods that name the cookie globals load them on first use (the first Session() does);
# afterwards they are the plain functions again. See _lazycookies.
_lazycookies.defer_methods(SessionRedirectMixin, "resolve_redirects")
_lazycookies.defer_methods(Session, "__init__", "__setstate__", "prepare_request", "send")


def session() -> Session:
    """Return a new :class:`Session`. Kept for code written against very old versions of requests;
    call ``Session()`` directly instead.

    :rtype: Session
    """
    return Session()
