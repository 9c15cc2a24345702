"""CacheControl on tether, through the switch.

CacheControl's adapter subclasses ``HTTPAdapter``: it answers from its cache inside
``send``, wraps ``response.raw._fp`` to store the body once it has been read, and in
``build_response`` turns a 304 into the cached response (a urllib3 ``HTTPResponse`` it
rebuilt from its serialised form). Run under ``--tether-as-requests`` (see conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from email.utils import formatdate

import pytest
import requests
from cachecontrol import CacheControl, CacheControlAdapter
from cachecontrol.cache import DictCache
from cachecontrol.heuristics import ExpiresAfter

import tether
from tests.support.fixtures import RawServerFactory
from tests.support.servers import Connection, RawRequest, chunked, http_response

Handler = Callable[[RawRequest, Connection], bytes]


def test_requests_is_tether() -> None:
    assert requests is tether
    assert issubclass(CacheControlAdapter, tether.adapters.HTTPAdapter)


def _response(
    status: int, body: bytes = b"", headers: list[tuple[str, str]] | None = None
) -> bytes:
    # CacheControl computes freshness from the Date header; without one nothing is cached.
    return http_response(status, body, [("Date", formatdate(usegmt=True)), *(headers or [])])


def _counting(headers: list[tuple[str, str]], body: bytes = b"fresh body") -> Handler:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        return _response(200, body, headers)

    return handler


@pytest.fixture
def cached_session() -> requests.Session:
    return CacheControl(requests.Session(), cache=DictCache())


def test_second_call_is_served_from_the_cache(
    raw_server: RawServerFactory, cached_session: requests.Session
) -> None:
    server = raw_server(_counting([("Cache-Control", "max-age=300")]))
    first = cached_session.get(server.url_for("/doc"))
    assert first.text == "fresh body"
    assert first.from_cache is False  # type: ignore[attr-defined]
    second = cached_session.get(server.url_for("/doc"))
    assert second.text == "fresh body"
    assert second.from_cache is True  # type: ignore[attr-defined]
    assert second.status_code == 200
    assert second.headers["Cache-Control"] == "max-age=300"
    assert len(server.requests) == 1
    assert isinstance(second.connection, CacheControlAdapter)


def test_streamed_first_response_is_cached_once_read(
    raw_server: RawServerFactory, cached_session: requests.Session
) -> None:
    server = raw_server(_counting([("Cache-Control", "max-age=300")], b"x" * 50_000))
    with cached_session.get(server.url_for("/big"), stream=True) as r:
        assert sum(len(chunk) for chunk in r.iter_content(4096)) == 50_000
    again = cached_session.get(server.url_for("/big"))
    assert again.from_cache is True  # type: ignore[attr-defined]
    assert len(again.content) == 50_000
    assert len(server.requests) == 1


def test_chunked_and_large_bodies_are_cached(
    raw_server: RawServerFactory, cached_session: requests.Session
) -> None:
    # CacheControl stores a body when its wrapper around raw._fp sees the last read, so
    # tether must read through that wrapper whatever the framing or size.
    large = b"y" * (3 << 20)

    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.path == "/chunked":
            head = _response(200, headers=[("Cache-Control", "max-age=300")])
            head = head.replace(b"Content-Length: 0\r\n", b"Transfer-Encoding: chunked\r\n")
            return head + chunked(b"part one, ", b"part two")
        return _response(200, large, [("Cache-Control", "max-age=300")])

    server = raw_server(handler)
    for path, body in (("/chunked", b"part one, part two"), ("/large", large)):
        assert cached_session.get(server.url_for(path)).content == body
        again = cached_session.get(server.url_for(path))
        assert again.from_cache is True, path  # type: ignore[attr-defined]
        assert again.content == body
    assert [request.path for request in server.requests] == ["/chunked", "/large"]


def test_etag_revalidation_with_304(
    raw_server: RawServerFactory, cached_session: requests.Session
) -> None:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.header("If-None-Match") == b'"v1"':
            return _response(304, headers=[("ETag", '"v1"'), ("Cache-Control", "no-cache")])
        return _response(200, b"versioned body", [("ETag", '"v1"'), ("Cache-Control", "no-cache")])

    server = raw_server(handler)
    first = cached_session.get(server.url_for("/res"))
    assert (first.status_code, first.text) == (200, "versioned body")
    second = cached_session.get(server.url_for("/res"))
    # The server answered 304; the client sees the cached 200 with its body.
    assert (second.status_code, second.text) == (200, "versioned body")
    assert second.from_cache is True  # type: ignore[attr-defined]
    validating = server.requests[1]
    assert validating.header("If-None-Match") == b'"v1"'
    assert len(server.requests) == 2


def test_heuristic_and_uncacheable_methods(raw_server: RawServerFactory) -> None:
    server = raw_server(_counting([]))
    with CacheControl(requests.Session(), heuristic=ExpiresAfter(days=1)) as s:
        assert s.get(server.url_for("/h")).text == "fresh body"
        assert s.get(server.url_for("/h")).from_cache is True
        # POST is never answered from the cache.
        assert s.post(server.url_for("/h"), data=b"x").from_cache is False
    assert [r.method for r in server.requests] == ["GET", "POST"]


def test_permanent_redirect_is_cached(
    raw_server: RawServerFactory, cached_session: requests.Session
) -> None:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.path == "/old":
            return _response(301, headers=[("Location", "/new")])
        return _response(200, b"new place", [("Cache-Control", "max-age=300")])

    server = raw_server(handler)
    r = cached_session.get(server.url_for("/old"))
    assert (r.text, [h.status_code for h in r.history]) == ("new place", [301])
    again = cached_session.get(server.url_for("/old"))
    assert again.text == "new place"
    assert [request.path for request in server.requests] == ["/old", "/new"]
