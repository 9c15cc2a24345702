"""Cookies, authentication and netrc against real loopback servers, compared with requests.

Cookies: what a session stores and sends back across redirect chains, per-request cookies,
``Response.cookies``, ``Secure``, ``Max-Age``/``Expires`` and values with quotes and special
characters. Authentication: Basic (tuples, URL credentials, Latin-1, bytes), proxy auth,
callables, and Digest with every RFC 7616 algorithm against `DigestServer`, an independent
implementation that checks each answer (plus pytest-httpbin for the algorithms it has).
netrc: ``NETRC``, ``~/.netrc``, exact host matching and the parse cache, end to end.
"""

from __future__ import annotations

import base64
import hashlib
import io
import netrc
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import tether
from tests.support.differential import Outcome, run_both
from tests.support.digest import DIGEST_ALGORITHMS, DigestServer
from tests.support.fixtures import RawServerFactory
from tests.support.servers import Connection, RawRequest, RawServer, http_response

requests = pytest.importorskip("requests")


def basic(user: str | bytes, password: str | bytes) -> bytes:
    raw_user = user.encode("latin-1") if isinstance(user, str) else user
    raw_password = password.encode("latin-1") if isinstance(password, str) else password
    return b"Basic " + base64.b64encode(raw_user + b":" + raw_password)


def same(outcomes: tuple[Outcome, Outcome]) -> Outcome:
    theirs, mine = outcomes
    assert mine.error == theirs.error
    assert mine.result == theirs.result
    assert mine.requests == theirs.requests
    return mine


Route = Callable[[RawRequest], bytes]


def router(routes: dict[str, bytes | Route]) -> Callable[[RawRequest, Connection], bytes]:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        route = routes.get(request.path)
        if route is None:
            return http_response(200, b"ok")
        return route(request) if callable(route) else route

    return handler


def sent_cookies(server: RawServer, index: int = -1) -> set[str]:
    header = server.requests[index].header("cookie")
    return set() if header is None else set(header.decode("latin-1").split("; "))


# == cookies ==================================================================================


def test_cookie_set_by_each_redirect_is_sent_on_the_next_hop(raw_server: RawServerFactory) -> None:
    server = raw_server(
        router(
            {
                "/r1": http_response(302, b"", [("Location", "/r2"), ("Set-Cookie", "one=1")]),
                "/r2": http_response(
                    301, b"", [("Location", "/r3"), ("Set-Cookie", "two=2; Path=/")]
                ),
                "/r3": http_response(
                    307, b"", [("Location", "/done"), ("Set-Cookie", "three=3; Path=/")]
                ),
                "/done": http_response(200, b"ok", [("Set-Cookie", "four=4; Path=/")]),
            }
        )
    )

    def scenario(lib: ModuleType) -> tuple[Any, ...]:
        with lib.Session() as s:
            r = s.get(server.url_for("/r1"))
            return (
                sorted(s.cookies.get_dict().items()),
                r.cookies.get_dict(),
                [h.cookies.get_dict() for h in r.history],
            )

    mine = same(run_both(scenario, server))
    assert [s.header("Cookie") for s in mine.at(0)] == [
        None,
        "one=1",
        "one=1; two=2",
        "one=1; two=2; three=3",
    ]
    jar, final, history = mine.result
    assert jar == [("four", "4"), ("one", "1"), ("three", "3"), ("two", "2")]
    assert final == {"four": "4"}  # Response.cookies: only what that response set
    assert history == [{"one": "1"}, {"two": "2"}, {"three": "3"}]


def test_cookies_from_redirects_reach_a_plain_function_call(raw_server: RawServerFactory) -> None:
    server = raw_server(
        router({"/r": http_response(302, b"", [("Location", "/f"), ("Set-Cookie", "k=v")])})
    )
    mine = same(run_both(lambda lib: lib.get(server.url_for("/r")).status_code, server))
    assert mine.at(0)[1].header("Cookie") == "k=v"


def test_per_request_cookies_are_sent_but_not_stored(raw_server: RawServerFactory) -> None:
    server = raw_server(router({}))

    def scenario(lib: ModuleType) -> list[str]:
        with lib.Session() as s:
            s.cookies.set("sess", "1")
            s.get(server.url, cookies={"percall": "2", "sess": "override"})
            s.get(server.url)
            jar = lib.cookies.RequestsCookieJar()
            jar.set("fromjar", "3", domain="127.0.0.1", path="/")
            s.get(server.url, cookies=jar)
            return sorted(s.cookies.keys())

    mine = same(run_both(scenario, server))
    assert mine.result == ["sess"]
    assert [s.header("Cookie") for s in mine.at(0)] == [
        "sess=override; percall=2",
        "sess=1",
        "sess=1; fromjar=3",
    ]


def test_response_cookies_holds_only_that_response(raw_server: RawServerFactory) -> None:
    server = raw_server(
        router(
            {
                "/a": http_response(200, b"", [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]),
                "/none": http_response(200, b""),
            }
        )
    )
    with tether.Session() as s:
        r = s.get(server.url_for("/a"))
        assert isinstance(r.cookies, tether.cookies.RequestsCookieJar)
        assert r.cookies.get_dict() == {"a": "1", "b": "2"}
        empty = s.get(server.url_for("/none"))
        assert empty.cookies.get_dict() == {} and len(empty.cookies) == 0
        assert s.cookies.get_dict() == {"a": "1", "b": "2"}


def test_secure_cookies_only_travel_over_https(
    raw_server: RawServerFactory, ca_bundle: str
) -> None:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.path == "/set":
            return http_response(
                200, b"", [("Set-Cookie", "sec=1; Secure; Path=/"), ("Set-Cookie", "plain=2")]
            )
        return http_response(200, b"ok")

    secure = raw_server(handler, tls=True)
    plain = raw_server(handler)

    def scenario(lib: ModuleType) -> None:
        with lib.Session() as s:
            s.verify = ca_bundle
            s.get(secure.url_for("/set"))
            s.get(secure.url_for("/again"))
            # Over http the Secure cookies (received or set by the program) are held back.
            s.cookies.set("jarsecure", "3", domain="127.0.0.1", secure=True)
            s.get(plain.url_for("/clear"))

    mine = same(run_both(scenario, secure, plain))
    assert mine.at(0)[1].header("Cookie") == "sec=1; plain=2"
    assert mine.at(1)[0].header("Cookie") == "plain=2"


def test_max_age_and_expires(raw_server: RawServerFactory) -> None:
    server = raw_server(
        router(
            {
                "/set": http_response(
                    200,
                    b"",
                    [
                        ("Set-Cookie", "ma=1; Max-Age=3600; Path=/"),
                        ("Set-Cookie", "fut=1; Expires=Wed, 21 Oct 2099 07:28:00 GMT; Path=/"),
                        ("Set-Cookie", "past=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Path=/"),
                        ("Set-Cookie", "zero=1; Max-Age=0; Path=/"),
                        ("Set-Cookie", "session=1; Path=/"),
                    ],
                ),
                "/delete": http_response(
                    200,
                    b"",
                    [
                        ("Set-Cookie", "ma=gone; Max-Age=0; Path=/"),
                        ("Set-Cookie", "fut=gone; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Path=/"),
                    ],
                ),
            }
        )
    )

    def scenario(lib: ModuleType) -> list[tuple[str, bool]]:
        with lib.Session() as s:
            s.get(server.url_for("/set"))
            expiry = sorted((c.name, c.expires is not None) for c in s.cookies)
            s.get(server.url_for("/check"))
            s.get(server.url_for("/delete"))
            s.get(server.url_for("/check"))
            return expiry

    mine = same(run_both(scenario, server))
    assert mine.result == [("fut", True), ("ma", True), ("session", False)]
    checks = [s.header("Cookie") for s in mine.at(0) if s.target == "/check"]
    assert checks == ["ma=1; fut=1; session=1", "session=1"]


def test_quoted_and_special_values_round_trip(raw_server: RawServerFactory) -> None:
    values = [
        'q="quoted value"',
        'esc="a\\"b"',
        "chars=!#$%&'()*+-./:<=>?@[]^_`{|}~",
        "comma=a,b",
        "eq=a=b=c",
        "empty=",
        "utf8=caf\u00c3\u00a9",  # the UTF-8 bytes of "café", as http.client hands them over
    ]
    server = raw_server(
        router({"/set": http_response(200, b"", [("Set-Cookie", f"{v}; Path=/") for v in values])})
    )

    def scenario(lib: ModuleType) -> dict[str, str]:
        with lib.Session() as s:
            s.get(server.url_for("/set"))
            s.get(server.url_for("/echo"))
            s.cookies.set("prog", '"set by program"')
            s.get(server.url_for("/echo"))
            return dict(s.cookies.get_dict())

    mine = same(run_both(scenario, server))
    assert mine.result["q"] == '"quoted value"'
    assert mine.result["esc"] == '"ab"'  # requests strips escaped quotes; so does tether
    sent = mine.at(0)[1].header("Cookie")
    assert sent is not None
    assert 'q="quoted value"' in sent and "eq=a=b=c" in sent and "empty=" in sent
    assert "caf\u00c3\u00a9" in sent  # the server gets its bytes back unchanged
    assert 'prog="set by program"' in (mine.at(0)[2].header("Cookie") or "")


def test_path_scoping(raw_server: RawServerFactory) -> None:
    server = raw_server(
        router(
            {
                "/app/login": http_response(
                    200,
                    b"",
                    [("Set-Cookie", "app=1; Path=/app"), ("Set-Cookie", "implicit=1")],
                ),
            }
        )
    )

    def scenario(lib: ModuleType) -> None:
        with lib.Session() as s:
            s.get(server.url_for("/app/login"))
            s.get(server.url_for("/app/x"))
            s.get(server.url_for("/application"))
            s.get(server.url_for("/other"))

    mine = same(run_both(scenario, server))
    assert [s.header("Cookie") for s in mine.at(0)[1:]] == ["app=1; implicit=1", None, None]


def test_session_cookie_jar_can_be_replaced(raw_server: RawServerFactory) -> None:
    from http.cookiejar import CookieJar

    server = raw_server(router({"/set": http_response(200, b"", [("Set-Cookie", "k=v")])}))

    def scenario(lib: ModuleType) -> int:
        with lib.Session() as s:
            s.cookies = CookieJar()
            s.get(server.url_for("/set"))
            s.get(server.url_for("/echo"))
            return len(s.cookies)

    mine = same(run_both(scenario, server))
    assert mine.result == 1 and mine.at(0)[1].header("Cookie") == "k=v"


# == Basic, proxy and custom auth ===============================================================


@pytest.mark.parametrize(
    "auth",
    [
        ("user", "pass"),
        ("us\u00e9r", "p\u00e4ss"),  # Latin-1, as requests encodes str credentials
        (b"bytes-user", b"\xff\xfe"),
        ("", ""),
        ("user:with:colons", "pass"),
    ],
    ids=repr,
)
def test_basic_auth_matches_requests(raw_server: RawServerFactory, auth: tuple[Any, Any]) -> None:
    server = raw_server(router({}))

    def scenario(lib: ModuleType) -> None:
        lib.get(server.url, auth=auth)
        lib.get(server.url, auth=lib.auth.HTTPBasicAuth(*auth))

    mine = same(run_both(scenario, server))
    assert {s.header("Authorization") for s in mine.at(0)} == {basic(*auth).decode("latin-1")}


def test_credentials_in_the_url(raw_server: RawServerFactory) -> None:
    server = raw_server(router({}))

    def scenario(lib: ModuleType) -> str:
        r = lib.get(f"http://us%40er:p%3Ass%20w@127.0.0.1:{server.port}/path")
        return str(r.url)

    mine = same(run_both(scenario, server))
    assert mine.at(0)[0].header("Authorization") == basic("us@er", "p:ss w").decode()
    assert mine.at(0)[0].target == "/path"


def test_explicit_auth_beats_url_credentials(raw_server: RawServerFactory) -> None:
    server = raw_server(router({}))
    mine = same(
        run_both(
            lambda lib: lib.get(f"http://a:b@127.0.0.1:{server.port}/", auth=("c", "d")).ok,
            server,
        )
    )
    assert mine.at(0)[0].header("Authorization") == basic("c", "d").decode()


def test_proxy_auth_object_sets_proxy_authorization(raw_server: RawServerFactory) -> None:
    server = raw_server(router({}))
    mine = same(
        run_both(
            lambda lib: lib.get(server.url, auth=lib.auth.HTTPProxyAuth("pu", "pp")).ok, server
        )
    )
    assert mine.at(0)[0].header("Proxy-Authorization") == basic("pu", "pp").decode()
    assert not mine.at(0)[0].has("Authorization")


def test_any_callable_is_auth(raw_server: RawServerFactory) -> None:
    server = raw_server(router({}))

    def token_auth(r: Any) -> Any:
        r.headers["Authorization"] = "Bearer t0ken"
        return r

    class Signer(tether.auth.AuthBase):
        def __call__(self, r: tether.PreparedRequest) -> tether.PreparedRequest:
            r.headers["X-Signature"] = hashlib.sha256(r.body or b"").hexdigest()
            return r

    tether.get(server.url, auth=token_auth)
    tether.post(server.url, data=b"payload", auth=Signer())
    assert server.requests[0].header("authorization") == b"Bearer t0ken"
    assert (
        server.requests[1].header("x-signature") == hashlib.sha256(b"payload").hexdigest().encode()
    )


def test_session_auth_and_request_auth(raw_server: RawServerFactory) -> None:
    server = raw_server(router({}))

    def scenario(lib: ModuleType) -> None:
        with lib.Session() as s:
            s.auth = ("session", "s")
            s.get(server.url)
            s.get(server.url, auth=("request", "r"))

    mine = same(run_both(scenario, server))
    assert [s.header("Authorization") for s in mine.at(0)] == [
        basic("session", "s").decode(),
        basic("request", "r").decode(),
    ]


# == Digest ===================================================================================


@pytest.fixture
def digest_server(raw_server: RawServerFactory) -> Callable[..., tuple[RawServer, DigestServer]]:
    def make(**options: Any) -> tuple[RawServer, DigestServer]:
        digest = DigestServer("user", "p\u00e4ss w0rd", **options)
        return raw_server(digest), digest

    return make


def _available(algorithm: str) -> bool:
    name = {"MD5": "md5", "SHA": "sha1", "SHA-256": "sha256", "SHA-512": "sha512"}
    return name.get(algorithm.upper().removesuffix("-SESS")) in hashlib.algorithms_available


# Every algorithm with qop=auth and with a choice of qop values; the RFC 2069 form (no qop)
# only for the plain algorithms, since a -sess key needs the cnonce only qop carries.
_DIGEST_CASES = [
    pytest.param(algorithm, qop, id=f"{algorithm}-{label}")
    for algorithm in DIGEST_ALGORITHMS
    for qop, label in (("auth", "auth"), ("auth,auth-int", "both"), (None, "rfc2069"))
    if qop is not None or not algorithm.upper().endswith("-SESS")
]


@pytest.mark.parametrize(("algorithm", "qop"), _DIGEST_CASES)
def test_digest_every_algorithm(
    digest_server: Callable[..., tuple[RawServer, DigestServer]], algorithm: str, qop: str | None
) -> None:
    if not _available(algorithm):
        pytest.skip(f"{algorithm} not available here")
    server, digest = digest_server(algorithm=algorithm, qop=qop)
    auth = tether.auth.HTTPDigestAuth("user", "p\u00e4ss w0rd")
    with tether.Session() as s:
        s.auth = auth
        r = s.get(server.url_for("/protected?x=1&y=%20"))
        assert r.status_code == 200, digest.verdicts
        assert [h.status_code for h in r.history] == [401]
        # The nonce is reused: the next requests authenticate up front, counting on.
        assert s.get(server.url_for("/again")).status_code == 200
        assert s.post(server.url_for("/post"), data=b"body").status_code == 200
    assert digest.verdicts == ["no credentials", "ok", "ok", "ok"]
    answers = digest.answers
    assert answers[0]["uri"] == "/protected?x=1&y=%20"
    assert answers[0]["algorithm"] == algorithm
    assert answers[0]["opaque"] == "0paque-v4lue"
    if qop is not None:
        assert [a["nc"] for a in answers] == ["00000001", "00000002", "00000003"]
        assert len({a["cnonce"] for a in answers}) == 3


@pytest.mark.parametrize("algorithm", ["MD5", "MD5-sess", "SHA", "SHA-256", "SHA-512"])
def test_digest_header_fields_match_requests(
    digest_server: Callable[..., tuple[RawServer, DigestServer]], algorithm: str
) -> None:
    server, digest = digest_server(algorithm=algorithm)

    def scenario(lib: ModuleType) -> int:
        return int(
            lib.get(
                server.url_for("/p"), auth=lib.auth.HTTPDigestAuth("user", "p\u00e4ss w0rd")
            ).status_code
        )

    theirs, mine = run_both(scenario, server)
    assert mine.result == theirs.result == 200
    assert digest.verdicts == ["no credentials", "ok"] * 2
    # Same fields in the same order and spelling; only the nonces and the hash differ.
    theirs_answer, mine_answer = digest.answers
    for answer in (theirs_answer, mine_answer):
        for key in ("nonce", "cnonce", "response"):
            answer.pop(key)
    assert list(mine_answer.items()) == list(theirs_answer.items())
    assert mine_answer["algorithm"] == algorithm and mine_answer["nc"] == "00000001"


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256", "SHA-512"])
def test_digest_against_httpbin(httpbin: Any, algorithm: str) -> None:
    url = f"{httpbin.url}/digest-auth/auth/user/pass/{algorithm}"

    def run(lib: ModuleType) -> tuple[int, list[int]]:
        r = lib.get(url, auth=lib.auth.HTTPDigestAuth("user", "pass"))
        return r.status_code, [h.status_code for h in r.history]

    assert run(tether) == run(requests) == (200, [401])
    wrong = tether.get(url, auth=tether.auth.HTTPDigestAuth("user", "nope"))
    assert wrong.status_code == 401 and len(wrong.history) == 1


def test_digest_retries_once_and_rewinds_a_file_body(
    digest_server: Callable[..., tuple[RawServer, DigestServer]], tmp_path: Path
) -> None:
    server, digest = digest_server()
    path = tmp_path / "upload.txt"
    path.write_bytes(b"IGNORED|the file body")
    auth = tether.auth.HTTPDigestAuth("user", "p\u00e4ss w0rd")
    with path.open("rb") as handle:
        handle.read(8)
        r = tether.put(server.url_for("/upload"), data=handle, auth=auth)
    assert r.status_code == 200
    assert [q.body for q in server.requests] == [b"the file body"] * 2
    assert r.json()["body"] == "the file body"

    # Wrong password: exactly one retry, then the 401 is returned.
    bad = tether.post(
        server.url_for("/x"), data=io.BytesIO(b"b"), auth=tether.auth.HTTPDigestAuth("user", "no")
    )
    assert bad.status_code == 401 and len(bad.history) == 1
    assert digest.verdicts[-2:] == ["no credentials", "wrong response hash"]


def test_digest_stale_nonce_is_answered_once_more(
    digest_server: Callable[..., tuple[RawServer, DigestServer]],
) -> None:
    server, digest = digest_server(stale_after=1)
    with tether.Session() as s:
        s.auth = tether.auth.HTTPDigestAuth("user", "p\u00e4ss w0rd")
        assert s.get(server.url_for("/1")).status_code == 200
        r = s.get(server.url_for("/2"))
    assert r.status_code == 200
    assert digest.verdicts == ["no credentials", "ok", "stale nonce", "ok"]
    assert digest.answers[-1]["nc"] == "00000001"  # counting restarts with the new nonce


def test_digest_cookie_from_the_challenge_is_sent_on_the_retry(
    digest_server: Callable[..., tuple[RawServer, DigestServer]],
) -> None:
    server, _ = digest_server(set_cookie="challenge=abc; Path=/")

    def scenario(lib: ModuleType) -> int:
        auth = lib.auth.HTTPDigestAuth("user", "p\u00e4ss w0rd")
        return int(lib.get(server.url_for("/c"), auth=auth).status_code)

    theirs, mine = run_both(scenario, server)
    assert mine.result == theirs.result == 200
    assert mine.at(0)[1].header("Cookie") == theirs.at(0)[1].header("Cookie") == "challenge=abc"


def test_one_digest_auth_object_serves_many_threads(
    digest_server: Callable[..., tuple[RawServer, DigestServer]],
) -> None:
    server, digest = digest_server()
    auth = tether.auth.HTTPDigestAuth("user", "p\u00e4ss w0rd")
    statuses: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        with tether.Session() as s:
            for i in range(5):
                code = s.get(server.url_for(f"/t{n}/{i}"), auth=auth).status_code
                with lock:
                    statuses.append(code)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert statuses == [200] * 30
    assert "ok" in digest.verdicts and all(v in ("ok", "no credentials") for v in digest.verdicts)


def test_digest_only_answers_4xx(raw_server: RawServerFactory) -> None:
    challenge = ("WWW-Authenticate", 'Digest realm="r", nonce="n", qop="auth"')
    server = raw_server(router({"/": http_response(500, b"", [challenge])}))
    r = tether.get(server.url, auth=tether.auth.HTTPDigestAuth("u", "p"))
    assert r.status_code == 500 and len(server.requests) == 1


# == netrc ====================================================================================


@pytest.fixture
def netrc_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        path = tmp_path / "my-netrc"
        path.write_text(text)
        path.chmod(0o600)
        monkeypatch.setenv("NETRC", str(path))
        return path

    return write


def test_netrc_variable(raw_server: RawServerFactory, netrc_file: Callable[[str], Path]) -> None:
    server = raw_server(router({}))
    netrc_file("machine 127.0.0.1 login fromvar password pw\n")
    mine = same(run_both(lambda lib: lib.get(server.url).ok, server))
    assert mine.at(0)[0].header("Authorization") == basic("fromvar", "pw").decode()


@pytest.mark.parametrize("name", [".netrc", "_netrc"])
def test_home_netrc(raw_server: RawServerFactory, name: str) -> None:
    # conftest gives each test its own HOME.
    server = raw_server(router({}))
    path = Path.home() / name
    path.write_text("machine 127.0.0.1 login fromhome password pw\n")
    path.chmod(0o600)
    mine = same(run_both(lambda lib: lib.get(server.url).ok, server))
    assert mine.at(0)[0].header("Authorization") == basic("fromhome", "pw").decode()


def test_netrc_matches_the_exact_host(
    raw_server: RawServerFactory, netrc_file: Callable[[str], Path]
) -> None:
    server = raw_server(router({}))
    netrc_file(
        "machine localhost login forlocalhost password a\n"
        "machine 127.0.0.10 login prefix password b\n"
        "machine 27.0.0.1 login suffix password c\n"
    )

    def scenario(lib: ModuleType) -> None:
        lib.get(server.url)
        lib.get(server.localhost_url)

    mine = same(run_both(scenario, server))
    assert not mine.at(0)[0].has("Authorization")
    assert mine.at(0)[1].header("Authorization") == basic("forlocalhost", "a").decode()


def test_netrc_precedence_matches_requests(
    raw_server: RawServerFactory, netrc_file: Callable[[str], Path]
) -> None:
    server = raw_server(router({}))
    netrc_file("machine 127.0.0.1 login fromnetrc password n\n")

    def scenario(lib: ModuleType) -> None:
        lib.get(server.url, auth=("explicit", "e"))  # auth= beats netrc
        lib.get(server.url, headers={"Authorization": "Bearer hand"})  # netrc beats headers=
        with lib.Session() as s:
            s.trust_env = False  # no netrc at all
            s.get(server.url)

    mine = same(run_both(scenario, server))
    assert [s.header("Authorization") for s in mine.at(0)] == [
        basic("explicit", "e").decode(),
        basic("fromnetrc", "n").decode(),
        None,
    ]


def test_netrc_is_parsed_once_until_the_file_changes(
    raw_server: RawServerFactory,
    netrc_file: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = raw_server(router({}))
    path = netrc_file("machine 127.0.0.1 login first password 1\n")
    parses: list[str] = []
    real = netrc.netrc

    class CountingNetrc(real):  # type: ignore[misc, valid-type]  # wraps the stdlib class
        def __init__(self, file: str | None = None) -> None:
            parses.append(str(file))
            super().__init__(file)

    monkeypatch.setattr(netrc, "netrc", CountingNetrc)
    with tether.Session() as s:
        for _ in range(5):
            s.get(server.url)
        path.write_text("machine 127.0.0.1 login second password 22\n")
        for _ in range(3):
            s.get(server.url)
    assert parses == [str(path), str(path)]
    assert [q.header("authorization") for q in server.requests] == [basic("first", "1")] * 5 + [
        basic("second", "22")
    ] * 3


def test_netrc_applies_to_the_host_of_each_hop(
    raw_server: RawServerFactory, netrc_file: Callable[[str], Path]
) -> None:
    landing = raw_server(router({}))
    start = raw_server(
        router({"/": lambda req: http_response(302, b"", [("Location", landing.localhost_url)])})
    )
    netrc_file("machine 127.0.0.1 login a password 1\nmachine localhost login b password 2\n")
    mine = same(run_both(lambda lib: lib.get(start.url).ok, start, landing))
    assert mine.at(0)[0].header("Authorization") == basic("a", "1").decode()
    assert mine.at(1)[0].header("Authorization") == basic("b", "2").decode()


def test_unreadable_netrc_gives_no_credentials(
    raw_server: RawServerFactory, netrc_file: Callable[[str], Path]
) -> None:
    server = raw_server(router({}))
    netrc_file("machine 127.0.0.1 login\n")  # a parse error: login without a value
    mine = same(run_both(lambda lib: lib.get(server.url).ok, server))
    assert not mine.at(0)[0].has("Authorization")


def test_digest_bytes_credentials_are_hashed_as_given(raw_server: RawServerFactory) -> None:
    # Deliberate difference: requests formats bytes credentials as "b'...'" and fails.
    digest = DigestServer("user", "p\u00e4ss")
    server = raw_server(digest)
    credentials = (b"user", "p\u00e4ss".encode())  # the UTF-8 bytes the server hashes
    requests.get(server.url, auth=requests.auth.HTTPDigestAuth(*credentials))
    assert digest.verdicts == ["no credentials", "wrong username"]
    r = tether.get(server.url, auth=tether.auth.HTTPDigestAuth(*credentials))
    assert r.status_code == 200
    assert digest.verdicts[-1] == "ok"


def test_digest_sess_variants_beyond_md5(raw_server: RawServerFactory) -> None:
    # Deliberate difference: requests answers only MD5-sess among the -sess algorithms.
    digest = DigestServer("user", "pw", algorithm="SHA-256-sess")
    server = raw_server(digest)
    assert (
        requests.get(server.url, auth=requests.auth.HTTPDigestAuth("user", "pw")).status_code == 401
    )
    assert tether.get(server.url, auth=tether.auth.HTTPDigestAuth("user", "pw")).status_code == 200
