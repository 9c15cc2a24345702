"""requests-toolbelt on tether, through the switch.

The toolbelt subclasses ``HTTPAdapter`` (replacing ``init_poolmanager`` and assigning
``self.poolmanager``, extending ``proxy_manager_for``), subclasses ``Session``
(``BaseUrlSession`` sets ``base_url`` before calling ``Session.__init__``), streams
file-like bodies with a ``len``, reads ``response.raw._original_response`` to dump the
exchange, and re-sends 401 challenges through ``response.connection``. Run under
``--tether-as-requests`` (see conftest.py).
"""

from __future__ import annotations

import socket
import ssl
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import pytest
import requests
from requests_toolbelt import MultipartEncoder, MultipartEncoderMonitor
from requests_toolbelt.adapters.socket_options import TCPKeepAliveAdapter
from requests_toolbelt.adapters.source import SourceAddressAdapter
from requests_toolbelt.adapters.ssl import SSLAdapter
from requests_toolbelt.auth.guess import GuessAuth
from requests_toolbelt.sessions import BaseUrlSession
from requests_toolbelt.utils import dump

import tether
from tests.support.fixtures import RawServerFactory
from tests.support.servers import Connection, RawRequest, RawServer, echo_handler, http_response


@pytest.fixture
def echo(raw_server: RawServerFactory) -> RawServer:
    return raw_server(echo_handler)


def test_requests_is_tether() -> None:
    assert requests is tether
    assert SSLAdapter.__mro__[1] is tether.adapters.HTTPAdapter


def _parts(request: RawRequest) -> dict[str, bytes]:
    content_type = request.header("Content-Type") or b""
    head = b"Content-Type: " + content_type + b"\r\n\r\n"
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    return {
        str(part.get_param("name", header="content-disposition")): part.get_payload(decode=True)
        for part in message.iter_parts()
    }


def test_multipart_encoder_with_a_progress_monitor(echo: RawServer) -> None:
    # 3 MiB: read from the encoder in several blocks (tether's adapter reads file-like
    # bodies 1 MiB at a time, urllib3's default is 16 KiB), so progress is reported in steps.
    payload = bytes(range(256)) * (3 << 12)
    encoder = MultipartEncoder(
        fields={"field": "value", "upload": ("data.bin", payload, "application/octet-stream")}
    )
    progress: list[int] = []
    monitor = MultipartEncoderMonitor(encoder, lambda m: progress.append(m.bytes_read))

    r = requests.post(
        echo.url_for("/upload"), data=monitor, headers={"Content-Type": monitor.content_type}
    )
    assert r.status_code == 200
    (received,) = echo.requests
    # A file-like body with a length: sent with Content-Length, not chunked.
    assert received.header("Content-Length") == str(encoder.len).encode()
    assert received.chunks is None
    assert _parts(received) == {"field": b"value", "upload": payload}
    assert len(progress) > 2
    assert progress == sorted(progress)
    assert progress[-1] == encoder.len


def test_base_url_session(echo: RawServer) -> None:
    with BaseUrlSession(base_url=echo.url_for("/api/v1/")) as s:
        assert s.get("users", params={"page": "2"}).json()["target"] == "/api/v1/users?page=2"
        assert s.get("/root").json()["target"] == "/root"  # urljoin semantics
        prepared = s.prepare_request(requests.Request("DELETE", "users/7"))
        assert prepared.url == echo.url_for("/api/v1/users/7")
        assert s.send(prepared).json()["method"] == "DELETE"


def test_ssl_adapter_over_tls(raw_server: RawServerFactory, ca_bundle: str) -> None:
    server = raw_server(echo_handler, tls=True)
    adapter = SSLAdapter(ssl.PROTOCOL_TLS_CLIENT)
    assert adapter.poolmanager.connection_pool_kw["ssl_version"] == ssl.PROTOCOL_TLS_CLIENT
    with requests.Session() as s:
        s.mount("https://", adapter)
        r = s.get(server.url_for("/tls"), verify=ca_bundle)
        assert r.json()["target"] == "/tls"
        assert r.connection is adapter
        # The request went through a pool of the adapter's own PoolManager.
        pools = adapter.poolmanager.pools
        keys = pools.keys()  # (a RecentlyUsedContainer cannot be iterated directly)
        (pool,) = [pools[key] for key in keys]
        assert pool.ssl_version == ssl.PROTOCOL_TLS_CLIENT
        assert pool.ca_certs == ca_bundle


def _peer_handler(request: RawRequest, conn: Connection) -> bytes:
    host, port = conn.socket.getpeername()[:2]
    return http_response(200, f"{host} {port}".encode())


def _free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_source_address_adapter(raw_server: RawServerFactory) -> None:
    server = raw_server(_peer_handler)
    port = _free_loopback_port()
    adapter = SourceAddressAdapter(("127.0.0.1", port))
    assert adapter.poolmanager.connection_pool_kw["source_address"] == ("127.0.0.1", port)
    with requests.Session() as s:
        s.mount("http://", adapter)
        assert s.get(server.url_for("/")).text == f"127.0.0.1 {port}"


def test_socket_options_adapter(echo: RawServer) -> None:
    adapter = TCPKeepAliveAdapter(idle=30, interval=5, count=3)
    options = adapter.poolmanager.connection_pool_kw["socket_options"]
    assert (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1) in options
    with requests.Session() as s:
        s.mount("http://", adapter)
        assert s.get(echo.url_for("/ka")).status_code == 200


def test_dump_all_reads_the_raw_exchange(echo: RawServer) -> None:
    r = requests.post(echo.url_for("/dump?q=1"), data=b"request-body", headers={"X-Custom": "yes"})
    text = dump.dump_all(r, request_prefix=b"> ", response_prefix=b"< ").decode()
    assert "> POST /dump?q=1 HTTP/1.1" in text
    assert f"> Host: 127.0.0.1:{echo.port}" in text
    assert "> X-Custom: yes" in text
    assert "request-body" in text
    # The response half comes from raw._original_response (version, status, headers).
    assert "< HTTP/1.1 200 OK" in text
    assert "< Content-Type: application/json" in text
    assert '"target": "/dump?q=1"' in text


def test_guess_auth_answers_a_digest_challenge(httpbin: Any) -> None:
    url = httpbin.url + "/digest-auth/auth/user/passwd"
    r = requests.get(url, auth=GuessAuth("user", "passwd"))
    assert r.status_code == 200
    assert r.json() == {"authenticated": True, "user": "user"}
    assert [h.status_code for h in r.history] == [401]
    r = requests.get(httpbin.url + "/basic-auth/user/passwd", auth=GuessAuth("user", "passwd"))
    assert r.status_code == 200
