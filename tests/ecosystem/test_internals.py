"""The internals that libraries built on requests reach into, behaving as requests' do.

Mocking libraries, requests-toolbelt, betamax, CacheControl and HTTPie do not stay on the
documented API: they build ``Response`` and ``PreparedRequest`` objects by hand, call
``HTTPAdapter`` methods on their own, replace ``poolmanager``, patch ``urllib3``'s
``urlopen`` and tether's module globals, and read private attributes. Each test below
pins one of those contracts, against a loopback server, and where it helps compares with
the installed requests (the oracle) doing the same thing. These run in-process, without
the switch.
"""

from __future__ import annotations

import http.client
import io
import json
import ssl
import threading
from collections import OrderedDict
from typing import Any
from unittest import mock

import pytest
import requests
import urllib3
from urllib3.util import SKIP_HEADER
from urllib3.util.retry import Retry

import tether
from tests.support.fixtures import RawServerFactory
from tests.support.servers import Connection, RawRequest, RawServer, echo_handler, http_response


@pytest.fixture
def echo(raw_server: RawServerFactory) -> RawServer:
    return raw_server(echo_handler)


def _cookie_server(raw_server: RawServerFactory) -> RawServer:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        return http_response(200, b"{}", [("Set-Cookie", "k=v; Path=/"), ("X-A", "1")])

    return raw_server(handler)


# -- Response and raw --------------------------------------------------------------------


def test_raw_is_a_urllib3_response_with_the_http_client_response(
    raw_server: RawServerFactory,
) -> None:
    server = _cookie_server(raw_server)
    for module in (tether, requests):
        r = module.get(server.url_for("/"), stream=True)
        assert type(r.raw) is urllib3.HTTPResponse
        original = r.raw._original_response
        assert isinstance(original, http.client.HTTPResponse)
        # Cookie extraction and HTTPie/toolbelt read these.
        assert original.msg.get_all("Set-Cookie") == ["k=v; Path=/"]
        assert (original.version, original.status, original.reason) == (11, 200, "OK")
        assert r.cookies["k"] == "v"
        r.close()


def _hand_built(module: Any) -> Any:
    r = module.Response()
    r.status_code = 200
    r.headers = module.structures.CaseInsensitiveDict({"Content-Type": "application/json"})
    r.raw = urllib3.HTTPResponse(
        body=io.BytesIO(b'{"a": [1, 2]}'), preload_content=False, status=200
    )
    r.encoding = "utf-8"
    r.url = "http://h.invalid/"
    return r


def test_hand_built_response_like_requests() -> None:
    for module in (tether, requests):
        r = _hand_built(module)
        assert r.json() == {"a": [1, 2]} and r.ok and r.text == '{"a": [1, 2]}'

        r = _hand_built(module)
        assert b"".join(r.iter_content(3)) == b'{"a": [1, 2]}'
        with pytest.raises(RuntimeError, match="already consumed"):
            r.content  # noqa: B018

        # _content set directly (betamax, requests-mock, CacheControl do it).
        r = module.Response()
        r._content = b"preset"
        r.status_code = 404
        assert r.content == b"preset" and r.text
        with pytest.raises(module.HTTPError):
            r.raise_for_status()

        # _content_consumed with _content: iter_content replays the bytes.
        r = module.Response()
        r._content, r._content_consumed = b"abcdef", True
        assert list(r.iter_content(4)) == [b"abcd", b"ef"]

        # A plain file-like raw (no .stream) is read with .read().
        r = module.Response()
        r.raw = io.BytesIO(b"plain file")
        assert r.content == b"plain file"


def test_hand_built_body_that_disagrees_with_its_length() -> None:
    # responses and requests-mock serve in-memory bodies; a Content-Length that does not
    # match makes urllib3 raise IncompleteRead, which both libraries map the same way.
    for module in (tether, requests):
        for declared in ("2", "40"):
            r = module.Response()
            r.status_code = 200
            r.raw = urllib3.HTTPResponse(
                body=io.BytesIO(b"four"),
                headers={"Content-Length": declared},
                preload_content=False,
                enforce_content_length=True,
            )
            with pytest.raises(module.exceptions.ChunkedEncodingError, match="IncompleteRead"):
                r.content  # noqa: B018


# -- HTTPAdapter ---------------------------------------------------------------------------


def test_adapter_send_positional_and_connection(echo: RawServer) -> None:
    adapter = tether.adapters.HTTPAdapter()
    prepared = tether.Request("GET", echo.url_for("/pos")).prepare()
    r = adapter.send(prepared, False, 5, True, None, {})
    assert r.json()["target"] == "/pos"
    assert r.connection is adapter
    assert r.request is prepared
    adapter.close()


def test_build_response_on_its_own() -> None:
    adapter = tether.adapters.HTTPAdapter()
    prepared = tether.Request("GET", "http://h.invalid/x").prepare()
    raw = urllib3.HTTPResponse(
        body=io.BytesIO(b"built"),
        headers={"Content-Type": "text/plain; charset=latin-1", "Set-Cookie": "c=1"},
        status=201,
        reason="Created",
        preload_content=False,
    )
    r = adapter.build_response(prepared, raw)
    assert (r.status_code, r.reason, r.encoding, r.url) == (
        201,
        "Created",
        "latin-1",
        "http://h.invalid/x",
    )
    assert r.raw is raw and r.connection is adapter and r.content == b"built"
    assert r.headers["content-type"] == "text/plain; charset=latin-1"


def test_poolmanager_overrides(echo: RawServer) -> None:
    seen: list[dict[str, Any]] = []

    class PoolKwargsAdapter(tether.adapters.HTTPAdapter):
        def init_poolmanager(
            self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
        ) -> None:
            pool_kwargs["retries"] = Retry(3)
            super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
            seen.append(dict(self.poolmanager.connection_pool_kw))

    adapter = PoolKwargsAdapter(pool_connections=3, pool_maxsize=7)
    assert seen[0]["retries"].total == 3
    assert seen[0]["maxsize"] == 7

    # poolmanager assigned by hand (requests-toolbelt's adapters do this).
    adapter.poolmanager = urllib3.PoolManager(num_pools=1, headers={"X-From-Pool": "yes"})
    with tether.Session() as s:
        s.mount("http://", adapter)
        r = s.get(echo.url_for("/p"))
    assert r.json()["target"] == "/p"
    assert len(echo.requests) == 1


def test_proxy_manager_for_passes_ssl_context_through() -> None:
    context = ssl.create_default_context()
    adapter = tether.adapters.HTTPAdapter()
    manager = adapter.proxy_manager_for("http://127.0.0.1:3128", ssl_context=context)
    assert manager.connection_pool_kw["ssl_context"] is context
    assert adapter.proxy_manager["http://127.0.0.1:3128"] is manager
    adapter.close()


def test_cert_verify_like_requests(ca_bundle: str, tmp_path: Any) -> None:
    def attrs(module: Any, url: str, verify: Any, cert: Any) -> dict[str, Any]:
        pool = urllib3.HTTPSConnectionPool("h.invalid")
        module.adapters.HTTPAdapter().cert_verify(pool, url, verify, cert)
        names = ("cert_reqs", "ca_certs", "ca_cert_dir", "cert_file", "key_file")
        return {name: getattr(pool, name, None) for name in names}

    key = tmp_path / "key.pem"
    key.write_text("not used")
    cases = [
        ("https://h.invalid/", ca_bundle, None),
        ("https://h.invalid/", str(tmp_path), (ca_bundle, str(key))),
        ("https://h.invalid/", False, ca_bundle),
        ("http://h.invalid/", True, None),
    ]
    for url, verify, cert in cases:
        assert attrs(tether, url, verify, cert) == attrs(requests, url, verify, cert)
    with pytest.raises(OSError, match="invalid path"):
        attrs(tether, "https://h.invalid/", str(tmp_path / "missing.pem"), None)


def test_max_retries_is_a_retry() -> None:
    default = tether.adapters.HTTPAdapter().max_retries
    assert isinstance(default, Retry)
    assert (default.total, default.read) == (0, False)
    assert tether.adapters.HTTPAdapter(max_retries=3).max_retries.total == 3
    custom = Retry(total=2, backoff_factor=0.1)
    assert tether.adapters.HTTPAdapter(max_retries=custom).max_retries is custom


def test_requests_go_through_pool_urlopen(echo: RawServer) -> None:
    original = urllib3.connectionpool.HTTPConnectionPool.urlopen
    calls: list[tuple[str, str]] = []

    def spy(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        calls.append((method, url))
        assert kwargs["preload_content"] is False and kwargs["redirect"] is False
        return original(self, method, url, *args, **kwargs)

    with mock.patch.object(urllib3.connectionpool.HTTPConnectionPool, "urlopen", spy):
        tether.post(echo.url_for("/u?x=1"), data=b"d")
    assert calls == [("POST", "/u?x=1")]


# -- Session patch points ----------------------------------------------------------------


def test_session_methods_are_looked_up_on_the_instance(raw_server: RawServerFactory) -> None:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.path == "/start":
            return http_response(302, headers=[("Location", "/end")])
        return echo_handler(request, conn)

    server = raw_server(handler)
    session = tether.Session()
    adapter = tether.adapters.HTTPAdapter()
    calls: list[str] = []

    real_send = session.send
    real_merge = session.merge_environment_settings
    real_rebuild = session.rebuild_auth

    def send(request: Any, **kwargs: Any) -> Any:
        calls.append("send")
        return real_send(request, **kwargs)

    def get_adapter(url: str) -> Any:
        calls.append("get_adapter")
        return adapter

    def merge(*args: Any) -> Any:
        calls.append("merge_environment_settings")
        return real_merge(*args)

    def rebuild_auth(prepared: Any, response: Any) -> None:
        calls.append("rebuild_auth")
        real_rebuild(prepared, response)

    session.send = send  # type: ignore[method-assign]
    session.get_adapter = get_adapter  # type: ignore[method-assign]
    session.merge_environment_settings = merge  # type: ignore[method-assign]
    session.rebuild_auth = rebuild_auth  # type: ignore[method-assign]
    r = session.get(server.url_for("/start"))
    assert r.json()["target"] == "/end"
    assert calls == [
        "merge_environment_settings",
        "send",
        "get_adapter",
        "rebuild_auth",
        "send",
        "get_adapter",
    ]
    assert r.connection is adapter


def test_get_netrc_auth_is_patchable(echo: RawServer) -> None:
    with mock.patch("tether.sessions.get_netrc_auth", return_value=("user", "pw")) as netrc:
        r = tether.get(echo.url_for("/n"))
    netrc.assert_called_once()
    headers = dict(r.json()["headers"])
    assert headers["Authorization"] == "Basic dXNlcjpwdw=="


def test_subclass_attributes_survive_session_init(echo: RawServer) -> None:
    # timeout and base_url are tether's own Session attributes; subclasses written for
    # requests define them themselves (a class attribute, or set before super().__init__(),
    # as requests-toolbelt's BaseUrlSession does), and Session.__init__ must not reset them.
    class TimeoutSession(tether.Session):
        timeout = 5

    class EarlyBase(tether.Session):
        def __init__(self) -> None:
            self.base_url = echo.url_for("/api/")
            super().__init__()

    assert TimeoutSession().timeout == 5
    assert TimeoutSession(timeout=1).timeout == 1
    assert EarlyBase().get("items").json()["target"] == "/api/items"
    assert tether.Session().timeout is None and tether.Session().base_url is None


def test_adapters_is_an_ordered_mapping_with_copy() -> None:
    session = tether.Session()
    assert isinstance(session.adapters, OrderedDict)
    assert list(session.adapters) == list(requests.Session().adapters)
    snapshot = session.adapters.copy()
    session.mount("http://special.invalid", tether.adapters.HTTPAdapter())
    assert "http://special.invalid" not in snapshot
    assert next(iter(session.adapters)) == "http://special.invalid"


# -- PreparedRequest built by hand --------------------------------------------------------


def test_prepared_request_built_by_hand(echo: RawServer) -> None:
    for module in (tether, requests):
        p = module.PreparedRequest()
        p.method = "POST"
        p.url = echo.url_for("/hand?q=1")
        p.headers = {"X-Plain": "dict"}  # a plain dict, as betamax and mocks do
        p.prepare_body({"a": "1"}, None)
        assert p.body == "a=1"
        assert p.headers["Content-Length"] == "3"
        assert p.headers["Content-Type"] == "application/x-www-form-urlencoded"
        p.prepare_auth(("u", "p"))
        assert p.headers["Authorization"].startswith("Basic ")
        p.prepare_cookies({"c": "1"})
        assert p.headers["Cookie"] == "c=1" and p._cookies is not None
        p.custom_attribute = "kept"  # libraries hang their own state on requests
        assert p.path_url == "/hand?q=1"

        p2 = module.PreparedRequest()
        p2.prepare_method("put")
        p2.prepare_url(echo.url_for("/files"), None)
        p2.prepare_headers({"X-A": "1"})
        p2.prepare_body(None, {"f": ("a.txt", b"data")})
        assert p2.headers["Content-Type"].startswith("multipart/form-data; boundary=")

    p = tether.PreparedRequest()
    p.prepare(method="GET", url=echo.url_for("/sent"), headers={"X-Plain": "1"})
    p.headers = dict(p.headers)  # type: ignore[assignment]
    with tether.Session() as s:
        assert s.send(p).json()["target"] == "/sent"


# -- auth, cookies, utils, codes, versions ------------------------------------------------


def test_digest_auth_thread_local_state(httpbin: Any) -> None:
    auth = tether.auth.HTTPDigestAuth("user", "pass")
    url = httpbin.url + "/digest-auth/auth/user/pass"
    assert tether.get(url, auth=auth).status_code == 200
    state = auth._thread_local
    assert isinstance(state, threading.local)
    assert state.nonce_count == 1 and state.last_nonce and state.chal["realm"]

    seen: list[int] = []

    def other_thread() -> None:
        auth.init_per_thread_state()
        seen.append(auth._thread_local.nonce_count)

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert seen == [0]  # each thread starts its own state
    assert auth._thread_local.nonce_count == 1


def test_cookie_helpers_like_requests(raw_server: RawServerFactory) -> None:
    server = _cookie_server(raw_server)
    for module in (tether, requests):
        cookies = module.cookies
        jar = cookies.cookiejar_from_dict({"a": "1", "b": "2"})
        assert isinstance(jar, cookies.RequestsCookieJar)
        cookies.remove_cookie_by_name(jar, "a")
        assert dict(jar) == {"b": "2"}
        merged = cookies.merge_cookies(cookies.RequestsCookieJar(), {"c": "3"})
        assert merged["c"] == "3"

        r = module.get(server.url_for("/"), stream=True)
        target = cookies.RequestsCookieJar()
        cookies.extract_cookies_to_jar(target, r.request, r.raw)
        assert dict(target) == {"k": "v"}
        shim = cookies.MockRequest(r.request)
        assert shim.get_host() == f"127.0.0.1:{server.port}"
        assert shim.get_full_url() == server.url_for("/") and shim.unverifiable is True
        response_shim = cookies.MockResponse(r.raw._original_response.msg)
        assert response_shim.info().get_all("Set-Cookie") == ["k=v; Path=/"]
        r.close()


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("super_len", (b"12345",)),
        ("super_len", (io.BytesIO(b"1234"),)),
        ("super_len", ("héllo",)),
        ("get_encoding_from_headers", ({"content-type": "text/html; charset=ISO-8859-1"},)),
        ("get_encoding_from_headers", ({"content-type": "application/json"},)),
        ("get_encoding_from_headers", ({"content-type": "text/plain"},)),
        ("requote_uri", ("http://h.invalid/a b?c=d e%20f",)),
        ("to_native_string", (b"bytes",)),
        ("to_native_string", ("str",)),
        ("get_auth_from_url", ("http://us%40er:p%3Ass@h.invalid/",)),
        ("unquote_unreserved", ("%41%2F%7e",)),
        ("parse_header_links", ('<http://h.invalid/2>; rel="next"',)),
    ],
)
def test_utils_helpers_like_requests(name: str, args: tuple[Any, ...]) -> None:
    assert getattr(tether.utils, name)(*args) == getattr(requests.utils, name)(*args)


def test_utils_get_netrc_auth(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine h.invalid login me password secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    url = "http://h.invalid/path"
    expected = ("me", "secret")
    assert tether.utils.get_netrc_auth(url) == requests.utils.get_netrc_auth(url) == expected


def test_status_codes_table() -> None:
    assert tether.status_codes._codes == requests.status_codes._codes
    assert tether.codes.teapot == 418 and tether.codes["not_found"] == 404


def test_version_and_build_compare_like_requests() -> None:
    assert isinstance(tether.__version__, str) and isinstance(tether.__build__, int)
    major, minor = (int(part) for part in tether.__version__.split(".")[:2])
    real_major, real_minor = (int(part) for part in requests.__version__.split(".")[:2])
    assert (major, minor) == (real_major, real_minor)
    assert tether.__build__ >> 8 == requests.__build__ >> 8
    assert tether.__version__ >= "2.0.0" and tether.__build__ >= 0x020000


def test_adapters_module_names() -> None:
    assert tether.adapters.MaxRetryError is urllib3.exceptions.MaxRetryError
    assert tether.adapters.TimeoutSauce is urllib3.util.Timeout


def test_skip_header_is_honoured(echo: RawServer) -> None:
    r = tether.get(
        echo.url_for("/skip"),
        headers={"User-Agent": SKIP_HEADER, "Accept-Encoding": SKIP_HEADER},
    )
    names = [name.lower() for name, _ in json.loads(r.text)["headers"]]
    assert "user-agent" not in names and "accept-encoding" not in names
    assert "host" in names
