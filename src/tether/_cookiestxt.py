"""Netscape/Mozilla ``cookies.txt``, the cookie file format curl, wget and browser
extensions read and write: one cookie per line, seven tab-separated fields (domain,
include-subdomains flag, path, secure flag, expiry as a Unix time with 0 for a session
cookie, name, value), ``#`` comments, and curl's ``#HttpOnly_`` domain prefix for HttpOnly
cookies. ``Session.export_cookies``/``Session.import_cookies`` are thin wrappers over this
module; files are written and read through ``_persist`` (mode 0600, atomic, size-capped).

Theory of operation
-------------------

The flag column is what keeps RFC 6265's host-only rule (§5.3 step 6) across the file: a
cookie set without a ``Domain`` attribute is written ``FALSE`` and comes back host-only
(``domain_specified=False``, which tether's cookie policy sends to that exact host only); a
domain cookie is written ``TRUE`` with a leading dot, as curl writes it and as
``http.cookiejar.MozillaCookieJar`` insists. A cookie with no domain at all (requests'
"supercookie" made by ``jar.set(name, value)``), or whose fields hold a tab or a control
character, has no faithful line and is left out with a warning. Reading follows curl: blank
and ``#`` lines are skipped, a line of six fields is a cookie with an empty value, flags are
``TRUE``/``FALSE`` in any case. Anything else is an error naming the line, raised before the
first cookie reaches the jar, so an import is all or nothing; expired cookies are skipped.
"""

from __future__ import annotations

import os
import time
import warnings
from http import cookiejar as cookielib
from typing import Any

from ._persist import (
    CTL_RE,
    MAX_EXPIRES,
    Invalid,
    clean_string,
    cookies_of,
    is_seconds,
    read_capped,
    write_private,
)
from .exceptions import SessionFileError, SessionFileWarning

__all__ = ["export_cookies", "import_cookies", "parse_cookies_txt"]

_NETSCAPE_HEADER = (
    "# Netscape HTTP Cookie File\n"
    "# https://curl.se/docs/http-cookies.html\n"
    "# Written by tether. Fields: domain, include subdomains, path, secure, expires"
    " (0 = session cookie), name, value.\n\n"
)
_HTTPONLY_PREFIX = "#HttpOnly_"


def _netscape_line(cookie: cookielib.Cookie) -> str | None:
    """One cookies.txt line, or None when the cookie cannot be written in that format."""
    fields = (cookie.domain, cookie.path, cookie.name, cookie.value or "")
    if not cookie.domain or any("\t" in f or CTL_RE.search(f) for f in fields):
        return None
    if cookie.expires is not None and not is_seconds(cookie.expires):
        return None
    # The flag says whether the cookie also goes to subdomains: true for a cookie whose
    # Domain attribute was given, false for a host-only one. Such a domain is written with
    # a leading dot, as curl writes it and as http.cookiejar.MozillaCookieJar requires.
    subdomains = cookie.domain_specified or cookie.domain.startswith(".")
    include_subdomains = "TRUE" if subdomains else "FALSE"
    domain = cookie.domain
    if subdomains and not domain.startswith("."):
        domain = "." + domain
    rest = getattr(cookie, "_rest", None) or {}
    if any(str(key).lower() == "httponly" for key in rest):
        domain = _HTTPONLY_PREFIX + domain
    secure = "TRUE" if cookie.secure else "FALSE"
    expires = 0 if cookie.expires is None else int(cookie.expires)
    value = cookie.value if cookie.value is not None else ""
    return "\t".join(
        (domain, include_subdomains, cookie.path, secure, str(expires), cookie.name, value)
    )


def export_cookies(jar: Any, path: str | os.PathLike[str]) -> int:
    """Write the cookies of ``jar`` to ``path`` in cookies.txt format; returns how many."""
    lines: list[str] = []
    skipped: list[str] = []
    for cookie in cookies_of(jar):
        line = _netscape_line(cookie)
        if line is None:
            skipped.append(repr(cookie.name))
        else:
            lines.append(line)
    if skipped:
        warnings.warn(
            "cookies without a domain, or holding tabs or control characters, cannot be "
            "written to cookies.txt and were left out: " + ", ".join(skipped),
            SessionFileWarning,
            stacklevel=3,
        )
    text = _NETSCAPE_HEADER + "".join(line + "\n" for line in lines)
    write_private(path, text.encode("utf-8"))
    return len(lines)


def _flag(value: str, where: str) -> bool:
    upper = value.upper()
    if upper not in ("TRUE", "FALSE"):
        raise Invalid(f"{where}: expected TRUE or FALSE, got {value[:20]!r}")
    return upper == "TRUE"


def parse_cookies_txt(text: str, now: float) -> list[cookielib.Cookie]:
    """Every unexpired cookie of a cookies.txt document (all lines checked first)."""
    cookies: list[cookielib.Cookie] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        where = f"line {number}"
        line = raw.rstrip("\r")
        http_only = False
        if line.startswith(_HTTPONLY_PREFIX):
            http_only = True
            line = line[len(_HTTPONLY_PREFIX) :]
        elif line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) == 6:
            fields.append("")  # curl writes no value field for an empty value
        if len(fields) != 7:
            raise Invalid(f"{where}: expected 7 tab-separated fields, got {len(fields)}")
        domain, subdomains, path, secure, expires_text, name, value = fields
        domain = clean_string(domain, f"{where} domain", empty=False)
        if any(c.isspace() for c in domain):
            raise Invalid(f"{where} domain: contains whitespace")
        include_subdomains = _flag(subdomains, f"{where} include-subdomains")
        path = clean_string(path, f"{where} path", empty=False)
        is_secure = _flag(secure, f"{where} secure")
        if not expires_text.isdigit() or len(expires_text) > 20:
            raise Invalid(f"{where} expires: expected a Unix time, got {expires_text[:20]!r}")
        expires_at = min(int(expires_text), MAX_EXPIRES)
        name = clean_string(name, f"{where} name", empty=False)
        value = clean_string(value, f"{where} value")
        expires: int | None = expires_at if expires_at else None
        rest: dict[str, Any] = {"HttpOnly": None} if http_only else {}
        if expires is not None and expires <= now:
            continue
        cookies.append(
            cookielib.Cookie(
                version=0,
                name=name,
                value=value,
                port=None,
                port_specified=False,
                domain=domain,
                # A cookie for the domain and its subdomains, or host-only (RFC 6265
                # §5.3 step 6), as the flag says.
                domain_specified=include_subdomains,
                domain_initial_dot=domain.startswith("."),
                path=path,
                path_specified=True,
                secure=is_secure,
                expires=expires,
                discard=expires is None,
                comment=None,
                comment_url=None,
                rest=rest,
                rfc2109=False,
            )
        )
    return cookies


def import_cookies(jar: Any, path: str | os.PathLike[str]) -> int:
    """Add the cookies of a cookies.txt file to ``jar``; returns how many were added.

    The whole file is parsed before the first cookie is added; expired cookies are skipped.
    """
    name = os.fspath(path)
    data = read_capped(name)
    try:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid("not UTF-8 text") from None
        cookies = parse_cookies_txt(text, time.time())
    except Invalid as exc:
        raise SessionFileError(f"{name}: {exc}") from None
    lock = getattr(jar, "_cookies_lock", None)
    if lock is None:
        for cookie in cookies:
            jar.set_cookie(cookie)
    else:
        with lock:
            for cookie in cookies:
                jar.set_cookie(cookie)
    return len(cookies)
