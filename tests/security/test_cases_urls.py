"""Security catalogue cases 42, 43, 45, 46: URL and host parsing.

42/43: pathological authorities and IDNA hosts are answered (followed or refused) in
bounded time. 45: every decision about a request (where it connects, which netrc entry,
which cookies, whether Authorization survives a hop) is made on the same host. 46:
``no_proxy`` matches on domain boundaries.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path

import pytest

import tether
from tests.support.fixtures import RawServerFactory
from tests.support.hostile import FakeDNS, wall_clock
from tests.support.servers import Connection, RawRequest, RawServer, echo_handler, http_response

# -- case 42: many "@", many "%" -------------------------------------------------------------


def _redirect_to(location: bytes) -> object:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.path == "/start":
            return http_response(302, headers=[(b"Location", location)])
        return http_response(200, b"landed")

    return handler


@pytest.mark.parametrize(
    "build",
    [
        lambda port: b"http://" + b"@" * 30_000 + b"127.0.0.1:%d/" % port,
        lambda port: b"http://127.0.0.1:%d/" % port + b"%" * 60_000,
        lambda port: b"http://127.0.0.1:%d/?" % port + b"%zz" * 20_000,
        lambda port: b"http://" + b"a:" * 20_000 + b"@127.0.0.1:%d/" % port,
        lambda port: b"http://127.0.0.1:%d/" % port + b"\\@" * 30_000,
    ],
    ids=["many-at", "many-percent", "bad-escapes", "many-colons", "backslash-at"],
)
def test_case_42_cve_2021_33503_pathological_authority_is_fast(
    raw_server: RawServerFactory, build: object
) -> None:
    # Followed (the target may answer 400 to a 60 KB request line) or refused: either way
    # in bounded time.
    target = raw_server(echo_handler)
    location = build(target.port)  # type: ignore[operator]
    first = raw_server(_redirect_to(location))  # type: ignore[arg-type]
    with wall_clock(1.0):
        try:
            r = tether.get(first.url_for("/start"), timeout=2)
        except tether.exceptions.InvalidURL:
            pass
        else:
            assert r.status_code in (200, 400)
    with wall_clock(1.0):
        try:
            tether.Request("GET", location.decode("latin-1")).prepare()
        except tether.exceptions.InvalidURL:
            pass


# -- case 43: IDNA ---------------------------------------------------------------------------

_IDNA_HOSTS = [
    "\u0660" * 60_000,
    "\u30fb" * 60_000 + "\u6f22",
    "a" + "\u0300" * 60_000,
]


@pytest.mark.parametrize("host", _IDNA_HOSTS, ids=["arabic-zero", "katakana-dot", "combining"])
def test_case_43_cve_2024_3651_huge_idna_host_rejected_fast(host: str) -> None:
    with wall_clock(0.5), pytest.raises(tether.exceptions.InvalidURL):
        tether.Request("GET", f"http://{host}/").prepare()


def test_case_43_cve_2024_3651_many_valid_idna_labels_are_linear() -> None:
    # 1,000 valid non-ASCII labels: encoded label by label, in bounded time.
    host = ("\u00e9" * 50 + ".") * 1_000 + "test"
    with wall_clock(1.0):
        try:
            tether.Request("GET", f"http://{host}/").prepare()
        except tether.exceptions.InvalidURL:
            pass


@pytest.mark.parametrize("host", _IDNA_HOSTS[:2], ids=["arabic-zero", "katakana-dot"])
def test_case_43_cve_2024_3651_huge_idna_location_rejected_fast(
    raw_server: RawServerFactory, host: str
) -> None:
    first = raw_server(_redirect_to(f"http://{host}/".encode()))  # type: ignore[arg-type]
    with (
        wall_clock(0.5),
        pytest.raises((tether.exceptions.InvalidURL, tether.exceptions.ConnectionError)),
    ):
        tether.get(first.url_for("/start"), timeout=1)
    assert len(first.requests) == 1


def test_case_43_cve_2024_3651_idna_is_pinned() -> None:
    import idna

    major, minor = (int(part) for part in idna.__version__.split(".")[:2])
    assert (major, minor) >= (3, 15)


# -- case 45: one host for every decision ----------------------------------------------------


def _basic(user: str, password: str) -> bytes:
    return b"Basic " + base64.b64encode(f"{user}:{password}".encode())


@pytest.fixture
def netrc_ab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "netrc"
    path.write_text(
        "machine a.test login alice password pa\nmachine b.test login bob password pb\n"
    )
    path.chmod(0o600)
    monkeypatch.setenv("NETRC", str(path))


def _session_with_scoped_cookies() -> tether.Session:
    s = tether.Session()
    s.cookies.set("for_a", "1", domain="a.test", path="/")
    s.cookies.set("for_b", "1", domain="b.test", path="/")
    return s


def _assert_consistent(request: RawRequest, dns: FakeDNS, port: int) -> str:
    """The request reached exactly one of a.test/b.test; everything in it belongs to that host."""
    looked_up = {name for name in dns.looked_up if name in ("a.test", "b.test")}
    assert len(looked_up) == 1, dns.looked_up
    host = looked_up.pop()
    other = "b.test" if host == "a.test" else "a.test"
    assert request.header("host") == f"{host}:{port}".encode()
    auth = request.header("authorization")
    expected = _basic("alice", "pa") if host == "a.test" else _basic("bob", "pb")
    assert auth == expected, (host, auth)
    cookie = (request.header("cookie") or b"").decode()
    assert f"for_{host[0]}=1" in cookie
    assert f"for_{other[0]}=" not in cookie
    return host


@pytest.mark.parametrize(
    ("template", "expected_host"),
    [
        ("http://a.test:{port}\\@b.test/", "a.test"),
        ("http://a.test:{port}#@b.test/", "a.test"),
        ("http://a.test:{port}?@b.test/", "a.test"),
        ("http://a.test:{port}/\\@b.test/", "a.test"),
        ("http://b.test:{port}/;@a.test/", "b.test"),
        ("HTTP://A.TEST:{port}/", "a.test"),
        ("http://a.test.:{port}/", None),  # a trailing dot is another name: no netrc entry
    ],
    ids=[
        "backslash-at",
        "fragment-at",
        "query-at",
        "path-backslash",
        "semicolon",
        "upper",
        "trailing-dot",
    ],
)
def test_case_45_cve_2021_41945_initial_url_one_host_for_every_decision(
    raw_server: RawServerFactory,
    monkeypatch: pytest.MonkeyPatch,
    netrc_ab: None,
    template: str,
    expected_host: str | None,
) -> None:
    dns = FakeDNS(monkeypatch)
    server = raw_server(echo_handler)
    with _session_with_scoped_cookies() as s:
        r = s.get(template.format(port=server.port))
    assert r.status_code == 200
    request = server.requests[0]
    if expected_host is None:
        assert request.header("authorization") is None
        return
    assert _assert_consistent(request, dns, server.port) == expected_host


@pytest.mark.parametrize(
    ("template", "expected_host"),
    [
        # requests re-quotes a Location before parsing it, so "\" becomes "%5C" inside the
        # userinfo and the host is the one after "@". tether pins the same result; what
        # matters is that every decision agrees with it.
        ("http://a.test\\@b.test:{port}/", "b.test"),
        ("http://a.test:{port}#@b.test/", "a.test"),
        ("http://a.test:{port}?@b.test/", "a.test"),
        ("//b.test:{port}/x", "b.test"),
        ("http://a.test:{port}/\\@b.test/", "a.test"),
    ],
    ids=["backslash-at", "fragment-at", "query-at", "scheme-relative", "path-backslash"],
)
def test_case_45_cve_2021_41945_redirect_target_one_host_for_every_decision(
    raw_server: RawServerFactory,
    monkeypatch: pytest.MonkeyPatch,
    netrc_ab: None,
    template: str,
    expected_host: str,
) -> None:
    dns = FakeDNS(monkeypatch)
    target = raw_server(echo_handler)
    location = template.format(port=target.port).encode()
    first = raw_server(lambda request, conn: http_response(302, headers=[(b"Location", location)]))
    with _session_with_scoped_cookies() as s:
        r = s.get(first.url)
    assert r.status_code == 200
    assert first.requests[0].header("authorization") is None  # no netrc entry for 127.0.0.1
    request = target.requests[0]
    assert _assert_consistent(request, dns, target.port) == expected_host


@pytest.mark.parametrize(
    "url",
    [
        "http:////127.0.0.1:1/x",
        "http://x@//127.0.0.1:1/",
        "http://:1/",
        "http://@/",
        "http://[::1/",
    ],
)
def test_case_45_cve_2021_41945_hostless_urls_refused(url: str) -> None:
    with pytest.raises(tether.exceptions.InvalidURL):
        tether.Request("GET", url).prepare()


def test_case_45_cve_2021_41945_hostless_proxy_refused(raw_server: RawServerFactory) -> None:
    server = raw_server(echo_handler)
    with pytest.raises(tether.exceptions.InvalidProxyURL):
        tether.get(server.url, proxies={"http": "http://x@//127.0.0.1:9/"})
    assert server.connections_accepted == 0


@pytest.mark.parametrize("prefix", ["\x00", "\x01", " ", "\t", "\x1f"], ids=repr)
def test_case_45_cve_2023_24329_leading_control_characters_do_not_change_the_scheme(
    raw_server: RawServerFactory, prefix: str
) -> None:
    server = raw_server(echo_handler)
    url = prefix + server.url
    try:
        r = tether.get(url)
    except (
        tether.exceptions.InvalidURL,
        tether.exceptions.InvalidSchema,
        tether.exceptions.MissingSchema,
    ):
        assert server.connections_accepted == 0
    else:
        assert r.json()["target"] == "/"


# -- case 46: no_proxy on domain boundaries --------------------------------------------------


@pytest.fixture
def proxy_and_origin(raw_server: RawServerFactory) -> tuple[RawServer, RawServer]:
    proxy = raw_server(lambda request, conn: http_response(200, b"via-proxy"))
    origin = raw_server(lambda request, conn: http_response(200, b"direct"))
    return proxy, origin


@pytest.mark.parametrize("source", ["env", "proxies-arg"])
def test_case_46_no_proxy_matches_domain_boundaries(
    monkeypatch: pytest.MonkeyPatch, proxy_and_origin: tuple[RawServer, RawServer], source: str
) -> None:
    proxy, origin = proxy_and_origin
    FakeDNS(monkeypatch, {"prelocalhost": "127.0.0.1", ".d.o.t": "127.0.0.1", "d.o.t": "127.0.0.1"})
    port = origin.port
    no_proxy = f"localhost, anotherdomain.test, newdomain.test:{port}, .d.o.t"
    kwargs: dict[str, object] = {"timeout": 2}
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    if source == "env":
        monkeypatch.setenv("NO_PROXY", no_proxy)
    else:
        # requests' form: the environment's proxy, no_proxy given per request.
        kwargs["proxies"] = {"no_proxy": no_proxy}
    via_proxy = [
        f"http://prelocalhost:{port}/",
        f"http://evilanotherdomain.test:{port}/",
        f"http://newdomain.test:{port + 1}/",
    ]
    direct = [
        f"http://www.newdomain.test:{port}/",
        f"http://newdomain.test:{port}/",
        f"http://foo.d.o.t:{port}/",
        f"http://d.o.t:{port}/",
        f"http://anotherdomain.test:{port}/",
        f"http://sub.anotherdomain.test:{port}/",
    ]
    for url in via_proxy:
        assert tether.get(url, **kwargs).content == b"via-proxy", url  # type: ignore[arg-type]
    for url in direct:
        assert tether.get(url, **kwargs).content == b"direct", url  # type: ignore[arg-type]
    assert [r.target for r in proxy.requests] == via_proxy


def test_case_46_decisions_take_microseconds() -> None:
    # The bypass decision runs per request: it must stay cheap with a long NO_PROXY.
    from tether._proxies import should_bypass_proxies

    no_proxy = ",".join(f"host{i}.example.test" for i in range(500))
    start = time.perf_counter()
    for _ in range(100):
        assert not should_bypass_proxies("http://evilhost1.example.test/", no_proxy)
    assert time.perf_counter() - start < 1.0
