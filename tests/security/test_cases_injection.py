"""Security catalogue cases 31-36: CR/LF and control-character injection.

Every vector must be refused (or neutralised by percent-encoding) *before* a byte reaches
the server: the listener must not even accept a connection for the refused ones.
"""

from __future__ import annotations

import pytest

import tether
from tests.support.fixtures import RawServerFactory
from tests.support.hostile import connect_proxy_handler
from tests.support.servers import Connection, RawRequest, RawServer, echo_handler, http_response
from tether.adapters import HTTPAdapter


@pytest.fixture
def echo(raw_server: RawServerFactory) -> RawServer:
    return raw_server(echo_handler)


def _assert_untouched(server: RawServer) -> None:
    assert server.connections_accepted == 0
    assert server.requests == []


# -- case 31: header names and values --------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"foo": "bar\r\nX-Injected: 1"},
        {"foo": "bar\nX-Injected: 1"},
        {"foo": "bar\rX-Injected: 1"},
        {"foo\n": "bar"},
        {"foo\r\nX-Injected": "1"},
        {" foo": "bar"},
        {"foo": "\tbar"},
        {"foo": " bar"},
        {"fo:o": "bar"},
        {"": "bar"},
        {"foo": 3},
        {"foo": None.__class__},
        {b"foo": b"bar\r\nX: 1"},
        {"foo": b"bar\nX: 1"},
        # tether also refuses NUL and the other C0 controls (RFC 9110 §5.5).
        {"foo": "bar\x00baz"},
        {"foo": "bar\x0bbaz"},
        {"fo\x00o": "bar"},
    ],
    ids=repr,
)
def test_case_31_cwe_113_invalid_headers_refused_before_sending(
    echo: RawServer, headers: dict[object, object]
) -> None:
    with pytest.raises(tether.exceptions.InvalidHeader) as info:
        tether.get(echo.url, headers=headers)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)
    _assert_untouched(echo)


def test_case_31_cwe_113_session_headers_validated_too(echo: RawServer) -> None:
    with tether.Session() as s:
        s.headers["X-Evil"] = "a\r\nX-Injected: 1"
        with pytest.raises(tether.exceptions.InvalidHeader):
            s.get(echo.url)
    _assert_untouched(echo)


def test_case_31_cwe_113_header_added_after_prepare_never_splits(echo: RawServer) -> None:
    # A value slipped into an already prepared request (an auth hook, user code) is not
    # re-validated by tether, but http.client refuses it before writing: still no second
    # header line on the wire.
    with tether.Session() as s:
        prep = s.prepare_request(tether.Request("GET", echo.url))
        prep.headers["X-Late"] = "a\r\nX-Injected: 1"
        with pytest.raises(ValueError):
            s.send(prep)
        assert all(r.header("x-injected") is None for r in echo.requests)
        assert s.get(echo.url).status_code == 200


def test_case_31_cwe_113_tab_inside_value_allowed(echo: RawServer) -> None:
    r = tether.get(echo.url, headers={"X-Tab": "a\tb"})
    assert ["X-Tab", "a\tb"] in r.json()["headers"]


# -- case 32: CR/LF in the path or query -----------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "target"),
    [
        ("?a=b\r\nX-Injected: 1", "/?a=b%0D%0AX-Injected:%201"),
        ("a\r\nX-Injected: 1", "/a%0D%0AX-Injected:%201"),
        ("?q=\x00\x7f b", "/?q=%00%7F%20b"),
        ("p a\th", "/p%20a%09h"),
        ("?a=1 HTTP/1.1\r\nHost: evil\r\n\r\nGET /smuggled", None),
    ],
    ids=["query-crlf", "path-crlf", "query-ctl-space", "path-space-tab", "request-smuggling"],
)
def test_case_32_cve_2019_11236_crlf_in_path_or_query_is_percent_encoded(
    echo: RawServer, suffix: str, target: str | None
) -> None:
    r = tether.get(echo.url + suffix)
    seen = echo.requests[0]
    if target is not None:
        assert seen.target == target
    assert b"\r\nX-Injected" not in seen.raw
    assert seen.header("x-injected") is None
    assert len(echo.requests) == 1  # nothing smuggled as a second request
    assert seen.header("host") == f"127.0.0.1:{echo.port}".encode()
    assert r.status_code == 200


def test_case_32_cve_2019_9740_crlf_in_redirect_location_is_percent_encoded(
    raw_server: RawServerFactory,
) -> None:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.path == "/start":
            return http_response(302, headers=[("Location", "/next?x=1\rX-Injected:%201")])
        return http_response(200, b"ok")

    server = raw_server(handler)
    r = tether.get(server.url_for("/start"))
    assert r.status_code == 200
    final = server.requests[-1]
    assert final.header("x-injected") is None
    assert b"\rX-Injected" not in final.raw


# -- case 33: the method ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "method",
    [
        "GET / HTTP/1.1\r\nX-Injected: 1\r\n",
        "GET /x",
        "GET\r\n",
        "GE\nT",
        "G\x00T",
        "GET\t",
        "PO ST",
        "GÉT",
        "",
    ],
    ids=repr,
)
def test_case_33_cve_2020_26137_method_with_non_token_characters_refused(
    echo: RawServer, method: str
) -> None:
    with pytest.raises(tether.exceptions.InvalidURL) as info:
        tether.request(method, echo.url)
    assert isinstance(info.value, ValueError)
    _assert_untouched(echo)


def test_case_33_cve_2020_26137_refused_while_preparing(echo: RawServer) -> None:
    with pytest.raises(ValueError):
        tether.Request("GET / HTTP/1.1\r\nX: 1", echo.url).prepare()
    with tether.Session() as s:
        prep = s.prepare_request(tether.Request("GET", echo.url))
        with pytest.raises(ValueError):
            prep.prepare_method("GET\r\nX: 1")
    _assert_untouched(echo)


@pytest.mark.parametrize("method", ["PROPFIND", "M-SEARCH", "purge", "X_CUSTOM.1~"])
def test_case_33_cve_2020_26137_token_methods_still_sent(echo: RawServer, method: str) -> None:
    r = tether.request(method, echo.url)
    assert r.json()["method"] == method.upper()


def test_case_33_cve_2020_26137_bytes_method(echo: RawServer) -> None:
    r = tether.request(b"get", echo.url)  # type: ignore[arg-type]
    assert r.json()["method"] == "GET"
    with pytest.raises(ValueError):
        tether.request(b"GET\r\nX: 1", echo.url)  # type: ignore[arg-type]


# -- case 34: the host -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_template",
    [
        "http://127.0.0.1\r\nX-Injected: 1:{port}/",
        "http://127.0.0.1%0d%0a.x:{port}/",
        "http://127.0.0.1%0D%0AX-Injected:%201:{port}/",
        "http://127.0.0.1\x00.evil:{port}/",
        "http://127.0.0.1%00.evil:{port}/",
        "http://127.0.0.1\x7f:{port}/",
        "http://[::1%25\r\n]:{port}/",
        "http://[::1%25%0d%0a]:{port}/",
        "http://127.0.0.1 :{port}/",
    ],
    ids=repr,
)
def test_case_34_cve_2019_18348_control_characters_in_host_refused(
    echo: RawServer, url_template: str
) -> None:
    with pytest.raises(tether.exceptions.InvalidURL):
        tether.get(url_template.format(port=echo.port))
    _assert_untouched(echo)


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1\x00.evil:{port}/",
        "http://127.0.0.1%00.evil:{port}/",
        "http://127.0.0.1%0d%0aX:{port}/",
    ],
    ids=repr,
)
def test_case_34_cve_2019_18348_control_characters_in_redirect_host_refused(
    raw_server: RawServerFactory, location: str
) -> None:
    target = raw_server(echo_handler)

    def handler(request: RawRequest, conn: Connection) -> bytes:
        value = location.format(port=target.port).encode("latin-1")
        return http_response(302, headers=[(b"Location", value)])

    first = raw_server(handler)
    with pytest.raises(tether.exceptions.InvalidURL):
        tether.get(first.url)
    _assert_untouched(target)
    assert len(first.requests) == 1


# -- case 35: the CONNECT tunnel -------------------------------------------------------------


@pytest.fixture
def connect_proxy(raw_server: RawServerFactory) -> tuple[RawServer, list[RawRequest]]:
    seen: list[RawRequest] = []
    return raw_server(connect_proxy_handler(seen)), seen


def test_case_35_cve_2026_1502_crlf_in_tunnel_host_refused(
    connect_proxy: tuple[RawServer, list[RawRequest]],
) -> None:
    proxy, _ = connect_proxy
    for url in ("https://victim.test\r\nInjected/path", "https://victim.test%0d%0aX:1/"):
        with pytest.raises(tether.exceptions.InvalidURL):
            tether.get(url, proxies={"https": proxy.url})
    _assert_untouched(proxy)


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_case_35_cve_2026_1502_crlf_in_tunnel_headers_refused(
    connect_proxy: tuple[RawServer, list[RawRequest]], scheme: str
) -> None:
    proxy, _ = connect_proxy

    class TunnelHeaderAdapter(HTTPAdapter):
        def proxy_headers(self, proxy: str) -> dict[str, str]:
            return {"X-Tunnel": "a\r\nX-Injected: 1"}

    with tether.Session() as s:
        s.mount(f"{scheme}://", TunnelHeaderAdapter())
        with pytest.raises(tether.exceptions.InvalidHeader):
            s.get(f"{scheme}://127.0.0.1:9/", proxies={scheme: proxy.url})
    # Refused before the proxy is even connected to.
    _assert_untouched(proxy)


def test_case_35_cve_2026_1502_crlf_in_proxy_userinfo_stays_inside_basic_credentials(
    connect_proxy: tuple[RawServer, list[RawRequest]], echo: RawServer
) -> None:
    proxy, seen = connect_proxy
    proxy_url = f"http://u%0d%0aX-Injected:%201:p@127.0.0.1:{proxy.port}"
    # An http target goes through the proxy as an absolute-form request (the handler
    # answers 405), so the proxy sees the Proxy-Authorization header.
    r = tether.get(echo.url, proxies={"http": proxy_url})
    assert r.status_code == 405
    assert seen, "the proxy saw no request"
    for request in seen:
        assert request.header("x-injected") is None
        assert request.header("proxy-authorization").startswith(b"Basic ")  # type: ignore[union-attr]


# -- case 36: multipart part headers ---------------------------------------------------------


@pytest.mark.parametrize(
    "files",
    [
        {"f": ("a.txt", b"data", "text/plain\r\nX-Injected: 1")},
        {"f": ("a.txt", b"data", "text/plain", {"X-H": "v\r\nX-Injected2: 2"})},
        {"f": ("a.txt", b"data", "text/plain", {"X-H\r\nX-Injected3": "v"})},
        {"f": ("a.txt", b"data", "text/plain\x00")},
        {"f\r\nX-Injected: 1": ("a.txt", b"data")},
    ],
    ids=["content-type", "custom-value", "custom-name", "content-type-nul", "field-name"],
)
def test_case_36_multipart_part_header_injection_refused(
    echo: RawServer, files: dict[str, object]
) -> None:
    with pytest.raises(tether.exceptions.InvalidHeader) as info:
        tether.post(echo.url, files=files)
    assert isinstance(info.value, ValueError)
    _assert_untouched(echo)


def test_case_36_multipart_filename_and_name_escaping_kept(echo: RawServer) -> None:
    r = tether.post(echo.url, files={"f": ('a"b.txt', b"data", "text/plain")})
    body = r.json()["body"]
    assert 'filename="a%22b.txt"' in body
    # A quote in the field name is escaped the same way.
    r = tether.post(echo.url, files={'f"x': ("a.txt", b"data")})
    assert 'name="f%22x"' in r.json()["body"]
