"""Cookie jar logic behind ``tether.cookies``.

This module owns everything between ``http.cookiejar`` and tether's requests and
responses: the dict-like, thread-safe :class:`RequestsCookieJar`, the cookie policy it uses
by default (:class:`TetherCookiePolicy`), the ``urllib.request``-shaped shims cookielib
needs (:class:`MockRequest`, :class:`MockResponse`), and the helpers that move cookies
between jars, dicts, ``Morsel`` objects and HTTP messages. ``tether.cookies`` re-exports
these names; nothing here performs I/O.

Theory of operation
-------------------

*Thread safety.* ``http.cookiejar.CookieJar`` guards its own methods (``add_cookie_header``,
``extract_cookies``, ``set_cookie``, ``clear`` ...) with the re-entrant ``_cookies_lock``,
but iterating the jar walks the nested ``_cookies`` dicts with no lock, so a thread reading
``jar.items()`` while another extracts cookies can die with "dictionary changed size during
iteration". Every read path of :class:`RequestsCookieJar` goes through ``__iter__``, which
copies the cookies into a list while holding the lock and iterates that snapshot. Helpers
that read *and then* write a jar (``remove_cookie_by_name``, ``cookiejar_from_dict``) hold
the jar's lock for the whole operation. Copying from one jar into another snapshots the
source under its lock first and only then takes the target's, so two threads merging jars
into each other cannot deadlock.

*Policy* (security cases 17 and 19 of SECURITY-CASES.md). cookielib's
``DefaultCookiePolicy`` is kept except for two decisions:

- RFC 6265 §5.3 step 6 / §5.4: a cookie set *without* a ``Domain`` attribute is host-only
  and is returned only to the exact host that set it. cookielib records such cookies with
  ``domain_specified=False`` but still sends them to every subdomain.
- RFC 6265bis §5.6 (as curl does, CVE-2022-35252): a received cookie whose name or value
  holds a control character (0x00-0x1F or 0x7F) is dropped, so a sibling site cannot plant
  a cookie that makes every later request fail or smuggle bytes into the Cookie header.

Cookies set by the program (``jar.set``, ``cookies=``) are not checked on the way in and
keep requests' semantics, including an empty domain matching every host (case 16 is
decided by the session, not here). Domain matching itself is label-bounded
(CVE-2018-20852), which the stdlib versions tether supports already guarantee.
"""

from __future__ import annotations

import calendar
import copy
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from contextlib import AbstractContextManager, nullcontext
from http import cookiejar as cookielib
from http.client import HTTPMessage, HTTPResponse
from typing import TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import urlparse, urlsplit, urlunparse, urlunsplit

from urllib3 import HTTPHeaderDict

from . import _cookiecache
from ._interim import BoundedInterimResponse
from ._internal_utils import to_native_string

if TYPE_CHECKING:
    from http.cookies import Morsel
    from urllib.request import Request as _UrllibRequest

    from typing_extensions import TypeIs

__all__ = [
    "CookieConflictError",
    "MockRequest",
    "MockResponse",
    "RequestsCookieJar",
    "TetherCookiePolicy",
    "_copy_cookie_jar",
    "add_dict_to_cookiejar",
    "cookiejar_from_dict",
    "create_cookie",
    "dict_from_cookiejar",
    "extract_cookies_to_jar",
    "get_cookie_header",
    "merge_cookies",
    "morsel_to_cookie",
    "remove_cookie_by_name",
]

# Classes defined here are public in ``tether.cookies``; pickles and reprs name that
# module, as they name ``requests.cookies`` for requests' classes.
_PUBLIC_MODULE = "tether.cookies"

# CTL characters of RFC 5234 (0x00-0x1F and DEL). A received cookie holding any of them
# in its name or value is refused (module docstring, case 19).
_CTL_RE = re.compile(r"[\x00-\x1f\x7f]")

# cookielib computes the "effective request host" (the host, plus ".local" when it has no
# dot) both when it stores a host-only cookie and when it decides where to return one; the
# host-only rule must compare against exactly that value, so it uses the same function.
_eff_request_host: Callable[[Any], tuple[str, str]] = cookielib.eff_request_host  # type: ignore[attr-defined]  # public in the module, missing from typeshed

# Whether cookielib iterates a jar sorted by domain, path and name (older Pythons) or in
# insertion order; the jar's fast copy keeps the same order as ``iter(jar)``.
_DEEPVALUES_SORTS = list(cookielib.deepvalues({"b": {"b": 1}, "a": {"a": 2}})) == [2, 1]  # type: ignore[attr-defined]

_new_object: Callable[[type], Any] = object.__new__

# Netscape-style ``expires`` as ``Morsel`` carries it.
_MORSEL_EXPIRES_FORMAT = "%a, %d-%b-%Y %H:%M:%S GMT"

# Attributes ``create_cookie`` accepts, with requests' defaults.
_COOKIE_DEFAULTS: dict[str, Any] = {
    "version": 0,
    "port": None,
    "domain": "",
    "path": "/",
    "secure": False,
    "expires": None,
    "discard": True,
    "comment": None,
    "comment_url": None,
    "rfc2109": False,
}


class _RequestLike(Protocol):
    """The parts of a ``PreparedRequest`` the cookie shims read."""

    @property
    def url(self) -> str | None: ...

    @property
    def headers(self) -> Any: ...


def _lock_of(jar: object) -> AbstractContextManager[Any]:
    """The jar's own re-entrant lock, or a no-op context for a jar-like without one."""
    lock = getattr(jar, "_cookies_lock", None)
    return lock if lock is not None else nullcontext()


def _snapshot(jar: Any) -> list[cookielib.Cookie]:
    """The cookies of any jar as a list, read under the jar's lock."""
    with _lock_of(jar):
        return list(jar)


class TetherCookiePolicy(cookielib.DefaultCookiePolicy):
    """cookielib's :class:`~http.cookiejar.DefaultCookiePolicy` with tether's two
    hardening rules: host-only cookies go only to the host that set them, and received
    cookies whose name or value contains a control character are refused.

    It takes the same arguments as ``DefaultCookiePolicy``.
    """

    __module__ = _PUBLIC_MODULE

    def set_ok(self, cookie: cookielib.Cookie, request: _UrllibRequest) -> bool:
        if _CTL_RE.search(cookie.name) or (
            cookie.value is not None and _CTL_RE.search(cookie.value)
        ):
            return False
        return super().set_ok(cookie, request)

    def return_ok_domain(self, cookie: cookielib.Cookie, request: _UrllibRequest) -> bool:
        # A cookie stored from a response without a Domain attribute carries the
        # effective host that set it and ``domain_specified=False``. Cookies the program
        # made with ``create_cookie`` have an empty domain instead and are left alone.
        if (
            cookie.domain
            and not cookie.domain_specified
            and cookie.domain.lower() != _eff_request_host(request)[1]
        ):
            return False
        return super().return_ok_domain(cookie, request)


# Its two rules are decided by the cookie and the URL alone, so its results can be memoised.
_cookiecache.register_policy(TetherCookiePolicy)


class MockRequest:
    """Presents a ``PreparedRequest`` as the ``urllib.request.Request`` that ``http.cookiejar``
    works with.

    The wrapped request is never modified: the ``Cookie`` header the jar wants to add is kept
    aside and read back with :meth:`get_new_headers`. An explicit ``Host`` header counts as
    the request's host, since that is the host the server sees.

    :param request: the prepared request to present.
    """

    __module__ = _PUBLIC_MODULE

    def __init__(self, request: _RequestLike) -> None:
        self._r = request
        self._new_headers: dict[str, str] = {}
        self.type = urlsplit(request.url or "").scheme

    def get_type(self) -> str:
        return self.type

    def get_host(self) -> str:
        # The connection's host: "user@" is not part of it (SECURITY-CASES case 45).
        return urlsplit(self._r.url or "").netloc.rpartition("@")[2]

    def get_origin_req_host(self) -> str:
        return self.get_host()

    def get_full_url(self) -> str:
        # Cookies are scoped by the host the server sees, so an explicit Host header wins
        # over the URL's host.
        host_header = self._r.headers.get("Host")
        if not host_header:
            url = self._r.url
            if url and "@" in url:
                # cookielib takes the host from this URL's netloc; requests leaves any
                # "user:password@" in it, so cookies were matched against
                # "user@host" rather than the host connected to (case 45).
                return _without_userinfo(url)
            return cast(str, url)  # requests returns the URL as it is, even None
        host: str = to_native_string(host_header, encoding="utf-8")
        parsed = urlparse(self._r.url or "")
        return urlunparse(
            [parsed.scheme, host, parsed.path, parsed.params, parsed.query, parsed.fragment]
        )

    def is_unverifiable(self) -> bool:
        return True

    def has_header(self, name: str) -> bool:
        return name in self._r.headers or name in self._new_headers

    def get_header(self, name: str, default: str | None = None) -> str | None:
        return cast("str | None", self._r.headers.get(name, self._new_headers.get(name, default)))

    def add_header(self, key: str, val: str) -> None:
        """Refused: the jar adds its header through :meth:`add_unredirected_header`, and nothing
        else should add headers through this object.
        """
        raise NotImplementedError("Cookie headers should be added with add_unredirected_header()")

    def add_unredirected_header(self, name: str, value: str) -> None:
        self._new_headers[name] = value

    def get_new_headers(self) -> dict[str, str]:
        return self._new_headers

    @property
    def unverifiable(self) -> bool:
        return self.is_unverifiable()

    @property
    def origin_req_host(self) -> str:
        return self.get_origin_req_host()

    @property
    def host(self) -> str:
        return self.get_host()


def _without_userinfo(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


class MockResponse:
    """Presents response headers (an ``http.client.HTTPMessage``) as the response object
    ``http.cookiejar`` reads ``Set-Cookie`` from: ``info()`` returns them.

    :param headers: the header message.
    """

    __module__ = _PUBLIC_MODULE

    def __init__(self, headers: Any) -> None:
        self._headers = headers

    def info(self) -> Any:
        return self._headers

    def getheaders(self, name: str) -> Any:
        # requests' version of this method returns nothing; this one returns the values.
        return self._headers.get_all(name)


def _set_cookie_message(headers: Any) -> HTTPMessage:
    """An ``HTTPMessage`` holding the Set-Cookie/Set-Cookie2 lines of a header mapping
    (a urllib3 ``HTTPHeaderDict`` keeps repeated fields apart; a plain mapping is read
    case-insensitively)."""
    message = HTTPMessage()
    getlist = getattr(headers, "getlist", None)
    for field in ("Set-Cookie", "Set-Cookie2"):
        if getlist is not None:
            values = getlist(field)
        else:
            values = [v for k, v in headers.items() if k.lower() == field.lower()]
        for value in values:
            message[field] = value  # Message.__setitem__ appends a field
    return message


_NETWORK_RESPONSE_TYPES = frozenset((HTTPResponse, BoundedInterimResponse))


def extract_cookies_to_jar(jar: cookielib.CookieJar, request: _RequestLike, response: Any) -> None:
    """Store in ``jar`` the cookies that ``response`` sets, as they apply to ``request``'s URL.

    The jar's policy decides which ``Set-Cookie`` lines are accepted (with tether's default
    policy: domain rules, host-only cookies, no control characters).

    :param jar: any ``http.cookiejar.CookieJar``.
    :param request: the prepared request the response answers.
    :param response: urllib3's response (its headers are read); anything without headers is
        ignored.
    """
    original = getattr(response, "_original_response", None)
    if original:
        # (http.client's response is an io ABC, so isinstance() runs Python code: the
        # classes tether's connections produce are recognised by type first.)
        if type(original) in _NETWORK_RESPONSE_TYPES or isinstance(original, HTTPResponse):
            # A real network response: urllib3 built ``response.headers`` from this very
            # message, and its case-insensitive look-up is far cheaper than the email
            # message's get_all(), which walks every header (this runs on every response).
            fields = getattr(response, "headers", None)
            if type(fields) is HTTPHeaderDict:
                # Its lower-cased store, read directly (no method call per look-up).
                stored = fields._container
                if "set-cookie" not in stored and "set-cookie2" not in stored:
                    return
            elif (
                isinstance(fields, HTTPHeaderDict)
                and "set-cookie" not in fields
                and "set-cookie2" not in fields
            ):
                return
            fingerprint = _cookiecache.memo_settings(jar)
            if fingerprint is not None and type(fields) is HTTPHeaderDict:
                _extract_memoised(
                    cast(RequestsCookieJar, jar), request, original.msg, fields, fingerprint
                )
                return
        headers = original.msg
    else:
        # A urllib3 response built without an http.client response (mocks, other
        # transports): rebuild the message from its headers so Set-Cookie is not lost.
        raw_headers = getattr(response, "headers", None)
        if raw_headers is None:
            return
        headers = _set_cookie_message(raw_headers)
    # cookielib reads exactly these two fields; without them extraction is a no-op, so
    # skip building the request shim and taking the jar's lock.
    get_all = getattr(headers, "get_all", None)
    if get_all is not None and not get_all("Set-Cookie") and not get_all("Set-Cookie2"):
        return
    jar.extract_cookies(
        cast("Any", MockResponse(headers)), cast("_UrllibRequest", MockRequest(request))
    )


def _extract_memoised(
    jar: RequestsCookieJar,
    request: _RequestLike,
    message: Any,
    fields: HTTPHeaderDict,
    fingerprint: tuple[Any, ...],
) -> None:
    """``jar.extract_cookies`` for a network response, remembering what was accepted for
    these exact Set-Cookie values (see ``_cookiecache``)."""
    # The header values, from urllib3's store ([name, value, value ...] per lower-cased name).
    stored = fields._container
    values = (*stored.get("set-cookie", "-")[1:], "", *stored.get("set-cookie2", "-")[1:])
    key = _cookiecache.request_key(request)
    cache_key = None
    remembered = None
    if key is not None:
        cache_key = (values, *key)
        remembered = _cookiecache.remembered_set_cookies(cache_key, fingerprint)
    with jar._cookies_lock:
        if remembered is not None:
            jar._store_copies(remembered)
            return
        # What CookieJar.extract_cookies does, keeping the accepted cookies.
        shim = cast("_UrllibRequest", MockRequest(request))
        made = jar.make_cookies(cast("Any", MockResponse(message)), shim)
        policy = jar._policy
        accepted = [cookie for cookie in made if policy.set_ok(cookie, shim)]
        if cache_key is not None:
            _cookiecache.remember_set_cookies(cache_key, fingerprint, values, accepted)
        for cookie in accepted:
            jar.set_cookie(cookie)


def get_cookie_header(jar: cookielib.CookieJar, request: _RequestLike) -> str | None:
    """The ``Cookie`` header value the jar would send with ``request``, or ``None`` when no
    cookie applies.

    :param jar: any ``http.cookiejar.CookieJar``.
    :param request: the prepared request about to be sent.
    :rtype: str | None
    """
    # Fast path for the common empty jar: with no stored cookie, cookielib's own
    # add_cookie_header adds nothing. Only taken for jars that use cookielib's storage and
    # header logic unchanged.
    stored = getattr(jar, "_cookies", None)
    if (
        not stored
        and type(stored) is dict
        and type(jar).add_cookie_header is cookielib.CookieJar.add_cookie_header
    ):
        return None
    fingerprint = _cookiecache.memo_settings(jar)
    if fingerprint is not None:
        return _cookiecache.cached_cookie_header(jar, request, _cookie_header, fingerprint)
    return _cookie_header(jar, request)


def _cookie_header(jar: cookielib.CookieJar, request: _RequestLike) -> str | None:
    shim = MockRequest(request)
    jar.add_cookie_header(cast("_UrllibRequest", shim))
    return shim.get_new_headers().get("Cookie")


def remove_cookie_by_name(
    cookiejar: cookielib.CookieJar, name: str, domain: str | None = None, path: str | None = None
) -> None:
    """Delete every cookie called ``name``, optionally only those with the given domain and
    path. Runs under the jar's lock, so it is safe while other threads use the jar.

    :param cookiejar: any ``http.cookiejar.CookieJar``.
    :param name: the cookie name.
    :param domain: only remove cookies of this domain.
    :param path: only remove cookies of this path.
    """
    with _lock_of(cookiejar):
        doomed = [
            (cookie.domain, cookie.path, cookie.name)
            for cookie in cookiejar
            if cookie.name == name
            and (domain is None or domain == cookie.domain)
            and (path is None or path == cookie.path)
        ]
        for cookie_domain, cookie_path, cookie_name in doomed:
            cookiejar.clear(cookie_domain, cookie_path, cookie_name)


class CookieConflictError(RuntimeError):
    """More than one cookie matches a name given to a dict-style look-up (``jar["sid"]``,
    ``jar.get("sid")``); pass ``domain=`` and ``path=`` to :meth:`RequestsCookieJar.get`
    to choose one.
    """

    __module__ = _PUBLIC_MODULE


class RequestsCookieJar(cookielib.CookieJar, MutableMapping[Any, Any]):
    """The cookie jar of every session and response: an ``http.cookiejar.CookieJar`` that can
    also be used like a ``dict`` of cookie names to values.

    Dict operations see cookies by name across all domains and paths; when a name is ambiguous
    use :meth:`get` or :meth:`set` with ``domain=``/``path=``. Look-ups walk the jar, so they
    cost time proportional to the number of cookies. tether works with any ``CookieJar``
    (``LWPCookieJar``, ``MozillaCookieJar`` ...) given as ``Session.cookies``; this class adds
    the dict interface, pickling, and thread safety: every operation, iteration and the dict
    views included, may run while other threads add or remove cookies (iteration works on a
    snapshot).

    :param policy: the cookie policy; :class:`TetherCookiePolicy` when omitted.
    """

    __module__ = _PUBLIC_MODULE

    _cookies: dict[str, dict[str, dict[str, cookielib.Cookie]]]
    _cookies_lock: Any
    _policy: cookielib.CookiePolicy

    def __init__(self, policy: cookielib.CookiePolicy | None = None) -> None:
        super().__init__(policy if policy is not None else TetherCookiePolicy())

    # -- thread-safe views -----------------------------------------------------------

    def __iter__(self) -> Iterator[cookielib.Cookie]:
        with self._cookies_lock:
            cookies = list(super().__iter__())
        return iter(cookies)

    def __len__(self) -> int:
        with self._cookies_lock:
            return sum(len(names) for paths in self._cookies.values() for names in paths.values())

    # -- dict-like interface ---------------------------------------------------------

    def get(  # type: ignore[override]  # requests' signature, not Mapping.get's
        self,
        name: str,
        default: str | None = None,
        domain: str | None = None,
        path: str | None = None,
    ) -> str | None:
        """The value of the cookie called ``name``, or ``default`` when there is none.

        :param name: the cookie name.
        :param default: returned when no cookie matches.
        :param domain: only consider cookies of this domain.
        :param path: only consider cookies of this path.
        :raises CookieConflictError: several cookies match.
        """
        try:
            return self._find_no_duplicates(name, domain, path)
        except KeyError:
            return default

    def set(
        self, name: str, value: str | Morsel[Any] | None, **kwargs: Any
    ) -> cookielib.Cookie | None:
        """Store a cookie (or, with ``value=None``, delete the matching ones) and return it.

        Keyword arguments are cookie attributes as :func:`create_cookie` takes them (``domain``,
        ``path``, ``secure``, ``expires`` ...). Without ``domain``, the cookie is sent to every
        host this jar's session talks to, so give one for anything sensitive.

        :param name: the cookie name.
        :param value: the value, a ``http.cookies.Morsel``, or ``None`` to delete.
        :param kwargs: cookie attributes.
        :rtype: http.cookiejar.Cookie | None
        """
        # jar.set(name, None) (and jar[name] = None) deletes, as callers of requests expect.
        if value is None:
            remove_cookie_by_name(self, name, domain=kwargs.get("domain"), path=kwargs.get("path"))
            return None
        if _is_morsel(value):
            cookie = morsel_to_cookie(value)
        else:
            cookie = create_cookie(name, value, **kwargs)
        self.set_cookie(cookie)
        return cookie

    def iterkeys(self) -> Iterator[str]:
        """An iterator over the cookie names (a name may repeat across domains)."""
        for cookie in iter(self):
            yield cookie.name

    def keys(self) -> list[str]:  # type: ignore[override]  # requests returns a list
        """The cookie names, as a list."""
        return list(self.iterkeys())

    def itervalues(self) -> Iterator[str | None]:
        """An iterator over the cookie values."""
        for cookie in iter(self):
            yield cookie.value

    def values(self) -> list[str | None]:  # type: ignore[override]  # requests returns a list
        """The cookie values, as a list."""
        return list(self.itervalues())

    def iteritems(self) -> Iterator[tuple[str, str | None]]:
        """An iterator over ``(name, value)`` pairs."""
        for cookie in iter(self):
            yield cookie.name, cookie.value

    def items(self) -> list[tuple[str, str | None]]:  # type: ignore[override]  # requests returns a list
        """The ``(name, value)`` pairs, as a list; ``dict(jar)`` and ``dict(jar.items())`` build a
        plain dict from them.
        """
        return list(self.iteritems())

    def list_domains(self) -> list[str]:
        """The distinct cookie domains in the jar, as a list."""
        domains: list[str] = []
        for cookie in iter(self):
            if cookie.domain not in domains:
                domains.append(cookie.domain)
        return domains

    def list_paths(self) -> list[str]:
        """The distinct cookie paths in the jar, as a list."""
        paths: list[str] = []
        for cookie in iter(self):
            if cookie.path not in paths:
                paths.append(cookie.path)
        return paths

    def multiple_domains(self) -> bool:
        """Whether the jar holds cookies of more than one domain.

        :rtype: bool
        """
        # requests' semantics: true as soon as one domain is seen a second time.
        seen: set[str] = set()
        for cookie in iter(self):
            if cookie.domain in seen:
                return True
            seen.add(cookie.domain)
        return False

    def get_dict(self, domain: str | None = None, path: str | None = None) -> dict[str, str | None]:
        """A plain ``dict`` of name to value, optionally limited to one domain and/or path.

        :param domain: only cookies of this domain.
        :param path: only cookies of this path.
        :rtype: dict
        """
        return {
            cookie.name: cookie.value
            for cookie in iter(self)
            if (domain is None or cookie.domain == domain) and (path is None or cookie.path == path)
        }

    def __contains__(self, name: object) -> bool:
        try:
            return super().__contains__(name)
        except CookieConflictError:
            return True

    def __getitem__(self, name: str) -> str | None:
        """``jar[name]``: the value of the only cookie called ``name``.

        :raises KeyError: there is none.
        :raises CookieConflictError: there are several; use :meth:`get` with ``domain``/``path``.
        """
        return self._find_no_duplicates(name)

    def __setitem__(self, name: str, value: str | Morsel[Any] | None) -> None:
        """``jar[name] = value``: same as ``jar.set(name, value)``, replacing a cookie of that
        name, domain and path.
        """
        self.set(name, value)

    def __delitem__(self, name: str) -> None:
        """``del jar[name]``: remove every cookie called ``name``."""
        remove_cookie_by_name(self, name)

    def set_cookie(self, cookie: cookielib.Cookie, *args: Any, **kwargs: Any) -> None:
        _strip_escaped_quotes(cookie)
        return super().set_cookie(cookie, *args, **kwargs)

    def update(self, other: Any) -> None:  # type: ignore[override]  # requests' signature
        """Add the cookies of another ``CookieJar`` (copied, with all their attributes) or the
        name/value pairs of a mapping.

        :param other: a ``CookieJar`` or a mapping.
        """
        if isinstance(other, cookielib.CookieJar):
            if type(other) is type(self) and _cookiecache.stock_jar(self):
                # The same copies, in the same order, without the generic walk and one
                # method call per cookie (this runs for every request a session sends).
                self._store_copies(other._ordered_cookies())
                return
            cookies = _snapshot(other)
            with self._cookies_lock:
                for cookie in cookies:
                    self.set_cookie(_cookiecache.clone_cookie(cookie))
        else:
            super().update(other)

    def _ordered_cookies(self) -> list[cookielib.Cookie]:
        # The cookies in the order ``iter(jar)`` gives them, read under the lock.
        with self._cookies_lock:
            stored = self._cookies
            if _DEEPVALUES_SORTS:
                return [
                    names[name]
                    for domain in sorted(stored)
                    for paths in (stored[domain],)
                    for path in sorted(paths)
                    for names in (paths[path],)
                    for name in sorted(names)
                ]
            return [
                cookie
                for paths in stored.values()
                for names in paths.values()
                for cookie in names.values()
            ]

    def _copied_store(self) -> dict[str, dict[str, dict[str, cookielib.Cookie]]]:
        # The storage an empty jar gets from ``_store_copies(self._ordered_cookies())``
        # when cookielib iterates in insertion order: the same nesting, copied cookies.
        clone = _cookiecache.clone_cookie
        plain = cookielib.Cookie
        copied: dict[str, dict[str, dict[str, cookielib.Cookie]]] = {}
        with self._cookies_lock:
            for paths in self._cookies.values():
                for names in paths.values():
                    for cookie in names.values():
                        if type(cookie) is plain:  # clone(cookie), inlined
                            new = _new_object(plain)
                            new.__dict__.update(cookie.__dict__)
                        else:
                            new = clone(cookie)
                        _strip_escaped_quotes(new)
                        by_path = copied.get(new.domain)
                        if by_path is None:
                            by_path = copied[new.domain] = {}
                        by_name = by_path.get(new.path)
                        if by_name is None:
                            by_name = by_path[new.path] = {}
                        by_name[new.name] = new
        return copied

    def _store_copies(self, cookies: Iterable[cookielib.Cookie]) -> None:
        # ``self.set_cookie(copy)`` for each cookie, inlined (exact RequestsCookieJar only).
        # A cookie equal, attribute for attribute, to the one already stored under its
        # domain, path and name (a server setting the same cookie again) is left in place
        # (docs/migrating.md: requests stores the new object).
        clone = _cookiecache.clone_cookie
        with self._cookies_lock:
            stored = self._cookies
            for cookie in cookies:
                domain, path, name = cookie.domain, cookie.path, cookie.name
                paths = stored.get(domain)
                if paths is None:
                    paths = stored[domain] = {}
                names = paths.get(path)
                if names is None:
                    names = paths[path] = {}
                existing = names.get(name)
                if existing is not None and existing.__dict__ == cookie.__dict__:
                    continue
                copied = clone(cookie)
                _strip_escaped_quotes(copied)
                names[name] = copied

    def _find(self, name: str, domain: str | None = None, path: str | None = None) -> str | None:
        """The value of the first cookie matching ``name`` (and ``domain``/``path`` when given);
        with several matches, whichever the jar yields first.

        :param name: the cookie name.
        :param domain: the cookie domain, or ``None`` for any.
        :param path: the cookie path, or ``None`` for any.
        :raises KeyError: no cookie matches.
        """
        for cookie in iter(self):
            if (
                cookie.name == name
                and (domain is None or cookie.domain == domain)
                and (path is None or cookie.path == path)
            ):
                return cookie.value
        raise KeyError(f"name={name!r}, domain={domain!r}, path={path!r}")

    def _find_no_duplicates(
        self, name: str, domain: str | None = None, path: str | None = None
    ) -> str:
        """The value of the one cookie matching ``name`` (and ``domain``/``path`` when given); the
        look-up behind ``jar[name]`` and :meth:`get`.

        :param name: the cookie name.
        :param domain: the cookie domain, or ``None`` for any.
        :param path: the cookie path, or ``None`` for any.
        :raises KeyError: no cookie matches.
        :raises CookieConflictError: more than one cookie matches.
        """
        found: str | None = None
        for cookie in iter(self):
            if (
                cookie.name == name
                and (domain is None or cookie.domain == domain)
                and (path is None or cookie.path == path)
            ):
                if found is not None:
                    raise CookieConflictError(f"There are multiple cookies with name, {name!r}")
                found = cookie.value
        if found is not None:
            return found
        raise KeyError(f"name={name!r}, domain={domain!r}, path={path!r}")

    # -- pickling and copying --------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        """Pickle support: everything but the lock (a plain ``CookieJar`` cannot be pickled)."""
        state = self.__dict__.copy()
        # The lock cannot be pickled; __setstate__ makes a new one.
        state.pop("_cookies_lock")
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Pickle support: restore the cookies and create a new lock."""
        self.__dict__.update(state)
        if "_cookies_lock" not in self.__dict__:
            self._cookies_lock = threading.RLock()

    def copy(self) -> RequestsCookieJar:
        """A new jar with the same policy and copies of all the cookies.

        :rtype: RequestsCookieJar
        """
        new_cj = RequestsCookieJar()
        new_cj.set_policy(self.get_policy())
        new_cj.update(self)
        return new_cj

    def get_policy(self) -> cookielib.CookiePolicy:
        """The cookie policy this jar applies."""
        return self._policy


def _strip_escaped_quotes(cookie: cookielib.Cookie) -> None:
    # What every cookie stored in a RequestsCookieJar goes through: requests strips escaped
    # quotes from a quoted value before storing it; kept so values round-trip exactly as
    # they do through requests.
    value = cookie.value
    if isinstance(value, str) and value.startswith('"') and value.endswith('"'):
        cookie.value = value.replace('\\"', "")


# The jar the memoised and inlined paths stand in for (see _cookiecache.stock_jar).
_cookiecache.register_jar(RequestsCookieJar)


def _copy_cookie_jar(jar: cookielib.CookieJar | None) -> cookielib.CookieJar | None:
    """A copy of ``jar`` whose cookies can change without touching the original."""
    if jar is None:
        return None
    jar_copy = getattr(jar, "copy", None)
    if jar_copy is not None:
        return cast(cookielib.CookieJar, jar_copy())
    # A plain cookielib jar: a shallow copy with its own (re-filled) storage.
    cookies = _snapshot(jar)
    new_jar = copy.copy(jar)
    new_jar.clear()
    for cookie in cookies:
        new_jar.set_cookie(copy.copy(cookie))
    return new_jar


def create_cookie(name: str, value: str, **kwargs: Any) -> cookielib.Cookie:
    """Build an ``http.cookiejar.Cookie`` from a name, a value and any attributes.

    Attributes not given take neutral defaults: path ``/``, no expiry, not secure, and an
    empty domain, which matches *every* host. Pass ``domain=`` to keep a cookie to one site.

    :param name: the cookie name.
    :param value: the cookie value.
    :param kwargs: ``domain``, ``path``, ``secure``, ``expires``, ``port``, ``discard``,
        ``comment``, ``comment_url``, ``rest``, ``rfc2109``, ``version``.
    :raises TypeError: an unknown attribute was given.
    :rtype: http.cookiejar.Cookie
    """
    unexpected = set(kwargs) - set(_COOKIE_DEFAULTS) - {"name", "value", "rest"}
    if unexpected:
        raise TypeError(f"create_cookie() got unexpected keyword arguments: {sorted(unexpected)}")
    attrs: dict[str, Any] = dict(_COOKIE_DEFAULTS)
    attrs["name"] = name
    attrs["value"] = value
    attrs["rest"] = {"HttpOnly": None}
    attrs.update(kwargs)
    attrs["port_specified"] = bool(attrs["port"])
    attrs["domain_specified"] = bool(attrs["domain"])
    attrs["domain_initial_dot"] = attrs["domain"].startswith(".")
    attrs["path_specified"] = bool(attrs["path"])
    return cookielib.Cookie(**attrs)


def _is_morsel(value: object) -> TypeIs[Morsel[Any]]:
    """``isinstance(value, http.cookies.Morsel)`` without importing ``http.cookies`` (~1 ms of
    ``import tether``): no Morsel can exist before something has imported that module."""
    module = sys.modules.get("http.cookies")
    return module is not None and isinstance(value, module.Morsel)


def morsel_to_cookie(morsel: Morsel[Any]) -> cookielib.Cookie:
    """Convert a ``http.cookies.Morsel`` into an ``http.cookiejar.Cookie``, turning ``max-age``
    or ``expires`` into an expiry timestamp.

    :param morsel: the morsel.
    :raises TypeError: ``max-age`` is not an integer.
    :rtype: http.cookiejar.Cookie
    """
    expires: int | None = None
    if morsel["max-age"]:
        try:
            expires = int(time.time() + int(morsel["max-age"]))
        except ValueError:
            raise TypeError(f"max-age: {morsel['max-age']} must be integer")
    elif morsel["expires"]:
        expires = calendar.timegm(time.strptime(morsel["expires"], _MORSEL_EXPIRES_FORMAT))
    return create_cookie(
        comment=morsel["comment"],
        comment_url=bool(morsel["comment"]),
        discard=False,
        domain=morsel["domain"],
        expires=expires,
        name=morsel.key,
        path=morsel["path"],
        port=None,
        rest={"HttpOnly": morsel["httponly"]},
        rfc2109=False,
        secure=bool(morsel["secure"]),
        value=morsel.value,
        version=morsel["version"] or 0,
    )


def cookiejar_from_dict(
    cookie_dict: Mapping[str, str] | None,
    cookiejar: cookielib.CookieJar | None = None,
    overwrite: bool = True,
) -> cookielib.CookieJar:
    """Put name/value pairs from a dict into a jar (a new :class:`RequestsCookieJar` unless one
    is given) and return the jar. The cookies get no domain, so they match every host.

    :param cookie_dict: the names and values, or ``None``.
    :param cookiejar: the jar to fill.
    :param overwrite: replace cookies of the same name already in the jar (``True``), or
        keep them (``False``).
    :rtype: http.cookiejar.CookieJar
    """
    if cookiejar is None:
        cookiejar = RequestsCookieJar()
    if cookie_dict is not None:
        with _lock_of(cookiejar):
            names_in_jar = {cookie.name for cookie in cookiejar}
            for name in cookie_dict:
                if overwrite or name not in names_in_jar:
                    cookiejar.set_cookie(create_cookie(name, cookie_dict[name]))
    return cookiejar


def merge_cookies(
    cookiejar: cookielib.CookieJar, cookies: Mapping[str, str] | cookielib.CookieJar | None
) -> cookielib.CookieJar:
    """Add ``cookies`` (a dict or a jar) to ``cookiejar`` and return ``cookiejar``.

    Names from a dict do not replace cookies already in the jar; cookies from a jar are copied
    with their attributes.

    :param cookiejar: the jar to add to.
    :param cookies: a dict, a ``CookieJar``, or ``None``.
    :raises ValueError: ``cookiejar`` is not a ``CookieJar``.
    :rtype: http.cookiejar.CookieJar
    """
    if type(cookies) is type(cookiejar) and _cookiecache.stock_jar(cookiejar):
        source = cast(RequestsCookieJar, cookies)  # the same (registered) class
        # What cookiejar.update(cookies) does (this runs for every request a session
        # prepares), without the generic dispatch.
        # (The source is read under its lock first, then the target's is taken: two
        # threads merging jars into each other cannot deadlock.)
        if not cookiejar._cookies and not _DEEPVALUES_SORTS:
            copied = source._copied_store()
            with cookiejar._cookies_lock:
                if not cookiejar._cookies:  # still empty: take the copied storage whole
                    cookiejar._cookies = copied
                    return cookiejar
        cookiejar._store_copies(source._ordered_cookies())
        return cookiejar
    if not isinstance(cookiejar, cookielib.CookieJar):
        raise ValueError("You can only merge into CookieJar")
    if isinstance(cookies, dict):
        cookiejar = cookiejar_from_dict(cookies, cookiejar=cookiejar, overwrite=False)
    elif isinstance(cookies, cookielib.CookieJar):
        update = getattr(cookiejar, "update", None)
        if update is not None:
            update(cookies)
        else:
            for cookie in _snapshot(cookies):
                cookiejar.set_cookie(cookie)
    return cookiejar


def dict_from_cookiejar(cj: cookielib.CookieJar) -> dict[str, str | None]:
    """A plain ``dict`` of name to value from any jar (one entry per name; which one wins when a
    name repeats across domains is not specified).

    :param cj: the jar.
    :rtype: dict
    """
    return {cookie.name: cookie.value for cookie in _snapshot(cj)}


def add_dict_to_cookiejar(
    cj: cookielib.CookieJar, cookie_dict: Mapping[str, str]
) -> cookielib.CookieJar:
    """Add name/value pairs to ``cj`` (replacing same-named cookies) and return it.

    :param cj: the jar.
    :param cookie_dict: the names and values.
    :rtype: http.cookiejar.CookieJar
    """
    return cookiejar_from_dict(cookie_dict, cj)
