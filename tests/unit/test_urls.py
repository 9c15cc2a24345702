"""tether._urls: prepare_url, the requote cycle, IDNA hosts, URL helpers and ``origin``.

Most tests are differential: requests 2.34 is the oracle, and tether must give the same
URL, or raise the same exception class with the same message. ``origin`` has no requests
counterpart; it is checked against the pool urllib3 itself would pick (security case 45).
"""

from __future__ import annotations

from typing import Any

import pytest
import requests.utils
import urllib3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from requests.models import PreparedRequest as RequestsPreparedRequest

from tether import _urls
from tether.exceptions import InvalidURL, MissingSchema


def requests_prepare(url: Any, params: Any) -> object:
    """requests' prepared URL, or (exception class name, message)."""
    prepared = RequestsPreparedRequest()
    try:
        prepared.prepare_url(url, params)
    except Exception as exc:
        return (type(exc).__name__, str(exc))
    return prepared.url


def tether_prepare(url: Any, params: Any) -> object:
    try:
        return _urls.prepare_url(url, params)
    except Exception as exc:
        return (type(exc).__name__, str(exc))


# --------------------------------------------------------------------------------------
# prepare_url
# --------------------------------------------------------------------------------------

URLS = [
    # plain, fast-path shapes
    "http://example.com",
    "http://example.com/",
    "https://api.example.com/v1/users/123?page=2&sort=name",
    "http://127.0.0.1:8080/get",
    "http://H.Example.COM:8080/A/B?C=D#E",
    "http://h/p?a=1#frag",
    "http://h?x",
    "http://h/?",
    "http://h/#",
    "http://h/?#",
    "http://h//a//b",
    "http://h/a/./b/../c",
    "http://h/a/.",
    "http://h/a/..",
    "http://h/.well-known/x",
    "http://h.com./",
    "http://-h.com/",
    "http://a..b/",
    "http://xn--n3h.net/",
    "http://h/!$&'()*+,;=:@/",
    "http://h/?q=a?b/c",
    # ports
    "http://h:0/",
    "http://h:080/a",
    "http://h:/a",
    "http://h:65535/",
    "http://h:65536/",
    "http://h:99999/",
    "http://h:8a/",
    "http://a.test:80:90/",
    # case, whitespace
    "HTTP://H.COM/A",
    "hTTp://x.com",
    "  http://h/lead",
    "\t\nhttp://h/lead",
    "http://h/trail ",
    "http://h/a b",
    "http://h/a\t",
    " http://a.test/",
    # percent-escapes
    "http://h/%7e%41",
    "http://h/%7E%41?%7e=%7E#%41",
    "http://h/a%2E%2E/b",
    "http://h/a/%2e%2e/b",
    "http://h/a%2fb",
    "http://h/a%2Fb",
    "http://h/%C3%A9?q=%E2%82%AC",
    "http://h/p?%e2%82%ac",
    "http://h/%zz",
    "http://h/%",
    "http://h/%4",
    "http://h/?a=%",
    "http://h/%\u0664\u0661",
    "http://ex%41mple.com/",
    "http://127.0.0.1%0d%0a.x/",
    # non-ASCII
    "http://h/é",
    "http://h/?q=é#é",
    "http://пример.test/",
    "http://☃.net/",
    "http://ＥＸＡＭＰＬＥ.com/",
    "http+unix://☃.net/",
    "httpx://ＥＸＡＭＰＬＥ.com/",
    "http://xn--/",
    # hosts requests refuses
    "http://*.h/",
    "http://.h/",
    "http://",
    "http:///x",
    "http:////127.0.0.1:1/x",
    "http://x@//127.0.0.1:1/",
    "http://[::1/",
    "http://127.0.0.1\r\nX-Injected: 1:80/",
    # auth, IPv6, confusion vectors
    "http://u:p@h:1/p?q#f",
    "http://u@h/",
    "http://u:p%40x@h/",
    "http://[::1]:8/",
    "http://[fe80::1%25eth0]/",
    "http://a.test\\@b.test/",
    "http://h/a\r\nX-Injected: 1",
    "http://h/?a=b\r\nX-Injected: 1",
    # no scheme, other schemes
    "",
    "example.com/x",
    "//example.com/x",
    "localhost:8080",
    "mailto:a@b",
    "data:text/plain,hi",
    "file:///etc/passwd",
    "ftp://h/x",
    "HTTPS://h/x",
]

PARAMS: list[str | bytes | None] = [None, "", "b=2", b"b=2", "x y=ü", "p=%41%zz", "a=%7E&b=+"]


@pytest.mark.parametrize("params", PARAMS, ids=repr)
@pytest.mark.parametrize("url", URLS, ids=repr)
def test_prepare_url_matches_requests(url: str, params: str | bytes | None) -> None:
    assert tether_prepare(url, params) == requests_prepare(url, params)


@pytest.mark.parametrize(
    "url",
    [
        b"http://h/\xc3\xa9",
        b"https://example.com/x?y=1",
        b"  http://h/",
        b"mailto:x@y",
        b"http://h/\xff",  # not UTF-8: UnicodeDecodeError, as in requests
    ],
    ids=repr,
)
def test_prepare_url_bytes_matches_requests(url: bytes) -> None:
    assert tether_prepare(url, None) == requests_prepare(url, None)


def test_prepare_url_accepts_objects_with_a_string_form() -> None:
    class Url:
        def __str__(self) -> str:
            return "http://h/from-object"

    assert tether_prepare(Url(), None) == requests_prepare(Url(), None) == "http://h/from-object"


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("mailto:a@b", b"\xc3\xbc"),  # not looked at: no error
        ("example.com/x", b"\xc3\xbc"),  # the URL error wins
        ("http://h/", b"\xc3\xbc"),  # ASCII-only bytes params: UnicodeDecodeError
        ("http://h/%zz", b"\xc3\xbc"),
    ],
)
def test_error_precedence_matches_requests(url: str, params: bytes) -> None:
    assert tether_prepare(url, params) == requests_prepare(url, params)


@pytest.mark.parametrize(
    ("url", "exc", "message"),
    [
        (
            "example.com/x",
            MissingSchema,
            "Invalid URL 'example.com/x': No scheme supplied. Perhaps you meant https://example.com/x?",
        ),
        ("http://", InvalidURL, "Invalid URL 'http://': No host supplied"),
        (
            "http:////127.0.0.1:1/x",
            InvalidURL,
            "Invalid URL 'http:////127.0.0.1:1/x': No host supplied",
        ),
        ("http://*.h/", InvalidURL, "URL has an invalid label."),
        ("http://.h/", InvalidURL, "URL has an invalid label."),
        ("http+unix://☃.net/", InvalidURL, "URL has an invalid label."),
        ("http://h:65536/", InvalidURL, "Failed to parse: http://h:65536/"),
    ],
)
def test_prepare_url_errors(url: str, exc: type[Exception], message: str) -> None:
    with pytest.raises(exc) as info:
        _urls.prepare_url(url, None)
    assert type(info.value) is exc
    assert str(info.value) == message


def test_location_parse_error_keeps_its_args() -> None:
    with pytest.raises(InvalidURL) as info:
        _urls.prepare_url("http://a.test:80:90/", None)
    with pytest.raises(requests.exceptions.InvalidURL) as oracle:
        RequestsPreparedRequest().prepare_url("http://a.test:80:90/", None)
    assert info.value.args == oracle.value.args


@pytest.mark.parametrize(
    "url",
    ["http://h/a", "https://api.example.com:8443/v1/x?y=%C3%A9&z=1#f", "http://198.0.0.1/"],
)
def test_fast_path_does_not_parse(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """A URL already in normal form is prepared without urllib3's parser."""

    def refuse(url: str) -> None:
        raise AssertionError(f"parse_url called for {url!r}")

    expected = requests_prepare(url, "k=v")
    monkeypatch.setattr(_urls, "parse_url", refuse)
    assert _urls.prepare_url(url, "k=v") == expected


@pytest.mark.parametrize(
    "url", ["http://h/a/../b", "http://u@h/", "http://[::1]/", "http://h/%7e", "http://h/ x"]
)
def test_slow_path_is_taken_when_normalisation_is_needed(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    calls: list[str] = []
    real = urllib3.util.parse_url

    def spy(url: str) -> Any:
        calls.append(url)
        return real(url)

    monkeypatch.setattr(_urls, "parse_url", spy)
    _urls.prepare_url(url, None)
    assert calls == [url]


_URL_PIECES = st.sampled_from(
    [
        *"aZ09.-_~!$&'()*+,;=:@/?#%[]\\ \té\x00AFf2eE",
        "%41",
        "%2E",
        "%2e",
        "%7E",
        "%zz",
        "%C3%A9",
        "/./",
        "/../",
        "..",
        "ü",
    ]
)
_SCHEMES = st.sampled_from(
    ["http://", "https://", "HTTP://", "http:", "httpx://", "ftp://", "", " http://"]
)
_HOSTS = st.sampled_from(
    [
        "h",
        "H.com",
        "127.0.0.1",
        "[::1]",
        "*.x",
        ".x",
        "a..b",
        "-a",
        "xn--n3h",
        "ex%41mple",
        "ü.com",
        "u:p@h",
        "@h",
        "h:80",
        "h:0",
        "h:080",
        "h:65535",
        "h:65536",
        "h:",
        "",
    ]
)
_PARAMS = st.one_of(st.none(), st.sampled_from(["", "a=1", "a b=%41", "x=%zz", "é=1"]))


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(_SCHEMES, _HOSTS, st.lists(_URL_PIECES, max_size=12).map("".join), _PARAMS)
def test_prepare_url_differential_fuzz(
    scheme: str, host: str, rest: str, params: str | None
) -> None:
    url = scheme + host + rest
    assert tether_prepare(url, params) == requests_prepare(url, params)


_FAST_PIECES = [*"aZ09.-_~!$&'()*+,;=:@/", "%41", "%C3", "%7E", "%2E"]
_FAST_PATH = st.lists(st.sampled_from(_FAST_PIECES), max_size=10).map("".join)
_FAST_QUERY = st.lists(st.sampled_from([*_FAST_PIECES, "?"]), max_size=6).map("".join)


@settings(max_examples=800, deadline=None)
@given(
    st.sampled_from(["http", "https"]),
    st.sampled_from(["h", "Example.COM", "198.0.0.1", "a-b.c"]),
    st.sampled_from(["", ":1", ":8080", ":65535"]),
    _FAST_PATH,
    st.one_of(st.none(), _FAST_QUERY),
    st.one_of(st.none(), _FAST_QUERY),
    _PARAMS,
)
def test_fast_and_slow_paths_agree(
    scheme: str,
    host: str,
    port: str,
    path: str,
    query: str | None,
    fragment: str | None,
    params: str | None,
) -> None:
    url = f"{scheme}://{host}{port}/{path}"
    if query is not None:
        url += f"?{query}"
    if fragment is not None:
        url += f"#{fragment}"
    assert tether_prepare(url, params) == requests_prepare(url, params)
    try:
        slow: object = _urls._prepare_url_slow(url, params)
    except Exception as exc:
        slow = (type(exc).__name__, str(exc))
    assert tether_prepare(url, params) == slow


# --------------------------------------------------------------------------------------
# requote / unquote
# --------------------------------------------------------------------------------------

REQUOTE_CASES = [
    "",
    "http://h/a b",
    "http://h/%7e%41%2F",
    "http://h/%zz",
    "http://h/%",
    "http://h/%4",
    "http://h/%g1",
    "http://h/%\u0664\u0661",
    "http://h/%\uff14\uff11",
    "http://h/%é1",
    "http://h/é?q=ü#ß",
    "http://a.test\\@b.test/",
    "http://h/\x00\x7f",
    'http://h/[]{}|^`"<>',
    "%41%42%43",
    "%%%",
    "100%",
]


@pytest.mark.parametrize("uri", REQUOTE_CASES, ids=repr)
def test_requote_uri_matches_requests(uri: str) -> None:
    assert _urls.requote_uri(uri) == requests.utils.requote_uri(uri)


@pytest.mark.parametrize("uri", REQUOTE_CASES, ids=repr)
def test_unquote_unreserved_matches_requests(uri: str) -> None:
    try:
        expected: object = requests.utils.unquote_unreserved(uri)
    except requests.exceptions.InvalidURL as exc:
        expected = ("InvalidURL", str(exc))
    try:
        got: object = _urls.unquote_unreserved(uri)
    except InvalidURL as exc:
        got = ("InvalidURL", str(exc))
    assert got == expected


def test_unquote_unreserved_error_message() -> None:
    with pytest.raises(InvalidURL, match=r"^Invalid percent-escape sequence: 'zz'$"):
        _urls.unquote_unreserved("http://h/%zz")


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(st.sampled_from([*"%aF09zZ/ ?#é\x00~", "%4", "%7e", "\u0664"]), max_size=20).map(
        "".join
    )
)
def test_requote_and_unquote_fuzz(uri: str) -> None:
    assert _urls.requote_uri(uri) == requests.utils.requote_uri(uri)
    try:
        expected: object = requests.utils.unquote_unreserved(uri)
    except requests.exceptions.InvalidURL as exc:
        expected = str(exc)
    try:
        got: object = _urls.unquote_unreserved(uri)
    except InvalidURL as exc:
        got = str(exc)
    assert got == expected


def test_unreserved_set() -> None:
    assert frozenset(requests.utils.UNRESERVED_SET) == _urls.UNRESERVED_SET
    assert len(_urls.UNRESERVED_SET) == 66


# --------------------------------------------------------------------------------------
# IDNA
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "ドメイン.テスト",
        "Bücher.example",
        "ＥＸＡＭＰＬＥ.com",
        "straße.de",
        "xn--bcher-kva.example",
        "example.com",
    ],
)
def test_idna_encoded_host_matches_requests(host: str) -> None:
    expected = RequestsPreparedRequest._get_idna_encoded_host(host)
    assert _urls.get_idna_encoded_host(host) == expected
    assert _urls.get_idna_encoded_host(host).isascii()


@pytest.mark.parametrize("host", ["☃.net", "a" * 64 + ".com", "", "-x-.com", "xn--a.com"])
def test_idna_encoded_host_raises_unicode_error(host: str) -> None:
    with pytest.raises(UnicodeError):
        RequestsPreparedRequest._get_idna_encoded_host(host)
    with pytest.raises(UnicodeError):
        _urls.get_idna_encoded_host(host)


# --------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------

HELPER_URLS = [
    "",
    "example.com",
    "//example.com",
    "example.com:80/x",
    "u:p@h/x",
    "http://h",
    "http://u:p@h:8080/p;params?q=1#frag",
    "http://u@h/",
    "http://:p@h/",
    "http://u%20x:p%40y@h/",
    "http://u:p@[::1]:80/x",
    "socks5://user:pass@proxy:1080",
    "/path",
    "h?x#y",
    "https://a@b@c/",
    "http://h/a#b#c",
]


@pytest.mark.parametrize("url", HELPER_URLS, ids=repr)
@pytest.mark.parametrize("scheme", ["http", "socks5h"])
def test_prepend_scheme_if_needed_matches_requests(url: str, scheme: str) -> None:
    def run(func: Any) -> object:
        try:
            return func(url, scheme)
        except Exception as exc:
            return (type(exc).__name__, str(exc))

    assert run(_urls.prepend_scheme_if_needed) == run(requests.utils.prepend_scheme_if_needed)


@pytest.mark.parametrize("url", HELPER_URLS, ids=repr)
def test_urldefragauth_matches_requests(url: str) -> None:
    assert _urls.urldefragauth(url) == requests.utils.urldefragauth(url)


@pytest.mark.parametrize("url", HELPER_URLS, ids=repr)
def test_get_auth_from_url_matches_requests(url: str) -> None:
    assert _urls.get_auth_from_url(url) == requests.utils.get_auth_from_url(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://u%20x:p%40y@h/", ("u x", "p@y")),
        ("http://u@h/", ("", "")),
        ("http://h/", ("", "")),
        ("http://:@h/", ("", "")),
    ],
)
def test_get_auth_from_url_values(url: str, expected: tuple[str, str]) -> None:
    assert _urls.get_auth_from_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://h",
        "http://h/",
        "http://h/a/b?x=1&y=2#frag",
        "http://h?x",
        "http://h/?",
        "http://h/a;p?q",
        "https://u:p@h:8443/%7E/x?%41",
        "http://h//double",
    ],
)
def test_path_url_matches_requests(url: str) -> None:
    oracle = RequestsPreparedRequest()
    oracle.url = url
    assert _urls.path_url(url) == oracle.path_url


# --------------------------------------------------------------------------------------
# origin
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://Example.COM/x", ("http", "example.com", 80)),
        ("HTTPS://example.com", ("https", "example.com", 443)),
        ("https://example.com:8443/", ("https", "example.com", 8443)),
        ("http://example.com:443/", ("http", "example.com", 443)),
        ("http://[::1]:8080/", ("http", "::1", 8080)),
        ("https://[::1]/", ("https", "::1", 443)),
        ("ftp://Files.example/x", ("ftp", "files.example", None)),
        ("ftp://files.example:21/x", ("ftp", "files.example", 21)),
        ("http://u:p@h/", ("http", "h", 80)),
        ("http://a.test\\@b.test/", ("http", "a.test", 80)),
        ("http://xn--n3h.net/", ("http", "xn--n3h.net", 80)),
    ],
)
def test_origin(url: str, expected: tuple[str, str, int | None]) -> None:
    assert _urls.origin(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://Example.COM/x",
        "https://example.com:8443/",
        "http://[::1]:8080/",
        "https://[::1]/",
        "http://u:p@h/",
        "http://a.test\\@b.test/",
        "http://a.test/%5C@b.test/",
        "HTTP://127.0.0.1:80/",
    ],
)
def test_origin_names_the_pool_urllib3_connects_to(url: str) -> None:
    """Security case 45: the host that decisions see is the host urllib3 connects to."""
    with urllib3.PoolManager() as manager:
        pool = manager.connection_from_url(url)
        assert _urls.origin(url) == (pool.scheme, pool.host, pool.port)


def test_origin_of_a_prepared_url_agrees_with_urllib3() -> None:
    prepared = _urls.prepare_url("http://a.test\\@b.test/", None)
    assert prepared == "http://a.test/%5C@b.test/"
    assert _urls.origin(prepared)[1] == urllib3.util.parse_url(prepared).host == "a.test"


def test_origin_unparsable_raises_invalid_url() -> None:
    with pytest.raises(InvalidURL):
        _urls.origin("http://a.test:80:90/")
