"""Connection pool limits under threads, counted at the server: ``pool_block=True`` never
opens more than ``pool_maxsize`` connections to a host; without it, connections beyond the
pool's size are closed once used instead of being leaked; and a pool dropped from the
PoolManager's LRU while a request is using it does not break that request
(psf/requests#1871)."""

from __future__ import annotations

import gc
import logging
import os
import threading
from collections.abc import Callable

import pytest

import tether
from tests.support.fixtures import RawServerFactory
from tests.support.servers import Connection, RawRequest, RawServer, http_response
from tether.adapters import HTTPAdapter

POOL_SIZE = 2
THREADS = 8


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


class _Counting:
    """A handler that takes a little time and records how many requests it serves at once."""

    def __init__(self, delay: float = 0.01) -> None:
        self.delay = delay
        self.lock = threading.Lock()
        self.active = 0
        self.peak = 0

    def __call__(self, request: RawRequest, conn: Connection) -> bytes:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            conn.sleep(self.delay)
        finally:
            with self.lock:
                self.active -= 1
        return http_response(200, request.path.encode())


def _live_connections(server: RawServer) -> int:
    with server._lock:
        threads = list(server._threads)
    return sum(t.is_alive() for t in threads)


def _settled_fd_baseline(server: RawServer) -> int:
    """The descriptor count once ``server`` is up and idle (listeners, selector)."""
    gc.collect()  # sockets an earlier test left to the garbage collector go now, not mid-test
    with tether.Session() as warm:
        warm.get(server.url_for("/warmup"))
    assert server.wait_until(lambda: _live_connections(server) == 0, 5)
    return _open_fds()


def _hammer(session: tether.Session, urls: Callable[[int, int], str], per_thread: int) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work(k: int) -> None:
        try:
            start.wait(10)
            for i in range(per_thread):
                url = urls(k, i)
                r = session.get(url)
                assert r.status_code == 200
                assert url.endswith(r.text)
        except BaseException as exc:  # asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(50)
    assert errors == [], errors[:3]


def _session(**adapter_kwargs: object) -> tether.Session:
    s = tether.Session()
    s.mount("http://", HTTPAdapter(**adapter_kwargs))  # type: ignore[arg-type]
    return s


def test_pool_block_never_opens_more_than_maxsize(raw_server: RawServerFactory) -> None:
    handler = _Counting()
    server = raw_server(handler)
    s = _session(pool_maxsize=POOL_SIZE, pool_block=True)
    _hammer(s, lambda k, i: server.url_for(f"/{k}/{i}"), per_thread=6)
    assert server.connections_accepted <= POOL_SIZE
    assert handler.peak <= POOL_SIZE
    assert len(server.requests) == THREADS * 6
    s.close()
    assert server.wait_until(lambda: _live_connections(server) == 0, 5)


def test_without_block_surplus_connections_are_closed(
    raw_server: RawServerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    handler = _Counting()
    server = raw_server(handler)
    s = _session(pool_maxsize=POOL_SIZE, pool_block=False)
    with caplog.at_level(logging.WARNING, logger="urllib3.connectionpool"):
        _hammer(s, lambda k, i: server.url_for(f"/{k}/{i}"), per_thread=6)
    # The burst needed more connections than the pool keeps (so this test can tell)...
    assert handler.peak > POOL_SIZE
    assert server.connections_accepted > POOL_SIZE
    assert any("Connection pool is full" in r.getMessage() for r in caplog.records)
    # ...and the ones beyond its size were closed, not left open.
    assert server.wait_until(lambda: _live_connections(server) <= POOL_SIZE, 5)
    adapter = s.get_adapter("http://")
    assert isinstance(adapter, HTTPAdapter)
    pool = adapter.poolmanager.connection_from_url(server.url)
    assert pool.pool is not None
    assert sum(1 for conn in list(pool.pool.queue) if conn is not None) <= POOL_SIZE
    s.close()
    assert server.wait_until(lambda: _live_connections(server) == 0, 5)


def test_lru_eviction_while_threads_use_the_pools(raw_server: RawServerFactory) -> None:
    # pool_connections=1: every request to the other host evicts this host's pool while
    # other threads are still using it (psf/requests#1871).
    handler = _Counting(delay=0.002)
    server = raw_server(handler)
    fds = _settled_fd_baseline(server)
    s = _session(pool_connections=1, pool_maxsize=POOL_SIZE)
    hosts = ("127.0.0.1", "localhost")
    _hammer(s, lambda k, i: server.url_for(f"/{k}/{i}", hosts[(k + i) % 2]), per_thread=20)
    s.close()
    assert server.wait_until(lambda: _live_connections(server) == 0 and _open_fds() <= fds, 5)


def test_request_survives_eviction_of_its_pool(raw_server: RawServerFactory) -> None:
    body = b"x" * 200_000

    def handler(request: RawRequest, conn: Connection) -> bytes:
        return http_response(200, body if request.path == "/big" else b"small")

    server = raw_server(handler)
    s = _session(pool_connections=1)
    adapter = s.get_adapter("http://")
    assert isinstance(adapter, HTTPAdapter)
    streaming = s.get(server.url_for("/big"), stream=True)
    first = streaming.raw.read(1000)
    # Another host takes the only pool slot: the streaming request's pool is evicted.
    assert s.get(server.url_for("/other", "localhost")).text == "small"
    assert len(adapter.poolmanager.pools) == 1
    assert first + streaming.raw.read() == body
    streaming.close()
    # The first host works again, on a new pool.
    assert s.get(server.url_for("/again")).text == "small"
    s.close()
    del streaming
    assert server.wait_until(lambda: _live_connections(server) == 0, 5)


def test_close_closes_idle_connections_of_responses_still_held(
    raw_server: RawServerFactory,
) -> None:
    server = raw_server(_Counting(delay=0))
    s = tether.Session()
    kept = [s.get(server.url_for(f"/{i}")) for i in range(3)]  # each refers to its pool
    assert _live_connections(server) == 1
    s.close()
    # urllib3 alone would keep the socket open until the responses are dropped.
    assert server.wait_until(lambda: _live_connections(server) == 0, 5)
    assert [r.text for r in kept] == ["/0", "/1", "/2"]


def test_close_while_threads_wait_for_a_blocking_pool(raw_server: RawServerFactory) -> None:
    handler = _Counting(delay=0.02)
    server = raw_server(handler)
    s = _session(pool_maxsize=1, pool_block=True)
    stop = threading.Event()

    def closer() -> None:
        while not stop.wait(0.015):
            s.close()

    thread = threading.Thread(target=closer)
    thread.start()
    try:
        _hammer(s, lambda k, i: server.url_for(f"/{k}/{i}"), per_thread=3)
    finally:
        stop.set()
        thread.join(10)
    assert len(server.requests) == THREADS * 3
    s.close()
    assert server.wait_until(lambda: _live_connections(server) == 0, 5)
