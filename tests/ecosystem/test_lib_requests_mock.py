"""requests-mock on tether, through the switch.

requests-mock patches ``requests.Session.get_adapter`` (its Mocker) or is mounted as a
transport adapter, builds urllib3 ``HTTPResponse`` objects and passes them through
``HTTPAdapter.build_response``; ``real_http=True`` sends unmatched requests with the
original ``Session.send``. Its pytest plugin (the ``requests_mock`` fixture) imports
requests when pytest loads it, which is why the switch must be installed by ``-p tether``.
Run under ``--tether-as-requests`` (see conftest.py).
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
import requests_mock
import urllib3
from requests_mock.exceptions import NoMockAddress

import tether
from tests.support.fixtures import RawServerFactory
from tests.support.servers import RawServer, echo_handler


@pytest.fixture
def echo(raw_server: RawServerFactory) -> RawServer:
    return raw_server(echo_handler)


def test_requests_is_tether() -> None:
    assert requests is tether
    assert requests_mock.adapter.BaseAdapter is tether.adapters.BaseAdapter


def test_mocker_fixture(requests_mock: Any) -> None:
    requests_mock.get(
        "http://api.invalid/user",
        json={"name": "ada"},
        headers={"ETag": '"1"'},
        cookies={"session": "s1"},
    )
    requests_mock.post("http://api.invalid/user", status_code=201, text="created")

    r = requests.get("http://api.invalid/user?full=1")
    assert r.json() == {"name": "ada"}
    assert r.headers["etag"] == '"1"'
    assert r.cookies["session"] == "s1"
    assert isinstance(r.raw, urllib3.HTTPResponse)
    assert isinstance(r, tether.Response)

    r = requests.post("http://api.invalid/user", json={"name": "grace"})
    assert (r.status_code, r.text) == (201, "created")

    assert requests_mock.call_count == 2
    first, second = requests_mock.request_history
    assert first.qs == {"full": ["1"]}
    assert second.json() == {"name": "grace"}
    assert second.headers["Content-Type"] == "application/json"
    assert requests_mock.last_request.method == "POST"


def test_response_lists_exceptions_and_no_match(requests_mock: Any) -> None:
    url = "http://api.invalid/flaky"
    requests_mock.get(
        url,
        [{"exc": requests.exceptions.ConnectTimeout}, {"text": "second"}, {"status_code": 500}],
    )
    with pytest.raises(tether.exceptions.ConnectTimeout):
        requests.get(url)
    assert requests.get(url).text == "second"
    assert requests.get(url).status_code == 500

    with pytest.raises(NoMockAddress):
        requests.get("http://api.invalid/other")


def test_real_http_passthrough(echo: RawServer) -> None:
    with requests_mock.Mocker(real_http=True) as mock:
        mock.get("http://api.invalid/mocked", text="mocked")
        assert requests.get("http://api.invalid/mocked").text == "mocked"
        r = requests.put(echo.url_for("/real"), data=b"payload")
        assert r.json()["target"] == "/real"
        assert r.json()["body"] == "payload"
        assert mock.call_count == 2  # passthrough calls are recorded too
    assert [(r.method, r.target) for r in echo.requests] == [("PUT", "/real")]


def test_adapter_mounted_on_a_session() -> None:
    adapter = requests_mock.Adapter()
    session = requests.Session()
    session.mount("mock://", adapter)
    adapter.register_uri("GET", "mock://test.invalid/path", content=b"raw bytes")
    r = session.get("mock://test.invalid/path")
    assert r.content == b"raw bytes"
    assert r.connection is adapter
    assert adapter.last_request.url == "mock://test.invalid/path"


def test_decorator_with_a_streamed_body() -> None:
    @requests_mock.Mocker(kw="mock")
    def run(**kwargs: Any) -> list[bytes]:
        kwargs["mock"].get("http://api.invalid/lines", content=b"a\nb\nc")
        with requests.get("http://api.invalid/lines", stream=True) as r:
            return list(r.iter_lines())

    assert run() == [b"a", b"b", b"c"]


def test_mocker_bound_to_one_session(echo: RawServer) -> None:
    mocked = requests.Session()
    with requests_mock.Mocker(session=mocked) as mock:
        mock.get(echo.url_for("/x"), text="from the mock")
        assert mocked.get(echo.url_for("/x")).text == "from the mock"
        # Other sessions still reach the network.
        assert requests.get(echo.url_for("/x")).json()["target"] == "/x"
