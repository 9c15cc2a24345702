"""Security catalogue cases 01-19, 28 and 48: credentials, cookies and bodies on redirects.

Each test is named after its case number and identifier and checks the raw bytes the
servers received. Cross-origin hops go from ``127.0.0.1`` to ``localhost`` (two servers
from `two_origins`); a header "absent" means absent in any letter case. Where tether
decides differently from requests on purpose (SECURITY-CASES §5), the test also runs
requests to show the difference is real, so the test would fail if tether behaved like it.
"""

from __future__ import annotations

import base64
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import urllib3

import tether
from tests.support.differential import library, run_both
from tests.support.digest import DigestServer
from tests.support.fixtures import RawServerFactory, TwoOriginsFactory
from tests.support.hostile import FakeDNS, connect_proxy_handler, gzip_bomb, wall_clock
from tests.support.servers import Connection, RawRequest, RawServer, http_response

requests = pytest.importorskip("requests")


def basic(user: str, password: str) -> bytes:
    return b"Basic " + base64.b64encode(f"{user}:{password}".encode("latin-1"))


def ok(request: RawRequest, conn: Connection) -> bytes:
    return http_response(200, b"ok")


def redirect_to(location: Callable[[], str], status: int = 302) -> Callable[..., bytes]:
    """A handler answering ``status`` with ``Location: location()`` (computed per request,
    so it can name a server started later)."""

    def handler(request: RawRequest, conn: Connection) -> bytes:
        return http_response(status, b"", [("Location", location())])

    return handler


def cross(
    two_origins: TwoOriginsFactory, status: int = 302, path: str = "/landing"
) -> tuple[RawServer, RawServer]:
    """A (127.0.0.1) answering ``status -> B (localhost) + path``; B answers 200."""
    holder: list[RawServer] = []
    origins = two_origins(redirect_to(lambda: holder[0].localhost_base_url + path, status), ok)
    holder.append(origins.second)
    return origins.first, origins.second


def absent(server: RawServer, name: str, index: int = -1) -> bool:
    return server.requests[index].header(name) is None


@pytest.fixture
def netrc_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """Write a netrc file and point NETRC at it."""

    def write(text: str) -> Path:
        path = tmp_path / "netrc"
        path.write_text(text)
        path.chmod(0o600)
        monkeypatch.setenv("NETRC", str(path))
        return path

    return write


# -- A. credential leaks on redirect -------------------------------------------------------


@pytest.mark.parametrize("lib_name", ["requests", "tether"])
@pytest.mark.parametrize("variant", ["auth", "header", "netrc"])
def test_case_01_cve_2014_1829_authorization_not_sent_to_another_host(
    two_origins: TwoOriginsFactory,
    netrc_file: Callable[[str], Path],
    variant: str,
    lib_name: str,
) -> None:
    a, b = cross(two_origins)
    lib = library(lib_name)
    netrc_file("machine 127.0.0.1 login u password p\n")
    if variant == "auth":
        r = lib.get(a.url, auth=("u", "p"))
    elif variant == "header":
        r = lib.get(a.url, headers={"Authorization": "Bearer T"})
    else:
        r = lib.get(a.url)
    assert r.status_code == 200
    assert a.requests[0].header("authorization") is not None
    assert "Authorization" in r.history[0].request.headers
    assert absent(b, "authorization")


def test_case_01_cve_2014_1829_same_origin_redirect_keeps_authorization(
    raw_server: RawServerFactory,
) -> None:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.target == "/start":
            return http_response(302, b"", [("Location", "/other")])
        return http_response(200, b"ok")

    server = raw_server(handler)
    tether.get(server.url_for("/start"), auth=("u", "p"))
    assert [q.header("authorization") for q in server.requests] == [basic("u", "p")] * 2


def test_case_02_cve_2018_18074_https_to_http_downgrade_strips_authorization(
    raw_server: RawServerFactory, ca_bundle: str
) -> None:
    plain = raw_server(ok)
    secure = raw_server(redirect_to(lambda: plain.url_for("/clear")), tls=True)
    r = tether.get(secure.url, auth=("u", "p"), verify=ca_bundle)
    assert r.status_code == 200
    assert secure.requests[0].header("authorization") == basic("u", "p")
    assert absent(plain, "authorization")


def test_case_02_cve_2018_18074_port_change_strips_authorization(
    raw_server: RawServerFactory,
) -> None:
    other_port = raw_server(ok)
    first = raw_server(redirect_to(lambda: other_port.url_for("/x")))
    tether.get(first.url, auth=("u", "p"))
    assert absent(other_port, "authorization")


@pytest.mark.parametrize(
    ("old", "new", "strip"),
    [
        ("http://h/", "https://h/", False),
        ("http://h:80/", "https://h/", False),
        ("http://h/", "https://h:443/", False),
        ("https://h:443/", "https://h/", False),
        ("http://h:80/", "http://h/", False),
        ("http://h:8080/", "https://h/", True),
        ("http://h/", "https://h:8443/", True),
        ("https://h/", "http://h/", True),
        ("https://h/", "http://h:443/", True),
        ("http://h/", "http://other/", True),
        ("http://h:1/", "http://h:2/", True),
        ("http://H/", "http://h/", False),
    ],
)
def test_case_02_cve_2018_18074_strip_predicate(old: str, new: str, strip: bool) -> None:
    assert tether.Session().should_strip_auth(old, new) is strip
    assert requests.Session().should_strip_auth(old, new) is strip


def test_case_03_cve_2018_20060_urllib3_redirects_drop_credentials(
    two_origins: TwoOriginsFactory,
) -> None:
    a, b = cross(two_origins)
    headers = {"authorization": "x", "Cookie": "c=1", "PROXY-AUTHORIZATION": "y"}
    sent = dict(headers)
    with urllib3.PoolManager() as pm:
        assert pm.request("GET", a.url, headers=headers).status == 200
        for name in headers:
            assert absent(b, name)
        assert headers == sent  # the caller's dict is not mutated
        keep = urllib3.util.Retry(total=3, remove_headers_on_redirect=[])
        pm.request("GET", a.url, headers=headers, retries=keep)
        assert all(b.requests[-1].header(name) is not None for name in headers)


def test_case_03_cve_2018_20060_tether_never_lets_urllib3_follow(
    two_origins: TwoOriginsFactory,
) -> None:
    a, b = cross(two_origins)
    adapter = tether.adapters.HTTPAdapter()
    prepared = tether.Request("GET", a.url, headers={"Authorization": "x"}).prepare()
    response = adapter.send(prepared)
    assert response.status_code == 302
    assert b.requests == []
    adapter.close()


def test_case_04_cve_2025_50181_redirects_can_be_disabled(
    two_origins: TwoOriginsFactory,
) -> None:
    a, b = cross(two_origins)
    with urllib3.PoolManager(retries=False) as pm:
        assert pm.request("GET", a.url).status == 302
    with urllib3.PoolManager(retries=0) as pm, pytest.raises(urllib3.exceptions.MaxRetryError):
        pm.request("GET", a.url)
    assert tether.get(a.url, allow_redirects=False).status_code == 302
    with tether.Session() as s:
        s.max_redirects = 0
        with pytest.raises(tether.TooManyRedirects) as info:
            s.get(a.url)
    assert info.value.response is not None and info.value.response.status_code == 302
    assert b.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com:@127.0.0.1:{port}/",
        "http://127.0.0.1:{port}#@example.com/",
        "http://127.0.0.1:{port}?@example.com/",
    ],
)
def test_case_05_cve_2024_47081_netrc_uses_the_host_actually_contacted(
    raw_server: RawServerFactory, netrc_file: Callable[[str], Path], url: str
) -> None:
    server = raw_server(ok)
    netrc_file(
        "machine example.com login wrong password wrongpass\n"
        "machine 127.0.0.1 login right password rightpass\n"
    )
    tether.get(url.format(port=server.port))
    assert server.requests[-1].header("authorization") == basic("right", "rightpass")


def test_case_06_requests_7205_empty_netrc_entry_gives_no_authorization(
    raw_server: RawServerFactory, netrc_file: Callable[[str], Path]
) -> None:
    server = raw_server(ok)
    netrc_file("machine 127.0.0.1\n")

    def scenario(lib: ModuleType) -> None:
        lib.get(server.url)

    theirs, mine = run_both(scenario, server)
    assert mine.requests == theirs.requests
    assert not mine.at(0)[0].has("Authorization")


def test_case_06_requests_7205_login_only_entry_matches_requests(
    raw_server: RawServerFactory, netrc_file: Callable[[str], Path]
) -> None:
    server = raw_server(ok)
    netrc_file("machine 127.0.0.1 login onlyuser\n")

    theirs, mine = run_both(lambda lib: lib.get(server.url), server)
    assert mine.requests == theirs.requests
    assert mine.at(0)[0].header("Authorization") == "Basic b25seXVzZXI6"


def test_case_07_netrc_default_entry_does_not_follow_a_cross_origin_redirect(
    two_origins: TwoOriginsFactory, netrc_file: Callable[[str], Path]
) -> None:
    a, b = cross(two_origins)
    netrc_file("default login dflt password dpass\n")
    dflt = basic("dflt", "dpass")

    requests.get(a.url)
    assert b.requests[-1].header("authorization") == dflt  # requests leaks it

    tether.get(a.url)
    assert a.requests[-1].header("authorization") == dflt  # the first request may use it
    assert absent(b, "authorization")


def test_case_07_explicit_auth_is_never_replaced_by_netrc(
    two_origins: TwoOriginsFactory, netrc_file: Callable[[str], Path]
) -> None:
    a, b = cross(two_origins)
    netrc_file("default login dflt password dpass\n")

    requests.get(a.url, auth=("explicit", "secret"))
    assert b.requests[-1].header("authorization") == basic("dflt", "dpass")

    tether.get(a.url, auth=("explicit", "secret"))
    assert a.requests[-1].header("authorization") == basic("explicit", "secret")
    assert absent(b, "authorization")
    with tether.Session() as s:
        s.auth = ("explicit", "secret")
        s.get(a.url)
    assert absent(b, "authorization")


def test_case_07_exact_machine_entry_applies_to_the_new_host(
    two_origins: TwoOriginsFactory, netrc_file: Callable[[str], Path]
) -> None:
    a, b = cross(two_origins)
    netrc_file("machine localhost login bee password bpass\ndefault login dflt password dpass\n")
    tether.get(a.url)
    assert a.requests[-1].header("authorization") == basic("dflt", "dpass")
    assert b.requests[-1].header("authorization") == basic("bee", "bpass")


def test_case_07_same_origin_hop_keeps_explicit_auth(
    raw_server: RawServerFactory, netrc_file: Callable[[str], Path]
) -> None:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.target == "/start":
            return http_response(302, b"", [("Location", "/next")])
        return http_response(200, b"ok")

    server = raw_server(handler)
    netrc_file("machine 127.0.0.1 login fromnetrc password x\n")
    requests.get(server.url_for("/start"), auth=("explicit", "secret"))
    assert server.requests[-1].header("authorization") == basic("fromnetrc", "x")
    tether.get(server.url_for("/start"), auth=("explicit", "secret"))
    assert server.requests[-1].header("authorization") == basic("explicit", "secret")


def test_case_08_digest_does_not_answer_a_cross_origin_challenge(
    two_origins: TwoOriginsFactory,
) -> None:
    digest = DigestServer("alice", "s3cret", realm="evil")
    holder: list[RawServer] = []
    origins = two_origins(redirect_to(lambda: holder[0].localhost_url), digest)
    holder.append(origins.second)
    a, b = origins

    r = requests.get(a.url, auth=requests.auth.HTTPDigestAuth("alice", "s3cret"))
    assert r.status_code == 200  # requests answered the other origin's challenge
    assert digest.answers and digest.answers[-1]["username"] == "alice"

    before = len(b.requests)
    r = tether.get(a.url, auth=tether.auth.HTTPDigestAuth("alice", "s3cret"))
    assert r.status_code == 401
    assert len(b.requests) == before + 1
    assert absent(b, "authorization")


def test_case_08_digest_answers_its_own_origin_after_a_redirect(
    raw_server: RawServerFactory,
) -> None:
    digest = DigestServer("alice", "s3cret")

    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.target == "/start":
            return http_response(302, b"", [("Location", "/protected")])
        return digest(request, conn)

    server = raw_server(handler)
    r = tether.get(server.url_for("/start"), auth=tether.auth.HTTPDigestAuth("alice", "s3cret"))
    assert r.status_code == 200
    assert digest.verdicts == ["no credentials", "ok"]


def test_case_09_sensitive_headers_are_opt_in(two_origins: TwoOriginsFactory) -> None:
    a, b = cross(two_origins)
    headers = {"X-Api-Key": "k", "Private-Token": "t"}

    theirs, mine = run_both(lambda lib: lib.get(a.url, headers=headers), a, b)
    assert mine.requests == theirs.requests  # the default matches requests: forwarded
    assert mine.at(1)[0].header("X-Api-Key") == "k"

    with tether.Session(sensitive_headers={"x-api-key", "PRIVATE-TOKEN"}) as s:
        s.get(a.url, headers=headers)
    assert absent(b, "x-api-key") and absent(b, "private-token")
    assert a.requests[-1].header("x-api-key") == b"k"

    with tether.Session() as s:
        s.sensitive_headers = frozenset({"X-Api-Key"})
        s.get(a.url, headers=headers)
    assert absent(b, "x-api-key")
    assert b.requests[-1].header("private-token") == b"t"


def test_case_09_sensitive_headers_kept_on_a_same_origin_hop(
    raw_server: RawServerFactory,
) -> None:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.target == "/start":
            return http_response(302, b"", [("Location", "/next")])
        return http_response(200, b"ok")

    server = raw_server(handler)
    with tether.Session(sensitive_headers={"X-Api-Key"}) as s:
        s.get(server.url_for("/start"), headers={"X-Api-Key": "k"})
    assert [q.header("x-api-key") for q in server.requests] == [b"k", b"k"]


# -- B. proxy credential leaks ---------------------------------------------------------------


def forward_proxy(routes: dict[str, bytes]) -> Callable[[RawRequest, Connection], bytes]:
    """A forward proxy that answers absolute-form requests itself, by exact target."""

    def handler(request: RawRequest, conn: Connection) -> bytes:
        return routes.get(request.target, http_response(404, b"no route"))

    return handler


def test_case_10_cve_2014_1830_proxy_authorization_rebuilt_on_each_proxied_hop(
    raw_server: RawServerFactory,
) -> None:
    proxy = raw_server(
        forward_proxy(
            {
                "http://origin.test/": http_response(
                    302, b"", [("Location", "http://origin2.test/")]
                ),
                "http://origin2.test/": http_response(200, b"ok"),
            }
        )
    )

    def scenario(lib: ModuleType) -> int:
        proxies = {"http": f"http://pu:pp@127.0.0.1:{proxy.port}"}
        return int(lib.get("http://origin.test/", proxies=proxies).status_code)

    theirs, mine = run_both(scenario, proxy)
    assert mine.result == theirs.result == 200
    assert mine.requests == theirs.requests
    assert [s.target for s in mine.at(0)] == ["http://origin.test/", "http://origin2.test/"]
    expected = basic("pu", "pp").decode()
    for seen in mine.at(0):
        assert [v for k, v in seen.headers if k.lower() == "proxy-authorization"] == [expected]


def test_case_10_cve_2014_1830_hand_set_proxy_authorization_dropped_on_direct_hop(
    two_origins: TwoOriginsFactory,
) -> None:
    a, b = cross(two_origins)
    tether.get(a.url, headers={"Proxy-Authorization": "Basic x"})
    assert a.requests[-1].header("proxy-authorization") == b"Basic x"
    assert absent(b, "proxy-authorization")


def test_case_10_cve_2014_1830_rebuild_proxies_removes_a_stale_header() -> None:
    with tether.Session() as s:
        prepared = tether.Request(
            "GET", "http://127.0.0.1/", headers={"Proxy-Authorization": "Basic stale"}
        ).prepare()
        s.rebuild_proxies(prepared, {"http": "http://127.0.0.1:3128"})
        assert "Proxy-Authorization" not in prepared.headers


def test_case_11_cve_2023_32681_proxy_authorization_never_enters_the_tunnel(
    raw_server: RawServerFactory, ca_bundle: str
) -> None:
    def target_handler(request: RawRequest, conn: Connection) -> bytes:
        if request.target == "/a":
            return http_response(302, b"", [("Location", f"https://localhost:{target.port}/b")])
        return http_response(200, b"ok")

    target = raw_server(target_handler, tls=True)
    connects: list[RawRequest] = []
    proxy = raw_server(connect_proxy_handler(connects))
    proxies = {"https": f"http://pu:pp@127.0.0.1:{proxy.port}"}
    r = tether.get(f"https://127.0.0.1:{target.port}/a", proxies=proxies, verify=ca_bundle)
    assert r.status_code == 200
    assert [c.method for c in connects] == ["CONNECT", "CONNECT"]
    assert all(c.header("proxy-authorization") == basic("pu", "pp") for c in connects)
    assert [q.target for q in target.requests] == ["/a", "/b"]
    assert all(q.header("proxy-authorization") is None for q in target.requests)


@pytest.mark.parametrize(("scheme", "present"), [("https", False), ("http", True)])
def test_case_11_cve_2023_32681_rebuild_proxies_unit_twin(scheme: str, present: bool) -> None:
    with tether.Session() as s:
        prepared = tether.Request("GET", f"{scheme}://127.0.0.1/").prepare()
        s.rebuild_proxies(prepared, {scheme: "http://pu:pp@127.0.0.1:3128"})
        assert ("Proxy-Authorization" in prepared.headers) is present


@pytest.mark.parametrize(
    "name", ["Proxy-Authorization", "proxy-authorization", "PROXY-AUTHORIZATION"]
)
def test_case_12_cve_2024_37891_hand_set_proxy_authorization_not_forwarded(
    two_origins: TwoOriginsFactory, name: str
) -> None:
    a, b = cross(two_origins)
    tether.get(a.url, headers={name: "Bearer X"})
    assert a.requests[-1].header("proxy-authorization") == b"Bearer X"
    assert absent(b, "proxy-authorization")
    with urllib3.PoolManager() as pm:
        pm.request("GET", a.url, headers={name: "Bearer X"})
    assert absent(b, "proxy-authorization")


def test_case_13_cve_2026_44431_proxied_redirect_drops_credentials(
    raw_server: RawServerFactory,
) -> None:
    proxy = raw_server(
        forward_proxy(
            {
                "http://a.test/r": http_response(303, b"", [("Location", "http://b.test/headers")]),
                "http://b.test/headers": http_response(200, b"ok"),
            }
        )
    )
    secrets = {"Authorization": "a", "Cookie": "c=1", "Proxy-Authorization": "p"}
    proxy_url = f"http://127.0.0.1:{proxy.port}"
    r = tether.get("http://a.test/r", headers=secrets, proxies={"http": proxy_url})
    assert r.status_code == 200
    assert proxy.requests[-1].target == "http://b.test/headers"
    for name in secrets:
        assert absent(proxy, name)

    # urllib3's own path through a pool from ProxyManager.connection_from_url.
    with urllib3.ProxyManager(proxy_url) as pm:
        pool = pm.connection_from_url("http://a.test/")
        response = pool.urlopen(
            "GET",
            "http://a.test/r",
            headers=secrets,
            redirect=True,
            assert_same_host=False,
            retries=1,
        )
        assert response.status == 200
        assert response.retries is not None and len(response.retries.history) == 1
    assert proxy.requests[-1].target == "http://b.test/headers"
    for name in secrets:
        assert absent(proxy, name)


# -- C. cookie leaks and scope -----------------------------------------------------------------


def test_case_14_cve_2015_2296_cookie_from_a_redirect_stays_with_its_host(
    two_origins: TwoOriginsFactory,
) -> None:
    holder: list[RawServer] = []

    def first(request: RawRequest, conn: Connection) -> bytes:
        if request.target == "/again":
            return http_response(200, b"ok")
        return http_response(
            302,
            b"",
            [("Set-Cookie", "fix=attacker; Path=/"), ("Location", holder[0].localhost_url + "x")],
        )

    a, b = two_origins(first, ok)
    holder.append(b)
    with tether.Session() as s:
        s.get(a.url)
        assert absent(b, "cookie")
        assert [(c.name, c.domain) for c in s.cookies] == [("fix", "127.0.0.1")]
        s.get(a.url_for("/again"))
    assert a.requests[-1].header("cookie") == b"fix=attacker"


def test_case_15_cve_2023_43804_hand_set_cookie_header_not_forwarded(
    two_origins: TwoOriginsFactory, raw_server: RawServerFactory
) -> None:
    a, b = cross(two_origins)
    tether.get(a.url, headers={"Cookie": "hdr=1"})
    assert a.requests[-1].header("cookie") == b"hdr=1"
    assert absent(b, "cookie")

    # requests drops a hand-set Cookie header even on a same-origin hop; so does tether.
    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.target == "/start":
            return http_response(302, b"", [("Location", "/next")])
        return http_response(200, b"ok")

    same = raw_server(handler)
    theirs, mine = run_both(
        lambda lib: lib.get(same.url_for("/start"), headers={"Cookie": "hdr=1"}), same
    )
    assert mine.requests == theirs.requests
    assert mine.at(0)[0].header("Cookie") == "hdr=1" and not mine.at(0)[1].has("Cookie")


def test_case_16_per_request_and_domainless_cookies_stay_with_the_first_origin(
    two_origins: TwoOriginsFactory,
) -> None:
    a, b = cross(two_origins)

    def scenario(lib: ModuleType) -> list[str]:
        with lib.Session() as s:
            s.cookies.set("sessnodomain", "s2")
            s.cookies.set("scoped", "v", domain="127.0.0.1")
            # cookielib matches a dotless host as "<host>.local" (RFC 2965 §1).
            s.cookies.set("forb", "w", domain="localhost.local")
            s.get(a.url, cookies={"percall": "s1"})
            return sorted(s.cookies.keys())

    theirs, mine = run_both(scenario, a, b)
    assert theirs.at(1)[0].header("Cookie") == "sessnodomain=s2; percall=s1; forb=w"
    sent_to_a = mine.at(0)[0].header("Cookie") or ""
    assert set(sent_to_a.split("; ")) == {"percall=s1", "sessnodomain=s2", "scoped=v"}
    assert mine.at(1)[0].header("Cookie") == "forb=w"  # scoped to localhost: allowed there
    # The per-request cookie was sent, never stored.
    assert mine.result == theirs.result == ["forb", "scoped", "sessnodomain"]


def test_case_16_same_origin_hop_keeps_per_request_cookies(raw_server: RawServerFactory) -> None:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.target == "/start":
            return http_response(302, b"", [("Location", "/next")])
        return http_response(200, b"ok")

    server = raw_server(handler)

    def scenario(lib: ModuleType) -> None:
        with lib.Session() as s:
            s.cookies.set("sess", "1")
            s.get(server.url_for("/start"), cookies={"percall": "2"})

    theirs, mine = run_both(scenario, server)
    assert mine.requests == theirs.requests
    assert mine.at(0)[1].header("Cookie") == "sess=1; percall=2"


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    return FakeDNS(monkeypatch)


def test_case_17_cve_2018_20852_domain_match_is_label_bounded(
    raw_server: RawServerFactory, dns: FakeDNS
) -> None:
    server = raw_server(ok)
    with tether.Session() as s:
        s.cookies.set("c", "1", domain="example.test")
        s.get(f"http://pythonicexample.test:{server.port}/")
        assert absent(server, "cookie")
        s.get(f"http://www.example.test:{server.port}/")
        assert server.requests[-1].header("cookie") == b"c=1"


def test_case_17_host_only_cookie_stays_on_its_host(
    raw_server: RawServerFactory, dns: FakeDNS
) -> None:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        host = request.header("host") or b""
        if host.startswith(b"example.test"):
            return http_response(
                200,
                b"",
                [
                    ("Set-Cookie", "h=1; Path=/"),
                    ("Set-Cookie", "d=2; Domain=example.test; Path=/"),
                    ("Set-Cookie", "t=1; Domain=.test; Path=/"),
                ],
            )
        return http_response(200, b"ok")

    server = raw_server(handler)
    for lib_name, expected in (("requests", b"h=1; d=2"), ("tether", b"d=2")):
        lib = library(lib_name)
        with lib.Session() as s:
            s.get(f"http://example.test:{server.port}/")
            assert "t" not in s.cookies  # Domain=.test is refused
            s.get(f"http://evil.example.test:{server.port}/")
            assert server.requests[-1].header("cookie") == expected, lib_name
            s.get(f"http://example.test:{server.port}/")
            assert set((server.requests[-1].header("cookie") or b"").split(b"; ")) == {
                b"h=1",
                b"d=2",
            }


def test_case_18_bpo_38804_expires_redos_is_linear(raw_server: RawServerFactory) -> None:
    evil = "b=1; Expires=1-c-1" + " " * 60000 + "!"
    server = raw_server(lambda req, conn: http_response(200, b"ok", [("Set-Cookie", evil)]))
    with wall_clock(2.0), tether.Session() as s:
        assert s.get(server.url).status_code == 200


def test_case_19_control_character_cookies_are_refused(raw_server: RawServerFactory) -> None:
    server = raw_server(
        lambda req, conn: http_response(
            200,
            b"ok",
            [
                ("Set-Cookie", "ctl=a\x01b\x7fc; Path=/"),
                ("Set-Cookie", "nul\x00name=1; Path=/"),
                ("Set-Cookie", "good=1; Path=/"),
                ("Set-Cookie", "a=b\r\nX-Split: y"),  # the header parser splits it
            ],
        )
    )
    with requests.Session() as theirs:
        theirs.get(server.url)
        assert "ctl" in theirs.cookies  # requests stores and re-sends it
    with tether.Session() as s:
        r = s.get(server.url)
        assert r.headers["X-Split"] == "y"
        assert sorted(s.cookies.keys()) == ["a", "good"]
        s.get(server.url)
    assert server.requests[-1].header("cookie") == b"good=1; a=b"


def test_case_19_no_cookie_can_inject_a_header_line(raw_server: RawServerFactory) -> None:
    server = raw_server(ok)
    with tether.Session() as s:
        s.cookies.set("inj", "a\r\nX-Injected: 1")
        with pytest.raises(ValueError):
            s.get(server.url)
        with pytest.raises(ValueError):
            tether.get(server.url, cookies={"inj": "a\nX-Injected: 1"})
    assert server.requests == []


def test_case_19_large_cookie_sets_are_kept_as_requests_keeps_them(
    raw_server: RawServerFactory,
) -> None:
    # tether does not cap cookie sizes or counts (documented); the server decides.
    cookies = [("Set-Cookie", f"big{i}={'x' * 4000}; Path=/") for i in range(10)]
    server = raw_server(lambda req, conn: http_response(200, b"ok", cookies))
    theirs, mine = run_both(lambda lib: _two_gets(lib, server.url), server)
    assert mine.requests == theirs.requests
    assert len(mine.at(0)[1].header("Cookie") or "") > 40000


def _two_gets(lib: ModuleType, url: str) -> None:
    with lib.Session() as s:
        s.get(url)
        s.get(url)


# -- E. redirect body draining ---------------------------------------------------------------


@pytest.mark.parametrize("stream", [True, False])
def test_case_28_cve_2026_21441_redirect_body_drained_without_decoding(
    raw_server: RawServerFactory, stream: bool
) -> None:
    bomb = gzip_bomb(100 << 20)

    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.target == "/final":
            return http_response(200, b"done")
        if request.target == "/hop":
            return http_response(302, bomb, [("Location", "/final"), ("Content-Encoding", "gzip")])
        return http_response(302, bomb, [("Location", "/hop"), ("Content-Encoding", "gzip")])

    server = raw_server(handler)
    tracemalloc.start()
    try:
        r = tether.get(server.url_for("/start"), stream=stream)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert r.status_code == 200 and r.content == b"done"
    assert peak < 5 << 20, f"peak {peak} bytes"
    assert [h.status_code for h in r.history] == [302, 302]


def test_case_28_cve_2026_21441_urllib3_redirect_never_decodes(
    raw_server: RawServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = gzip_bomb(1 << 20)

    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.target == "/final":
            return http_response(200, b"done")
        return http_response(303, bomb, [("Location", "/final"), ("Content-Encoding", "gzip")])

    server = raw_server(handler)

    def refuse(self: Any, data: bytes, max_length: int = -1) -> bytes:
        raise AssertionError("the redirect body was decoded")

    monkeypatch.setattr(urllib3.response.GzipDecoder, "decompress", refuse)
    with urllib3.PoolManager() as pm:
        response = pm.request("GET", server.url_for("/start"), preload_content=False)
        assert response.status == 200 and response.read() == b"done"


# -- K. method and body on redirect -------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303])
def test_case_48_cve_2023_45803_body_dropped_when_method_becomes_get(
    two_origins: TwoOriginsFactory, status: int
) -> None:
    a, b = cross(two_origins, status)
    theirs, mine = run_both(lambda lib: lib.post(a.url, data="secret=1"), a, b)
    assert mine.requests == theirs.requests
    (landing,) = mine.at(1)
    assert landing.method == "GET" and landing.body == b""
    assert not landing.has("Content-Length") and not landing.has("Content-Type")


@pytest.mark.parametrize("status", [307, 308])
def test_case_48_cve_2023_45803_body_kept_on_307_308(
    two_origins: TwoOriginsFactory, status: int
) -> None:
    a, b = cross(two_origins, status)
    theirs, mine = run_both(lambda lib: lib.post(a.url, data="secret=1"), a, b)
    assert mine.requests == theirs.requests
    (landing,) = mine.at(1)
    assert landing.method == "POST" and landing.body == b"secret=1"


def test_case_48_cve_2023_45803_generator_body_on_307_raises(
    two_origins: TwoOriginsFactory,
) -> None:
    a, b = cross(two_origins, 307)

    def chunks() -> Iterator[bytes]:
        yield b"secret=1"

    requests.post(a.url, data=chunks())
    assert b.requests[-1].body == b""  # requests re-sends the spent generator: empty body
    before = len(b.requests)
    with wall_clock(5.0), pytest.raises(tether.exceptions.UnrewindableBodyError):
        tether.post(a.url, data=chunks())
    assert len(b.requests) == before


def test_case_48_cve_2023_45803_urllib3_303_drops_the_body(
    two_origins: TwoOriginsFactory,
) -> None:
    a, b = cross(two_origins, 303)
    with urllib3.PoolManager() as pm:
        pm.request("POST", a.url, fields={"secret": "1"})
    assert b.requests[-1].method == "GET" and b.requests[-1].body == b""


def test_case_17_requests_policy_can_be_restored(
    raw_server: RawServerFactory, dns: FakeDNS
) -> None:
    # The documented way back to cookielib's rule (host-only cookies reach subdomains).
    from http.cookiejar import DefaultCookiePolicy

    server = raw_server(lambda req, conn: http_response(200, b"", [("Set-Cookie", "h=1; Path=/")]))
    with tether.Session() as s:
        s.cookies.set_policy(DefaultCookiePolicy())
        s.get(f"http://example.test:{server.port}/")
        s.get(f"http://evil.example.test:{server.port}/")
    assert server.requests[-1].header("cookie") == b"h=1"
