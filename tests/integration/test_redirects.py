"""Redirect following against real loopback servers, compared with requests 2.34.

Most tests are differential: the same scenario runs with requests and with tether against
the same raw-socket servers, and what the servers received (method, target, headers, body)
must be identical. Where tether differs on purpose (docs/migrating.md), the test says so and
checks tether's behaviour on its own.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import tether
from tests.support.differential import Outcome, run_both
from tests.support.fixtures import RawServerFactory, TwoOriginsFactory
from tests.support.hostile import gzip_bomb
from tests.support.servers import Connection, RawRequest, RawServer, http_response

Route = bytes | Callable[[RawRequest], bytes]


def router(routes: Mapping[str, Route]) -> Callable[[RawRequest, Connection], bytes]:
    """A handler answering by exact target; unknown targets get ``200 final:<target>``."""

    def handler(request: RawRequest, conn: Connection) -> bytes:
        route = routes.get(request.target)
        if route is None:
            return http_response(200, b"final:" + request.target.encode("latin-1"))
        return route(request) if callable(route) else route

    return handler


def redirect(status: int, location: str | bytes, *headers: tuple[str, str]) -> bytes:
    return http_response(status, b"", [("Location", location), *headers])


def same(outcomes: tuple[Outcome, Outcome]) -> Outcome:
    """Assert requests and tether behaved alike; return tether's outcome."""
    theirs, mine = outcomes
    assert mine.error == theirs.error
    assert mine.result == theirs.result
    assert mine.requests == theirs.requests
    return mine


# -- history, limits, Response.next ------------------------------------------------------


def _chain(length: int) -> dict[str, Route]:
    routes: dict[str, Route] = {f"/r{i}": redirect(302, f"/r{i + 1}") for i in range(length)}
    routes[f"/r{length}"] = http_response(200, b"done")
    return routes


def test_history_matches_requests_and_never_holds_the_response_itself(
    raw_server: RawServerFactory,
) -> None:
    server = raw_server(router(_chain(3)))

    def scenario(lib: ModuleType) -> list[Any]:
        r = lib.get(server.url_for("/r0"))
        hist = r.history
        # The shape of each response's own history, as indices into the final history.
        shape = [[hist.index(h) for h in each.history] for each in hist]
        assert r not in hist
        assert all(each not in each.history for each in hist)
        return [r.status_code, [h.status_code for h in hist], [h.url for h in hist], shape]

    mine = same(run_both(scenario, server))
    assert mine.result[1] == [302, 302, 302]
    assert mine.result[3] == [[], [0], [0, 1]]


def test_too_many_redirects_carries_the_last_response(raw_server: RawServerFactory) -> None:
    server = raw_server(router(_chain(10)))

    def scenario(lib: ModuleType) -> tuple[int, str, str, int]:
        with lib.Session() as s:
            s.max_redirects = 3
            with pytest.raises(lib.TooManyRedirects) as info:
                s.get(server.url_for("/r0"))
        response = info.value.response
        return (response.status_code, response.url, str(info.value), len(response.history))

    mine = same(run_both(scenario, server))
    assert mine.result == (302, server.url_for("/r3"), "Exceeded 3 redirects.", 3)
    assert [s.target for s in mine.at(0)] == ["/r0", "/r1", "/r2", "/r3"]


def test_allow_redirects_false_gives_next(raw_server: RawServerFactory) -> None:
    server = raw_server(router({"/r": redirect(303, "/next#frag")}))

    def scenario(lib: ModuleType) -> tuple[Any, ...]:
        with lib.Session() as s:
            r = s.post(server.url_for("/r#orig"), data=b"x", allow_redirects=False)
            nxt = r.next
            return (r.status_code, r.is_redirect, nxt.method, nxt.url, nxt.body, r.history)

    mine = same(run_both(scenario, server))
    assert mine.result == (303, True, "GET", server.url_for("/next#frag"), None, [])
    assert len(mine.at(0)) == 1  # nothing followed


def test_next_is_none_without_a_redirect(raw_server: RawServerFactory) -> None:
    server = raw_server(router({}))
    r = tether.get(server.url, allow_redirects=False)
    assert r.status_code == 200 and r.next is None and not r.is_redirect


def test_allow_redirects_false_keeps_the_body_for_the_caller(raw_server: RawServerFactory) -> None:
    # Deliberate difference: requests drains (and decodes) the body of a redirect it does
    # not follow while computing Response.next; tether leaves it to the caller. With
    # stream=False the caller gets the decoded body either way.
    import zlib

    page = b"<a href='/next'>moved</a>" * 100
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    gz = compressor.compress(page) + compressor.flush()
    server = raw_server(
        router(
            {"/r": http_response(302, gz, [("Location", "/next"), ("Content-Encoding", "gzip")])}
        )
    )
    r = tether.get(server.url_for("/r"), allow_redirects=False)
    assert r.content == page
    streamed = tether.get(server.url_for("/r"), allow_redirects=False, stream=True)
    assert streamed.raw.read(decode_content=True) == page  # still unread: the caller streams it
    streamed.close()


def test_max_redirects_zero_with_allow_redirects_false_is_not_an_error(
    raw_server: RawServerFactory,
) -> None:
    # Deliberate difference: requests raises TooManyRedirects("Exceeded 0 redirects.")
    # although nothing is followed.
    server = raw_server(router({"/r": redirect(302, "/f")}))
    with tether.Session(max_redirects=0) as s:
        r = s.get(server.url_for("/r"), allow_redirects=False)
        assert r.status_code == 302 and r.next is not None
        with pytest.raises(tether.TooManyRedirects):
            s.get(server.url_for("/r"))
    assert [q.target for q in server.requests] == ["/r", "/r"]


# -- method and body --------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def test_method_and_body_rules_match_requests(
    raw_server: RawServerFactory, status: int, method: str
) -> None:
    server = raw_server(router({"/r": redirect(status, "/f")}))

    def scenario(lib: ModuleType) -> str:
        body = None if method in ("GET", "HEAD") else {"k": "v w"}
        r = lib.request(method, server.url_for("/r"), data=body, allow_redirects=True)
        return str(r.request.method)

    mine = same(run_both(scenario, server))
    expected = {
        301: "GET" if method == "POST" else method,
        302: method if method == "HEAD" else "GET",
        303: method if method == "HEAD" else "GET",
    }.get(status, method)
    assert mine.result == expected
    first, second = mine.at(0)
    assert second.method == expected
    if status in (307, 308):
        assert second.body == first.body
        assert second.header("Content-Type") == first.header("Content-Type")
    else:
        assert second.body == b""
        if expected == "GET":
            for name in ("Content-Type", "Content-Length", "Transfer-Encoding"):
                assert not second.has(name), name


@pytest.mark.parametrize("status", [301, 302, 303])
def test_body_headers_dropped_when_the_method_becomes_get(
    raw_server: RawServerFactory, status: int
) -> None:
    server = raw_server(router({"/r": redirect(status, "/f")}))

    def chunks() -> Iterator[bytes]:
        yield b"secret="
        yield b"1"

    def scenario(lib: ModuleType) -> None:
        lib.post(
            server.url_for("/r"), data=chunks(), headers={"Content-Type": "application/x-thing"}
        )

    mine = same(run_both(scenario, server))
    first, second = mine.at(0)
    assert first.header("Transfer-Encoding") == "chunked" and first.body == b"secret=1"
    assert second.method == "GET" and second.body == b""
    assert not any(second.has(h) for h in ("Content-Type", "Content-Length", "Transfer-Encoding"))


@pytest.mark.parametrize("status", [307, 308])
def test_file_body_rewound_to_where_it_started(
    raw_server: RawServerFactory, tmp_path: Path, status: int
) -> None:
    server = raw_server(router({"/r": redirect(status, "/f")}))
    path = tmp_path / "upload.bin"
    path.write_bytes(b"HEADER" + b"payload-" * 1000)

    def scenario(lib: ModuleType) -> None:
        with path.open("rb") as handle:
            handle.read(6)  # the body starts after what the program already consumed
            lib.put(server.url_for("/r"), data=handle)
        memory = io.BytesIO(b"skip:in-memory body")
        memory.read(5)
        lib.post(server.url_for("/r"), data=memory)

    mine = same(run_both(scenario, server))
    bodies = [s.body for s in mine.at(0)]
    assert bodies == [b"payload-" * 1000] * 2 + [b"in-memory body"] * 2
    assert mine.at(0)[1].header("Content-Length") == str(8000)


@pytest.mark.parametrize("status", [307, 308])
def test_generator_body_cannot_be_replayed(raw_server: RawServerFactory, status: int) -> None:
    # Deliberate difference: requests re-sends the exhausted generator, so the second
    # server gets an empty chunked body; tether raises instead.
    server = raw_server(router({"/r": redirect(status, "/f")}))

    def chunks() -> Iterator[bytes]:
        yield b"once"

    with pytest.raises(tether.exceptions.UnrewindableBodyError):
        tether.post(server.url_for("/r"), data=chunks())
    assert [q.target for q in server.requests] == ["/r"]

    class Replayable:
        """An iterable that yields the same chunks each time it is iterated."""

        def __iter__(self) -> Iterator[bytes]:
            yield b"again"

    r = tether.post(server.url_for("/r"), data=Replayable())
    assert r.status_code == 200
    assert [q.body for q in server.requests[1:]] == [b"again", b"again"]

    class ReadOnly:
        """A file-like object with read() and no tell(): readable once."""

        def __init__(self) -> None:
            self._data = io.BytesIO(b"read-once")

        def read(self, size: int = -1) -> bytes:
            return self._data.read(size)

    with pytest.raises(tether.exceptions.UnrewindableBodyError):
        tether.post(server.url_for("/r"), data=ReadOnly(), headers={"Content-Length": "9"})
    assert server.requests[-1].body == b"read-once"


def test_body_whose_tell_fails_raises_like_requests(raw_server: RawServerFactory) -> None:
    server = raw_server(router({"/r": redirect(307, "/f")}))

    class BadTell(io.BytesIO):
        calls = 0

        def tell(self) -> int:
            BadTell.calls += 1
            if BadTell.calls > 1:  # the first tell() measures the length
                raise OSError("no position")
            return super().tell()

    def scenario(lib: ModuleType) -> None:
        BadTell.calls = 0
        lib.post(server.url_for("/r"), data=BadTell(b"abc"))

    theirs, mine = run_both(scenario, server)
    assert mine.error == theirs.error == "UnrewindableBodyError"
    assert mine.requests == theirs.requests


# -- where a redirect goes --------------------------------------------------------------


@pytest.mark.parametrize(
    "location",
    [
        "/abs/path?q=1",
        "relative/x",
        "../up?a=b c",
        "?only=query",
        "/with space/x?x=a b",
        "/pct%2Fkept%20",
        "HTTP://127.0.0.1:{port}/Upper-Scheme",
        "//localhost:{port}/scheme-relative",
        "http://localhost:{port}/absolute#frag",
        "/%7Euser/~tilde",
    ],
)
def test_location_resolution_matches_requests(
    two_origins: TwoOriginsFactory, location: str
) -> None:
    origins = two_origins(router({}), router({}))
    first, second = origins
    target = location.format(port=first.port if "127.0.0.1" in location else second.port)
    first.handler = router({"/a/b/start": redirect(302, target)})

    def scenario(lib: ModuleType) -> tuple[str, list[str]]:
        r = lib.get(first.url_for("/a/b/start"))
        return r.url, [h.url for h in r.history]

    theirs, mine = run_both(scenario, first, second)
    assert mine.error is None and theirs.error is None
    assert mine.result == theirs.result
    assert mine.requests == theirs.requests


def test_scheme_relative_location_keeps_the_scheme(
    raw_server: RawServerFactory, ca_bundle: str
) -> None:
    server = raw_server(router({}), tls=True)
    server.handler = router({"/r": redirect(302, f"//localhost:{server.port}/there")})
    r = tether.get(server.url_for("/r"), verify=ca_bundle)
    assert r.url == f"https://localhost:{server.port}/there"


def test_fragment_is_inherited_until_a_location_brings_its_own(
    raw_server: RawServerFactory,
) -> None:
    server = raw_server(
        router(
            {
                "/r1": redirect(301, "/r2"),
                "/r2": redirect(302, "/r3#second"),
                "/r3": redirect(307, "/r4"),
            }
        )
    )

    def scenario(lib: ModuleType) -> list[str]:
        r = lib.get(server.url_for("/r1#first"))
        return [h.url for h in r.history] + [r.url]

    mine = same(run_both(scenario, server))
    base = server.url_for("")
    assert mine.result == [
        base + "r1#first",
        base + "r2#first",
        base + "r3#second",
        base + "r4#second",
    ]
    assert [s.target for s in mine.at(0)] == ["/r1", "/r2", "/r3", "/r4"]  # never sent


def test_non_ascii_location_sent_as_utf8_bytes(raw_server: RawServerFactory) -> None:
    raw_location = "/caf\u00e9/\u6771\u4eac?q=\u00fc".encode()
    server = raw_server(router({"/r": redirect(302, raw_location)}))

    def scenario(lib: ModuleType) -> str:
        return str(lib.get(server.url_for("/r")).url)

    mine = same(run_both(scenario, server))
    assert mine.result == server.url_for("/caf%C3%A9/%E6%9D%B1%E4%BA%AC?q=%C3%BC")
    assert mine.at(0)[1].target == "/caf%C3%A9/%E6%9D%B1%E4%BA%AC?q=%C3%BC"


def test_location_bytes_that_are_not_utf8(raw_server: RawServerFactory) -> None:
    # Deliberate difference: requests raises UnicodeDecodeError (not a RequestException);
    # tether percent-encodes the bytes as the server sent them.
    server = raw_server(router({"/r": redirect(302, b"/caf\xe9?x=\xff")}))
    theirs, _ = run_both(lambda lib: lib.get(server.url_for("/r")), server)
    assert theirs.error == "UnicodeDecodeError"
    r = tether.get(server.url_for("/r"))
    assert r.url == server.url_for("/caf%E9?x=%FF")
    assert server.requests[-1].target == "/caf%E9?x=%FF"


@pytest.mark.parametrize(
    "location", ["ftp://127.0.0.1/file", "file:///etc/passwd", "javascript:alert(1)", "gopher://x/"]
)
def test_location_with_unsupported_scheme_raises_invalid_schema(
    raw_server: RawServerFactory, location: str
) -> None:
    server = raw_server(router({"/r": redirect(302, location)}))

    def scenario(lib: ModuleType) -> None:
        lib.get(server.url_for("/r"))

    mine = same(run_both(scenario, server))
    assert mine.error == "InvalidSchema"
    assert len(mine.at(0)) == 1


def test_get_redirect_target_override_stops_following(raw_server: RawServerFactory) -> None:
    server = raw_server(router({"/r": redirect(302, "/f")}))

    class NoFollow(tether.Session):
        def get_redirect_target(self, resp: tether.Response) -> str | None:
            return None

    with NoFollow() as s:
        r = s.get(server.url_for("/r"))
    assert r.status_code == 302 and r.history == []
    assert len(server.requests) == 1


# -- draining -----------------------------------------------------------------------------


def test_identity_redirect_bodies_stay_readable_in_history(raw_server: RawServerFactory) -> None:
    server = raw_server(
        router(
            {
                "/r1": http_response(302, b"first hop", [("Location", "/r2")]),
                "/r2": http_response(302, b"second hop", [("Location", "/f")]),
            }
        )
    )
    for stream in (False, True):
        with tether.Session() as s:
            r = s.get(server.url_for("/r1"), stream=stream)
            assert [h.content for h in r.history] == [b"first hop", b"second hop"]
            assert r.content == b"final:/f"
        # Every hop went over one keep-alive connection: the drained connections were reused.
        assert {q.connection for q in server.requests[-3:]} == {server.requests[-1].connection}


@pytest.mark.parametrize("stream", [False, True])
def test_encoded_redirect_bodies_are_never_inflated(
    raw_server: RawServerFactory, stream: bool
) -> None:
    bomb = gzip_bomb(20 << 20)
    server = raw_server(
        router(
            {
                "/r1": redirect(302, "/r2"),
                "/r2": http_response(302, bomb, [("Location", "/f"), ("Content-Encoding", "gzip")]),
            }
        )
    )
    r = tether.get(server.url_for("/r1"), stream=stream)
    assert r.status_code == 200
    assert [h.content for h in r.history] == [b"", b""]


def test_long_redirect_body_closes_the_connection(raw_server: RawServerFactory) -> None:
    server: RawServer = raw_server(
        router({"/r": http_response(302, b"x" * (1 << 20), [("Location", "/f")])})
    )
    r = tether.get(server.url_for("/r"))
    assert r.status_code == 200
    first, second = server.requests
    assert first.connection != second.connection  # not drained: closed instead


@pytest.mark.parametrize("stream", [False, True])
def test_response_hooks_see_every_hop_like_requests(
    raw_server: RawServerFactory, stream: bool
) -> None:
    server = raw_server(router(_chain(2)))

    def scenario(lib: ModuleType) -> list[tuple[int, Any, bool]]:
        calls: list[tuple[int, Any, bool]] = []

        def hook(r: Any, *args: Any, **kwargs: Any) -> None:
            calls.append((r.status_code, kwargs.get("stream"), kwargs.get("allow_redirects", 0)))

        with lib.Session() as s:
            s.hooks["response"].append(hook)
            s.get(server.url_for("/r0"), stream=stream)
        return calls

    mine = same(run_both(scenario, server))
    assert mine.result == [(302, stream, 0), (302, stream, 0), (200, stream, 0)]


def test_cross_origin_hop_differs_from_requests_only_where_documented(
    two_origins: TwoOriginsFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("default login dflt password dpass\n")
    monkeypatch.setenv("NETRC", str(netrc))
    first, second = two_origins(router({}), router({}))
    first.handler = router(
        {"/": redirect(302, second.localhost_url + "landing", ("Set-Cookie", "seta=5"))}
    )

    def scenario(lib: ModuleType) -> None:
        with lib.Session() as s:
            s.cookies.set("nodomain", "1")
            s.cookies.set("fora", "2", domain="127.0.0.1")
            s.cookies.set("forb", "3", domain="localhost.local")
            s.get(
                first.url,
                cookies={"percall": "4"},
                headers={"X-Api-Key": "k", "Proxy-Authorization": "Basic x", "Cookie": "hand=1"},
            )

    theirs, mine = run_both(scenario, first, second)
    assert mine.at(0) == theirs.at(0)  # the first request is identical
    (their_hop,) = theirs.at(1)
    (my_hop,) = mine.at(1)
    # requests sends netrc's `default` entry and every domain-less cookie to the new host
    # (docs/migrating.md: cases 07 and 16); everything else must be the same.
    assert their_hop.header("Authorization") == "Basic ZGZsdDpkcGFzcw=="
    assert their_hop.header("Cookie") == "nodomain=1; percall=4; forb=3"
    expected = tuple(
        (name, "forb=3" if name == "Cookie" else value)
        for name, value in their_hop.headers
        if name != "Authorization"
    )
    assert my_hop.headers == expected
    assert (my_hop.method, my_hop.target, my_hop.body) == (
        their_hop.method,
        their_hop.target,
        their_hop.body,
    )
