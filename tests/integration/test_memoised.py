"""The per-request memos (``_cookiecache``, the prepared-URL cache, the adapter's pool-key
cache) never change what is sent: every test repeats requests so the second one is served
from a memo, changes something the memo must notice, and checks the bytes the server
received, side by side with requests where requests decides the same way."""

from __future__ import annotations

import http.cookiejar as cookielib
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import urllib3

import tether
from tests.support.fixtures import RawServerFactory
from tests.support.servers import Connection, RawRequest, RawServer, http_response
from tether import _cookiecache, _urls
from tether.adapters import HTTPAdapter


def cookie_server(request: RawRequest, conn: Connection) -> bytes:
    """Answers with the Set-Cookie values named in ``?set=`` (repeatable); the body is the
    Cookie header the request carried (``-`` for none)."""
    query = parse_qs(urlsplit(request.target).query)
    headers = [("Set-Cookie", value) for value in query.get("set", [])]
    return http_response(200, request.header("Cookie") or b"-", headers)


class Server:
    def __init__(self, raw: RawServer) -> None:
        self.raw = raw
        self.port = raw.port
        self.base = f"http://127.0.0.1:{raw.port}"


@pytest.fixture
def server(raw_server: RawServerFactory) -> Server:
    return Server(raw_server(cookie_server))


Script = Callable[[Any, Any, str], list[str]]


def both(script: Script, base: str) -> tuple[list[str], list[str]]:
    """Run ``script(session, library, base)`` with requests and with tether."""
    with requests.Session() as rs, tether.Session() as ts:
        return script(rs, requests, base), script(ts, tether, base)


def sent(session: Any, url: str, **kwargs: Any) -> str:
    return str(session.get(url, **kwargs).content.decode())


# -- Cookie header ------------------------------------------------------------------------


def test_cookie_header_follows_every_kind_of_jar_change(server: Server) -> None:
    def script(s: Any, lib: Any, base: str) -> list[str]:
        seen = [
            sent(s, base + "/?set=a%3D1%3B%20Path%3D%2F"),
            sent(s, base + "/"),
            sent(s, base + "/"),
        ]
        for cookie in s.cookies:  # edited in place, without set_cookie
            cookie.value = "2"
        seen.append(sent(s, base + "/"))
        s.cookies.set("b", "x")
        seen.append(sent(s, base + "/"))
        del s.cookies["a"]
        seen.append(sent(s, base + "/"))
        s.cookies.clear()
        seen.append(sent(s, base + "/"))
        s.cookies.set("c", "y", domain="127.0.0.1", path="/deep")
        seen += [sent(s, base + "/"), sent(s, base + "/deep/x"), sent(s, base + "/deep/x")]
        return seen

    theirs, ours = both(script, server.base)
    assert ours == theirs
    assert ours == ["-", "a=1", "a=1", "a=2", "a=2; b=x", "b=x", "-", "-", "c=y", "c=y"]


def test_cookie_header_follows_policy_changes(server: Server) -> None:
    # tether sends with the session jar's policy (requests uses a fresh default policy for
    # every request: docs/migrating.md), so this is checked against the expected values.
    with tether.Session() as s:
        s.cookies.set("a", "1", domain="127.0.0.1")
        seen = [sent(s, server.base + "/"), sent(s, server.base + "/")]
        s.cookies.get_policy().set_blocked_domains(["127.0.0.1"])
        seen.append(sent(s, server.base + "/"))
        s.cookies.get_policy().set_blocked_domains([])
        seen.append(sent(s, server.base + "/"))
        s.cookies.set_policy(cookielib.DefaultCookiePolicy(blocked_domains=["127.0.0.1"]))
        seen.append(sent(s, server.base + "/"))
        s.cookies.get_policy().set_blocked_domains([])
        seen.append(sent(s, server.base + "/"))
    assert seen == ["a=1", "a=1", "-", "a=1", "-", "a=1"]


def test_explicit_cookie_and_host_headers(server: Server) -> None:
    def script(s: Any, lib: Any, base: str) -> list[str]:
        s.cookies.set("a", "1", domain="other.test")
        s.cookies.set("b", "2", domain="127.0.0.1")
        return [
            sent(s, base + "/"),
            sent(s, base + "/", headers={"Host": "other.test"}),
            sent(s, base + "/", headers={"Host": "other.test"}),
            sent(s, base + "/", headers={"Cookie": "mine=1"}),
            sent(s, base + "/"),
        ]

    theirs, ours = both(script, server.base)
    assert ours == theirs == ["b=2", "a=1", "a=1", "mine=1", "b=2"]


def test_expiry_ends_a_memoised_header(monkeypatch: pytest.MonkeyPatch, server: Server) -> None:
    now = [time.time()]
    monkeypatch.setattr(time, "time", lambda: now[0])
    with tether.Session() as s:
        s.cookies.set("short", "1", domain="127.0.0.1", expires=int(now[0]) + 10)
        s.cookies.set("long", "2", domain="127.0.0.1", expires=int(now[0]) + 1000)
        assert sent(s, server.base + "/") == "short=1; long=2"
        assert sent(s, server.base + "/") == "short=1; long=2"
        now[0] += 20
        assert sent(s, server.base + "/") == "long=2"
        now[0] += 2000
        assert sent(s, server.base + "/") == "-"


def test_a_custom_policy_decides_every_time(server: Server) -> None:
    class Counting(cookielib.DefaultCookiePolicy):
        calls = 0

        def return_ok(self, cookie: cookielib.Cookie, request: Any) -> bool:
            Counting.calls += 1
            return bool(super().return_ok(cookie, request))

    with tether.Session() as s:
        s.cookies.set_policy(Counting())
        s.cookies.set("a", "1")
        for _ in range(3):
            assert sent(s, server.base + "/") == "a=1"
    assert Counting.calls == 3


def test_a_customised_policy_instance_is_not_memoised() -> None:
    policy = tether.cookies.TetherCookiePolicy()
    assert _cookiecache.policy_fingerprint(policy) is not None
    policy.return_ok = lambda cookie, request: False  # type: ignore[method-assign]
    assert _cookiecache.policy_fingerprint(policy) is None


# -- Set-Cookie ---------------------------------------------------------------------------


def test_same_set_cookie_on_two_hosts_is_scoped_to_each(server: Server) -> None:
    query = "/?set=h%3D1"
    with tether.Session() as s:
        s.get(f"http://127.0.0.1:{server.port}{query}")
        s.get(f"http://localhost:{server.port}{query}")
        s.get(f"http://localhost:{server.port}{query}")
        domains = sorted(c.domain for c in s.cookies)
    with requests.Session() as rs:
        rs.get(f"http://127.0.0.1:{server.port}{query}")
        rs.get(f"http://localhost:{server.port}{query}")
        expected = sorted(c.domain for c in rs.cookies)
    assert domains == expected == ["127.0.0.1", "localhost.local"]


def test_max_age_is_counted_from_each_response(
    monkeypatch: pytest.MonkeyPatch, server: Server
) -> None:
    now = [1_900_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    with tether.Session() as s:
        s.get(server.base + "/?set=m%3D1%3B%20Max-Age%3D100")
        first = next(iter(s.cookies)).expires
        now[0] += 50
        s.get(server.base + "/?set=m%3D1%3B%20Max-Age%3D100")
        second = next(iter(s.cookies)).expires
    assert (first, second) == (1_900_000_100, 1_900_000_150)


def test_rejected_cookies_stay_rejected(server: Server) -> None:
    # A control character (case 19) and a foreign domain: refused on every response.
    url = server.base + "/?set=bad%3Da%01b&set=x%3D1%3B%20Domain%3Devil.test&set=ok%3D1"
    with tether.Session() as s:
        for _ in range(3):
            r = s.get(url)
            assert sorted(r.cookies.keys()) == ["ok"]
        assert sorted(s.cookies.keys()) == ["ok"]


def test_each_jar_gets_its_own_cookie_objects(server: Server) -> None:
    with tether.Session() as s:
        responses = [s.get(server.base + "/?set=a%3D1") for _ in range(3)]
        jars = [r.cookies for r in responses] + [s.cookies]
        objects = [next(iter(jar)) for jar in jars]
        assert len({id(c) for c in objects}) == len(objects)
        objects[0].value = "changed"
        assert [c.value for c in objects[1:]] == ["1", "1", "1"]
        assert sent(s, server.base + "/") == "a=1"


def test_session_policy_differs_from_the_response_jar(server: Server) -> None:
    with tether.Session() as s:
        s.cookies.set_policy(tether.cookies.TetherCookiePolicy(blocked_domains=["127.0.0.1"]))
        for _ in range(2):
            r = s.get(server.base + "/?set=a%3D1")
            assert r.cookies.get("a") == "1"  # the response jar uses the default policy
        assert len(s.cookies) == 0


def test_response_cookies_are_read_when_first_used(server: Server) -> None:
    with tether.Session() as s:
        r = s.get(server.base + "/?set=a%3D1&set=b%3D2")
        assert "cookies" not in r.__dict__  # nothing built yet
        assert r.cookies.get_dict() == {"a": "1", "b": "2"}
        assert r.cookies is r.cookies
        r.cookies = tether.cookies.RequestsCookieJar()
        assert len(r.cookies) == 0


# -- connection pools and URLs -------------------------------------------------------------


def test_pool_memo_survives_clear_and_eviction(raw_server: RawServerFactory) -> None:
    first = Server(raw_server(cookie_server))
    second = Server(raw_server(cookie_server))
    with tether.Session() as s:
        s.mount("http://", HTTPAdapter(pool_connections=1))
        for _ in range(3):  # one pool slot: each origin evicts the other
            assert s.get(first.base + "/?set=a%3D1").status_code == 200
            assert s.get(second.base + "/").status_code == 200
        s.get_adapter(first.base).close()
        assert s.get(first.base + "/").content == b"a=1"
    assert len(first.raw.requests) == 4 and len(second.raw.requests) == 3


def test_a_custom_key_function_runs_for_every_request(server: Server) -> None:
    calls: list[str] = []

    class Keyed(HTTPAdapter):
        def build_connection_pool_key_attributes(
            self, request: Any, verify: Any, cert: Any = None
        ) -> Any:
            calls.append(request.url)
            return super().build_connection_pool_key_attributes(request, verify, cert)

    with tether.Session() as s:
        s.mount("http://", Keyed())
        for _ in range(3):
            s.get(server.base + "/")
    assert len(calls) == 3


def test_the_same_pool_serves_one_origin(server: Server) -> None:
    with tether.Session() as s:
        responses = [s.get(server.base + f"/{i}") for i in range(3)]
        pools = {id(r.raw._pool) for r in responses}
    assert len(pools) == 1
    assert server.raw.connections_accepted == 1


def test_prepared_urls_are_memoised_but_errors_are_not() -> None:
    url = "http://example.test/a b?q=é"
    assert _urls.prepare_url(url, "k=v") == _urls.prepare_url(url, "k=v")
    assert _urls.prepare_url(url, "k=v") == requests.Request("GET", url, params="k=v").prepare().url
    for _ in range(2):
        with pytest.raises(tether.exceptions.InvalidURL):
            _urls.prepare_url("http://[bad/", None)


def test_redirect_responses_keep_their_cookies(raw_server: RawServerFactory) -> None:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.target.startswith("/start"):
            return http_response(302, b"", [("Location", "/end"), ("Set-Cookie", "hop=1")])
        return http_response(200, request.header("Cookie") or b"-", [("Set-Cookie", "end=2")])

    server = Server(raw_server(handler))
    with tether.Session() as s, requests.Session() as rs:
        for session in (s, rs):
            r = session.get(server.base + "/start")
            r.history[0].close()
            assert r.content == b"hop=1"
            assert r.history[0].cookies.get_dict() == {"hop": "1"}
            assert r.cookies.get_dict() == {"end": "2"}
            assert session.cookies.get_dict() == {"hop": "1", "end": "2"}


def test_add_headers_of_a_subclass_or_a_patch_is_called(
    monkeypatch: pytest.MonkeyPatch, raw_server: RawServerFactory
) -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: RawRequest, conn: Connection) -> bytes:
        return http_response(200, request.header("X-Added") or b"-")

    class Adding(HTTPAdapter):
        def add_headers(self, request: Any, **kwargs: Any) -> None:
            seen.append(kwargs)
            request.headers["X-Added"] = "sub"

    server = Server(raw_server(handler))
    with tether.Session() as s:
        assert s.get(server.base + "/").content == b"-"
        s.mount("http://", Adding())
        assert s.get(server.base + "/", timeout=5).content == b"sub"
    assert sorted(seen[0]) == ["cert", "proxies", "stream", "timeout", "verify"]
    assert seen[0]["timeout"] == 5

    def patched(self: Any, request: Any, **kwargs: Any) -> None:
        request.headers["X-Added"] = "patched"

    monkeypatch.setattr(HTTPAdapter, "add_headers", patched)
    with tether.Session() as s:
        assert s.get(server.base + "/").content == b"patched"


def test_pool_settings_changed_after_use_get_a_new_pool(server: Server) -> None:
    with tether.Session() as s:
        first = s.get(server.base + "/")
        manager = s.get_adapter(server.base).poolmanager
        manager.connection_pool_kw["maxsize"] = 3
        second = s.get(server.base + "/")
        third = s.get(server.base + "/")
    assert first.raw._pool is not second.raw._pool
    assert second.raw._pool is third.raw._pool
    assert second.raw._pool.pool.maxsize == 3


# -- review regressions: memos never cross policies, patches or the clock -----------------


def test_memos_never_mix_cookielib_and_tether_policies(server: Server) -> None:
    # cookielib's default policy sends a host-only cookie to subdomains; tether's does not.
    def run(policy: cookielib.CookiePolicy | None) -> tuple[str, list[str]]:
        with tether.Session() as s:
            if policy is not None:
                s.cookies.set_policy(policy)
            s.get(server.base + "/?set=h%3D1", headers={"Host": "a.test"})
            s.get(server.base + "/?set=ctl%3Da%01b")
            header = sent(s, server.base + "/", headers={"Host": "sub.a.test"})
            return header, sorted(c.name for c in s.cookies)

    assert run(cookielib.DefaultCookiePolicy()) == ("h=1", ["ctl", "h"])
    assert run(None) == ("-", ["h"])  # warm memos, tether's policy: still refused


def test_class_level_patches_turn_the_memos_off(
    monkeypatch: pytest.MonkeyPatch, server: Server
) -> None:
    with tether.Session() as s:
        s.get(server.base + "/?set=a%3D1")
        assert sent(s, server.base + "/") == "a=1"  # memos warm
        monkeypatch.setattr(
            tether.cookies.TetherCookiePolicy, "return_ok", lambda self, cookie, request: False
        )
        assert sent(s, server.base + "/") == "-"
        monkeypatch.undo()
        stored: list[str] = []
        real = tether.cookies.RequestsCookieJar.set_cookie

        def spy(self: Any, cookie: cookielib.Cookie, *args: Any, **kwargs: Any) -> None:
            stored.append(cookie.name)
            real(self, cookie, *args, **kwargs)

        monkeypatch.setattr(tether.cookies.RequestsCookieJar, "set_cookie", spy)
        s.get(server.base + "/?set=a%3D1")
    assert "a" in stored


def test_response_cookies_with_an_expiry_are_read_on_arrival(
    monkeypatch: pytest.MonkeyPatch, server: Server
) -> None:
    now = [float(int(time.time()))]
    monkeypatch.setattr(time, "time", lambda: now[0])
    expires = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now[0] + 2))
    query = "/?set=" + "a%3D1%3B%20Expires%3D" + expires.replace(" ", "%20").replace(",", "%2C")
    with tether.Session() as s:
        r = s.get(server.base + query + "&set=b%3D2")
        now[0] += 3  # "a" has expired by the time the program looks
        assert sorted(r.cookies.keys()) == ["a", "b"]


def test_response_cookies_use_the_request_as_it_was_sent(server: Server) -> None:
    def hook(r: Any, **kwargs: Any) -> None:
        r.request.url = "http://elsewhere.test/"

    with tether.Session() as s:
        r = s.get(server.base + "/?set=hk%3D1", hooks={"response": hook})
        assert [(c.domain, c.name) for c in r.cookies] == [("127.0.0.1", "hk")]


def test_empty_list_of_request_headers_matches_requests(server: Server) -> None:
    def script(s: Any, lib: Any, base: str) -> list[str]:
        s.headers["X-Session"] = "1"
        prepared = s.prepare_request(lib.Request("GET", base + "/", headers=[]))
        return sorted(prepared.headers)

    theirs, ours = both(script, server.base)
    assert ours == theirs


def test_instance_overrides_on_the_adapter_are_honoured(raw_server: RawServerFactory) -> None:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        return http_response(200, request.header("X-Added") or b"-")

    base = Server(raw_server(handler)).base
    with tether.Session() as s:
        adapter = s.get_adapter(base)
        s.get(base + "/")  # pool key memo warm
        adapter.add_headers = lambda request, **kwargs: request.headers.update(  # type: ignore[method-assign]
            {"X-Added": "inst"}
        )
        keyed: list[str] = []
        real = adapter.build_connection_pool_key_attributes

        def keys(request: Any, verify: Any, cert: Any = None) -> Any:
            keyed.append(request.url)
            host, kwargs = real(request, verify, cert)
            return host, {**kwargs, "maxsize": 7}

        adapter.build_connection_pool_key_attributes = keys  # type: ignore[method-assign]
        r = s.get(base + "/")
        assert r.content == b"inst"
        assert keyed and r.raw._pool.pool.maxsize == 7


def test_pool_manager_patches_are_honoured(monkeypatch: pytest.MonkeyPatch, server: Server) -> None:
    calls: list[str] = []
    real = urllib3.PoolManager.connection_from_host

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(args[0] if args else kwargs["host"])
        return real(self, *args, **kwargs)

    monkeypatch.setattr(urllib3.PoolManager, "connection_from_host", counting)
    with tether.Session() as s:
        for _ in range(3):
            s.get(server.base + "/")
    assert len(calls) == 3


def test_a_prepared_jar_loses_its_expired_cookies_every_time(server: Server) -> None:
    for lib in (requests, tether):
        remaining = []
        for _ in range(2):  # the second jar meets a warm memo
            jar = lib.cookies.RequestsCookieJar()
            jar.set("old", "1", domain="127.0.0.1", expires=int(time.time()) - 10)
            jar.set("new", "2", domain="127.0.0.1")
            prepared = lib.Request("GET", server.base + "/", cookies=jar).prepare()
            assert prepared.headers["Cookie"] == "new=2"
            remaining.append(sorted(jar.keys()))
        assert remaining == [["new"], ["new"]], lib.__name__


def test_a_cookie_set_again_unchanged_keeps_its_object(server: Server) -> None:
    # docs/migrating.md: requests stores the new object; the cookies sent are the same.
    with tether.Session() as s:
        s.get(server.base + "/?set=a%3D1")
        held = next(iter(s.cookies))
        s.get(server.base + "/?set=a%3D1")
        assert next(iter(s.cookies)) is held
        s.get(server.base + "/?set=a%3D2")  # a changed cookie is a new object
        assert next(iter(s.cookies)) is not held and s.cookies["a"] == "2"
        assert sent(s, server.base + "/") == "a=2"
