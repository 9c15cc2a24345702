"""Header validation, header-value parsing and the default request headers.

This module decides which header names and values tether is willing to send
(``check_header_validity``), parses the structured header values requests exposes helpers
for (comma lists, ``key=value`` dicts, ``Link``, ``Content-Type`` parameters, the charset),
and builds the headers every Session starts with (User-Agent, Accept-Encoding, Accept,
Connection). It performs no I/O and keeps no state apart from one cached string.

Theory of operation: header validation
--------------------------------------
A header is written to the wire as ``name: value CRLF``. If a name or value could carry a CR
or LF, one string would become two header lines (CWE-113, security case 31), so requests
rejects, with :class:`InvalidHeader`, any name that is empty, starts with whitespace or
contains ":", CR or LF, and any value that starts with whitespace or contains CR or LF
(RFC 9110 §5.1, §5.5; the regexes live in ``tether._internal_utils``). tether applies those
rules unchanged and adds one more: NUL and the other C0 control characters (U+0000-U+001F)
except horizontal tab are refused in names and values too. RFC 9110 §5.5 calls CR, LF and NUL
in a field value "invalid and dangerous", and a NUL truncates the value in some servers and
proxies (C string handling), which requests 2.34 lets through. The error and its message are
the same as for the rules requests has.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache, lru_cache
from typing import Any, AnyStr

from . import _internal_utils
from .__version__ import __tether_version__
from ._internal_utils import _VALID_HEADER_NAME_RE_STR, _VALID_HEADER_VALUE_RE_STR
from .exceptions import InvalidHeader
from .structures import CaseInsensitiveDict

__all__ = [
    "accept_encoding",
    "all_validated",
    "check_header_validity",
    "default_headers",
    "default_user_agent",
    "get_encoding_from_headers",
    "parse_content_type_header",
    "parse_dict_header",
    "parse_header_links",
    "parse_list_header",
    "unquote_header_value",
]

# C0 controls other than HTAB (see the module docstring). CR and LF are already refused by
# requests' rules; listing them again keeps this rule complete on its own. Only strings that
# fail ``isprintable()`` (and bytes headers) are searched, so these patterns (and the Link
# separator below) are compiled on first use by ``_compiled``, not by ``import tether``.
_CONTROL_CHARS_STR = r"[\x00-\x08\x0a-\x1f]"
_CONTROL_CHARS_BYTE = rb"[\x00-\x08\x0a-\x1f]"

_STR_RULES = ((_VALID_HEADER_NAME_RE_STR, "name"), (_VALID_HEADER_VALUE_RE_STR, "value"))

# Link header (RFC 8288 §3): link-values are separated by "," before the next "<".
_LINK_SEPARATOR = ", *<"


@cache
def _compiled(pattern: AnyStr) -> re.Pattern[AnyStr]:
    return re.compile(pattern)


#: Header pairs already found valid. A session sends the same few headers on every request;
#: re-validating them is the kind of repeated work the per-request path must not do.
_VALIDATED: dict[tuple[str, str], None] = {}
_VALIDATED_MAX = 2048


def check_header_validity_cached(header: tuple[Any, Any]) -> None:
    """``check_header_validity`` that remembers ``str`` pairs it has accepted."""
    try:
        if header in _VALIDATED:
            return
    except TypeError:  # an unhashable value: validation reports it
        pass
    check_header_validity(header)
    name, value = header
    if type(name) is str and type(value) is str:
        if len(_VALIDATED) >= _VALIDATED_MAX:
            _VALIDATED.clear()
        _VALIDATED[header] = None


def all_validated(store: dict[Any, tuple[Any, Any]]) -> bool:
    """Whether every ``(name, value)`` pair of a case-insensitive dict's store is one
    :func:`check_header_validity_cached` accepted before (pairs of ``str`` only). Validates
    (and remembers) pairs not seen yet; False when one needs the full treatment."""
    for pair in store.values():
        try:
            if pair in _VALIDATED:
                continue
        except TypeError:  # an unhashable value
            return False
        name, value = pair
        if type(name) is not str or type(value) is not str:
            return False
        check_header_validity_cached(pair)
    return True


def check_header_validity(header: tuple[str | bytes, str | bytes]) -> None:
    """Raise :class:`InvalidHeader` unless ``(name, value)`` is safe to send.

    Both parts must be ``str`` or ``bytes``. See the module docstring for the rules.
    """
    name, value = header
    # Hot path (every header of every request): two ``str`` that pass. ``isprintable`` is a
    # cheap C-level pass that holds for almost every real header and rules out control
    # characters, so the control-character regex runs only for the rest.
    if (
        type(name) is str
        and type(value) is str
        and _VALID_HEADER_NAME_RE_STR.match(name) is not None
        and _VALID_HEADER_VALUE_RE_STR.match(value) is not None
        and (name.isprintable() or _compiled(_CONTROL_CHARS_STR).search(name) is None)
        and (value.isprintable() or _compiled(_CONTROL_CHARS_STR).search(value) is None)
    ):
        return
    _check_part(header, name, 0)
    _check_part(header, value, 1)


def _check_part(header: tuple[str | bytes, str | bytes], part: str | bytes, index: int) -> None:
    if isinstance(part, str):
        rule, kind = _STR_RULES[index]
        ok = rule.match(part) is not None and _compiled(_CONTROL_CHARS_STR).search(part) is None
    elif isinstance(part, bytes):
        # The bytes rules are compiled on first use (see tether._internal_utils).
        brule, kind = _internal_utils._HEADER_VALIDATORS_BYTE[index], _STR_RULES[index][1]
        ok = brule.match(part) is not None and _compiled(_CONTROL_CHARS_BYTE).search(part) is None
    else:
        raise InvalidHeader(
            f"Header part ({part!r}) from {header} must be of type str or bytes, not {type(part)}"
        )
    if not ok:
        raise InvalidHeader(
            "Invalid leading whitespace, reserved character(s), or return character(s) "
            f"in header {kind}: {part!r}"
        )


def _split_http_list(value: str) -> list[str]:
    """Split a comma-separated header value, keeping commas inside quoted strings.

    The rules of ``urllib.request.parse_http_list`` (RFC 9110 §5.6.1 lists with §5.6.4
    quoted strings): items are stripped, empty items are kept except a final one, quotes are
    kept, and inside quotes a backslash escapes the next character and is dropped.
    """
    if '"' not in value:
        items = value.split(",")
        if not items[-1]:
            items.pop()
        return [item.strip() for item in items]

    items = []
    current: list[str] = []
    in_quotes = escaped = False
    for char in value:
        if escaped:
            current.append(char)
            escaped = False
        elif in_quotes:
            if char == "\\":
                escaped = True
                continue
            if char == '"':
                in_quotes = False
            current.append(char)
        elif char == ",":
            items.append("".join(current))
            current = []
        else:
            if char == '"':
                in_quotes = True
            current.append(char)
    if current:
        items.append("".join(current))
    return [item.strip() for item in items]


def parse_list_header(value: str) -> list[str]:
    """Parse a comma-separated list whose items may be quoted strings; quotes are removed.

    >>> parse_list_header('token, "quoted value"')
    ['token', 'quoted value']
    """
    result = []
    for item in _split_http_list(value):
        if item[:1] == item[-1:] == '"':
            item = unquote_header_value(item[1:-1])
        result.append(item)
    return result


def parse_dict_header(value: str) -> dict[str, str | None]:
    """Parse a comma-separated list of ``key=value`` pairs into a dict.

    A key without ``=`` maps to ``None``; quoted values are unquoted.

    >>> parse_dict_header('foo="is a fish", bar="as well", flag')
    {'foo': 'is a fish', 'bar': 'as well', 'flag': None}
    """
    result: dict[str, str | None] = {}
    for item in _split_http_list(value):
        key, sep, val = item.partition("=")
        if not sep:
            result[item] = None
            continue
        if val[:1] == val[-1:] == '"':
            val = unquote_header_value(val[1:-1])
        result[key] = val
    return result


def unquote_header_value(value: str, is_filename: bool = False) -> str:
    r"""Remove the quotes around a header value the way browsers write them.

    Not RFC quoting: only ``\\`` and ``\"`` are unescaped. With ``is_filename``, a value that
    starts with a UNC prefix (``\\server``) is returned without quotes but otherwise as is.
    """
    if value and value[0] == value[-1] == '"':
        value = value[1:-1]
        if is_filename and value[:2] == "\\\\":
            return value
        return value.replace("\\\\", "\\").replace('\\"', '"')
    return value


def parse_header_links(value: str) -> list[dict[str, str]]:
    """Parse a ``Link`` header into a list of dicts with a ``url`` key and the link's params.

    ``<http://a/front.jpeg>; rel=front; type="image/jpeg", <http://a/back.jpeg>; rel=back``
    gives ``[{'url': 'http://a/front.jpeg', 'rel': 'front', 'type': 'image/jpeg'}, ...]``.
    """
    junk = " '\""
    links: list[dict[str, str]] = []
    value = value.strip(junk)
    if not value:
        return links
    for link_value in _compiled(_LINK_SEPARATOR).split(value):
        url, _, params = link_value.partition(";")
        link = {"url": url.strip("<> '\"")}
        for param in params.split(";"):
            # A parameter without exactly one "=" ends the list of this link's parameters.
            pieces = param.split("=")
            if len(pieces) != 2:
                break
            link[pieces[0].strip(junk)] = pieces[1].strip(junk)
        links.append(link)
    return links


def parse_content_type_header(header: str) -> tuple[str, dict[str, str]]:
    """Split a ``Content-Type`` value into the media type and its parameters.

    Parameter names are lower-cased; quotes and spaces around names and values are dropped;
    parameters without ``=`` are ignored.
    """
    media_type, *params = header.split(";")
    found: dict[str, str] = {}
    for param in params:
        param = param.strip()
        key, sep, val = param.partition("=")
        if sep:
            found[key.strip("\"' ").lower()] = val.strip("\"' ")
    return media_type.strip(), found


def get_encoding_from_headers(headers: Mapping[str, str]) -> str | None:
    """Return the body's charset as the response headers state it, or ``None``.

    The ``charset`` parameter wins. Otherwise ``text/*`` is ISO-8859-1 (RFC 2616 §3.7.1,
    which requests still applies) and ``application/json`` is UTF-8 (RFC 4627, RFC 8259 §8.1).
    """
    content_type = headers.get("content-type")
    if not content_type:
        return None
    return _charset_of(content_type)


@lru_cache(maxsize=256)
def _charset_of(content_type: str) -> str | None:
    # Responses repeat a handful of Content-Type values; parse each once.
    media_type, params = parse_content_type_header(content_type)
    if "charset" in params:
        return params["charset"].strip("'\"")
    if "text" in media_type:
        return "ISO-8859-1"
    if "application/json" in media_type:
        return "utf-8"
    return None


def default_user_agent(name: str = "python-tether") -> str:
    """Return the default ``User-Agent`` value, ``"{name}/{tether version}"``."""
    return f"{name}/{__tether_version__}"


_accept_encoding: str | None = None


def accept_encoding() -> str:
    """Return the ``Accept-Encoding`` value: the codings this process can decode.

    urllib3 decodes response bodies, so its own list (``urllib3.util.request.ACCEPT_ENCODING``:
    gzip and deflate always, ``br`` with brotli or brotlicffi, ``zstd`` with the zstd module
    that urllib3 version uses) is the truth; it is re-joined with ", " as requests does.
    Computed once.
    """
    global _accept_encoding
    if _accept_encoding is None:
        from urllib3.util.request import ACCEPT_ENCODING

        _accept_encoding = ", ".join(
            coding.strip() for coding in ACCEPT_ENCODING.split(",") if coding.strip()
        )
    return _accept_encoding


def default_headers() -> CaseInsensitiveDict[str]:
    """Return a new dict of the headers every Session starts with."""
    headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
    headers["User-Agent"] = default_user_agent()
    headers["Accept-Encoding"] = accept_encoding()
    headers["Accept"] = "*/*"
    headers["Connection"] = "keep-alive"
    return headers
