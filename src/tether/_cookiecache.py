"""Memoised cookie work: the per-request cookie path costs a few dict look-ups when nothing
changed since the previous request.

``http.cookiejar`` recomputes everything on every message: for the ``Cookie`` header it
walks the jar and runs each cookie through the policy (re-parsing the request URL about
eight times); for ``Set-Cookie`` it parses the header, builds ``Cookie`` objects and runs
them through the policy, once for the response's jar and once again for the session's.
Both results are pure functions of their inputs, so this module remembers them:

* **Cookie header.** The header cookielib builds is determined by the jar's cookies (every
  attribute, in iteration order), the request URL and ``Host`` header, the policy's
  settings and the current second (expiry). An entry stores a snapshot of the cookies'
  attribute dicts and the window of seconds in which no cookie in it expires; a look-up
  compares the jar's current attribute dicts with the snapshot, so *any* change (a cookie
  set, removed, or an attribute edited in place) misses and recomputes.
* **Set-Cookie.** The cookies cookielib makes from a response and accepts under a policy are
  determined by the ``Set-Cookie``/``Set-Cookie2`` values, the request URL and ``Host``
  header and the policy's settings, unless a value carries ``Max-Age`` or ``Expires``
  (time-dependent; such responses always take cookielib's path). An entry stores the
  accepted cookies; each jar receives its own copies.

Only the exact :class:`~tether.cookies.RequestsCookieJar` and cookielib's
``DefaultCookiePolicy`` (or tether's subclass of it) are memoised, and only policies whose
instance carries no attribute beyond the standard settings: a subclass or a customised
policy can decide anything, so it always runs the full cookielib path.
"""

from __future__ import annotations

import operator
import time
from collections.abc import Callable, Hashable
from http import cookiejar as cookielib
from typing import TYPE_CHECKING, Any

from urllib3 import HTTPHeaderDict

from .structures import CaseInsensitiveDict

if TYPE_CHECKING:
    from typing_extensions import TypeIs

    from ._cookies import RequestsCookieJar

__all__ = [
    "MEMOISED_JARS",
    "MEMOISED_POLICIES",
    "CookieSource",
    "cached_cookie_header",
    "clone_cookie",
    "deferred_source",
    "memo_settings",
    "policy_fingerprint",
    "register_jar",
    "register_policy",
    "remember_set_cookies",
    "remembered_set_cookies",
    "request_key",
    "stock_jar",
]

# The entry points through which cookielib asks a policy what to accept and return, and
# those of a jar the memoised paths stand in for. A class is memoised only while they are
# the functions it had when registered: a patch on one of them (on the class or on
# cookielib's) turns the memos off. (Checked on every use, so the list is kept to the entry
# points; a patch on one of the ``set_ok_*``/``return_ok_*`` steps alone is not seen.)
_policy_methods = operator.attrgetter("set_ok", "return_ok", "domain_return_ok", "path_return_ok")
_jar_methods = operator.attrgetter("add_cookie_header", "extract_cookies", "set_cookie", "update")

#: Policy classes whose decisions depend only on the settings in ``policy_fingerprint``,
#: with their methods as registered (``_cookies`` adds ``TetherCookiePolicy``).
MEMOISED_POLICIES: dict[type, tuple[Any, ...]] = {
    cookielib.DefaultCookiePolicy: _policy_methods(cookielib.DefaultCookiePolicy)
}
#: Jar classes the memoised paths may stand in for, with their methods as registered.
MEMOISED_JARS: dict[type, tuple[Any, ...]] = {}


def register_policy(cls: type) -> None:
    """Allow memoising for policies of exactly ``cls`` (its methods as they are now)."""
    MEMOISED_POLICIES[cls] = _policy_methods(cls)


def register_jar(cls: type) -> None:
    """Allow the memoised paths for jars of exactly ``cls`` (its methods as they are now)."""
    MEMOISED_JARS[cls] = _jar_methods(cls)


def stock_jar(jar: object) -> TypeIs[RequestsCookieJar]:
    """Whether ``jar`` is of a registered class whose methods are unchanged, with none
    replaced on the instance itself."""
    cls = type(jar)
    methods = MEMOISED_JARS.get(cls)
    return (
        methods is not None
        and _jar_methods(cls) == methods
        and _JAR_METHOD_NAMES.isdisjoint(jar.__dict__)
    )


_JAR_METHOD_NAMES = frozenset(_jar_methods.__reduce__()[1])

# How many instance attributes ``DefaultCookiePolicy.__init__`` sets; ``_now`` (the clock
# cookielib stores on it) may come on top. An instance with more has been customised.
_POLICY_ATTRIBUTE_COUNT = len(cookielib.DefaultCookiePolicy().__dict__)

#: Entries kept per cache before it is emptied (a program talking to many URLs).
MAX_ENTRIES = 512

_Key = tuple[Hashable, ...]
_Settings = tuple[Any, ...]
_HEADER_CACHE: dict[_Key, tuple[_Settings, list[dict[str, Any]], int, float, str | None]] = {}
_SET_COOKIE_CACHE: dict[_Key, tuple[_Settings, tuple[cookielib.Cookie, ...]]] = {}

_new_cookie: Callable[[type], cookielib.Cookie] = object.__new__


def clone_cookie(cookie: cookielib.Cookie) -> cookielib.Cookie:
    """A shallow copy of ``cookie``: what ``copy.copy`` makes, without its generic protocol."""
    if type(cookie) is not cookielib.Cookie:
        import copy

        return copy.copy(cookie)
    new = _new_cookie(cookielib.Cookie)
    new.__dict__.update(cookie.__dict__)
    return new


_policy_settings = operator.attrgetter(
    "netscape",
    "rfc2965",
    "rfc2109_as_netscape",
    "hide_cookie2",
    "strict_domain",
    "strict_rfc2965_unverifiable",
    "strict_ns_unverifiable",
    "strict_ns_domain",
    "strict_ns_set_initial_dollar",
    "strict_ns_set_path",
    "secure_protocols",
    "_blocked_domains",
    "_allowed_domains",
)


def policy_fingerprint(policy: Any) -> tuple[Any, ...] | None:
    """The settings that decide what ``policy`` accepts and returns, or None when the policy
    is not one whose decisions can be memoised."""
    cls = type(policy)
    methods = MEMOISED_POLICIES.get(cls)
    if methods is None or _policy_methods(cls) != methods:
        return None
    attributes = policy.__dict__
    count = len(attributes)
    if count > _POLICY_ATTRIBUTE_COUNT and not (
        count == _POLICY_ATTRIBUTE_COUNT + 1 and "_now" in attributes
    ):
        return None
    try:
        # The class too: tether's policy and cookielib's decide differently with the same
        # settings, and must never share an entry.
        return (cls, *_policy_settings(policy))
    except AttributeError:
        return None


def memo_settings(jar: object) -> tuple[Any, ...] | None:
    """``policy_fingerprint`` of the jar's policy when ``jar`` is a :func:`stock_jar`; None
    when nothing about this jar may be memoised. (One call for the two checks: this runs
    twice per request that carries cookies.)"""
    if not stock_jar(jar):
        return None
    return policy_fingerprint(jar._policy)


def request_key(request: Any, *, sending: bool = False) -> tuple[str, str | None] | None:
    """``(url, Host header)`` of a prepared request whose headers are tether's own
    case-insensitive dict; None otherwise (no memoising). ``sending``: the key for the
    Cookie header, which cookielib does not add when the request already has one (None)."""
    headers = request.headers
    if type(headers) is not CaseInsensitiveDict:
        return None
    store = headers._store
    if sending and "cookie" in store:
        return None
    url = request.url
    if type(url) is not str:
        return None
    host = store.get("host")
    return url, (host[1] if host is not None else None)


def cached_cookie_header(
    jar: Any,
    request: Any,
    compute: Callable[[Any, Any], str | None],
    fingerprint: tuple[Any, ...],
) -> str | None:
    """The ``Cookie`` header ``compute(jar, request)`` gives, memoised.

    ``fingerprint`` is :func:`memo_settings` of ``jar`` (the caller checks it is not None).
    """
    key = request_key(request, sending=True)
    if key is None:
        return compute(jar, request)
    # Keyed by the request alone; the policy's settings are compared, not hashed. The jar's
    # lock is held from reading its cookies to storing the entry (cookielib's own
    # add_cookie_header takes the same re-entrant lock), so the entry describes one state.
    with jar._cookies_lock:
        dicts = [
            cookie.__dict__
            for paths in jar._cookies.values()
            for names in paths.values()
            for cookie in names.values()
        ]
        entry = _HEADER_CACHE.get(key)
        if entry is not None:
            settings, snapshot, valid_from, valid_until, header = entry
            now = int(time.time())
            if valid_from <= now < valid_until and settings == fingerprint and snapshot == dicts:
                return header
        snapshot = [dict(d) for d in dicts]
        header = compute(jar, request)
        # The second cookielib judged expiry against. A jar holding an expired cookie is not
        # remembered: cookielib removes it from the jar while building the header, which a
        # memoised answer would skip. Otherwise, until the first cookie then unexpired
        # expires, the same cookies give the same header.
        now_used = getattr(jar, "_now", None)
        if type(now_used) is not int:
            return header
        expiries = [d["expires"] for d in snapshot if d.get("expires") is not None]
        if any(expires <= now_used for expires in expiries):
            return header
        if len(_HEADER_CACHE) >= MAX_ENTRIES:
            _HEADER_CACHE.clear()
        _HEADER_CACHE[key] = (
            fingerprint,
            snapshot,
            now_used,
            min(expiries, default=_NEVER),
            header,
        )
    return header


_NEVER = float("inf")


class CookieSource:
    """What cookie extraction reads of a request (its URL and Host header), as recorded
    when the response arrived (see :func:`deferred_source`)."""

    __slots__ = ("headers", "url")

    def __init__(self, url: str, host: Any) -> None:
        self.url = url
        self.headers: CaseInsensitiveDict[Any] = CaseInsensitiveDict()
        if host is not None:
            self.headers["Host"] = host


def deferred_source(request: Any, raw_headers: Any) -> tuple[str, Any] | None:
    """``(url, Host header)`` of ``request`` as they are now, for reading a response's
    Set-Cookie fields later (``Response.cookies`` on first use; build a :class:`CookieSource`
    from them), or None when they must be read now: ``Max-Age`` and ``Expires`` are judged
    against the clock, and headers other than urllib3's own may change."""
    if type(raw_headers) is not HTTPHeaderDict or type(request.url) is not str:
        return None
    stored = raw_headers._container
    if _time_dependent((*stored.get("set-cookie", "-")[1:], *stored.get("set-cookie2", "-")[1:])):
        return None
    headers: Any = request.headers  # None on a request that was never prepared
    if type(headers) is CaseInsensitiveDict:
        host = headers._store.get("host")
        return request.url, host[1] if host is not None else None
    return request.url, headers.get("Host") if headers is not None else None


def _time_dependent(values: tuple[str, ...]) -> bool:
    for value in values:
        lowered = value.lower()
        if "max-age" in lowered or "expires" in lowered:
            return True
    return False


def remembered_set_cookies(
    cache_key: _Key, fingerprint: _Settings
) -> tuple[cookielib.Cookie, ...] | None:
    """The accepted cookies stored for ``cache_key`` under a policy with these settings
    (copy each before storing it)."""
    entry = _SET_COOKIE_CACHE.get(cache_key)
    if entry is None or entry[0] != fingerprint:
        return None
    return entry[1]


def remember_set_cookies(
    cache_key: _Key,
    fingerprint: _Settings,
    values: tuple[str, ...],
    accepted: list[cookielib.Cookie],
) -> None:
    """Keep copies of the cookies accepted for these Set-Cookie ``values``, unless their
    result depends on the time."""
    if _time_dependent(values):
        return
    if len(_SET_COOKIE_CACHE) >= MAX_ENTRIES:
        _SET_COOKIE_CACHE.clear()
    _SET_COOKIE_CACHE[cache_key] = (fingerprint, tuple(clone_cookie(c) for c in accepted))


def clear() -> None:
    """Forget every memoised result (tests; nothing else needs it)."""
    _HEADER_CACHE.clear()
    _SET_COOKIE_CACHE.clear()
