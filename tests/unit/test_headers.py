"""tether._headers: header validation, header-value parsers and the default headers.

Differential against requests 2.34 wherever tether keeps requests' behaviour; the one
deliberate difference (C0 control characters refused, security case 31) has its own tests
that also show requests lets those headers through.
"""

from __future__ import annotations

import importlib.util
import urllib.request
from typing import Any

import pytest
import requests.utils
import urllib3.util.request
from hypothesis import given, settings
from hypothesis import strategies as st

from tether import _headers
from tether.__version__ import __tether_version__
from tether.exceptions import InvalidHeader
from tether.structures import CaseInsensitiveDict


def outcome(func: Any, *args: Any) -> object:
    """The result of ``func(*args)``, or (exception class name, message)."""
    try:
        return func(*args)
    except Exception as exc:
        return (type(exc).__name__, str(exc))


# --------------------------------------------------------------------------------------
# check_header_validity
# --------------------------------------------------------------------------------------

HEADERS_SAME_AS_REQUESTS: list[tuple[Any, Any]] = [
    ("Content-Type", "text/plain"),
    ("X-Empty", ""),
    ("X-Tab-Inside", "a\tb"),
    ("X-Latin", "café"),
    (b"X-Bytes", b"value"),
    ("X-Mixed", b"value"),
    (b"X-Obs-Text", b"\xe9t\xe9"),
    ("foo", "bar\r\nX-Injected: 1"),
    ("foo", "bar\nX-Injected: 1"),
    ("foo", "bar\r"),
    ("foo\n", "bar"),
    ("foo\r", "bar"),
    (" foo", "bar"),
    ("\tfoo", "bar"),
    ("foo", " bar"),
    ("foo", "\tbar"),
    ("foo:", "bar"),
    ("fo:o", "bar"),
    ("", "bar"),
    (b"", b"bar"),
    (b" foo", b"bar"),
    (b"foo", b"bar\r\nX: 1"),
    (b"foo", b" bar"),
    ("foo", 3),
    (3, "foo"),
    ("foo", None),
    ("foo", ["bar"]),
    (b"foo", 1.5),
    ("foo\u0085", "bar"),
    ("foo", "\u00a0bar"),
]


@pytest.mark.parametrize("header", HEADERS_SAME_AS_REQUESTS, ids=repr)
def test_check_header_validity_matches_requests(header: tuple[Any, Any]) -> None:
    expected = outcome(requests.utils.check_header_validity, header)
    got = outcome(_headers.check_header_validity, header)
    assert got == expected


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            ("foo", "bar\r\nX-Injected: 1"),
            "Invalid leading whitespace, reserved character(s), or return character(s) "
            "in header value: 'bar\\r\\nX-Injected: 1'",
        ),
        (
            (" foo", "bar"),
            "Invalid leading whitespace, reserved character(s), or return character(s) "
            "in header name: ' foo'",
        ),
        (
            (b"foo", b" bar"),
            "Invalid leading whitespace, reserved character(s), or return character(s) "
            "in header value: b' bar'",
        ),
        (
            ("foo", 3),
            "Header part (3) from ('foo', 3) must be of type str or bytes, not <class 'int'>",
        ),
    ],
)
def test_check_header_validity_messages(header: tuple[Any, Any], message: str) -> None:
    with pytest.raises(InvalidHeader) as info:
        _headers.check_header_validity(header)
    assert str(info.value) == message


CONTROL_CHARACTER_HEADERS: list[tuple[Any, Any, str]] = [
    ("foo", "bar\x00baz", "value"),
    ("foo", "bar\x00", "value"),
    ("foo", "\x01", "value"),
    ("foo", "a\x08b", "value"),
    ("foo", "a\x0bb", "value"),
    ("foo", "a\x0cb", "value"),
    ("foo", "a\x1bb", "value"),
    ("foo", "a\x1fb", "value"),
    ("fo\x00o", "bar", "name"),
    ("fo\x7fo\x01", "bar", "name"),
    ("foo\x1f", "bar", "name"),
    (b"foo", b"bar\x00baz", "value"),
    (b"foo", b"a\x1fb", "value"),
    (b"f\x00oo", b"bar", "name"),
]


@pytest.mark.parametrize(("name", "value", "kind"), CONTROL_CHARACTER_HEADERS, ids=repr)
def test_control_characters_are_refused(name: Any, value: Any, kind: str) -> None:
    """Hardening beyond requests (security case 31): C0 controls other than HTAB."""
    requests.utils.check_header_validity((name, value))  # requests lets these through
    with pytest.raises(InvalidHeader) as info:
        _headers.check_header_validity((name, value))
    part = name if kind == "name" else value
    assert str(info.value) == (
        "Invalid leading whitespace, reserved character(s), or return character(s) "
        f"in header {kind}: {part!r}"
    )


@pytest.mark.parametrize(
    "header",
    [
        ("X-Tab", "a\tb"),
        ("X\tTab", "v"),
        ("X-Del", "a\x7fb"),
        ("X-High", "\x80\xff"),
        (b"X", b"a\tb"),
    ],
    ids=repr,
)
def test_tab_del_and_high_characters_are_allowed(header: tuple[Any, Any]) -> None:
    _headers.check_header_validity(header)
    requests.utils.check_header_validity(header)


@settings(max_examples=1500, deadline=None)
@given(
    st.text(alphabet=st.characters(max_codepoint=0xFF), max_size=6),
    st.text(alphabet=st.characters(max_codepoint=0xFF), max_size=6),
    st.booleans(),
)
def test_check_header_validity_fuzz(name: str, value: str, as_bytes: bool) -> None:
    """tether refuses what requests refuses, plus parts with C0 controls, name first."""
    header: tuple[Any, Any] = (
        (name.encode("latin-1"), value.encode("latin-1")) if as_bytes else (name, value)
    )
    filler: Any = b"x" if as_bytes else "x"
    expected: object = None
    for kind, part, alone in (
        ("name", header[0], (header[0], filler)),
        ("value", header[1], (filler, header[1])),
    ):
        text = part.decode("latin-1") if as_bytes else part
        has_control = any(c < " " and c != "\t" for c in text)
        if has_control or outcome(requests.utils.check_header_validity, alone) is not None:
            expected = (
                "InvalidHeader",
                "Invalid leading whitespace, reserved character(s), or return character(s) "
                f"in header {kind}: {part!r}",
            )
            break
    assert outcome(_headers.check_header_validity, header) == expected
    if not any(c < " " and c != "\t" for c in name + value):
        assert expected == outcome(requests.utils.check_header_validity, header)


# --------------------------------------------------------------------------------------
# header-value parsers
# --------------------------------------------------------------------------------------

LIST_VALUES = [
    "",
    "token",
    'token, "quoted value"',
    "a,,b",
    "a, ",
    ", a",
    "a,",
    '"a,b", c',
    '"a\\"b", c',
    '"a\\\\b"',
    'x"y"z, w',
    '"unterminated, a',
    '"',
    '""',
    '"\\',
    "a\\,b",
    ' "spaced" , x ',
]


@pytest.mark.parametrize("value", LIST_VALUES, ids=repr)
def test_split_http_list_matches_urllib(value: str) -> None:
    assert _headers._split_http_list(value) == urllib.request.parse_http_list(value)


_LIST_ALPHABET = st.sampled_from(list('ab ,="\\;\t'))


@settings(max_examples=2000, deadline=None)
@given(st.lists(_LIST_ALPHABET, max_size=16).map("".join))
def test_list_parsers_fuzz(value: str) -> None:
    assert _headers._split_http_list(value) == urllib.request.parse_http_list(value)
    assert _headers.parse_list_header(value) == requests.utils.parse_list_header(value)
    assert _headers.parse_dict_header(value) == requests.utils.parse_dict_header(value)


@pytest.mark.parametrize("value", LIST_VALUES, ids=repr)
def test_parse_list_header_matches_requests(value: str) -> None:
    assert _headers.parse_list_header(value) == requests.utils.parse_list_header(value)


@pytest.mark.parametrize(
    "value",
    [
        *LIST_VALUES,
        'foo="is a fish", bar="as well"',
        "key_without_value",
        "a=1, a=2",
        'realm="x=y", nonce=abc, qop="auth,auth-int"',
        "a==b",
        "=v",
        'k=""',
    ],
    ids=repr,
)
def test_parse_dict_header_matches_requests(value: str) -> None:
    assert _headers.parse_dict_header(value) == requests.utils.parse_dict_header(value)


@pytest.mark.parametrize(
    ("value", "is_filename"),
    [
        ('"plain"', False),
        ('"a\\\\b"', False),
        ('"a\\"b"', False),
        ('"\\\\server\\share"', False),
        ('"\\\\server\\share"', True),
        ('"C:\\\\dir\\\\f.txt"', True),
        ("unquoted", False),
        ('"', False),
        ("", False),
        ('"x', False),
    ],
)
def test_unquote_header_value_matches_requests(value: str, is_filename: bool) -> None:
    assert _headers.unquote_header_value(value, is_filename) == (
        requests.utils.unquote_header_value(value, is_filename)
    )


@pytest.mark.parametrize(
    "value",
    [
        "",
        "  ",
        '<http:/.../front.jpeg>; rel=front; type="image/jpeg",<http://.../back.jpeg>; rel=back;type="image/jpeg"',
        "<http://a/1>; rel=next, <http://a/9>; rel=last",
        "<http://a/1>",
        "<http://a/1>;",
        "<http://a/1>; rel",
        "<http://a/1>; rel=a=b; x=y",
        "<http://a/1>; rel=next; bad; title=t",
        "'<http://a/1>; rel=\"next\"'",
        "<http://a/1,2>; rel=x,<http://b>",
        "<http://a/1>;rel=next,   <http://a/2>;rel=prev",
    ],
    ids=repr,
)
def test_parse_header_links_matches_requests(value: str) -> None:
    assert _headers.parse_header_links(value) == requests.utils.parse_header_links(value)


CONTENT_TYPES = [
    "",
    "text/html",
    "text/html; charset=UTF-8",
    'text/html; charset="utf-8"',
    "text/html; charset='utf-8'",
    "text/html;charset=utf-8;  format=flowed",
    "application/json",
    "application/json; charset=latin-1",
    "application/vnd.api+json",
    "application/xml",
    "multipart/form-data; boundary=---x; Charset=ascii",
    "text/plain; flag; q=1",
    " text/plain ; =v; k= ",
    'application/octet-stream; "name"="x"',
    "TEXT/PLAIN",
    "image/png; charset",
]


@pytest.mark.parametrize("value", CONTENT_TYPES, ids=repr)
def test_parse_content_type_header_matches_requests(value: str) -> None:
    assert _headers.parse_content_type_header(value) == (
        requests.utils._parse_content_type_header(value)
    )


@pytest.mark.parametrize("value", CONTENT_TYPES, ids=repr)
def test_get_encoding_from_headers_matches_requests(value: str) -> None:
    headers = CaseInsensitiveDict({"Content-Type": value})
    oracle = requests.structures.CaseInsensitiveDict({"Content-Type": value})
    assert _headers.get_encoding_from_headers(headers) == (
        requests.utils.get_encoding_from_headers(oracle)
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("text/html", "ISO-8859-1"),
        ("application/json", "utf-8"),
        ('text/html; charset="utf-8"', "utf-8"),
        ("image/png", None),
    ],
)
def test_get_encoding_from_headers_values(value: str, expected: str | None) -> None:
    assert _headers.get_encoding_from_headers(CaseInsensitiveDict({"content-type": value})) == (
        expected
    )


def test_get_encoding_from_headers_without_content_type() -> None:
    assert _headers.get_encoding_from_headers(CaseInsensitiveDict()) is None


# --------------------------------------------------------------------------------------
# default headers
# --------------------------------------------------------------------------------------


def test_default_user_agent() -> None:
    assert _headers.default_user_agent() == f"python-tether/{__tether_version__}"
    assert _headers.default_user_agent("my-app") == f"my-app/{__tether_version__}"


def test_accept_encoding_matches_requests_and_urllib3() -> None:
    value = _headers.accept_encoding()
    assert value == requests.utils.DEFAULT_ACCEPT_ENCODING
    assert value.replace(" ", "") == urllib3.util.request.ACCEPT_ENCODING
    assert value.startswith("gzip, deflate")
    has_brotli = any(
        importlib.util.find_spec(name) is not None for name in ("brotli", "brotlicffi")
    )
    assert ("br" in value.split(", ")) == has_brotli
    assert _headers.accept_encoding() is value  # computed once


def test_default_headers() -> None:
    headers = _headers.default_headers()
    assert isinstance(headers, CaseInsensitiveDict)
    assert list(headers.items()) == [
        ("User-Agent", f"python-tether/{__tether_version__}"),
        ("Accept-Encoding", _headers.accept_encoding()),
        ("Accept", "*/*"),
        ("Connection", "keep-alive"),
    ]
    assert headers["user-agent"] == headers["User-Agent"]


def test_default_headers_are_fresh_each_call() -> None:
    first = _headers.default_headers()
    first["Accept"] = "text/plain"
    del first["Connection"]
    assert _headers.default_headers()["Accept"] == "*/*"
    assert "Connection" in _headers.default_headers()


def test_default_headers_same_keys_as_requests() -> None:
    assert list(_headers.default_headers()) == list(requests.utils.default_headers())
