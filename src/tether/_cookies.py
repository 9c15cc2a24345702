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
import threading
import time
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import AbstractContextManager, nullcontext
from http import cookiejar as cookielib
from http.client import HTTPMessage
from http.cookies import Morsel
from typing import TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import urlparse, urlsplit, urlunparse

from ._internal_utils import to_native_string

if TYPE_CHECKING:
    from urllib.request import Request as _UrllibRequest

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


class MockRequest:
    """Wraps a ``PreparedRequest`` to look like the ``urllib.request.Request`` that
    ``http.cookiejar`` expects.

    The original request is not changed; cookie headers that cookielib adds are collected
    and can be read with :meth:`get_new_headers`.
    """

    __module__ = _PUBLIC_MODULE

    def __init__(self, request: _RequestLike) -> None:
        self._r = request
        self._new_headers: dict[str, str] = {}
        self.type = urlsplit(request.url or "").scheme

    def get_type(self) -> str:
        return self.type

    def get_host(self) -> str:
        return urlsplit(self._r.url or "").netloc

    def get_origin_req_host(self) -> str:
        return self.get_host()

    def get_full_url(self) -> str:
        # Cookies are scoped by the host the server sees, so an explicit Host header wins
        # over the URL's host.
        host_header = self._r.headers.get("Host")
        if not host_header:
            return cast(str, self._r.url)  # requests returns the URL as it is, even None
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
        """cookielib has no legitimate reason to call this method."""
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


class MockResponse:
    """Wraps an ``http.client.HTTPMessage`` to look like the response ``http.cookiejar``
    expects (``info()`` returns the headers)."""

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


def extract_cookies_to_jar(jar: cookielib.CookieJar, request: _RequestLike, response: Any) -> None:
    """Extract the cookies from the response into a CookieJar.

    :param jar: http.cookiejar.CookieJar (not necessarily a RequestsCookieJar)
    :param request: our own requests.Request object
    :param response: urllib3.HTTPResponse object
    """
    original = getattr(response, "_original_response", None)
    if original:
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


def get_cookie_header(jar: cookielib.CookieJar, request: _RequestLike) -> str | None:
    """Produce an appropriate Cookie header string to be sent with `request`, or None.

    :rtype: str
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
    shim = MockRequest(request)
    jar.add_cookie_header(cast("_UrllibRequest", shim))
    return shim.get_new_headers().get("Cookie")


def remove_cookie_by_name(
    cookiejar: cookielib.CookieJar, name: str, domain: str | None = None, path: str | None = None
) -> None:
    """Unsets a cookie by name, by default over all domains and paths.

    Wraps CookieJar.clear(), is O(n).
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
    """There are two cookies that meet the criteria specified in the cookie jar.
    Use .get and .set and include domain and path args in order to be more specific.
    """

    __module__ = _PUBLIC_MODULE


class RequestsCookieJar(cookielib.CookieJar, MutableMapping[Any, Any]):
    """Compatibility class; is a http.cookiejar.CookieJar, but exposes a dict
    interface.

    This is the CookieJar we create by default for requests and sessions that
    don't specify one, since some clients may expect response.cookies and
    session.cookies to support dict operations.

    Requests does not use the dict interface internally; it's just for
    compatibility with external client code. All requests code should work
    out of the box with externally provided instances of ``CookieJar``, e.g.
    ``LWPCookieJar`` and ``FileCookieJar``.

    Unlike a regular CookieJar, this class is pickleable.

    Every operation, including iteration and the dict-like views, is safe while other
    threads add, extract or remove cookies; iteration works on a snapshot. Unless a
    policy is given, the jar uses :class:`TetherCookiePolicy`.

    .. warning:: dictionary operations that are normally O(1) may be O(n).
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
        """Dict-like get() that also supports optional domain and path args in
        order to resolve naming collisions from using one cookie jar over
        multiple domains.

        .. warning:: operation is O(n), not O(1).
        """
        try:
            return self._find_no_duplicates(name, domain, path)
        except KeyError:
            return default

    def set(
        self, name: str, value: str | Morsel[Any] | None, **kwargs: Any
    ) -> cookielib.Cookie | None:
        """Dict-like set() that also supports optional domain and path args in
        order to resolve naming collisions from using one cookie jar over
        multiple domains.
        """
        # support client code that unsets cookies by assignment of a None value:
        if value is None:
            remove_cookie_by_name(self, name, domain=kwargs.get("domain"), path=kwargs.get("path"))
            return None
        if isinstance(value, Morsel):
            cookie = morsel_to_cookie(value)
        else:
            cookie = create_cookie(name, value, **kwargs)
        self.set_cookie(cookie)
        return cookie

    def iterkeys(self) -> Iterator[str]:
        """Dict-like iterkeys() that returns an iterator of names of cookies
        from the jar.

        .. seealso:: itervalues() and iteritems().
        """
        for cookie in iter(self):
            yield cookie.name

    def keys(self) -> list[str]:  # type: ignore[override]  # requests returns a list
        """Dict-like keys() that returns a list of names of cookies from the
        jar.

        .. seealso:: values() and items().
        """
        return list(self.iterkeys())

    def itervalues(self) -> Iterator[str | None]:
        """Dict-like itervalues() that returns an iterator of values of cookies
        from the jar.

        .. seealso:: iterkeys() and iteritems().
        """
        for cookie in iter(self):
            yield cookie.value

    def values(self) -> list[str | None]:  # type: ignore[override]  # requests returns a list
        """Dict-like values() that returns a list of values of cookies from the
        jar.

        .. seealso:: keys() and items().
        """
        return list(self.itervalues())

    def iteritems(self) -> Iterator[tuple[str, str | None]]:
        """Dict-like iteritems() that returns an iterator of name-value tuples
        from the jar.

        .. seealso:: iterkeys() and itervalues().
        """
        for cookie in iter(self):
            yield cookie.name, cookie.value

    def items(self) -> list[tuple[str, str | None]]:  # type: ignore[override]  # requests returns a list
        """Dict-like items() that returns a list of name-value tuples from the
        jar. Allows client-code to call ``dict(RequestsCookieJar)`` and get a
        vanilla python dict of key value pairs.

        .. seealso:: keys() and values().
        """
        return list(self.iteritems())

    def list_domains(self) -> list[str]:
        """Utility method to list all the domains in the jar."""
        domains: list[str] = []
        for cookie in iter(self):
            if cookie.domain not in domains:
                domains.append(cookie.domain)
        return domains

    def list_paths(self) -> list[str]:
        """Utility method to list all the paths in the jar."""
        paths: list[str] = []
        for cookie in iter(self):
            if cookie.path not in paths:
                paths.append(cookie.path)
        return paths

    def multiple_domains(self) -> bool:
        """Returns True if there are multiple domains in the jar.
        Returns False otherwise.

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
        """Takes as an argument an optional domain and path and returns a plain
        old Python dict of name-value pairs of cookies that meet the
        requirements.

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
        """Dict-like __getitem__() for compatibility with client code. Throws
        exception if there are more than one cookie with name. In that case,
        use the more explicit get() method instead.

        .. warning:: operation is O(n), not O(1).
        """
        return self._find_no_duplicates(name)

    def __setitem__(self, name: str, value: str | Morsel[Any] | None) -> None:
        """Dict-like __setitem__ for compatibility with client code. Throws
        exception if there is already a cookie of that name in the jar. In that
        case, use the more explicit set() method instead.
        """
        self.set(name, value)

    def __delitem__(self, name: str) -> None:
        """Deletes a cookie given a name. Wraps ``http.cookiejar.CookieJar``'s
        ``remove_cookie_by_name()``.
        """
        remove_cookie_by_name(self, name)

    def set_cookie(self, cookie: cookielib.Cookie, *args: Any, **kwargs: Any) -> None:
        # requests strips escaped quotes from a quoted value before storing it; kept so
        # values round-trip exactly as they do through requests.
        value = cookie.value
        if isinstance(value, str) and value.startswith('"') and value.endswith('"'):
            cookie.value = value.replace('\\"', "")
        return super().set_cookie(cookie, *args, **kwargs)

    def update(self, other: Any) -> None:  # type: ignore[override]  # requests' signature
        """Updates this jar with cookies from another CookieJar or dict-like"""
        if isinstance(other, cookielib.CookieJar):
            cookies = _snapshot(other)
            with self._cookies_lock:
                for cookie in cookies:
                    self.set_cookie(copy.copy(cookie))
        else:
            super().update(other)

    def _find(self, name: str, domain: str | None = None, path: str | None = None) -> str | None:
        """Requests uses this method internally to get cookie values.

        If there are conflicting cookies, _find arbitrarily chooses one.
        See _find_no_duplicates if you want an exception thrown if there are
        conflicting cookies.

        :param name: a string containing name of cookie
        :param domain: (optional) string containing domain of cookie
        :param path: (optional) string containing path of cookie
        :return: cookie.value
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
        """Both ``__get_item__`` and ``get`` call this function: it's never
        used elsewhere in Requests.

        :param name: a string containing name of cookie
        :param domain: (optional) string containing domain of cookie
        :param path: (optional) string containing path of cookie
        :raises KeyError: if cookie is not found
        :raises CookieConflictError: if there are multiple cookies
            that match name and optionally domain and path
        :return: cookie.value
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
        """Unlike a normal CookieJar, this class is pickleable."""
        state = self.__dict__.copy()
        # remove the unpickleable RLock object
        state.pop("_cookies_lock")
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unlike a normal CookieJar, this class is pickleable."""
        self.__dict__.update(state)
        if "_cookies_lock" not in self.__dict__:
            self._cookies_lock = threading.RLock()

    def copy(self) -> RequestsCookieJar:
        """Return a copy of this RequestsCookieJar."""
        new_cj = RequestsCookieJar()
        new_cj.set_policy(self.get_policy())
        new_cj.update(self)
        return new_cj

    def get_policy(self) -> cookielib.CookiePolicy:
        """Return the CookiePolicy instance used."""
        return self._policy


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
    """Make a cookie from underspecified parameters.

    By default, the pair of `name` and `value` will be set for the domain ''
    and sent on every request (this is sometimes called a "supercookie").
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


def morsel_to_cookie(morsel: Morsel[Any]) -> cookielib.Cookie:
    """Convert a Morsel object into a Cookie containing the one k/v pair."""
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
    """Returns a CookieJar from a key/value dictionary.

    :param cookie_dict: Dict of key/values to insert into CookieJar.
    :param cookiejar: (optional) A cookiejar to add the cookies to.
    :param overwrite: (optional) If False, will not replace cookies
        already in the jar with new ones.
    :rtype: CookieJar
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
    """Add cookies to cookiejar and returns a merged CookieJar.

    :param cookiejar: CookieJar object to add the cookies to.
    :param cookies: Dictionary or CookieJar object to be added.
    :rtype: CookieJar
    """
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
    """Returns a key/value dictionary from a CookieJar.

    :param cj: CookieJar object to extract cookies from.
    :rtype: dict
    """
    return {cookie.name: cookie.value for cookie in _snapshot(cj)}


def add_dict_to_cookiejar(
    cj: cookielib.CookieJar, cookie_dict: Mapping[str, str]
) -> cookielib.CookieJar:
    """Returns a CookieJar from a key/value dictionary.

    :param cj: CookieJar to insert cookies into.
    :param cookie_dict: Dict of key/values to insert into CookieJar.
    :rtype: CookieJar
    """
    return cookiejar_from_dict(cookie_dict, cj)
