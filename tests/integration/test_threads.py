"""One Session shared by many threads (docs/threads.md): every request method may be called
from any number of threads at once. The cookie jar stays consistent, Digest auth keeps its
nonce state per thread, hooks see their own response, mounting and closing are safe while
requests are in flight, and no file descriptor outlives ``close()``."""

from __future__ import annotations

import gc
import hashlib
import os
import re
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import tether
from tests.support.fixtures import RawServerFactory
from tests.support.servers import Connection, RawRequest, RawServer, http_response
from tether.adapters import HTTPAdapter
from tether.auth import HTTPDigestAuth

# -- helpers ---------------------------------------------------------------------------------


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _live_connections(server: RawServer) -> int:
    """Connections the server still has open (each is served by its own thread)."""
    with server._lock:
        threads = list(server._threads)
    return sum(t.is_alive() for t in threads)


def _settled_fd_baseline(server: RawServer) -> int:
    """The process's descriptor count once ``server`` is idle (its listener and selector
    open, no connection alive)."""
    gc.collect()  # sockets an earlier test left to the garbage collector go now, not mid-test
    with tether.Session() as warm:
        warm.get(server.url_for("/warmup"))
    assert server.wait_until(lambda: _live_connections(server) == 0, 5)
    return _open_fds()


def _assert_fds_back_to(baseline: int, server: RawServer) -> None:
    settled = server.wait_until(
        lambda: _live_connections(server) == 0 and _open_fds() <= baseline, 5
    )
    assert settled, f"open descriptors: {_open_fds()} (started with {baseline})"
    assert _open_fds() <= baseline


def _run_threads(count: int, target: Callable[[int], None]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(k: int) -> None:
        try:
            start.wait(10)
            target(k)
        except BaseException as exc:  # collected and asserted on by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,), name=f"worker-{k}") for k in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(50)
        assert not t.is_alive(), f"{t.name} did not finish"
    return errors


def _cookies(request: RawRequest) -> dict[str, str]:
    raw = (request.header("cookie") or b"").decode("latin-1")
    pairs = (item.partition("=") for item in raw.split("; ") if item)
    return {name: value for name, _, value in pairs}


# -- the stress test -------------------------------------------------------------------------

THREADS = 16
REQUESTS = 500
SLOTS = 2  # cookies each thread rewrites in turn: n0, n1
REDIRECT_EVERY = 10


def _stress_handler(request: RawRequest, conn: Connection) -> bytes:
    """``/t<k>/<kind>?i=<n>[&expect=<m>]``, all cookies scoped to ``/t<k>/``.

    Every response sets ``c=<n>`` and ``n<n % SLOTS>=<n>``; ``expect`` asks the server to
    check that the previous request's ``c`` came back (read-your-writes for that thread).
    ``redir`` answers 302 with its own cookie ``r=<n>``, which ``check`` (the target) must
    receive. A failed check answers 409, which the client counts as an error.
    """
    parts = urlsplit(request.target)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    scope, _, kind = parts.path.rpartition("/")
    sent = _cookies(request)
    if "i" not in query:  # the warm-up request
        return http_response(200, b"")
    if "expect" in query and sent.get("c") != query["expect"]:
        return http_response(409, f"stale c={sent.get('c')}".encode())
    n = query["i"]
    cookies = [
        ("Set-Cookie", f"c={n}; Path={scope}/"),
        ("Set-Cookie", f"n{int(n) % SLOTS}={n}; Path={scope}/"),
    ]
    if kind == "redir":
        location = f"{scope}/check?i={n}&r={n}"
        return http_response(
            302, b"", [("Location", location), ("Set-Cookie", f"r={n}; Path={scope}/")]
        )
    if kind == "check" and sent.get("r") != query["r"]:
        return http_response(409, f"redirect cookie r={sent.get('r')}".encode())
    return http_response(200, n.encode(), cookies)


@pytest.mark.slow
def test_sixteen_threads_share_one_session(raw_server: RawServerFactory) -> None:
    server = raw_server(_stress_handler)
    baseline = _settled_fd_baseline(server)
    mismatched_hooks: list[str] = []

    def hook(r: tether.Response, **kwargs: Any) -> None:
        # Each response the hook sees must be the one of the request that carries its tag.
        tag = r.request.headers["X-Tag"]
        query = parse_qs(urlsplit(r.url).query)
        if not r.url.startswith(tag.split("#")[0]) or query["i"][0] != tag.split("#")[1]:
            mismatched_hooks.append(f"{tag} got {r.url}")

    s = tether.Session(hooks={"response": hook})

    def work(k: int) -> None:
        base = server.url_for(f"/t{k}")
        last: str | None = None
        for i in range(REQUESTS):
            kind = "redir" if i % REDIRECT_EVERY == 0 else "x"
            url = f"{base}/{kind}?i={i}" + (f"&expect={last}" if last is not None else "")
            r = s.get(url, headers={"X-Tag": f"{base}/#{i}"})
            assert r.status_code == 200, (url, r.status_code, r.text)
            assert r.text == str(i)
            assert len(r.history) == (1 if kind == "redir" else 0)
            last = str(i)

    errors = _run_threads(THREADS, work)
    assert errors == [], errors[:3]
    assert mismatched_hooks == []

    # Every Set-Cookie landed, and the last write of each slot won (no lost update).
    jar = s.cookies
    for k in range(THREADS):
        path = f"/t{k}/"
        assert jar.get("c", domain="127.0.0.1", path=path) == str(REQUESTS - 1)
        for slot in range(SLOTS):
            last_write = max(i for i in range(REQUESTS) if i % SLOTS == slot)
            assert jar.get(f"n{slot}", domain="127.0.0.1", path=path) == str(last_write)
        last_redirect = max(i for i in range(REQUESTS) if i % REDIRECT_EVERY == 0)
        assert jar.get("r", domain="127.0.0.1", path=path) == str(last_redirect)
    assert len(jar) == THREADS * (SLOTS + 2)
    redirects = len(range(0, REQUESTS, REDIRECT_EVERY))
    assert len(server.requests) == 1 + THREADS * (REQUESTS + redirects)

    s.close()
    _assert_fds_back_to(baseline, server)


# -- the jar under concurrent reads and writes -----------------------------------------------


def test_jar_can_be_read_while_responses_write_it(raw_server: RawServerFactory) -> None:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        # Each response stores a cookie and deletes the one the previous response stored,
        # so the jar both grows and shrinks under the reader.
        n = int(request.target.rpartition("=")[2])
        return http_response(
            200,
            b"",
            [("Set-Cookie", f"k{n}={n}; Path=/"), ("Set-Cookie", f"k{n - 1}=; Max-Age=0; Path=/")],
        )

    server = raw_server(handler)
    s = tether.Session()
    done = threading.Event()
    reads = 0

    def reader() -> None:
        nonlocal reads
        while not done.is_set():
            for cookie in s.cookies:
                assert cookie.name.startswith("k")
                time.sleep(0)  # let the writers run in the middle of the iteration
            # dict(jar) reads names and values in two steps (documented limit); get_dict()
            # is the atomic snapshot.
            s.cookies.get_dict()
            len(s.cookies)
            list(s.cookies.items())
            s.cookies.copy()
            reads += 1

    def writer(k: int) -> None:
        if k == 0:
            reader()
            return
        try:
            for i in range(40):
                s.get(server.url_for(f"/?n={k * 1000 + i}"))
        finally:
            if k == 1:
                done.set()

    errors = _run_threads(5, writer)
    done.set()
    assert errors == []
    assert reads > 0
    assert sorted(s.cookies.keys()) == [f"k{k * 1000 + 39}" for k in range(1, 5)]
    s.close()


# -- Digest auth keeps its state per thread --------------------------------------------------


class _DigestServer:
    """Answers Digest (RFC 7616, MD5, qop=auth) and checks what a correct client must do:
    a nonce it issued, a nonce count that only grows for that nonce, the right response."""

    realm = "threads"
    user, password = "user", "pass"

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.challenges = 0
        self.failures: list[str] = []

    def __call__(self, request: RawRequest, conn: Connection) -> bytes:
        header = (request.header("authorization") or b"").decode("latin-1")
        if not header:
            nonce = secrets.token_hex(8)
            with self.lock:
                self.counts[nonce] = 0
                self.challenges += 1
            challenge = f'Digest realm="{self.realm}", nonce="{nonce}", qop="auth", opaque="o"'
            return http_response(401, b"", [("WWW-Authenticate", challenge)])
        fields = dict(re.findall(r'(\w+)="?([^",]*)"?', header))
        problem = self._check(request, fields)
        if problem:
            with self.lock:
                self.failures.append(problem)
            return http_response(403, problem.encode())
        return http_response(200, fields["nonce"].encode())

    def _check(self, request: RawRequest, fields: dict[str, str]) -> str | None:
        nonce, nc = fields.get("nonce", ""), int(fields.get("nc", "0"), 16)
        with self.lock:
            if nonce not in self.counts:
                return f"unknown nonce {nonce}"
            if nc <= self.counts[nonce]:
                return f"nonce count {nc} reused for {nonce}"
            self.counts[nonce] = nc

        def md5(text: str) -> str:
            return hashlib.md5(text.encode()).hexdigest()

        ha1 = md5(f"{self.user}:{self.realm}:{self.password}")
        ha2 = md5(f"{request.method}:{fields.get('uri')}")
        expected = md5(f"{ha1}:{nonce}:{fields['nc']}:{fields.get('cnonce')}:auth:{ha2}")
        return None if fields.get("response") == expected else "wrong response"


def test_digest_auth_state_is_per_thread(raw_server: RawServerFactory) -> None:
    digest = _DigestServer()
    server = raw_server(digest)
    s = tether.Session(auth=HTTPDigestAuth(digest.user, digest.password))
    nonces: dict[int, set[str]] = {}

    def work(k: int) -> None:
        seen = nonces.setdefault(k, set())
        for i in range(25):
            r = s.get(server.url_for(f"/d{k}/{i}"))
            assert r.status_code == 200, r.text
            seen.add(r.text)

    errors = _run_threads(8, work)
    assert errors == [] and digest.failures == []
    # One challenge per thread, then every request authenticated up front with that
    # thread's own nonce and growing count.
    assert digest.challenges == 8
    assert all(len(seen) == 1 for seen in nonces.values())
    assert len(set().union(*nonces.values())) == 8
    s.close()


# -- mounting, header changes and close() while requests are in flight -----------------------


def test_mount_while_requesting(raw_server: RawServerFactory) -> None:
    server = raw_server(lambda request, conn: http_response(200, b"ok"))
    s = tether.Session()

    def work(k: int) -> None:
        if k < 2:  # two threads mount 40 adapters each, concurrently
            for i in range(40):
                s.mount(f"http://mounted-{k}-{i}.invalid/", HTTPAdapter())
            return
        for i in range(40):
            assert s.get(server.url_for(f"/{k}/{i}")).text == "ok"

    errors = _run_threads(6, work)
    assert errors == []
    assert len(s.adapters) == 2 + 80  # no mount lost to the other thread's copy
    prefixes = list(s.adapters)
    assert prefixes[-2:] == ["https://", "http://"]
    s.close()


def test_header_changes_apply_to_requests_prepared_later(raw_server: RawServerFactory) -> None:
    server = raw_server(
        lambda request, conn: http_response(200, request.header("x-gen") or b"none")
    )
    s = tether.Session(headers={"X-Gen": "0"})
    stop = threading.Event()

    def work(k: int) -> None:
        if k == 0:
            for gen in range(1, 300):
                s.headers["X-Gen"] = str(gen)
                s.headers[f"X-Extra-{gen % 5}"] = "x"  # the dict grows and shrinks meanwhile
                s.headers.pop(f"X-Extra-{(gen + 2) % 5}", None)
            stop.set()
            return
        seen: list[int] = []
        while not stop.is_set() or len(seen) < 5:
            seen.append(int(s.get(server.url_for("/")).text))
        assert seen == sorted(seen)  # a request never sees an older value than the one before

    errors = _run_threads(4, work)
    assert errors == []
    assert s.get(server.url_for("/")).text == "299"
    s.close()


def test_close_while_requesting(raw_server: RawServerFactory) -> None:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        conn.sleep(0.002)
        return http_response(200, b"ok", [("Set-Cookie", "seen=1")])

    server = raw_server(handler)
    baseline = _settled_fd_baseline(server)
    s = tether.Session()
    stop = threading.Event()
    done = 0

    def work(k: int) -> None:
        nonlocal done
        if k == 0:
            for _ in range(25):
                time.sleep(0.01)
                s.close()
            stop.set()
            return
        while not stop.is_set():
            r = s.get(server.url_for(f"/{k}"))
            assert r.text == "ok"
            done += 1

    errors = _run_threads(7, work)
    assert errors == []
    assert done > 25
    # Still usable after close(): new connections are opened.
    s.close()
    accepted = server.connections_accepted
    assert s.get(server.url_for("/after")).text == "ok"
    assert server.connections_accepted == accepted + 1
    assert s.cookies.get("seen") == "1"
    s.close()
    _assert_fds_back_to(baseline, server)
