"""Load against a hostile loopback server: many requests, one Session, 16 threads.

The server answers each request at random: normally (Content-Length or chunked), with a
TCP reset before or during the response, or by stalling (before the response or in the
middle of the body) for longer than the client's read timeout. Every request must end in
a response or one of tether's documented exceptions, none may hang, the pools must end
without half-read connections, no file descriptor may leak, and memory must stay flat
across the second half of the run.

The short run (2,000 requests) is part of the normal suite. The full run (20,000
requests) is a separate command::

    TETHER_LOAD_FULL=1 python -m pytest tests/load -q -p no:cacheprovider
"""

from __future__ import annotations

import gc
import os
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest

import tether
from tests.support.fixtures import RawServerFactory
from tests.support.hostile import assert_pool_clean, open_fds
from tests.support.servers import Connection, RawRequest, chunked, http_response
from tether.adapters import HTTPAdapter

THREADS = 16
TIMEOUT = 0.2
#: The longest any single request may take: its timeout, a connect, a resend of a request
#: a kept-alive connection dropped, and scheduling noise on a loaded machine.
REQUEST_LIMIT = 4 * TIMEOUT + 2.0

#: What a request may end in besides a response (documented for each fault in docs/security.md).
DOCUMENTED = (
    tether.exceptions.ConnectionError,  # resets, and read timeouts while reading a body
    tether.exceptions.ReadTimeout,  # stall before the response
    tether.exceptions.ChunkedEncodingError,  # reset or close in the middle of a body
)

_BODY = bytes(range(256)) * 8


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@dataclass
class HostileServerScript:
    """Chooses what the server does with each request (seeded, thread-safe)."""

    seed: int
    counts: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def choose(self) -> tuple[str, int]:
        with self._lock:
            roll = self._random.random()
            size = self._random.randrange(0, len(_BODY))
        if roll < 0.74:
            action = "ok"
        elif roll < 0.84:
            action = "ok-chunked"
        elif roll < 0.89:
            action = "reset-before-response"
        elif roll < 0.94:
            action = "reset-mid-body"
        elif roll < 0.97:
            action = "stall-before-response"
        else:
            action = "stall-mid-body"
        with self._lock:
            self.counts[action] += 1
        return action, size

    def handler(self, request: RawRequest, conn: Connection) -> bytes | None:
        action, size = self.choose()
        body = _BODY[:size]
        if action == "ok":
            return http_response(200, body)
        if action == "ok-chunked":
            return http_response(
                200,
                chunked(body[: size // 2], body[size // 2 :]),
                [("Transfer-Encoding", "chunked")],
            )
        if action == "reset-before-response":
            conn.reset()
            return None
        if action == "reset-mid-body":
            conn.sendall(http_response(200, headers=[("Content-Length", size + 100)]) + body)
            conn.sleep(0.01)
            conn.reset()
            return None
        if action == "stall-before-response":
            conn.hold()
            return None
        conn.sendall(http_response(200, headers=[("Content-Length", size + 100)]) + body[:10])
        conn.hold()
        return None


@dataclass
class Outcomes:
    responses: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    unexpected: list[BaseException] = field(default_factory=list)
    slowest: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _run(raw_server: RawServerFactory, total: int, seed: int) -> None:
    fds_before = open_fds()
    script = HostileServerScript(seed)
    server = raw_server(script.handler)
    url = server.url
    outcomes = Outcomes()
    done = [0]
    checkpoints: dict[str, int] = {}

    session = tether.Session()
    adapter = HTTPAdapter(pool_connections=2, pool_maxsize=THREADS)
    session.mount("http://", adapter)

    def measure(name: str) -> None:
        # The test server keeps a record of every request and connection thread; that is
        # the harness's memory, not the client's, so it is dropped before measuring.
        with server._lock:
            server.requests.clear()
            server._threads[:] = [t for t in server._threads if t.is_alive()]
        gc.collect()
        checkpoints[name] = _rss_bytes()

    def worker(count: int) -> None:
        for _ in range(count):
            start = time.monotonic()
            try:
                r = session.get(url, timeout=TIMEOUT)
                assert r.status_code == 200 and r.content == _BODY[: len(r.content)]
                ok = True
            except DOCUMENTED as error:
                ok = False
                name = type(error).__name__
            except BaseException as error:  # anything else fails the test
                with outcomes.lock:
                    outcomes.unexpected.append(error)
                continue
            elapsed = time.monotonic() - start
            with outcomes.lock:
                outcomes.slowest = max(outcomes.slowest, elapsed)
                if ok:
                    outcomes.responses += 1
                else:
                    outcomes.errors[name] += 1
                done[0] += 1

    per_thread = total // THREADS
    # First half, a checkpoint, second half, a checkpoint: memory after warm-up must not grow.
    for phase in ("first-half", "second-half"):
        threads = [
            threading.Thread(target=worker, args=(per_thread // 2,), name=f"load-{phase}-{i}")
            for i in range(THREADS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(per_thread * REQUEST_LIMIT)
            assert not thread.is_alive(), f"{thread.name} hangs"
        measure(phase)

    assert not outcomes.unexpected, outcomes.unexpected[:5]
    assert done[0] == per_thread // 2 * 2 * THREADS
    assert outcomes.responses > done[0] // 2
    assert outcomes.slowest < REQUEST_LIMIT, outcomes.slowest
    # Every kind of fault really happened, and ended in its documented exception.
    assert set(script.counts) == {
        "ok", "ok-chunked", "reset-before-response", "reset-mid-body",
        "stall-before-response", "stall-mid-body",
    }  # fmt: skip
    assert outcomes.errors["ReadTimeout"] > 0 and outcomes.errors["ConnectionError"] > 0
    assert_pool_clean(session)
    assert len(adapter.poolmanager.pools) == 1
    growth = checkpoints["second-half"] - checkpoints["first-half"]
    assert growth < 4 * 1024 * 1024, f"RSS grew by {growth} bytes over the second half"

    session.close()
    server.stop()
    # Client and server sockets are all closed once both sides are done.
    assert server.wait_until(lambda: open_fds() <= fds_before, timeout=5.0), (
        open_fds(),
        fds_before,
    )


def test_load_short(raw_server: RawServerFactory) -> None:
    _run(raw_server, total=2_000, seed=8)


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.skipif(
    os.environ.get("TETHER_LOAD_FULL") != "1", reason="full load run: set TETHER_LOAD_FULL=1"
)
def test_load_full(raw_server: RawServerFactory) -> None:
    _run(raw_server, total=20_000, seed=20)
