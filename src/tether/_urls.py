"""URL preparation and the small URL helpers built around it.

This module owns everything that turns a user-supplied URL into the string tether sends:
``prepare_url`` (the whole of requests' ``PreparedRequest.prepare_url``, with the query
parameters already encoded by the caller), the requote/unquote cycle, IDNA host encoding,
scheme prepending, stripping credentials and fragments, the request target (``path_url``)
and the ``origin`` triple that redirect and cookie decisions compare.

Theory of operation
-------------------
Where tether decides something about a host (auth stripping, cookie scope, netrc, proxies),
it must see the same host urllib3 will connect to (security case 45: two parsers that
disagree about the host are an SSRF or credential leak waiting to happen). So every parse
that feeds such a decision goes through urllib3's RFC 3986 parser, ``parse_url``, exactly as
requests does; ``urllib.parse`` is used only where requests itself uses it (``path_url``,
``urldefragauth``, ``get_auth_from_url``) so that those helpers keep requests' results.

``prepare_url`` runs for every request, so it has a fast path: a URL that is already in the
normal form urllib3 would produce (lower-case ``http``/``https`` scheme, a plain ASCII host
name or IPv4 address, an optional non-zero port, and a path/query/fragment made only of
characters RFC 3986 allows there, no ``%`` and no dot segments) comes out of ``parse_url``
and ``requote_uri`` unchanged, so it is split with one regular expression instead. Anything
else takes the slow path, which is requests' algorithm step by step. A differential test
checks that both paths agree with requests.
"""

from __future__ import annotations

import re
import sys
from urllib.parse import quote, unquote, urljoin, urlparse, urlsplit, urlunparse

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from ._internal_utils import to_native_string
from .exceptions import InvalidURL, MissingSchema

__all__ = [
    "UNRESERVED_SET",
    "check_method",
    "get_auth_from_url",
    "get_idna_encoded_host",
    "origin",
    "path_url",
    "prepare_url",
    "prepend_scheme_if_needed",
    "requote_uri",
    "unquote_unreserved",
    "urldefragauth",
]

#: RFC 3986 §2.3 unreserved characters: percent-encoding them changes nothing, so
#: ``unquote_unreserved`` decodes them to give every URL one spelling.
UNRESERVED_SET: frozenset[str] = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
)

# ``requote_uri`` quotes everything except the RFC 3986 reserved characters (gen-delims and
# sub-delims, §2.2), the unreserved ones (which ``quote`` always keeps) and ``%``. If the URL
# holds a malformed escape, ``%`` itself is quoted too.
_SAFE_WITH_PERCENT = "!#$%&'()*+,/:;=?@[]~"
_SAFE_WITHOUT_PERCENT = "!#$&'()*+,/:;=?@[]~"
# A URL made only of these characters is left unchanged by ``quote(..., _SAFE_WITH_PERCENT)``.
_ALREADY_QUOTED_RE = re.compile(r"[A-Za-z0-9_.\-~!#$%&'()*+,/:;=?@\[\]]*\Z")

# The fast path of ``prepare_url``. Character classes follow urllib3's normaliser: a path may
# hold unreserved, sub-delims, ":", "@" and "/" (RFC 3986 §3.3); query and fragment also "?"
# (§3.4, §3.5); all three may hold "%XX" escapes written with upper-case hex digits, the form
# urllib3 normalises them to (§2.1; ``_BAD_ESCAPE_RE`` checks that every "%" starts one).
# Everything urllib3 would percent-encode or rewrite is left out, so such URLs take the slow
# path. The host is a reg-name of letters, digits, "." and "-"
# that does not start with "." (requests rejects that) or "-", or an IPv4 address; no "%"
# there. Upper case in the host is folded below, as urllib3 folds it.
#
# Every class is disjoint from the delimiter that follows it, so backtracking can never help;
# possessive quantifiers (Python 3.11+) make a non-matching URL fail in one pass instead of
# retrying every split point.
_P = "+" if sys.version_info >= (3, 11) else ""
_PATH_CLASS = r"[A-Za-z0-9\-._~!$&'()*+,;=:@/%]"
_QUERY_CLASS = r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]"
_FAST_URL_RE = re.compile(
    r"(https?)://"
    rf"([A-Za-z0-9][A-Za-z0-9.\-]*{_P})"
    rf"(?::([1-9][0-9]{{0,4}}{_P}))?"
    rf"(/{_PATH_CLASS}*{_P})?"
    rf"(?:\?({_QUERY_CLASS}*{_P}))?"
    rf"(?:#({_QUERY_CLASS}*{_P}))?\Z"
)
del _P, _PATH_CLASS, _QUERY_CLASS
_BAD_ESCAPE_RE = re.compile(r"%(?![0-9A-F]{2})")

# An HTTP method is a token (RFC 9110 §9.1, §5.6.2). Anything else (CR, LF, space, NUL,
# other controls, non-ASCII) would let the method rewrite the request line, add header
# lines or start a second request (CVE-2020-26137, CPython CVE-2020-26116, case 33).
# Compiled (and cached by ``re``) on first use: only a method outside the common ones runs it.
_METHOD_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z"
# The methods nearly every request uses, accepted without running the regex.
_COMMON_METHODS = frozenset(("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"))

#: Ports filled in by ``origin`` when a URL names none (RFC 9110 §4.2.1, §4.2.2).
_DEFAULT_PORTS: dict[str, int] = {"http": 80, "https": 443}


def unquote_unreserved(uri: str) -> str:
    """Decode the percent-escapes in ``uri`` that stand for unreserved characters.

    Reserved, illegal and non-ASCII escapes stay encoded. A ``%`` followed by two
    alphanumerics that are not hex digits raises :class:`InvalidURL`.
    """
    if "%" not in uri:
        return uri
    pieces = uri.split("%")
    out = [pieces[0]]
    for piece in pieces[1:]:
        pair = piece[:2]
        if len(pair) == 2 and pair.isalnum():
            # ``str.isalnum`` and ``int`` both accept non-ASCII digits; requests does too,
            # so "%٤١" decodes to "A" here exactly as it does there.
            try:
                char = chr(int(pair, 16))
            except ValueError:
                raise InvalidURL(f"Invalid percent-escape sequence: '{pair}'")
            if char in UNRESERVED_SET:
                out.append(char)
                out.append(piece[2:])
                continue
        out.append("%")
        out.append(piece)
    return "".join(out)


def check_method(method: str) -> None:
    """Raise :class:`InvalidURL` unless ``method`` is an RFC 9110 token.

    requests lets ``http.client``/urllib3 refuse such a method with a bare ``ValueError``
    while sending, after a connection (and a TLS handshake) may already have been made;
    tether refuses it while preparing, with a ``ValueError`` subclass, before any byte
    leaves the process. ``InvalidURL`` is used because the method is the first part of the
    request line whose second part is the URL's target.
    """
    if method in _COMMON_METHODS or re.match(_METHOD_TOKEN, method):
        return
    raise InvalidURL(
        f"Invalid HTTP method {method!r}: a method must be a token "
        "(letters, digits and !#$%&'*+-.^_`|~; no spaces or control characters)"
    )


def requote_uri(uri: str) -> str:
    """Run ``uri`` through an unquote/quote cycle so it is fully and consistently quoted."""
    try:
        unquoted = unquote_unreserved(uri)
    except InvalidURL:
        # A stray "%" that is not an escape: quote it (and everything illegal) as "%25".
        return quote(uri, safe=_SAFE_WITHOUT_PERCENT)
    if _ALREADY_QUOTED_RE.match(unquoted):
        return unquoted
    return quote(unquoted, safe=_SAFE_WITH_PERCENT)


def get_idna_encoded_host(host: str) -> str:
    """Encode ``host`` with IDNA 2008 and the UTS #46 mapping; raise ``UnicodeError`` if invalid.

    ``idna`` costs about 10 ms to import and most hosts are ASCII, so it is imported here.
    """
    import idna

    try:
        return idna.encode(host, uts46=True).decode("utf-8")
    except idna.IDNAError:
        raise UnicodeError


#: Prepared URLs by (URL, encoded params): a program sends to the same few URLs again and
#: again, and preparing one is a pure function of the two strings.
_PREPARED: dict[tuple[str, str | bytes | None], str] = {}
_PREPARED_MAX = 1024


def clear_caches() -> None:
    """Forget the prepared URLs (tests that watch which parsing path runs call this)."""
    _PREPARED.clear()


def prepare_url(url: str | bytes, params: str | bytes | None) -> str:
    """Return the URL requests' ``PreparedRequest.prepare_url(url, params)`` would store.

    ``params`` is an already-encoded query string, appended to the URL's own query with "&".
    Raises :class:`MissingSchema` or :class:`InvalidURL` as requests does.
    """
    if type(url) is str:
        key = (url, params)
        prepared = _PREPARED.get(key)
        if prepared is None:
            prepared = _prepare_url(url, params)
            if len(_PREPARED) >= _PREPARED_MAX:
                _PREPARED.clear()
            _PREPARED[key] = prepared
        return prepared
    return _prepare_url(url, params)


def _prepare_url(url: str | bytes, params: str | bytes | None) -> str:
    if isinstance(url, bytes):
        url = url.decode("utf8")
    elif not isinstance(url, str):
        # requests accepts any object with a string form (psf/requests#2238).
        url = str(url)
    # Only leading whitespace is dropped; a trailing one is percent-encoded like requests.
    url = url.lstrip()

    fast = _FAST_URL_RE.match(url)
    if fast is not None:
        if fast.group(4) is not None and "/." in fast.group(4):
            fast = None  # dot segments: urllib3 removes them (RFC 3986 §5.2.4)
        elif "%" in url and _BAD_ESCAPE_RE.search(url):
            fast = None  # a stray "%" or lower-case hex: urllib3 rewrites it
    if fast is not None:
        scheme, host, port, path, query, fragment = fast.groups()
        if port is not None and int(port) > 65535:
            return _prepare_url_slow(url, params)
        netloc = host.lower()
        if port is not None:
            netloc = f"{netloc}:{port}"
        if params:
            extra = to_native_string(params)
            query = f"{query}&{extra}" if query else extra
        prepared = f"{scheme}://{netloc}{path or '/'}"
        if query:
            prepared = f"{prepared}?{query}"
        if fragment:
            prepared = f"{prepared}#{fragment}"
        # The URL itself needs no quoting (checked against the classes above) but escapes of
        # unreserved characters are still decoded; ``params`` may need both.
        if params or "%" in url:
            return requote_uri(prepared)
        return prepared

    # Schemes other than HTTP(S) (mailto:, data:, ...) are passed through untouched:
    # urllib3's parser only understands hierarchical URLs. Note that "localhost:8080" counts
    # as one (its "scheme" is "localhost"), as in requests.
    if ":" in url and not url.lower().startswith("http"):
        return url
    return _prepare_url_slow(url, params)


def _prepare_url_slow(url: str, params: str | bytes | None) -> str:
    """requests' algorithm, step by step, for URLs the fast path does not take."""
    try:
        scheme, auth, host, port, path, query, fragment = parse_url(url)
    except LocationParseError as e:
        raise InvalidURL(*e.args)

    if not scheme:
        raise MissingSchema(
            f"Invalid URL {url!r}: No scheme supplied. Perhaps you meant https://{url}?"
        )
    if not host:
        raise InvalidURL(f"Invalid URL {url!r}: No host supplied")

    # urllib3 has already IDNA-encoded the host of http/https URLs (strict IDNA 2008); other
    # "http…" schemes reach here raw and get the UTS #46 mapping. An ASCII host may still not
    # start with "*" (a wildcard is never a host to connect to) or "." (an empty label).
    if not host.isascii():
        try:
            host = get_idna_encoded_host(host)
        except UnicodeError:
            raise InvalidURL("URL has an invalid label.")
    elif host.startswith(("*", ".")):
        raise InvalidURL("URL has an invalid label.")

    netloc = f"{auth}@{host}" if auth else host
    if port:  # port 0 is dropped, as requests drops it
        netloc = f"{netloc}:{port}"

    # A bare domain is not a valid request target: the path is at least "/".
    if not path:
        path = "/"

    # Decoded only now, as requests does: a URL error wins over a params error.
    extra = to_native_string(params) if params is not None else ""
    if extra:
        query = f"{query}&{extra}" if query else extra

    return requote_uri(urlunparse((scheme, netloc, path, "", query, fragment)))


def path_url(url: str) -> str:
    """Return the request target of ``url``: its path (at least "/") and "?query" if any."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        return f"{path}?{parts.query}"
    return path


def prepend_scheme_if_needed(url: str, new_scheme: str) -> str:
    """Give ``url`` the scheme ``new_scheme`` unless it already has one."""
    parsed = parse_url(url)
    scheme, auth, _host, _port, path, query, fragment = parsed
    netloc = parsed.netloc
    # When urllib3 finds no authority, requests treats the path as the netloc
    # ("example.com" alone parses as a host anyway; this keeps requests' result for the rest).
    if not netloc:
        netloc, path = path, netloc
    if auth:
        netloc = f"{auth}@{netloc}"
    if scheme is None:
        scheme = new_scheme
    return urlunparse((scheme, netloc, path or "", "", query, fragment))


def urldefragauth(url: str) -> str:
    """Return ``url`` without its fragment and without any ``user:password@`` part."""
    scheme, netloc, path, params, query, _fragment = urlparse(url)
    if not netloc:  # same swap as prepend_scheme_if_needed, as requests does
        netloc, path = path, netloc
    netloc = netloc.rpartition("@")[2]
    return urlunparse((scheme, netloc, path, params, query, ""))


def get_auth_from_url(url: str) -> tuple[str, str]:
    """Return the percent-decoded ``(username, password)`` of ``url``, or ``('', '')``.

    Both parts must be present; a URL with a user name but no password gives ``('', '')``.
    A URL that ``urlparse`` refuses (a broken IPv6 literal) raises :class:`InvalidURL`, a
    ``ValueError`` as in requests.
    """
    try:
        parsed = urlparse(url)
    except ValueError as e:
        raise InvalidURL(*e.args)
    username, password = parsed.username, parsed.password
    if username is None or password is None:
        return ("", "")
    return (unquote(username), unquote(password))


def origin(url: str) -> tuple[str, str, int | None]:
    """Return ``(scheme, host, port)`` of ``url`` as urllib3 would connect to it.

    Scheme and host are lower case, an IPv6 host loses its brackets, and the port is the
    scheme's default (http 80, https 443) when none is given; ``None`` for other schemes.
    Parsed with urllib3's ``parse_url`` so that it names the same host the connection pool
    is chosen by (security case 45). Raises :class:`InvalidURL` if urllib3 cannot parse it.
    """
    try:
        parsed = parse_url(url)
    except LocationParseError as e:
        raise InvalidURL(*e.args)
    scheme = (parsed.scheme or "").lower()
    host = (parsed.host or "").lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    port = parsed.port
    if port is None:
        port = _DEFAULT_PORTS.get(scheme)
    return (scheme, host, port)


def join_base_url(base_url: str, url: str | bytes) -> str | bytes:
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
