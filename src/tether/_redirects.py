"""Redirect policy as pure functions: where a redirect goes, with which method, and what of
the previous request may travel with it.

Theory of operation. ``Session.resolve_redirects`` loops over hops; for each hop it asks
this module (through the overridable ``Session`` methods that requests users subclass)
four questions:

1. *Where to?* ``decode_location`` reads ``Location`` (the raw bytes a server sent are
   re-decoded as UTF-8, as requests does; bytes that are not UTF-8 are percent-encoded
   as sent, where requests raises) and ``join_location`` resolves it against the
   previous URL: scheme-relative (``//host/path``) takes the previous scheme, relative
   references are joined (RFC 9110 §10.2.2, RFC 3986 §5), and a location without a
   fragment inherits the previous one (RFC 9110 §10.2.2).
2. *Which method?* ``redirect_method``: 303 turns everything but HEAD into GET; 302 does
   the same (what browsers do, which requests follows); 301 turns POST into GET;
   307 and 308 keep the method and the body (RFC 9110 §15.4).
3. *Does the body survive?* Only for 307 and 308 (``keeps_body``); otherwise the body and
   its ``Content-*``/``Transfer-Encoding`` headers are dropped (CVE-2023-45803 class).
4. *Do credentials survive?* ``should_strip_auth``: ``Authorization`` is removed when the
   host changes, or when the scheme or port changes, except for the upgrade from http
   to https on default ports (CVE-2014-1829, CVE-2018-18074).
   ``same_origin`` decides what tether additionally binds to the first origin of the
   chain: cookies without a domain and the netrc ``default`` entry (SECURITY-CASES §5,
   cases 07 and 16). Digest answers are bound by ``HTTPDigestAuth`` itself (case 08),
   and the session's sensitive headers follow ``should_strip_auth`` (case 09).
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit, urlunsplit

from ._urls import _DEFAULT_PORTS as DEFAULT_PORTS
from ._urls import origin, requote_uri

#: Statuses whose ``Location`` is followed.
REDIRECT_STATI = (301, 302, 303, 307, 308)
#: Statuses that keep the method and body.
_BODY_KEEPING = frozenset((307, 308))


def decode_location(location: str) -> str:
    """Re-decode a ``Location`` header that http.client decoded as latin-1.

    Servers send UTF-8 bytes in practice; http.client hands them over as latin-1 text, so
    the round trip through latin-1 recovers the bytes. A header that is not latin-1
    encodable (already real text) is returned unchanged. Bytes that are not UTF-8 (a
    server writing latin-1, say) are percent-encoded as they are, so the server gets back
    exactly the bytes it sent (requests raises ``UnicodeDecodeError`` here).
    """
    try:
        raw = location.encode("latin1")
    except UnicodeEncodeError:
        return location
    try:
        return raw.decode("utf8")
    except UnicodeDecodeError:
        return "".join(chr(byte) if byte < 0x80 else f"%{byte:02X}" for byte in raw)


def join_location(previous_url: str, location: str, previous_fragment: str) -> tuple[str, str]:
    """Resolve ``location`` against ``previous_url``; return ``(url, fragment_to_carry)``."""
    if location.startswith("//"):
        location = f"{urlsplit(previous_url).scheme}:{location}"
    parts = urlsplit(location)
    if parts.fragment == "" and previous_fragment:
        parts = parts._replace(fragment=previous_fragment)
    elif parts.fragment:
        previous_fragment = parts.fragment
    url = urlunsplit(parts)
    if not parts.netloc:
        url = urljoin(previous_url, requote_uri(url))
    else:
        url = requote_uri(url)
    return url, previous_fragment


def redirect_method(method: str | None, status: int | None) -> str | None:
    """The method of the request that follows a ``status`` redirect of ``method``."""
    if status == 303 and method != "HEAD":
        return "GET"
    if status == 302 and method != "HEAD":
        return "GET"
    if status == 301 and method == "POST":
        return "GET"
    return method


def keeps_body(status: int | None) -> bool:
    """Whether a redirect with this status re-sends the body (307 and 308)."""
    return status in _BODY_KEEPING


def should_strip_auth(old_url: str, new_url: str) -> bool:
    """Whether ``Authorization`` must be removed when going from ``old_url`` to ``new_url``."""
    old = urlsplit(old_url)
    new = urlsplit(new_url)
    if old.hostname != new.hostname:
        return True
    # http -> https on the default ports is an upgrade of the same site (requests keeps
    # the header; so do we).
    if (
        old.scheme == "http"
        and old.port in (80, None)
        and new.scheme == "https"
        and new.port in (443, None)
    ):
        return False
    changed_port = old.port != new.port
    changed_scheme = old.scheme != new.scheme
    default_port = (DEFAULT_PORTS.get(old.scheme), None)
    if not changed_scheme and old.port in default_port and new.port in default_port:
        return False
    return changed_port or changed_scheme


def same_origin(url_a: str, url_b: str) -> bool:
    """Whether two URLs share scheme, host and port (default ports filled in)."""
    return origin(url_a) == origin(url_b)
