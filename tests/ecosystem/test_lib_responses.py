"""responses (getsentry/responses) on tether, through the switch.

responses patches ``requests.adapters.HTTPAdapter.send``, builds real urllib3
``HTTPResponse`` objects and hands them to ``HTTPAdapter.build_response``; passthrough
calls the original ``send`` it saved at import time. Run under ``--tether-as-requests``
(see conftest.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
import responses
import urllib3
from responses import _recorder, matchers

import tether
from tests.support.fixtures import RawServerFactory
from tests.support.servers import RawServer, echo_handler


@pytest.fixture
def echo(raw_server: RawServerFactory) -> RawServer:
    return raw_server(echo_handler)


def test_requests_is_tether() -> None:
    assert requests is tether
    assert responses.HTTPAdapter is tether.adapters.HTTPAdapter
    assert responses._real_send is tether.adapters.HTTPAdapter.send


@responses.activate
def test_registered_response_and_call_recording() -> None:
    url = "http://api.invalid/items"
    responses.add(
        responses.GET,
        url,
        json={"items": [1, 2]},
        status=201,
        headers={"X-Total": "2", "Set-Cookie": "sid=abc; Path=/"},
    )
    # While active, the patch sits on tether's class, under either name.
    assert tether.adapters.HTTPAdapter.send is not responses._real_send

    r = requests.get(url, params={"page": "1"}, headers={"X-Trace": "t1"})
    assert r.status_code == 201
    assert r.json() == {"items": [1, 2]}
    assert r.headers["x-total"] == "2"
    assert r.cookies["sid"] == "abc"
    assert isinstance(r, tether.Response)
    assert isinstance(r.raw, urllib3.HTTPResponse)
    assert isinstance(r.connection, tether.adapters.HTTPAdapter)

    assert len(responses.calls) == 1
    call = responses.calls[0]
    assert call.request.url == url + "?page=1"
    assert call.request.headers["X-Trace"] == "t1"
    assert call.response is r
    assert responses.assert_call_count(url + "?page=1", 1)


@responses.activate
def test_matchers_callbacks_and_unmatched() -> None:
    url = "http://api.invalid/things"
    responses.post(
        url,
        json={"ok": True},
        match=[
            matchers.json_params_matcher({"name": "x"}),
            matchers.header_matcher({"Authorization": "Bearer t"}),
        ],
    )

    def callback(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        return 202, {"X-Echo": request.headers["X-In"]}, "accepted"

    responses.add_callback(responses.PUT, url, callback=callback)

    r = requests.post(url, json={"name": "x"}, headers={"Authorization": "Bearer t"})
    assert r.json() == {"ok": True}
    r = requests.put(url, headers={"X-In": "hello"})
    assert (r.status_code, r.headers["X-Echo"], r.text) == (202, "hello", "accepted")

    # An unmatched request raises tether's (that is, requests') ConnectionError.
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        requests.delete(url)
    assert isinstance(info.value, tether.exceptions.ConnectionError)
    assert "Connection refused by Responses" in str(info.value)


@responses.activate
def test_streamed_body_and_session() -> None:
    url = "http://api.invalid/stream"
    responses.add(responses.GET, url, body=b"line one\nline two\n")
    with requests.Session() as s:
        r = s.get(url, stream=True)
        assert list(r.iter_lines()) == [b"line one", b"line two"]


def test_passthrough_to_a_real_server(echo: RawServer) -> None:
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, "http://api.invalid/mocked", body="mocked")
        mock.add_passthru(echo.base_url)
        assert requests.get("http://api.invalid/mocked").text == "mocked"
        r = requests.post(echo.url_for("/real"), data={"k": "v"})
        assert r.status_code == 200
        assert r.json()["target"] == "/real"
        assert r.json()["body"] == "k=v"
        # responses records the calls it answered; passthrough goes to the server.
        assert [c.request.url for c in mock.calls] == ["http://api.invalid/mocked"]
    assert [(r.method, r.target) for r in echo.requests] == [("POST", "/real")]


def test_passthrough_response_type(echo: RawServer) -> None:
    with responses.RequestsMock() as mock:
        mock.add(responses.PassthroughResponse(responses.GET, echo.url_for("/pt")))
        r = requests.get(echo.url_for("/pt"))
        assert r.json()["target"] == "/pt"
        assert mock.calls[0].response.status_code == 200


def test_record_real_responses_then_replay(echo: RawServer, tmp_path: Path) -> None:
    cassette = tmp_path / "recorded.yaml"

    @_recorder.record(file_path=cassette)
    def talk() -> None:
        requests.get(echo.url_for("/a"))
        requests.post(echo.url_for("/b"), data="payload")

    talk()
    assert len(echo.requests) == 2
    recorded = cassette.read_text()
    assert echo.url_for("/a") in recorded and echo.url_for("/b") in recorded

    echo.stop()  # replay must not touch the network
    with responses.RequestsMock() as mock:
        mock._add_from_file(file_path=cassette)
        body = requests.post(echo.url_for("/b"), data="payload").json()
        assert body["target"] == "/b" and body["body"] == "payload"
        assert json.loads(requests.get(echo.url_for("/a")).text)["method"] == "GET"
