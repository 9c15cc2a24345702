"""Per-hop bookkeeping of a redirect chain, used by ``Session.resolve_redirects``.

A prepared request carries a small record of where its chain started (``Origin``, in
``PreparedRequest.__dict__["_tether"]``, copied by ``PreparedRequest.copy``). The redirect loop
asks this module to drain a redirect's body without decoding it (SECURITY-CASES case 28), to
rebuild the next hop's cookie jar so domain-less cookies stay with the first origin (case 16),
and whether a body can be sent again. The policy questions themselves (method, strip auth,
same origin) are answered by ``_redirects``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _lazycookies
from ._lazyimport import LazyModule
from ._reading import drain

if TYPE_CHECKING:
    from http import cookiejar as cookielib

    from . import _redirects
    from ._cookies import RequestsCookieJar, extract_cookies_to_jar, merge_cookies
    from .models import PreparedRequest, Response
else:
    # Bound when the cookie machinery loads (rebuild_cookies runs inside
    # Session.resolve_redirects, which loads it): see _lazycookies.
    __getattr__, __dir__ = _lazycookies.module_names(
        globals(), "RequestsCookieJar", "extract_cookies_to_jar", "merge_cookies"
    )
    # Imported with the first redirect (see _lazyimport).
    _redirects = LazyModule(globals(), "_redirects", "tether._redirects")

__all__ = [
    "HOP",
    "Origin",
    "drain_redirect",
    "is_one_shot_body",
    "jar_is_empty",
    "rebuild_cookies",
    "release",
    "state_of",
]


class Origin:
    """tether's per-request bookkeeping, carried on ``PreparedRequest._tether`` across copies:
    the first URL of a redirect chain and whether auth was given explicitly (``auth=`` on
    the request or the session), for the redirect rules of SECURITY-CASES cases 07 and 16."""

    __slots__ = ("explicit_auth", "url")

    def __init__(self, url: str, explicit_auth: bool) -> None:
        self.url = url
        self.explicit_auth = explicit_auth


def jar_is_empty(jar: cookielib.CookieJar) -> bool:
    # http.cookiejar keeps cookies in ``_cookies`` ({domain: {path: {name: cookie}}}); an
    # empty dict means no cookie without walking (and locking) the jar. Anything else is
    # counted the slow, sure way.
    # A non-empty dict may still hold no cookie (cookielib leaves emptied domains behind);
    # callers only use this to skip work, so "maybe not empty" is answered without a walk.
    stored = getattr(jar, "_cookies", None)
    if type(stored) is dict:
        return not stored
    return len(jar) == 0


#: Key set in a hop request's ``__dict__`` while ``resolve_redirects`` sends it.
HOP = "_tether_hop"


def is_one_shot_body(request: PreparedRequest) -> bool:
    """Whether the body can only be read once and has no recorded position to rewind to:
    an iterator (generators included) or a file-like object without ``tell()``. Re-iterable
    objects (lists of chunks, custom iterables) are not one-shot: they are iterated again."""
    body = request.body
    if body is None or isinstance(body, (bytes, str, bytearray, memoryview)):
        return False
    if request._body_position is not None:
        return False
    return hasattr(body, "__next__") or hasattr(body, "read")


def state_of(request: PreparedRequest) -> Origin | None:
    state = request.__dict__.get("_tether")
    return state if isinstance(state, Origin) else None


def release(resp: Response) -> None:
    try:
        resp.close()
    except Exception:
        pass


def drain_redirect(resp: Response) -> None:
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
    release(resp)


def rebuild_cookies(
    session_jar: RequestsCookieJar,
    prepared_request: PreparedRequest,
    previous: PreparedRequest,
    resp: Response,
) -> None:
    """Recompute the jar and ``Cookie`` header for the next hop from scratch.

    Cookies set by the redirect response are stored against the request that received them
    (CVE-2015-2296, case 14); then the session's cookies are merged in and the jar's policy
    picks what the new URL may receive. Cookies without a domain (every cookie of a
    ``cookies=`` dict, ``jar.set(name, value)`` without ``domain=``) match any host in
    cookielib, so they stay with the origin of the first request (SECURITY-CASES case 16).
    Cookies with a domain, per-request or not, follow the policy: host-only ones go back to
    their host only, domain ones to that domain.
    """
    jar = prepared_request._cookies
    if jar is None:
        jar = RequestsCookieJar()
    extract_cookies_to_jar(jar, previous, resp.raw)
    merge_cookies(jar, session_jar)
    state = state_of(prepared_request)
    # The first origin of the chain; for a request not prepared by a session, the origin
    # of the previous hop.
    first_url = state.url if state is not None else (previous.url or "")
    if not _redirects.same_origin(first_url, prepared_request.url or ""):
        scoped = RequestsCookieJar(getattr(jar, "_policy", None))
        for cookie in list(jar):
            if cookie.domain:
                scoped.set_cookie(cookie)
        jar = scoped
    prepared_request.prepare_cookies(jar)
