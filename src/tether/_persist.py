"""Saving and restoring a Session without pickle: a versioned JSON document of the session's
configuration and cookies. This module owns the document's schema, its validation on the way
back in, and the private, atomic file writes and bounded reads that ``_cookiestxt`` (the
Netscape ``cookies.txt`` format) shares; ``Session.save``/``Session.load`` are thin wrappers
over it.

Theory of operation
-------------------

*Files.* Session and cookie files carry secrets (cookies are bearer credentials, and so are the optional
``auth`` and ``Authorization`` fields), so a file is created with mode 0600 by ``os.open``
itself, never chmod-ed afterwards (that leaves a window in which another user can open it),
in the target's directory under a random name, written, flushed to disk and then moved over
the target with ``os.replace``: a reader sees the old file or the new one, never half of one
(SECURITY-CASES case 49: this is the documented alternative to pickle).

*Loading is parsing, not executing.* The document is JSON and every field is checked for its
type and range before anything is built: strings have a length cap, numbers must be finite
and within bounds, a pool size cannot ask urllib3 to pre-allocate a billion slots, header
names and values pass the same validation requests apply before sending, and cookie fields
may not hold control characters. The file itself is capped (``MAX_FILE_SIZE``) and read
with a bound, duplicate keys and unknown fields are refused, and deeply nested JSON is
caught. Any problem raises :class:`~tether.exceptions.SessionFileError` before a Session
exists; a Session is then built in full and only then returned, so nothing is ever half
applied. Importing a cookies file parses every line before the first cookie is added.

*What is saved.* "Exact or not at all": a value is written only when it can be rebuilt
exactly. Custom adapters (anything but a plain ``HTTPAdapter`` with a plain urllib3
``Retry``), hooks and custom auth objects are left out with a
:class:`~tether.exceptions.SessionFileWarning`. Credentials (``auth``, the
``Authorization``/``Proxy-Authorization``/``Cookie`` headers and those named in
``sensitive_headers``, and user:password in proxy URLs or ``base_url``) are written only
when the caller passes ``include_credentials=True``. Cookies are always saved: keeping them
is what a session file is for.
"""

from __future__ import annotations

import base64
import binascii
import inspect
import json
import math
import os
import re
import secrets
import stat
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from http import cookiejar as cookielib
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from urllib3.util import Timeout
from urllib3.util.retry import Retry

from ._cookies import TetherCookiePolicy
from ._headers import check_header_validity
from .adapters import HTTPAdapter
from .auth import HTTPBasicAuth, HTTPDigestAuth, HTTPProxyAuth
from .exceptions import InvalidHeader, SessionFileError, SessionFileWarning
from .structures import CaseInsensitiveDict

if TYPE_CHECKING:
    from .sessions import Session

    _S = TypeVar("_S", bound=Session)

__all__ = [
    "FORMAT",
    "MAX_FILE_SIZE",
    "VERSION",
    "load_session",
    "read_capped",
    "save_session",
    "write_private",
]
# (``Invalid``, ``clean_string``, ``cookies_of``, ``is_seconds``, ``CTL_RE`` and
# ``MAX_EXPIRES`` are shared with ``_cookiestxt``.)

#: The ``format`` field of every session document.
FORMAT = "tether-session"
#: The only document version this module reads and writes.
VERSION = 1
#: Larger files are refused unread (a browser profile's cookies fit many times over).
MAX_FILE_SIZE = 16 * 1024 * 1024

# Bounds a hostile file cannot exceed. Pool sizes matter most: urllib3 fills a pool's queue
# with ``maxsize`` placeholders up front.
_MAX_STR = 64 * 1024
_MAX_ITEMS = 10_000
_MAX_POOL = 10_000
_MAX_COUNT = 1_000
_MAX_SECONDS = 7 * 24 * 3600.0
MAX_EXPIRES = 253_402_300_799  # 9999-12-31T23:59:59Z
CTL_RE = re.compile(r"[\x00-\x1f\x7f]")

# Headers that carry credentials; written only with include_credentials=True. A hand-set
# Cookie header is one too (the jar's cookies are saved on their own).
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})

_COOKIE_FIELDS = (
    "name",
    "value",
    "domain",
    "domain_specified",
    "domain_initial_dot",
    "path",
    "path_specified",
    "secure",
    "expires",
    "discard",
    "comment",
    "comment_url",
    "port",
    "port_specified",
    "version",
    "rfc2109",
    "rest",
)

# urllib3 Retry settings saved with an adapter ("history" is per request, never saved).
_RETRY_COUNTS = ("total", "connect", "read", "redirect", "status", "other")
_RETRY_SECONDS = ("backoff_factor", "backoff_max", "backoff_jitter", "retry_after_max")
_RETRY_FLAGS = ("raise_on_redirect", "raise_on_status", "respect_retry_after_header")
_RETRY_SETS = ("allowed_methods", "status_forcelist", "remove_headers_on_redirect")


class Invalid(Exception):
    """A field failed validation; turned into a SessionFileError naming the file."""


# -- files ----------------------------------------------------------------------------------


def write_private(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, the file created with mode 0600."""
    target = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(target))
    tmp = os.path.join(directory, f".{os.path.basename(target)}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _sync_directory(directory)


def _sync_directory(directory: str) -> None:
    # Makes the rename itself durable on POSIX; a no-op where directories cannot be opened.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_capped(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a regular file of at most ``MAX_FILE_SIZE`` bytes.

    A missing or unreadable file raises the ``OSError`` as it is; a file that is not a
    regular file or is too large raises :class:`SessionFileError`.
    """
    name = os.fspath(path)
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever; it
    # changes nothing for the regular file that is read.
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise SessionFileError(f"{name}: not a regular file")
        if info.st_size > MAX_FILE_SIZE:
            raise SessionFileError(f"{name}: larger than {MAX_FILE_SIZE} bytes")
        data = f.read(MAX_FILE_SIZE + 1)
    if len(data) > MAX_FILE_SIZE:
        raise SessionFileError(f"{name}: larger than {MAX_FILE_SIZE} bytes")
    return data


# -- writing a session ----------------------------------------------------------------------


def save_session(
    session: Session, path: str | os.PathLike[str], *, include_credentials: bool = False
) -> None:
    """Write ``session`` to ``path`` as a version-1 session document (see module docstring)."""
    skipped: list[str] = []
    now = time.time()
    cookies: list[dict[str, Any]] = []
    for cookie in cookies_of(session.cookies):
        record = _dump_cookie(cookie, skipped)
        if record is not None and (record["expires"] is None or record["expires"] > now):
            cookies.append(record)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "credentials": bool(include_credentials),
        "settings": _dump_settings(session, include_credentials, skipped),
        "cookies": cookies,
    }
    if skipped:
        warnings.warn(
            "not saved (they cannot be rebuilt from a file): " + "; ".join(skipped),
            SessionFileWarning,
            stacklevel=3,
        )
    # What is written must load: the document goes through the reader's checks first, so
    # a value out of the reader's bounds fails here rather than in a later load().
    try:
        text = json.dumps(document, indent=1, ensure_ascii=True, allow_nan=False)
        _Plan(json.loads(text), now)
    except (TypeError, ValueError, Invalid) as exc:
        raise SessionFileError(f"cannot save this session: {exc}") from None
    write_private(path, text.encode("ascii") + b"\n")


def cookies_of(jar: Any) -> list[cookielib.Cookie]:
    lock = getattr(jar, "_cookies_lock", None)
    if lock is None:
        return list(jar)
    with lock:
        return list(jar)


def _text(value: str | bytes) -> Any:
    # A str as itself; bytes (allowed in header values and Basic credentials) tagged.
    if isinstance(value, bytes):
        return {"bytes": base64.b64encode(value).decode("ascii")}
    return value


def _strip_userinfo(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _dump_settings(session: Session, credentials: bool, skipped: list[str]) -> dict[str, Any]:
    sensitive = {name.lower() for name in getattr(session, "sensitive_headers", ())}
    secret_headers = _CREDENTIAL_HEADERS | sensitive
    headers: list[list[Any]] = []
    header_items: list[tuple[Any, Any]] = list(session.headers.items())
    for name, value in header_items:
        if not credentials and str(name).lower() in secret_headers:
            continue
        if not isinstance(name, (str, bytes)) or not isinstance(value, (str, bytes, type(None))):
            skipped.append(f"header {name!r} (not str or bytes)")
            continue
        headers.append([_text(name), None if value is None else _text(value)])

    settings: dict[str, Any] = {"headers": headers}

    proxies: dict[str, str] = {}
    proxy_items: list[tuple[Any, Any]] = list((session.proxies or {}).items())
    for key, url in proxy_items:
        if not isinstance(key, str) or not isinstance(url, str):
            skipped.append(f"proxy {key!r} (not a str)")
            continue
        proxies[key] = url if credentials else _strip_userinfo(url)
    settings["proxies"] = proxies

    settings["params"] = _dump_params(session.params, skipped)
    settings["verify"] = _dump_verify(session.verify, skipped)
    settings["cert"] = _dump_cert(session.cert, skipped)
    settings["timeout"] = _dump_timeout(getattr(session, "timeout", None), skipped)
    settings["max_redirects"] = session.max_redirects
    settings["trust_env"] = bool(session.trust_env)
    settings["stream"] = bool(session.stream)
    base_url = getattr(session, "base_url", None)
    if base_url is not None and not isinstance(base_url, str):
        skipped.append("base_url (not a str)")
        base_url = None
    if base_url is not None and not credentials:
        base_url = _strip_userinfo(base_url)
    settings["base_url"] = base_url
    settings["sensitive_headers"] = sorted(
        name for name in getattr(session, "sensitive_headers", ()) if isinstance(name, str)
    )
    settings["auth"] = _dump_auth(session.auth, skipped) if credentials else None
    settings["adapters"] = _dump_adapters(session, skipped)

    hooks = getattr(session, "hooks", None) or {}
    if any(hooks.get(event) for event in hooks):
        skipped.append("hooks (functions are never saved)")
    policy = getattr(session.cookies, "_policy", None)
    if policy is not None and type(policy) is not TetherCookiePolicy:
        skipped.append(f"cookie policy {type(policy).__name__} (the default policy is restored)")
    return settings


def _dump_params(params: Any, skipped: list[str]) -> Any:
    if params is None:
        return {}
    if isinstance(params, (str, bytes)):
        return {"query": _text(params)}
    if isinstance(params, Mapping):
        items = list(params.items())
        kind = "mapping"
    elif isinstance(params, list) and all(isinstance(p, tuple) and len(p) == 2 for p in params):
        items = list(params)
        kind = "pairs"
    else:
        skipped.append(f"params of type {type(params).__name__}")
        return {}
    out: list[list[Any]] = []
    for key, value in items:
        values = value if isinstance(value, list) else [value]
        if not isinstance(key, str) or not all(_is_param_scalar(v) for v in values):
            skipped.append(f"params (key {key!r} or its value is not a str, number or None)")
            return {}
        out.append([key, value])
    return {kind: out}


def _is_param_scalar(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, (str, int))


def _dump_verify(verify: Any, skipped: list[str]) -> Any:
    if isinstance(verify, (bool, str)):
        return verify
    skipped.append("verify (not a bool or a path)")
    return True


def _dump_cert(cert: Any, skipped: list[str]) -> Any:
    # Paths only: the key file's contents never go into the session file.
    if cert is None or isinstance(cert, str):
        return cert
    if isinstance(cert, tuple) and len(cert) == 2 and all(isinstance(p, str) for p in cert):
        return list(cert)
    skipped.append("cert (not a path or a pair of paths)")
    return None


def _dump_timeout(timeout: Any, skipped: list[str]) -> Any:
    if timeout is None:
        return None
    if is_seconds(timeout):
        return timeout
    if (
        isinstance(timeout, tuple)
        and len(timeout) == 2
        and all(t is None or is_seconds(t) for t in timeout)
    ):
        return list(timeout)
    if type(timeout) is Timeout:
        # A phase left at urllib3's default (a sentinel, not a number) is left out, and so
        # left at the default again when the Timeout is rebuilt.
        given = {
            "connect": getattr(timeout, "_connect", None),
            "read": getattr(timeout, "_read", None),
            "total": timeout.total,
        }
        parts = {k: v for k, v in given.items() if v is not Timeout.DEFAULT_TIMEOUT}
        if all(v is None or is_seconds(v) for v in parts.values()):
            return {"urllib3": parts}
    skipped.append("timeout (not seconds, a pair or a plain urllib3 Timeout)")
    return None


def is_seconds(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def _dump_auth(auth: Any, skipped: list[str]) -> Any:
    if auth is None:
        return None
    if (
        isinstance(auth, tuple)
        and len(auth) == 2
        and all(isinstance(p, (str, bytes)) for p in auth)
    ):
        return {"type": "tuple", "username": _text(auth[0]), "password": _text(auth[1])}
    kinds = {HTTPBasicAuth: "basic", HTTPProxyAuth: "proxy", HTTPDigestAuth: "digest"}
    kind = kinds.get(type(auth))
    if kind is not None:
        username, password = auth.username, auth.password
        if isinstance(username, (str, bytes)) and isinstance(password, (str, bytes)):
            return {"type": kind, "username": _text(username), "password": _text(password)}
    skipped.append(f"auth of type {type(auth).__name__}")
    return None


def _dump_adapters(session: Session, skipped: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for prefix, adapter in list(session.adapters.items()):
        if type(adapter) is not HTTPAdapter:
            skipped.append(f"adapter {type(adapter).__name__} mounted at {prefix!r}")
            continue
        retry = adapter.max_retries
        if type(retry) is not Retry:
            skipped.append(f"adapter at {prefix!r} (its retry policy is a {type(retry).__name__})")
            continue
        out.append(
            {
                "prefix": prefix,
                "pool_connections": adapter._pool_connections,
                "pool_maxsize": adapter._pool_maxsize,
                "pool_block": bool(adapter._pool_block),
                "max_retries": _dump_retry(retry),
            }
        )
    return out


def _dump_retry(retry: Retry) -> dict[str, Any]:
    out: dict[str, Any] = {}
    supported = _retry_parameters()
    for name in _RETRY_COUNTS + _RETRY_SECONDS + _RETRY_FLAGS:
        if name in supported and hasattr(retry, name):
            out[name] = getattr(retry, name)
    for name in _RETRY_SETS:
        if name in supported and hasattr(retry, name):
            value = getattr(retry, name)
            out[name] = None if value is None else sorted(value)
    return out


def _retry_parameters() -> frozenset[str]:
    return frozenset(inspect.signature(Retry.__init__).parameters)


def _dump_cookie(cookie: cookielib.Cookie, skipped: list[str]) -> dict[str, Any] | None:
    record: dict[str, Any] = {}
    for name in _COOKIE_FIELDS:
        if name == "rest":
            rest = getattr(cookie, "_rest", None) or {}
            record["rest"] = {
                str(k): v for k, v in rest.items() if v is None or isinstance(v, (str, bool, int))
            }
        else:
            record[name] = getattr(cookie, name, None)
    expires = record["expires"]
    if expires is not None and not is_seconds(expires):
        skipped.append(f"cookie {cookie.name!r} (its expiry is not a time)")
        return None
    return record


# -- reading a session ----------------------------------------------------------------------


class _Reader:
    """Typed access to one JSON object, failing with the dotted path of the bad field."""

    def __init__(self, value: Any, where: str, allowed: Iterable[str]) -> None:
        if not isinstance(value, dict):
            raise Invalid(f"{where or 'document'}: expected an object")
        unknown = set(value) - set(allowed)
        if unknown:
            raise Invalid(f"{where or 'document'}: unknown field {sorted(unknown)[0]!r}")
        self.value = value
        self.where = where

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def get(self, key: str, check: Callable[[Any, str], Any], default: Any = None) -> Any:
        if key not in self.value:
            return default
        return check(self.value[key], self.path(key))


def _string(value: Any, where: str, *, empty: bool = True) -> str:
    if not isinstance(value, str):
        raise Invalid(f"{where}: expected a string")
    if len(value) > _MAX_STR:
        raise Invalid(f"{where}: longer than {_MAX_STR} characters")
    if not empty and not value:
        raise Invalid(f"{where}: empty")
    return value


def clean_string(value: Any, where: str, *, empty: bool = True) -> str:
    text = _string(value, where, empty=empty)
    if CTL_RE.search(text):
        raise Invalid(f"{where}: contains a control character")
    return text


def _optional(check: Callable[[Any, str], Any]) -> Callable[[Any, str], Any]:
    def optional(value: Any, where: str) -> Any:
        return None if value is None else check(value, where)

    return optional


def _boolean(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"{where}: expected true or false")
    return value


def _integer(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{where}: expected an integer")
    if not low <= value <= high:
        raise Invalid(f"{where}: {value} is outside [{low}, {high}]")
    return value


def _seconds(value: Any, where: str, *, zero: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Invalid(f"{where}: expected a number of seconds")
    if not math.isfinite(value) or value < 0 or value > _MAX_SECONDS:
        raise Invalid(f"{where}: {value!r} is outside [0, {_MAX_SECONDS:g}]")
    if not zero and value == 0:
        raise Invalid(f"{where}: must be greater than 0")
    return value


def _array(value: Any, where: str, limit: int = _MAX_ITEMS) -> list[Any]:
    if not isinstance(value, list):
        raise Invalid(f"{where}: expected an array")
    if len(value) > limit:
        raise Invalid(f"{where}: more than {limit} entries")
    return value


def _text_value(value: Any, where: str) -> str | bytes:
    if isinstance(value, dict):
        reader = _Reader(value, where, ("bytes",))
        encoded = reader.get("bytes", _string)
        if encoded is None:
            raise Invalid(f"{where}: expected a string or {{'bytes': base64}}")
        try:
            return base64.b64decode(encoded.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise Invalid(f"{where}.bytes: not base64") from None
    return _string(value, where)


def _header(value: Any, where: str) -> tuple[str | bytes, str | bytes | None]:
    pair = _array(value, where, 2)
    if len(pair) != 2:
        raise Invalid(f"{where}: expected [name, value]")
    name = _text_value(pair[0], f"{where}[0]")
    header_value = None if pair[1] is None else _text_value(pair[1], f"{where}[1]")
    if header_value is not None:
        try:
            check_header_validity((name, header_value))
        except InvalidHeader as exc:
            raise Invalid(f"{where}: {exc}") from None
    elif not name or CTL_RE.search(name if isinstance(name, str) else name.decode("latin-1")):
        raise Invalid(f"{where}: invalid header name")
    return name, header_value


def _param_value(value: Any, where: str) -> Any:
    if isinstance(value, list):
        return [_param_scalar(v, f"{where}[{i}]") for i, v in enumerate(_array(value, where))]
    return _param_scalar(value, where)


def _param_scalar(value: Any, where: str) -> Any:
    if value is None or isinstance(value, str):
        return None if value is None else _string(value, where)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return _integer(value, where, -(2**63), 2**63)
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise Invalid(f"{where}: expected a string, a number or null")


def _params(value: Any, where: str) -> Any:
    reader = _Reader(value, where, ("mapping", "pairs", "query"))
    if len(reader.value) > 1:
        raise Invalid(f"{where}: expected one of mapping, pairs, query")
    if "query" in reader.value:
        return reader.get("query", _text_value)
    kind = "pairs" if "pairs" in reader.value else "mapping"
    entries = reader.get(kind, _array, [])
    out: list[tuple[str, Any]] = []
    for i, entry in enumerate(entries):
        pair = _array(entry, f"{where}.{kind}[{i}]", 2)
        if len(pair) != 2:
            raise Invalid(f"{where}.{kind}[{i}]: expected [key, value]")
        out.append(
            (
                _string(pair[0], f"{where}.{kind}[{i}][0]"),
                _param_value(pair[1], f"{where}.{kind}[{i}][1]"),
            )
        )
    return out if kind == "pairs" else dict(out)


def _verify(value: Any, where: str) -> bool | str:
    if isinstance(value, bool):
        return value
    return clean_string(value, where, empty=False)


def _cert(value: Any, where: str) -> str | tuple[str, str] | None:
    if value is None:
        return None
    if isinstance(value, list):
        if len(value) != 2:
            raise Invalid(f"{where}: expected a path or [cert, key]")
        return (
            clean_string(value[0], f"{where}[0]", empty=False),
            clean_string(value[1], f"{where}[1]", empty=False),
        )
    return clean_string(value, where, empty=False)


def _timeout(value: Any, where: str) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        if len(value) != 2:
            raise Invalid(f"{where}: expected seconds or [connect, read]")
        return tuple(
            None if v is None else _seconds(v, f"{where}[{i}]", zero=False)
            for i, v in enumerate(value)
        )
    if isinstance(value, dict):
        outer = _Reader(value, where, ("urllib3",))
        inner = _Reader(
            outer.value.get("urllib3"), outer.path("urllib3"), ("connect", "read", "total")
        )
        seconds = _optional(lambda v, w: _seconds(v, w, zero=False))
        parts = {
            key: inner.get(key, seconds)
            for key in ("connect", "read", "total")
            if key in inner.value
        }
        return Timeout(**parts)
    return _seconds(value, where, zero=False)


def _url(value: Any, where: str) -> str:
    text = clean_string(value, where, empty=False)
    if any(c.isspace() for c in text):
        raise Invalid(f"{where}: contains whitespace")
    return text


def _proxies(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise Invalid(f"{where}: expected an object")
    if len(value) > _MAX_COUNT:
        raise Invalid(f"{where}: more than {_MAX_COUNT} entries")
    return {
        clean_string(k, f"{where} key", empty=False): _url(v, f"{where}.{k}")
        for k, v in value.items()
    }


def _auth(value: Any, where: str) -> Any:
    if value is None:
        return None
    reader = _Reader(value, where, ("type", "username", "password"))
    kind = reader.get("type", _string)
    username = reader.get("username", _text_value)
    password = reader.get("password", _text_value)
    if username is None or password is None:
        raise Invalid(f"{where}: username and password are required")
    if kind == "tuple":
        return (username, password)
    factories: dict[str, Callable[[Any, Any], Any]] = {
        "basic": HTTPBasicAuth,
        "proxy": HTTPProxyAuth,
        "digest": HTTPDigestAuth,
    }
    factory = factories.get(kind) if isinstance(kind, str) else None
    if factory is None:
        raise Invalid(f"{reader.path('type')}: unknown auth type {kind!r}")
    return factory(username, password)


def _retry(value: Any, where: str) -> Retry:
    supported = _retry_parameters()
    names = _RETRY_COUNTS + _RETRY_SECONDS + _RETRY_FLAGS + _RETRY_SETS
    reader = _Reader(value, where, names)
    kwargs: dict[str, Any] = {}
    for name in names:
        if name not in reader.value:
            continue
        if name not in supported:
            raise Invalid(f"{reader.path(name)}: not supported by the installed urllib3")
        raw = reader.value[name]
        path = reader.path(name)
        if name in _RETRY_COUNTS:
            kwargs[name] = (
                raw if raw is None or isinstance(raw, bool) else _integer(raw, path, 0, _MAX_COUNT)
            )
        elif name in _RETRY_SECONDS:
            kwargs[name] = _seconds(raw, path)
        elif name in _RETRY_FLAGS:
            kwargs[name] = _boolean(raw, path)
        elif raw is None:
            kwargs[name] = None
        elif name == "status_forcelist":
            kwargs[name] = {
                _integer(v, f"{path}[{i}]", 100, 999) for i, v in enumerate(_array(raw, path))
            }
        else:
            kwargs[name] = frozenset(
                clean_string(v, f"{path}[{i}]", empty=False)
                for i, v in enumerate(_array(raw, path, _MAX_COUNT))
            )
    try:
        return Retry(**kwargs)
    except (TypeError, ValueError) as exc:
        raise Invalid(f"{where}: {exc}") from None


def _adapter(value: Any, where: str) -> tuple[str, dict[str, Any]]:
    reader = _Reader(
        value, where, ("prefix", "pool_connections", "pool_maxsize", "pool_block", "max_retries")
    )
    prefix = reader.get("prefix", lambda v, w: clean_string(v, w, empty=False))
    if prefix is None:
        raise Invalid(f"{where}: prefix is required")
    pool = lambda v, w: _integer(v, w, 1, _MAX_POOL)  # noqa: E731
    kwargs = {
        "pool_connections": reader.get("pool_connections", pool, 10),
        "pool_maxsize": reader.get("pool_maxsize", pool, 10),
        "pool_block": reader.get("pool_block", _boolean, False),
        "max_retries": reader.get("max_retries", _retry, None),
    }
    return prefix, kwargs


def _cookie(value: Any, where: str, now: float) -> cookielib.Cookie | None:
    reader = _Reader(value, where, _COOKIE_FIELDS)
    attrs: dict[str, Any] = {
        "name": reader.get("name", lambda v, w: clean_string(v, w, empty=False)),
        "value": reader.get("value", _optional(clean_string)),
        "domain": reader.get("domain", clean_string, ""),
        "domain_specified": reader.get("domain_specified", _boolean, False),
        "domain_initial_dot": reader.get("domain_initial_dot", _boolean, False),
        "path": reader.get("path", clean_string, "/"),
        "path_specified": reader.get("path_specified", _boolean, True),
        "secure": reader.get("secure", _boolean, False),
        "expires": reader.get("expires", _optional(lambda v, w: _expiry(v, w)), None),
        "discard": reader.get("discard", _boolean, True),
        "comment": reader.get("comment", _optional(clean_string)),
        "comment_url": reader.get("comment_url", _optional(_comment_url)),
        "port": reader.get("port", _optional(clean_string)),
        "port_specified": reader.get("port_specified", _boolean, False),
        "version": reader.get("version", _optional(lambda v, w: _integer(v, w, 0, 1))),
        "rfc2109": reader.get("rfc2109", _boolean, False),
        "rest": reader.get("rest", _rest, {}),
    }
    if attrs["name"] is None:
        raise Invalid(f"{where}: name is required")
    expires = attrs["expires"]
    if expires is not None and expires <= now:
        return None  # expired while saved: cookielib would never send it
    return cookielib.Cookie(**attrs)


def _expiry(value: Any, where: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Invalid(f"{where}: expected a Unix time")
    if not math.isfinite(value) or not 0 <= value <= MAX_EXPIRES:
        raise Invalid(f"{where}: {value!r} is outside [0, {MAX_EXPIRES}]")
    return value


def _comment_url(value: Any, where: str) -> str | bool:
    # requests' morsel_to_cookie stores a bool here.
    return value if isinstance(value, bool) else clean_string(value, where)


def _rest(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(f"{where}: expected an object")
    if len(value) > 64:
        raise Invalid(f"{where}: more than 64 attributes")
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = clean_string(key, f"{where} key", empty=False)
        if item is None or isinstance(item, bool):
            out[name] = item
        elif isinstance(item, int):
            out[name] = _integer(item, f"{where}.{name}", -(2**63), 2**63)
        else:
            out[name] = clean_string(item, f"{where}.{name}")
    return out


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise Invalid(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constants(name: str) -> Any:
    raise Invalid(f"{name} is not a number")


def parse_document(data: bytes) -> Any:
    """JSON from ``data``, refusing what the standard module would let through."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("not UTF-8 text") from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except RecursionError:
        raise Invalid("nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise Invalid(f"not valid JSON (truncated?): {exc}") from None
    except ValueError as exc:  # e.g. an integer with too many digits
        raise Invalid(f"not valid JSON: {exc}") from None


class _Plan:
    """Everything a session document says, validated; applied by :meth:`build`."""

    def __init__(self, document: Any, now: float) -> None:
        top = _Reader(document, "", ("format", "version", "credentials", "settings", "cookies"))
        if top.value.get("format") != FORMAT:
            raise Invalid("not a tether session file (format is not 'tether-session')")
        version = top.value.get("version")
        if version != VERSION or isinstance(version, bool):
            raise Invalid(f"unsupported version {version!r}; this tether reads version {VERSION}")
        top.get("credentials", _boolean)
        s = _Reader(
            top.value.get("settings", {}),
            "settings",
            (
                "headers",
                "proxies",
                "params",
                "verify",
                "cert",
                "timeout",
                "max_redirects",
                "trust_env",
                "stream",
                "base_url",
                "sensitive_headers",
                "auth",
                "adapters",
            ),
        )
        headers = s.get("headers", _array)
        self.headers = (
            None
            if headers is None
            else [_header(h, f"settings.headers[{i}]") for i, h in enumerate(headers)]
        )
        self.proxies: dict[str, str] = s.get("proxies", _proxies, {})
        self.params: Any = s.get("params", _params, {})
        self.verify: bool | str = s.get("verify", _verify, True)
        self.cert = s.get("cert", _cert)
        self.timeout = s.get("timeout", _timeout)
        self.max_redirects: int = s.get(
            "max_redirects", lambda v, w: _integer(v, w, 0, _MAX_COUNT), 30
        )
        self.trust_env: bool = s.get("trust_env", _boolean, True)
        self.stream: bool = s.get("stream", _boolean, False)
        self.base_url: str | None = s.get("base_url", _optional(_url))
        names = s.get("sensitive_headers", _array, [])
        self.sensitive_headers = frozenset(
            clean_string(n, f"settings.sensitive_headers[{i}]", empty=False)
            for i, n in enumerate(names)
        )
        self.auth = s.get("auth", _auth)
        adapters = s.get("adapters", lambda v, w: _array(v, w, _MAX_COUNT), [])
        self.adapters = [_adapter(a, f"settings.adapters[{i}]") for i, a in enumerate(adapters)]
        cookies = top.get("cookies", _array, [])
        restored = (_cookie(c, f"cookies[{i}]", now) for i, c in enumerate(cookies))
        self.cookies = [c for c in restored if c is not None]

    def build(self, cls: type[_S]) -> _S:
        session = cls()
        try:
            if self.headers is not None:
                headers: CaseInsensitiveDict[Any] = CaseInsensitiveDict()
                for name, value in self.headers:
                    headers[name] = value  # type: ignore[index]  # bytes names as requests allows
                session.headers = headers
            session.proxies = dict(self.proxies)
            session.params = self.params
            session.verify = self.verify
            session.cert = self.cert
            session.timeout = self.timeout
            session.max_redirects = self.max_redirects
            session.trust_env = self.trust_env
            session.stream = self.stream
            session.base_url = self.base_url
            session.sensitive_headers = self.sensitive_headers
            session.auth = self.auth
            for prefix, kwargs in self.adapters:
                session.mount(prefix, HTTPAdapter(**kwargs))
            jar = session.cookies
            for cookie in self.cookies:
                jar.set_cookie(cookie)
        except Exception:
            session.close()
            raise
        return session


def load_session(cls: type[_S], path: str | os.PathLike[str]) -> _S:
    """A new ``cls`` instance configured from the session document at ``path``."""
    name = os.fspath(path)
    data = read_capped(name)
    try:
        plan = _Plan(parse_document(data), time.time())
    except Invalid as exc:
        raise SessionFileError(f"{name}: {exc}") from None
    return plan.build(cls)
