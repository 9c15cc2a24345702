"""The whole Session -> PreparedRequest -> HTTPAdapter -> urllib3 -> Response path, against
real loopback servers (pytest-httpbin and scripted raw-socket servers)."""

from __future__ import annotations

import json
import pickle
import time
from typing import Any

import pytest
from urllib3.util.retry import Retry

import tether
from tests.support.servers import Connection, RawRequest, RawServer, chunked, http_response
from tether.adapters import HTTPAdapter

# -- basic verbs against httpbin -------------------------------------------------------------


def test_get_with_params_and_headers(httpbin: Any) -> None:
    r = tether.get(
        httpbin.url + "/get", params={"a": "1", "b": ["x", "y"]}, headers={"X-Test": "v"}
    )
    assert r.status_code == 200
    assert r.ok and bool(r)
    body = r.json()
    assert body["args"] == {"a": "1", "b": ["x", "y"]}
    assert body["headers"]["X-Test"] == "v"
    assert r.url == httpbin.url + "/get?a=1&b=x&b=y"
    assert repr(r) == "<Response [200]>"
    assert r.elapsed.total_seconds() > 0
    assert r.headers["content-type"] == r.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_body_methods(httpbin: Any, method: str) -> None:
    r = tether.request(method, httpbin.url + "/" + method.lower(), data={"k": "v"})
    assert r.status_code == 200
    assert r.json()["form"] == {"k": "v"}
    assert r.request.headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_post_json_and_files(httpbin: Any) -> None:
    r = tether.post(httpbin.url + "/post", json={"a": [1, 2]})
    assert r.json()["json"] == {"a": [1, 2]}
    assert r.request.body == b'{"a": [1, 2]}'
    r = tether.post(
        httpbin.url + "/post", data={"f": "1"}, files={"up": ("a.txt", b"hello", "text/plain")}
    )
    body = r.json()
    assert body["files"] == {"up": "hello"}
    assert body["form"] == {"f": "1"}


def test_head_and_options(httpbin: Any) -> None:
    r = tether.head(httpbin.url + "/get")
    assert r.status_code == 200 and r.content == b""
    r = tether.options(httpbin.url + "/get")
    assert r.status_code == 200
    assert "GET" in r.headers["Allow"]


def test_redirects_followed_with_history(httpbin: Any) -> None:
    r = tether.get(httpbin.url + "/redirect/3")
    assert r.status_code == 200
    assert [h.status_code for h in r.history] == [302, 302, 302]
    assert r.url == httpbin.url + "/get"
    assert r not in r.history
    assert all(h.history == [] or h is not r for h in r.history)


def test_redirect_not_followed_gives_next(httpbin: Any) -> None:
    with tether.Session() as s:
        r = s.get(httpbin.url + "/redirect/1", allow_redirects=False)
        assert r.status_code == 302 and r.is_redirect
        assert isinstance(r.next, tether.PreparedRequest)
        assert r.next.url == httpbin.url + "/get"


def test_too_many_redirects_carries_response(httpbin: Any) -> None:
    with tether.Session(max_redirects=2) as s:
        with pytest.raises(tether.TooManyRedirects) as info:
            s.get(httpbin.url + "/redirect/5")
    assert info.value.response is not None
    assert info.value.response.status_code == 302
    assert str(info.value) == "Exceeded 2 redirects."


def test_raise_for_status_message(httpbin: Any) -> None:
    r = tether.get(httpbin.url + "/status/404")
    assert not r.ok
    with pytest.raises(tether.HTTPError) as info:
        r.raise_for_status()
    assert str(info.value) == f"404 Client Error: NOT FOUND for url: {httpbin.url}/status/404"
    assert info.value.response is r
    r = tether.get(httpbin.url + "/status/503")
    with pytest.raises(tether.HTTPError, match=r"^503 Server Error: SERVICE UNAVAILABLE for url: "):
        r.raise_for_status()


@pytest.mark.parametrize(
    ("path", "key"), [("/gzip", "gzipped"), ("/deflate", "deflated"), ("/brotli", "brotli")]
)
def test_content_decoding(httpbin: Any, path: str, key: str) -> None:
    r = tether.get(httpbin.url + path)
    assert r.json()[key] is True
    assert r.headers["Content-Encoding"] in ("gzip", "deflate", "br")


def test_basic_auth_tuple_and_url_credentials(httpbin: Any) -> None:
    assert tether.get(httpbin.url + "/basic-auth/u/p", auth=("u", "p")).status_code == 200
    assert tether.get(httpbin.url + "/basic-auth/u/p", auth=("u", "bad")).status_code == 401
    url = httpbin.url.replace("http://", "http://u:p@") + "/basic-auth/u/p"
    assert tether.get(url).status_code == 200


def test_digest_auth(httpbin: Any) -> None:
    auth = tether.auth.HTTPDigestAuth("user", "pass")
    r = tether.get(httpbin.url + "/digest-auth/auth/user/pass", auth=auth)
    assert r.status_code == 200
    assert [h.status_code for h in r.history] == [401]


def test_cookies_round_trip(httpbin: Any) -> None:
    with tether.Session() as s:
        r = s.get(httpbin.url + "/cookies/set", params={"k": "v"})
        assert r.json()["cookies"] == {"k": "v"}
        assert s.cookies["k"] == "v"
        r = s.get(httpbin.url + "/cookies", cookies={"once": "1"})
        assert r.json()["cookies"] == {"k": "v", "once": "1"}
        assert "once" not in s.cookies
        assert s.get(httpbin.url + "/cookies").json()["cookies"] == {"k": "v"}


def test_streaming_iter_content_and_lines(httpbin: Any) -> None:
    with tether.get(httpbin.url + "/stream/5", stream=True) as r:
        lines = list(r.iter_lines())
    assert len(lines) == 5
    assert all(json.loads(line)["id"] == i for i, line in enumerate(lines))
    r = tether.get(httpbin.url + "/bytes/3000", params={"seed": 1}, stream=True)
    chunks = list(r.iter_content(1024))
    assert [len(c) for c in chunks] == [1024, 1024, 952]
    with pytest.raises(tether.exceptions.StreamConsumedError):
        next(r.iter_content(1024))


def test_iter_content_after_content_reuses_bytes(httpbin: Any) -> None:
    r = tether.get(httpbin.url + "/bytes/100")
    assert b"".join(r.iter_content(7)) == r.content
    assert len(r.content) == 100


def test_json_decode_error_is_both_kinds(httpbin: Any) -> None:
    r = tether.get(httpbin.url + "/html")
    with pytest.raises(tether.JSONDecodeError) as info:
        r.json()
    assert isinstance(info.value, json.JSONDecodeError)
    assert isinstance(info.value, tether.exceptions.InvalidJSONError)
    assert isinstance(info.value, tether.RequestException)


def test_response_pickles(httpbin: Any) -> None:
    r = tether.get(httpbin.url + "/get")
    copy = pickle.loads(pickle.dumps(r))
    assert copy.status_code == 200 and copy.content == r.content
    assert copy.url == r.url and copy.headers == r.headers
    assert copy.request.url == r.request.url
    assert copy.raw is None


def test_links_and_encoding(httpbin: Any) -> None:
    r = tether.get(
        httpbin.url + "/response-headers",
        params={"Link": '<http://a/>; rel="next"', "Content-Type": "text/plain; charset=utf-8"},
    )
    assert r.links == {"next": {"url": "http://a/", "rel": "next"}}
    assert r.encoding == "utf-8"
    assert r.apparent_encoding in ("ascii", "utf-8")


def test_https_with_ca_bundle(httpbin_secure: Any, httpbin_ca_bundle: str) -> None:
    r = tether.get(httpbin_secure.url + "/get", verify=httpbin_ca_bundle)
    assert r.status_code == 200


# -- Session defaults (tether's promises) -----------------------------------------------------


def test_session_timeout_really_fires(stall_server: RawServer) -> None:
    with tether.Session(timeout=0.3) as s:
        start = time.monotonic()
        with pytest.raises(tether.ReadTimeout):
            s.get(stall_server.url)
        took = time.monotonic() - start
    assert 0.25 <= took < 2.0


def test_request_timeout_beats_session_timeout(stall_server: RawServer) -> None:
    with tether.Session(timeout=30) as s:
        start = time.monotonic()
        with pytest.raises(tether.Timeout):
            s.get(stall_server.url, timeout=0.2)
        assert time.monotonic() - start < 2.0


def test_session_timeout_applies_to_redirect_hops(raw_server: Any, stall_server: RawServer) -> None:
    redirector = raw_server(
        lambda req, conn: http_response(302, headers=[("Location", stall_server.url)])
    )
    with tether.Session(timeout=0.3) as s:
        start = time.monotonic()
        with pytest.raises(tether.ReadTimeout):
            s.get(redirector.url)
        assert time.monotonic() - start < 2.0


def test_session_timeout_attribute_set_after_construction(stall_server: RawServer) -> None:
    with tether.Session() as s:
        s.timeout = (1.0, 0.2)
        with pytest.raises(tether.ReadTimeout):
            s.get(stall_server.url)


def test_session_keyword_defaults(httpbin: Any) -> None:
    seen: list[int] = []
    with tether.Session(
        headers={"X-Default": "d"},
        params={"p": "1"},
        auth=("u", "p"),
        cookies={"c": "1"},
        hooks={"response": lambda r, **kw: seen.append(r.status_code)},
        max_redirects=5,
    ) as s:
        r = s.get(httpbin.url + "/anything", params={"q": "2"})
        body = r.json()
        assert body["headers"]["X-Default"] == "d"
        assert body["args"] == {"p": "1", "q": "2"}
        assert body["headers"]["Authorization"].startswith("Basic ")
        assert body["headers"]["Cookie"] == "c=1"
        assert seen == [200]
        assert s.max_redirects == 5
        # The default headers are still there.
        assert s.headers["Accept"] == "*/*"


def test_session_without_arguments_matches_requests() -> None:
    requests = pytest.importorskip("requests")
    ours, theirs = tether.Session(), requests.Session()
    assert list(ours.headers) == list(theirs.headers)
    assert ours.headers["User-Agent"].startswith("python-tether/")
    for name in (
        "auth",
        "proxies",
        "params",
        "stream",
        "verify",
        "cert",
        "max_redirects",
        "trust_env",
    ):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert dict(ours.hooks) == dict(theirs.hooks)
    assert list(ours.adapters) == list(theirs.adapters)
    assert ours.cookies.get_dict() == theirs.cookies.get_dict() == {}
    ours.close()
    theirs.close()


def test_none_in_request_dict_removes_session_key(httpbin: Any) -> None:
    with tether.Session(headers={"X-Gone": "1"}) as s:
        r = s.get(httpbin.url + "/headers", headers={"X-Gone": None, "Accept": None})
        sent = r.json()["headers"]
        assert "X-Gone" not in sent
        assert "Accept" not in r.request.headers


@pytest.mark.parametrize(
    ("base", "url", "expected"),
    [
        ("{b}/api", "/users", "{b}/api/users"),
        ("{b}/api/", "users", "{b}/api/users"),
        ("{b}/api", "users?x=1", "{b}/api/users?x=1"),
        ("{b}", "/get", "{b}/get"),
        ("{b}/api", "http://other.invalid/x", "http://other.invalid/x"),
    ],
)
def test_base_url(httpbin: Any, base: str, url: str, expected: str) -> None:
    b = httpbin.url
    with tether.Session(base_url=base.format(b=b)) as s:
        prepared = s.prepare_request(tether.Request("GET", url))
        assert prepared.url == expected.format(b=b)


def test_base_url_request_reaches_server(httpbin: Any) -> None:
    with tether.Session(base_url=httpbin.url + "/anything") as s:
        assert s.get("/nested/path").json()["url"] == httpbin.url + "/anything/nested/path"


def test_retries_on_status(raw_server: Any) -> None:
    def handler(req: RawRequest, conn: Connection) -> bytes:
        if len(server.requests) < 3:
            return http_response(503, b"busy")
        return http_response(200, b"ok")

    server = raw_server(handler)
    retry = Retry(total=3, status_forcelist=[503], backoff_factor=0, raise_on_status=False)
    with tether.Session(retries=retry) as s:
        r = s.get(server.url)
    assert r.status_code == 200 and r.content == b"ok"
    assert len(server.requests) == 3


def test_retries_int_recovers_from_dropped_connections(raw_server: Any) -> None:
    def handler(req: RawRequest, conn: Connection) -> bytes | None:
        if req.connection < 2:
            conn.close()
            return None
        return http_response(200, b"ok")

    server = raw_server(handler)
    with tether.Session(retries=2) as s:
        assert s.get(server.url).content == b"ok"
    with tether.Session() as s, pytest.raises(tether.ConnectionError):
        server2 = raw_server(lambda req, conn: conn.close())
        s.get(server2.url)


def test_retry_error_when_status_retries_run_out(raw_server: Any) -> None:
    server = raw_server(lambda req, conn: http_response(503, b"busy"))
    with tether.Session(retries=Retry(total=1, status_forcelist=[503], backoff_factor=0)) as s:
        with pytest.raises(tether.exceptions.RetryError):
            s.get(server.url)


# -- adapters and errors ---------------------------------------------------------------------


def test_mount_orders_longest_prefix_first_and_matches_case_insensitively() -> None:
    s = tether.Session()
    a, b = HTTPAdapter(), HTTPAdapter()
    s.mount("http://example", a)
    s.mount("http://example.org/longer", b)
    assert list(s.adapters)[:2] == ["http://example.org/longer", "http://example"]
    assert s.get_adapter("HTTP://EXAMPLE.org/longer/x") is b
    assert s.get_adapter("http://Example.com") is a
    with pytest.raises(
        tether.exceptions.InvalidSchema, match="No connection adapters were found for 'ftp://x'"
    ):
        s.get_adapter("ftp://x")
    s.close()


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("example.org/path", tether.exceptions.MissingSchema),
        ("ftp://example.org/", tether.exceptions.InvalidSchema),
        ("http://", tether.exceptions.InvalidURL),
        ("http://[::1/", tether.exceptions.InvalidURL),
    ],
)
def test_bad_urls(url: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        tether.get(url)


def test_connection_refused_is_connection_error() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(tether.ConnectionError) as info:
        tether.get(f"http://127.0.0.1:{port}/", timeout=2)
    assert not isinstance(info.value, tether.Timeout)
    assert info.value.request is not None


def test_truncated_body_is_chunked_encoding_error(raw_server: Any) -> None:
    def handler(req: RawRequest, conn: Connection) -> None:
        conn.sendall(http_response(200, b"short", [("Content-Length", "100")]))
        conn.close()

    server = raw_server(handler)
    with pytest.raises(tether.exceptions.ChunkedEncodingError):
        tether.get(server.url)


def test_broken_chunked_body(raw_server: Any) -> None:
    def handler(req: RawRequest, conn: Connection) -> None:
        conn.sendall(
            http_response(200, b"5\r\nhello\r\nzz\r\n", [("Transfer-Encoding", "chunked")])
        )
        conn.close()

    server = raw_server(handler)
    with pytest.raises(tether.exceptions.ChunkedEncodingError):
        tether.get(server.url)


def test_corrupt_gzip_is_content_decoding_error(raw_server: Any) -> None:
    server = raw_server(
        lambda req, conn: http_response(200, b"not gzip at all", [("Content-Encoding", "gzip")])
    )
    with pytest.raises(tether.exceptions.ContentDecodingError):
        tether.get(server.url)


def test_chunked_response_rechunked_exactly(raw_server: Any) -> None:
    body = chunked(b"a" * 3, b"b" * 700, b"c" * 10, b"d" * 2000)
    server = raw_server(
        lambda req, conn: http_response(200, body, [("Transfer-Encoding", "chunked")])
    )
    r = tether.get(server.url, stream=True)
    sizes = [len(c) for c in r.iter_content(512)]
    assert sizes == [512] * 5 + [2713 - 512 * 5]


def test_keep_alive_reuses_one_connection(raw_server: Any) -> None:
    server = raw_server(lambda req, conn: http_response(200, b"x"))
    with tether.Session() as s:
        for _ in range(5):
            s.get(server.url)
    assert {r.connection for r in server.requests} == {0}


def test_verify_false_pool_never_serves_verified_request(httpbin_secure: Any) -> None:
    import warnings

    from urllib3.exceptions import InsecureRequestWarning

    with tether.Session() as s:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InsecureRequestWarning)
            assert s.get(httpbin_secure.url + "/get", verify=False).status_code == 200
        # certifi does not trust pytest-httpbin's CA: the verified request must not reuse
        # the unverified connection.
        with pytest.raises(tether.exceptions.SSLError):
            s.get(httpbin_secure.url + "/get")


def test_send_rejects_unprepared_request() -> None:
    with (
        tether.Session() as s,
        pytest.raises(ValueError, match=r"You can only send PreparedRequests\."),
    ):
        s.send(tether.Request("GET", "http://127.0.0.1/"))  # type: ignore[arg-type]


def test_hooks_can_replace_response(httpbin: Any) -> None:
    def hook(r: tether.Response, **kwargs: Any) -> tether.Response:
        r.hooked = True  # type: ignore[attr-defined]
        return r

    r = tether.get(httpbin.url + "/get", hooks={"response": hook})
    assert r.hooked  # type: ignore[attr-defined]


def test_prepared_request_api(httpbin: Any) -> None:
    req = tether.Request("post", httpbin.url + "/post?x=1#frag", data=b"abc", params={"y": "2"})
    p = req.prepare()
    assert repr(p) == "<PreparedRequest [POST]>"
    assert p.url == httpbin.url + "/post?x=1&y=2#frag"
    assert p.path_url == "/post?x=1&y=2"
    assert p.headers["Content-Length"] == "3"
    q = p.copy()
    assert q.url == p.url and q.headers == p.headers and q.headers is not p.headers
    hook = lambda r, **kw: r  # noqa: E731
    p.register_hook("response", hook)
    assert p.deregister_hook("response", hook) is True
    assert p.deregister_hook("response", hook) is False
    with pytest.raises(ValueError):
        p.register_hook("nope", hook)


def test_generator_body_is_sent_chunked(raw_server: Any) -> None:
    from tests.support.servers import echo_handler

    server = raw_server(echo_handler)

    def gen() -> Any:
        yield b"ab"
        yield b"cd"

    r = tether.post(server.url, data=gen())
    seen = r.json()
    assert seen["body"] == "abcd"
    assert ["Transfer-Encoding", "chunked"] in seen["headers"]
