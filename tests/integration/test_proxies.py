"""Proxies end to end: which proxy a request goes through, how it goes through it, and what
the proxy and the origin see.

Two kinds of proxy are used. Scripted ones (`RawServer` handlers defined here) record every
request head and either answer absolute-form requests themselves, naming themselves in the
body, or tunnel CONNECT to a loopback origin; they show *which* proxy was chosen and *what
it received*. The pproxy fixtures (`proxy_server`, `auth_proxy_server`) are a real
third-party proxy for HTTP forwarding, CONNECT, SOCKS4 and SOCKS5, with and without
credentials. Named hosts (``*.test``) resolve to 127.0.0.1 through `FakeDNS`.

requests runs next to tether where tether differs on purpose (precedence of request,
session and environment; SOCKS failures), so each difference is pinned in both directions.
"""

from __future__ import annotations

import base64
import json
import os
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

import tether
from tests.support.fixtures import RawServerFactory
from tests.support.hostile import FakeDNS, connect_proxy_handler
from tests.support.proxy import ProxyProcess
from tests.support.servers import Connection, RawRequest, RawServer, echo_handler, http_response

Lib = Any  # the tether or requests module

# -- scripted proxies and origins ------------------------------------------------------------


def _json(
    payload: dict[str, Any], status: int = 200, extra: list[tuple[str, str]] | None = None
) -> bytes:
    body = json.dumps(payload).encode()
    return http_response(status, body, [("Content-Type", "application/json"), *(extra or [])])


def _headers(request: RawRequest) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in request.headers}


def origin_handler(request: RawRequest, conn: Connection) -> bytes:
    """An origin that says it was reached directly."""
    return _json({"via": None, "target": request.target, "headers": _headers(request)})


def proxy_handler(
    name: str,
    seen: list[RawRequest] | None = None,
    answer: Callable[[RawRequest], bytes] | None = None,
) -> Callable[[RawRequest, Connection], bytes | None]:
    """A proxy named ``name``: absolute-form requests are answered by the proxy itself
    (``{"via": name, ...}`` unless ``answer`` says otherwise); CONNECT is tunnelled to the
    loopback target. Every request head is appended to ``seen``."""
    tunnel = connect_proxy_handler()

    def handler(request: RawRequest, conn: Connection) -> bytes | None:
        if seen is not None:
            seen.append(request)
        if request.method == "CONNECT":
            tunnel(request, conn)
            return None
        if answer is not None:
            return answer(request)
        return _json({"via": name, "target": request.target, "headers": _headers(request)})

    return handler


def via(response: Any) -> str | None:
    """Which scripted proxy answered (None: the origin, reached directly)."""
    value: str | None = response.json()["via"]
    return value


@pytest.fixture
def origin(raw_server: RawServerFactory) -> RawServer:
    return raw_server(origin_handler)


@pytest.fixture
def make_proxy(raw_server: RawServerFactory) -> Callable[..., RawServer]:
    def make(name: str, seen: list[RawRequest] | None = None, **kwargs: Any) -> RawServer:
        return raw_server(proxy_handler(name, seen, **kwargs))

    return make


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    return FakeDNS(monkeypatch, {"localhost": "127.0.0.1"})


def _proxy_url(server: RawServer, userinfo: str = "") -> str:
    return f"http://{userinfo}127.0.0.1:{server.port}"


# -- proxies dict keys and their priority ----------------------------------------------------

KEYS = ["http://127.0.0.1", "http", "all://127.0.0.1", "all"]


@pytest.mark.parametrize("lib", [tether, requests], ids=["tether", "requests"])
@pytest.mark.parametrize(
    ("present", "expected"),
    [
        (KEYS, "http://127.0.0.1"),
        (KEYS[1:], "http"),
        (KEYS[2:], "all://127.0.0.1"),
        (KEYS[3:], "all"),
        (["https", "all://localhost", "http://localhost", "https://127.0.0.1"], None),
    ],
    ids=["scheme+host", "scheme", "all+host", "all", "none-applies"],
)
def test_proxies_key_priority(
    lib: Lib,
    origin: RawServer,
    make_proxy: Callable[..., RawServer],
    present: list[str],
    expected: str | None,
) -> None:
    proxies = {key: _proxy_url(make_proxy(key)) for key in present}
    r = lib.get(origin.url, proxies=proxies)
    assert via(r) == expected


def test_scheme_host_key_names_the_host_only(
    origin: RawServer, make_proxy: Callable[..., RawServer]
) -> None:
    # requests' keys carry no port: "http://127.0.0.1:PORT" is not a key select_proxy tries.
    proxies = {f"http://127.0.0.1:{origin.port}": _proxy_url(make_proxy("with-port"))}
    assert via(tether.get(origin.url, proxies=proxies)) is None
    assert via(requests.get(origin.url, proxies=proxies)) is None


def test_empty_value_means_no_proxy_for_that_key(
    origin: RawServer, make_proxy: Callable[..., RawServer]
) -> None:
    # The first key present wins even when empty: "" sends the request directly.
    proxies = {"http": "", "all": _proxy_url(make_proxy("all"))}
    assert via(tether.get(origin.url, proxies=proxies)) is None


# -- environment variables -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"http_proxy": "A"}, "A"),
        ({"HTTP_PROXY": "A"}, "A"),
        ({"http_proxy": "A", "HTTP_PROXY": "B"}, "A"),
        ({"http_proxy": "", "HTTP_PROXY": "B"}, None),
        ({"HTTP_PROXY": ""}, None),
        ({"all_proxy": "A"}, "A"),
        ({"ALL_PROXY": "A"}, "A"),
        ({"ALL_PROXY": "A", "HTTP_PROXY": "B"}, "B"),
        ({"https_proxy": "A", "HTTPS_PROXY": "B"}, None),
    ],
    ids=[
        "lower",
        "upper",
        "lower-wins",
        "empty-lower-removes",
        "empty-upper-ignored",
        "all-lower",
        "all-upper",
        "scheme-beats-all",
        "https-not-for-http",
    ],
)
def test_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
    origin: RawServer,
    make_proxy: Callable[..., RawServer],
    env: dict[str, str],
    expected: str | None,
) -> None:
    servers = {"A": make_proxy("A"), "B": make_proxy("B")}
    for name, value in env.items():
        monkeypatch.setenv(name, _proxy_url(servers[value]) if value else "")
    for lib in (tether, requests):
        assert via(lib.get(origin.url)) == expected, lib.__name__
    with tether.Session() as s:
        s.trust_env = False
        assert via(s.get(origin.url)) is None


def test_https_proxy_variable_is_used_for_https_urls(
    monkeypatch: pytest.MonkeyPatch,
    raw_server: RawServerFactory,
    make_proxy: Callable[..., RawServer],
    ca_bundle: str,
) -> None:
    seen: list[RawRequest] = []
    proxy = make_proxy("https-proxy", seen)
    tls_origin = raw_server(echo_handler, tls=True)
    monkeypatch.setenv("https_proxy", _proxy_url(proxy))
    r = tether.get(tls_origin.url + "secure", verify=ca_bundle)
    assert r.json()["target"] == "/secure"
    assert [(req.method, req.target) for req in seen] == [
        ("CONNECT", f"127.0.0.1:{tls_origin.port}")
    ]


# -- no_proxy --------------------------------------------------------------------------------

# (no_proxy value, bypassed?) for http://api.example.test:PORT/ and http://127.0.0.1:PORT/
NO_PROXY_NAMED = [
    ("api.example.test", True),
    ("example.test", True),
    (".example.test", True),
    ("EXAMPLE.TEST", True),
    ("xample.test", False),  # label boundaries only (case 46)
    ("other.test, example.test", True),
    ("api.example.test:{port}", True),
    ("api.example.test:1", False),
    ("*", True),
    ("other.test", False),
]
NO_PROXY_IP = [
    ("127.0.0.1", True),
    ("127.0.0.0/8", True),
    ("127.0.0.1/32", True),
    ("198.0.0.0/8", False),
    ("127.0.0.2", False),
    ("*", True),
]


def _no_proxy_cases() -> Iterator[Any]:
    for value, bypassed in NO_PROXY_NAMED:
        yield pytest.param("http://api.example.test:{port}/", value, bypassed, id=f"name:{value}")
    for value, bypassed in NO_PROXY_IP:
        yield pytest.param("http://127.0.0.1:{port}/", value, bypassed, id=f"ip:{value}")


@pytest.mark.parametrize("source", ["no_proxy", "NO_PROXY", "proxies-dict"])
@pytest.mark.parametrize(("url", "no_proxy", "bypassed"), list(_no_proxy_cases()))
def test_no_proxy_forms(
    monkeypatch: pytest.MonkeyPatch,
    dns: FakeDNS,
    origin: RawServer,
    make_proxy: Callable[..., RawServer],
    source: str,
    url: str,
    no_proxy: str,
    bypassed: bool,
) -> None:
    url = url.format(port=origin.port)
    no_proxy = no_proxy.format(port=origin.port)
    monkeypatch.setenv("HTTP_PROXY", _proxy_url(make_proxy("env")))
    proxies: dict[str, str] = {}
    if source == "proxies-dict":
        proxies["no_proxy"] = no_proxy
    else:
        monkeypatch.setenv(source, no_proxy)
    for lib in (tether, requests):
        assert via(lib.get(url, proxies=proxies)) == (None if bypassed else "env"), lib.__name__


def test_no_proxy_in_dict_beats_the_environment_variable(
    monkeypatch: pytest.MonkeyPatch, origin: RawServer, make_proxy: Callable[..., RawServer]
) -> None:
    monkeypatch.setenv("HTTP_PROXY", _proxy_url(make_proxy("env")))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert via(tether.get(origin.url)) is None
    assert via(tether.get(origin.url, proxies={"no_proxy": "other.test"})) == "env"


def test_no_proxy_only_exempts_environment_proxies(
    monkeypatch: pytest.MonkeyPatch, origin: RawServer, make_proxy: Callable[..., RawServer]
) -> None:
    # As in requests: no_proxy decides about the environment's proxies; a proxy named
    # explicitly in the dict is used whatever no_proxy says.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    proxies = {"http": _proxy_url(make_proxy("explicit")), "no_proxy": "127.0.0.1"}
    for lib in (tether, requests):
        assert via(lib.get(origin.url, proxies=proxies)) == "explicit"


# -- precedence: request, then session, then environment -------------------------------------


def test_session_proxy_beats_environment_same_key(
    monkeypatch: pytest.MonkeyPatch, origin: RawServer, make_proxy: Callable[..., RawServer]
) -> None:
    monkeypatch.setenv("HTTP_PROXY", _proxy_url(make_proxy("env")))
    session_proxy = _proxy_url(make_proxy("session"))
    with tether.Session() as s:
        s.proxies = {"http": session_proxy}
        assert via(s.get(origin.url)) == "session"
    with requests.Session() as rs:  # psf/requests#2018: the environment wins there
        rs.proxies = {"http": session_proxy}
        assert via(rs.get(origin.url)) == "env"


def test_session_proxy_beats_more_specific_environment_key(
    monkeypatch: pytest.MonkeyPatch, origin: RawServer, make_proxy: Callable[..., RawServer]
) -> None:
    monkeypatch.setenv("HTTP_PROXY", _proxy_url(make_proxy("env")))
    session_proxy = _proxy_url(make_proxy("session"))
    with tether.Session() as s:
        s.proxies = {"all": session_proxy}
        assert via(s.get(origin.url)) == "session"
        # The environment still fills in where the session names nothing.
        s.proxies = {"https": session_proxy}
        assert via(s.get(origin.url)) == "env"
    with requests.Session() as rs:
        rs.proxies = {"all": session_proxy}
        assert via(rs.get(origin.url)) == "env"


def test_session_proxy_beats_environment_through_session_send(
    monkeypatch: pytest.MonkeyPatch, origin: RawServer, make_proxy: Callable[..., RawServer]
) -> None:
    # Session.send with a prepared request resolves proxies itself (no merge step).
    monkeypatch.setenv("HTTP_PROXY", _proxy_url(make_proxy("env")))
    with tether.Session() as s:
        prepared = s.prepare_request(tether.Request("GET", origin.url))
        assert via(s.send(prepared)) == "env"
        s.proxies = {"all": _proxy_url(make_proxy("session"))}
        assert via(s.send(prepared)) == "session"


def test_request_proxy_beats_session_and_environment(
    monkeypatch: pytest.MonkeyPatch, origin: RawServer, make_proxy: Callable[..., RawServer]
) -> None:
    monkeypatch.setenv("HTTP_PROXY", _proxy_url(make_proxy("env")))
    request_proxy = _proxy_url(make_proxy("request"))
    session_proxy = _proxy_url(make_proxy("session"))
    with tether.Session() as s:
        s.proxies = {"http": session_proxy}
        assert via(s.get(origin.url, proxies={"http": request_proxy})) == "request"
        # Even when the session's key is the more specific one.
        assert via(s.get(origin.url, proxies={"all": request_proxy})) == "request"
        s.proxies = {"http://127.0.0.1": session_proxy}
        assert via(s.get(origin.url, proxies={"http": request_proxy})) == "request"
        # The session's settings are untouched by the request's.
        assert s.proxies == {"http://127.0.0.1": session_proxy}
        assert via(s.get(origin.url)) == "session"
    with requests.Session() as rs:
        rs.proxies = {"http": session_proxy}
        # requests: the environment beats both (psf/requests#2018) ...
        assert via(rs.get(origin.url, proxies={"all": request_proxy})) == "env"
        # ... and without it the more specific key wins, whoever set it.
        monkeypatch.delenv("HTTP_PROXY")
        assert via(rs.get(origin.url, proxies={"all": request_proxy})) == "session"


def test_precedence_holds_on_every_redirect_hop(
    monkeypatch: pytest.MonkeyPatch,
    dns: FakeDNS,
    origin: RawServer,
    make_proxy: Callable[..., RawServer],
) -> None:
    second = f"http://b.test:{origin.port}/second"
    session_proxy = make_proxy(
        "session", answer=lambda request: http_response(302, headers=[("Location", second)])
    )
    monkeypatch.setenv("HTTP_PROXY", _proxy_url(make_proxy("env")))
    with tether.Session() as s:
        # The session names a proxy for a.test only; b.test falls to the environment.
        s.proxies = {"all://a.test": _proxy_url(session_proxy)}
        r = s.get(f"http://a.test:{origin.port}/first")
        assert via(r) == "env"
        assert r.json()["target"] == second
        assert [h.status_code for h in r.history] == [302]
        # And with a session proxy for every host, the environment never gets a say.
        s.proxies = {"all": _proxy_url(make_proxy("everywhere"))}
        assert via(s.get(f"http://a.test:{origin.port}/first")) == "everywhere"


# -- how requests go through a proxy ---------------------------------------------------------


def test_http_url_goes_to_proxy_in_absolute_form(
    origin: RawServer, make_proxy: Callable[..., RawServer]
) -> None:
    seen: list[RawRequest] = []
    proxy = make_proxy("fwd", seen)
    r = tether.get(origin.url + "path?q=1#frag", proxies={"http": _proxy_url(proxy)})
    assert via(r) == "fwd"
    assert [(req.method, req.target) for req in seen] == [
        ("GET", f"http://127.0.0.1:{origin.port}/path?q=1")
    ]
    assert seen[0].header("Host") == f"127.0.0.1:{origin.port}".encode()
    assert origin.requests == []


def test_https_url_goes_through_connect_tunnel(
    raw_server: RawServerFactory, make_proxy: Callable[..., RawServer], ca_bundle: str
) -> None:
    seen: list[RawRequest] = []
    proxy = make_proxy("tunnel", seen)
    tls_origin = raw_server(echo_handler, tls=True)
    with tether.Session() as s:
        for _ in range(2):
            r = s.get(
                tls_origin.url + "path?q=1", proxies={"https": _proxy_url(proxy)}, verify=ca_bundle
            )
            assert r.json()["target"] == "/path?q=1"
    # One tunnel, reused for the second request.
    assert [(req.method, req.target) for req in seen] == [
        ("CONNECT", f"127.0.0.1:{tls_origin.port}")
    ]
    assert [req.connection for req in tls_origin.requests] == [0, 0]


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_real_proxy_forwards_and_tunnels(
    raw_server: RawServerFactory, proxy_server: ProxyProcess, ca_bundle: str, scheme: str
) -> None:
    target = raw_server(echo_handler, tls=scheme == "https")
    r = tether.get(target.url + "x", proxies={scheme: proxy_server.http_url}, verify=ca_bundle)
    assert r.status_code == 200
    assert r.json()["target"] == "/x"
    assert len(target.requests) == 1


# -- proxy credentials -----------------------------------------------------------------------

USER, PASSWORD = "us er", "p@ss:word"
USERINFO = "us%20er:p%40ss%3Aword@"
EXPECTED_AUTH = b"Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode())


def test_credentials_go_to_a_forwarding_proxy(
    origin: RawServer, make_proxy: Callable[..., RawServer]
) -> None:
    seen: list[RawRequest] = []
    proxy = make_proxy("fwd", seen)
    tether.get(origin.url, proxies={"http": _proxy_url(proxy, USERINFO)})
    assert seen[0].header_values("Proxy-Authorization") == [EXPECTED_AUTH]
    # Spelt exactly so: some proxies (pproxy) look the header up case-sensitively.
    assert b"Proxy-Authorization" in seen[0].header_names


def test_credentials_go_to_connect_only_never_to_the_origin(
    raw_server: RawServerFactory, make_proxy: Callable[..., RawServer], ca_bundle: str
) -> None:
    # CVE-2023-32681: the header belongs on the CONNECT request, not inside the tunnel.
    seen: list[RawRequest] = []
    proxy = make_proxy("tunnel", seen)
    tls_origin = raw_server(echo_handler, tls=True)
    r = tether.get(tls_origin.url, proxies={"https": _proxy_url(proxy, USERINFO)}, verify=ca_bundle)
    assert r.status_code == 200
    assert seen[0].method == "CONNECT"
    assert seen[0].header_values("Proxy-Authorization") == [EXPECTED_AUTH]
    assert tls_origin.requests[0].header("Proxy-Authorization") is None


def test_credentials_not_leaked_into_tunnel_after_redirect(
    raw_server: RawServerFactory, make_proxy: Callable[..., RawServer], ca_bundle: str
) -> None:
    # http -> https redirect through one authenticating proxy: rebuild_proxies adds the
    # header for the plain hop only (CVE-2023-32681 via the redirect path).
    seen: list[RawRequest] = []
    tls_origin = raw_server(echo_handler, tls=True)
    proxy = make_proxy(
        "both",
        seen,
        answer=lambda request: http_response(302, headers=[("Location", tls_origin.url + "after")]),
    )
    url = _proxy_url(proxy, USERINFO)
    r = tether.get(
        "http://127.0.0.1:1/before", proxies={"http": url, "https": url}, verify=ca_bundle
    )
    assert r.json()["target"] == "/after"
    assert [(req.method, req.header("Proxy-Authorization")) for req in seen] == [
        ("GET", EXPECTED_AUTH),
        ("CONNECT", EXPECTED_AUTH),
    ]
    assert tls_origin.requests[0].header("Proxy-Authorization") is None


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_authenticating_real_proxy(
    raw_server: RawServerFactory, auth_proxy_server: ProxyProcess, ca_bundle: str, scheme: str
) -> None:
    target = raw_server(echo_handler, tls=scheme == "https")
    good = {scheme: auth_proxy_server.http_url}
    bad = {scheme: auth_proxy_server.url("http", with_auth=False)}
    assert tether.get(target.url, proxies=good, verify=ca_bundle).status_code == 200
    if scheme == "http":
        # A forwarding proxy's refusal is a response like any other.
        assert tether.get(target.url, proxies=bad).status_code == 407
    else:
        with pytest.raises(tether.exceptions.ProxyError, match="407"):
            tether.get(target.url, proxies=bad, verify=ca_bundle)
    assert len(target.requests) == 1


# -- SOCKS -----------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["socks4", "socks5", "socks5h"])
@pytest.mark.parametrize("target_scheme", ["http", "https"])
def test_socks_proxies(
    raw_server: RawServerFactory,
    proxy_server: ProxyProcess,
    ca_bundle: str,
    scheme: str,
    target_scheme: str,
) -> None:
    target = raw_server(echo_handler, tls=target_scheme == "https")
    proxy = proxy_server.url(scheme)
    with tether.Session() as s:
        s.proxies = {target_scheme: proxy}
        for _ in range(2):
            r = s.get(target.url + "s", verify=ca_bundle)
            assert r.json()["target"] == "/s"
        # No proxy header of any kind reaches the origin, and no absolute-form target.
        assert all(req.header("Proxy-Authorization") is None for req in target.requests)
    assert [req.connection for req in target.requests] == [0, 0]


@pytest.mark.parametrize(("scheme", "resolved_here"), [("socks5", True), ("socks5h", False)])
def test_socks5h_lets_the_proxy_resolve_names(
    raw_server: RawServerFactory,
    proxy_server: ProxyProcess,
    dns: FakeDNS,
    scheme: str,
    resolved_here: bool,
) -> None:
    target = raw_server(echo_handler)
    r = tether.get(target.localhost_url, proxies={"http": proxy_server.url(scheme)})
    assert r.status_code == 200
    assert ("localhost" in dns.looked_up) is resolved_here


def test_socks5_with_credentials(
    raw_server: RawServerFactory, auth_proxy_server: ProxyProcess
) -> None:
    target = raw_server(echo_handler)
    r = tether.get(target.url, proxies={"http": auth_proxy_server.socks5_url})
    assert r.status_code == 200


@pytest.mark.parametrize("lib", [tether, requests], ids=["tether", "requests"])
def test_socks_refusal_is_a_proxy_error(
    lib: Lib, raw_server: RawServerFactory, auth_proxy_server: ProxyProcess
) -> None:
    # Deliberate difference: requests reports a failing SOCKS proxy as a plain
    # ConnectionError; tether raises ProxyError (a ConnectionError subclass) as it does for
    # HTTP proxies.
    target = raw_server(echo_handler)
    proxies = {"http": auth_proxy_server.url("socks5", with_auth=False)}
    with pytest.raises(lib.exceptions.ConnectionError) as info:
        lib.get(target.url, proxies=proxies)
    assert isinstance(info.value, lib.exceptions.ProxyError) is (lib is tether)
    assert target.requests == []


# -- broken proxy settings and failing proxies -----------------------------------------------


@pytest.mark.parametrize("lib", [tether, requests], ids=["tether", "requests"])
@pytest.mark.parametrize("proxy", ["http://", "http:///path", "https://:8080", "socks5://"])
def test_proxy_url_without_host_is_invalid(lib: Lib, origin: RawServer, proxy: str) -> None:
    with pytest.raises(lib.exceptions.InvalidProxyURL):
        lib.get(origin.url, proxies={"http": proxy})
    assert origin.requests == []


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize("proxy_scheme", ["http", "socks5", "socks4"])
@pytest.mark.parametrize("target_scheme", ["http", "https"])
def test_unreachable_proxy_is_a_proxy_error(
    origin: RawServer, proxy_scheme: str, target_scheme: str
) -> None:
    proxy = f"{proxy_scheme}://127.0.0.1:{_closed_port()}"
    url = origin.url.replace("http", target_scheme, 1)
    with pytest.raises(tether.exceptions.ProxyError):
        tether.get(url, proxies={target_scheme: proxy})


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n", "ProxyError"),
        (b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", "ProxyError"),
        # A proxy that hangs up without a status line: urllib3 reports the connection as
        # aborted (not as a proxy failure), and requests' class is kept.
        (b"", "ConnectionError"),
    ],
    ids=["502", "403", "closed"],
)
def test_failing_connect(raw_server: RawServerFactory, reply: bytes, error: str) -> None:
    def refuse(request: RawRequest, conn: Connection) -> None:
        if reply:
            conn.sendall(reply)
        conn.close()

    proxy = raw_server(refuse)
    for lib in (tether, requests):
        with pytest.raises(getattr(lib.exceptions, error)) as info:
            lib.get("https://127.0.0.1:1/", proxies={"https": _proxy_url(proxy)})
        assert type(info.value).__name__ == error
    # Each attempt was a single CONNECT: a failure on a new connection is never resent.
    assert [request.method for request in proxy.requests] == ["CONNECT", "CONNECT"]


# -- the environment is read with a handful of look-ups --------------------------------------


class CountingEnviron(dict[str, str]):
    """os.environ stand-in: counts look-ups, fails the test when anything scans it."""

    lookups = 0

    def get(self, key: str, default: Any = None) -> Any:
        self.lookups += 1
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.lookups += 1
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.lookups += 1
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("os.environ was iterated")

    def keys(self) -> Any:
        raise AssertionError("os.environ.keys() was called")

    def items(self) -> Any:
        raise AssertionError("os.environ.items() was called")

    def values(self) -> Any:
        raise AssertionError("os.environ.values() was called")

    def copy(self) -> Any:
        raise AssertionError("os.environ was copied")


def test_environment_read_with_a_handful_of_lookups(
    monkeypatch: pytest.MonkeyPatch, origin: RawServer, make_proxy: Callable[..., RawServer]
) -> None:
    env = CountingEnviron(os.environ)
    env["HTTP_PROXY"] = _proxy_url(make_proxy("env"))
    env["NO_PROXY"] = "other.test"
    monkeypatch.setattr(os, "environ", env)
    with tether.Session() as s:
        s.get(origin.url)  # warm-up: caches are filled once
        env.lookups = 0
        assert via(s.get(origin.url)) == "env"
    # A bounded set of keys (the eight proxy variables, some read by both no_proxy passes,
    # REQUEST_METHOD, two CA-bundle variables, NETRC, HOME), never a walk over them all.
    assert 0 < env.lookups <= 20
