"""betamax on tether, through the switch.

betamax mounts its own ``BaseAdapter`` on a session; when recording it sends through the
real ``HTTPAdapter`` with ``stream=True`` and serialises ``response.raw`` (headers, body
bytes, ``_original_response``); when replaying it builds ``Response`` objects by hand,
with a urllib3 ``HTTPResponse`` as ``raw``. Its pytest plugin (``betamax_session``) imports
requests when pytest loads it. Run under ``--tether-as-requests`` (see conftest.py).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import betamax
import pytest
import requests
import urllib3
from betamax.adapter import BetamaxAdapter

import tether
from tests.support.fixtures import RawServerFactory
from tests.support.servers import Connection, RawRequest, RawServer, echo_handler, http_response


def test_requests_is_tether() -> None:
    assert requests is tether
    assert issubclass(BetamaxAdapter, tether.adapters.BaseAdapter)


def _app(request: RawRequest, conn: Connection) -> bytes:
    if request.path == "/gzip":
        body = gzip.compress(b"compressed payload " * 20)
        return http_response(
            200, body, [("Content-Encoding", "gzip"), ("Content-Type", "text/plain")]
        )
    if request.path == "/cookie":
        return http_response(200, b"set", [("Set-Cookie", "flavour=oatmeal; Path=/")])
    return echo_handler(request, conn)


def _session(library: Path, record: str, **options: Any) -> tuple[requests.Session, Any]:
    session = requests.Session()
    recorder = betamax.Betamax(session, cassette_library_dir=str(library))
    return session, recorder.use_cassette("exchange", record=record, **options)


def test_record_then_replay(raw_server: RawServerFactory, tmp_path: Path) -> None:
    server = raw_server(_app)
    session, cassette = _session(
        tmp_path, "once", match_requests_on=["method", "uri", "body"], serialize_with="json"
    )
    with cassette:
        live = session.post(server.url_for("/echo?x=1"), json={"n": 1})
        live_gzip = session.get(server.url_for("/gzip"))
        live_cookie = session.get(server.url_for("/cookie"))
    assert live.json()["body"] == '{"n": 1}'
    assert live_gzip.text == "compressed payload " * 20
    assert live_cookie.cookies["flavour"] == "oatmeal"
    assert len(server.requests) == 3

    recorded = json.loads((tmp_path / "exchange.json").read_text())
    assert [i["request"]["uri"] for i in recorded["http_interactions"]] == [
        server.url_for("/echo?x=1"),
        server.url_for("/gzip"),
        server.url_for("/cookie"),
    ]

    server.stop()  # the replay must not need the server
    session, cassette = _session(
        tmp_path, "none", match_requests_on=["method", "uri", "body"], serialize_with="json"
    )
    with cassette:
        replayed = session.post(server.url_for("/echo?x=1"), json={"n": 1})
        replayed_gzip = session.get(server.url_for("/gzip"), stream=True)
        replayed_cookie = session.get(server.url_for("/cookie"))
        # A request that is not in the cassette is refused in "none" mode.
        with pytest.raises(betamax.BetamaxError):
            session.post(server.url_for("/echo?x=1"), json={"n": 2})

    assert replayed.status_code == 200
    assert replayed.json() == live.json()
    assert replayed.headers["Content-Type"] == "application/json"
    assert isinstance(replayed.raw, urllib3.HTTPResponse)
    assert isinstance(replayed, tether.Response)
    assert b"".join(replayed_gzip.iter_content(16)) == b"compressed payload " * 20
    assert replayed_cookie.cookies["flavour"] == "oatmeal"
    assert session.cookies["flavour"] == "oatmeal"


def test_exact_body_bytes_are_preserved(raw_server: RawServerFactory, tmp_path: Path) -> None:
    server = raw_server(_app)
    session, cassette = _session(tmp_path, "once", preserve_exact_body_bytes=True)
    with cassette:
        live = session.get(server.url_for("/gzip"))
    server.stop()
    session, cassette = _session(tmp_path, "none", preserve_exact_body_bytes=True)
    with cassette:
        replayed = session.get(server.url_for("/gzip"))
    assert replayed.content == live.content == b"compressed payload " * 20


@pytest.fixture
def cassette_dir(tmp_path: Path) -> Iterator[Path]:
    """Point betamax's global configuration at tmp_path for the fixture-based test."""
    previous = betamax.Betamax.configure().cassette_library_dir
    with betamax.Betamax.configure() as config:
        config.cassette_library_dir = str(tmp_path)
    yield tmp_path
    with betamax.Betamax.configure() as config:
        config.cassette_library_dir = previous


@pytest.fixture
def echo(raw_server: RawServerFactory) -> RawServer:
    return raw_server(echo_handler)


def test_pytest_fixture_session(cassette_dir: Path, echo: RawServer, betamax_session: Any) -> None:
    assert isinstance(betamax_session, tether.Session)
    r = betamax_session.get(echo.url_for("/from-fixture"))
    assert r.json()["target"] == "/from-fixture"
    assert len(echo.requests) == 1
