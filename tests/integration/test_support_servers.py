"""The test infrastructure works: raw servers, TLS material, httpbin, the pproxy proxy.

Uses only urllib3 and http.client (never tether), so these tests say whether a failure
elsewhere is tether's or the harness's.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator

import pytest
import trustme
import urllib3
from urllib3.contrib.socks import SOCKSProxyManager
from urllib3.exceptions import (
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from tests.support.fixtures import (
    PROXY_AUTH,
    HttpbinOrigin,
    RawServerFactory,
    TwoOriginsFactory,
)
from tests.support.proxy import ProxyProcess
from tests.support.servers import (
    MAX_SLEEP,
    STALL_BODY_LENGTH,
    STALL_BODY_PREFIX,
    Connection,
    RawRequest,
    RawServer,
    chunked,
    echo_handler,
    http_response,
    respond_with,
    stall_handler,
)
from tests.support.tls import ClientCertFiles

OK = http_response(200, b"hello", [("Content-Type", "text/plain")])


def no_retries_pool(**kwargs: object) -> urllib3.PoolManager:
    return urllib3.PoolManager(retries=False, **kwargs)  # type: ignore[arg-type]


# -- RawServer: parsing and recording ------------------------------------------------------


def test_records_raw_header_pairs_in_order(raw_server: RawServerFactory) -> None:
    server = raw_server(respond_with(OK))
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.putrequest("GET", "/a/b?x=1", skip_host=True, skip_accept_encoding=True)
    conn.putheader("X-Mixed-Case", "  v1 ")
    conn.putheader("Host", "example.test")
    conn.putheader("x-mixed-case", "v2")
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 200
    assert response.read() == b"hello"
    conn.close()

    (request,) = server.requests
    assert (request.method, request.target, request.version) == ("GET", "/a/b?x=1", "HTTP/1.1")
    assert request.path == "/a/b"
    assert request.headers == (
        (b"X-Mixed-Case", b"v1"),
        (b"Host", b"example.test"),
        (b"x-mixed-case", b"v2"),
    )
    assert request.header_values("X-MIXED-CASE") == [b"v1", b"v2"]
    assert request.header(b"host") == b"example.test"
    assert request.header("absent") is None
    assert request.raw.startswith(b"GET /a/b?x=1 HTTP/1.1\r\nX-Mixed-Case:   v1 \r\n")
    assert request.raw.endswith(b"\r\n\r\n")


@pytest.mark.parametrize(
    ("body", "encode_chunked", "expected_chunks"),
    [
        (b"abc=1", False, None),
        (b"", False, None),
        ([b"ab", b"cde", b"f"], True, (b"ab", b"cde", b"f")),
    ],
    ids=["content-length", "empty", "chunked"],
)
def test_reads_bodies(
    raw_server: RawServerFactory,
    body: bytes | list[bytes],
    encode_chunked: bool,
    expected_chunks: tuple[bytes, ...] | None,
) -> None:
    server = raw_server(echo_handler)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    headers = {"Transfer-Encoding": "chunked"} if encode_chunked else {}
    payload: bytes | Iterator[bytes] = iter(body) if isinstance(body, list) else body
    conn.request("POST", "/upload", body=payload, headers=headers, encode_chunked=encode_chunked)
    echoed = json.loads(conn.getresponse().read())
    conn.close()
    joined = b"".join(body) if isinstance(body, list) else body
    assert echoed["body"] == joined.decode()
    (request,) = server.requests
    assert request.body == joined
    assert request.chunks == expected_chunks


def test_chunked_trailers_and_extensions(raw_server: RawServerFactory) -> None:
    server = raw_server(respond_with(OK))
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
            b"3;ext=1\r\nabc\r\n0\r\nX-Trailer: yes\r\n\r\n"
        )
        assert sock.recv(1024).startswith(b"HTTP/1.1 200 OK\r\n")
    (request,) = server.requests
    assert request.body == b"abc"
    assert request.trailers == ((b"X-Trailer", b"yes"),)


def test_keep_alive_reuses_one_connection(raw_server: RawServerFactory) -> None:
    server = raw_server(respond_with(OK))
    with no_retries_pool() as pool:
        for _ in range(3):
            assert pool.request("GET", server.url_for("/x")).data == b"hello"
    assert [(r.connection, r.index) for r in server.requests] == [(0, 0), (0, 1), (0, 2)]
    assert server.connections_accepted == 1


def test_connection_close_and_keep_alive_false_open_new_connections(
    raw_server: RawServerFactory,
) -> None:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        conn.keep_alive = False
        return http_response(200, b"bye", [("Connection", "close")])

    server = raw_server(handler)
    with no_retries_pool() as pool:
        for _ in range(2):
            assert pool.request("GET", server.url).data == b"bye"
    assert [(r.connection, r.index) for r in server.requests] == [(0, 0), (1, 0)]
    assert server.connections_accepted == 2


def test_loopback_hosts(raw_server: RawServerFactory, loopback_host: str) -> None:
    server = raw_server(echo_handler)
    url = server.url_for("/where", host=loopback_host)
    assert url == f"http://{loopback_host}:{server.port}/where"
    with no_retries_pool() as pool:
        response = pool.request("GET", url)
    assert json.loads(response.data)["target"] == "/where"
    assert server.requests[0].header("host") == f"{loopback_host}:{server.port}".encode()


def test_url_properties(raw_server: RawServerFactory) -> None:
    server = raw_server(respond_with(OK), tls=True)
    port = server.port
    assert server.base_url == f"https://127.0.0.1:{port}"
    assert server.url == f"https://127.0.0.1:{port}/"
    assert server.localhost_base_url == f"https://localhost:{port}"
    assert server.localhost_url == f"https://localhost:{port}/"
    if server.has_ipv6:
        assert server.ipv6_url == f"https://[::1]:{port}/"


def test_two_origins_are_different_hosts(two_origins: TwoOriginsFactory) -> None:
    origins = two_origins(
        respond_with(http_response(200, b"A")), respond_with(http_response(200, b"B"))
    )
    assert origins.first.port != origins.second.port
    assert origins.first_url.startswith("http://127.0.0.1:")
    assert origins.second_url.startswith("http://localhost:")
    with no_retries_pool() as pool:
        assert pool.request("GET", origins.first_url).data == b"A"
        assert pool.request("GET", origins.second_url).data == b"B"


def test_redirect_across_origins(two_origins: TwoOriginsFactory) -> None:
    def second(request: RawRequest, conn: Connection) -> bytes:
        return http_response(200, b"landed")

    holder: list[str] = []

    def first(request: RawRequest, conn: Connection) -> bytes:
        return http_response(302, headers=[("Location", holder[0])])

    origins = two_origins(first, second)
    holder.append(origins.second_url + "target")
    with urllib3.PoolManager() as pool:
        response = pool.request("GET", origins.first_url)
    assert response.data == b"landed"
    assert origins.second.requests[0].target == "/target"


# -- RawServer: hostile behaviour ----------------------------------------------------------


def test_malformed_status_line_reaches_client(raw_server: RawServerFactory) -> None:
    server = raw_server(respond_with(b"HTTP/1.1 nope\r\n\r\n"))
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "/")
    with pytest.raises(http.client.BadStatusLine):
        conn.getresponse()
    conn.close()


def test_reset_sends_rst(raw_server: RawServerFactory) -> None:
    def handler(request: RawRequest, conn: Connection) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
        conn.sleep(0.05)
        conn.reset()

    server = raw_server(handler)
    with no_retries_pool() as pool:
        response = pool.request("GET", server.url, preload_content=False)
        with pytest.raises(ProtocolError) as info:
            response.read()
    assert (
        isinstance(info.value.__context__, ConnectionResetError)
        or "reset" in str(info.value).lower()
    )


def test_partial_body_then_close_is_incomplete(raw_server: RawServerFactory) -> None:
    def handler(request: RawRequest, conn: Connection) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        conn.close()

    server = raw_server(handler)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "/")
    response = conn.getresponse()
    with pytest.raises(http.client.IncompleteRead) as info:
        response.read()
    assert info.value.partial == b"abc"
    conn.close()


def test_chunked_response_helper(raw_server: RawServerFactory) -> None:
    body = chunked(b"hello ", b"", b"world", trailers=[("X-T", "1")])
    server = raw_server(respond_with(http_response(200, body, [("Transfer-Encoding", "chunked")])))
    with no_retries_pool() as pool:
        response = pool.request("GET", server.url)
    assert response.data == b"hello world"
    assert "content-length" not in response.headers


def test_read_body_false_leaves_body_on_socket(raw_server: RawServerFactory) -> None:
    seen: list[bytes] = []

    def handler(request: RawRequest, conn: Connection) -> bytes:
        seen.append(conn.recv(4))
        return http_response(413, b"too big", [("Connection", "close")])

    server = raw_server(handler, read_body=False)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("POST", "/", body=b"0123456789")
    assert conn.getresponse().status == 413
    conn.close()
    assert server.requests[0].body == b""
    assert seen == [b"0123"]


def test_bad_request_gets_400(raw_server: RawServerFactory) -> None:
    server = raw_server(respond_with(OK))
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"NOT-HTTP\r\n\r\n")
        assert sock.recv(1024).startswith(b"HTTP/1.1 400 ")
    assert server.requests == []
    assert len(server.bad_requests) == 1


def test_handler_errors_are_kept_and_raised_by_check() -> None:
    def handler(request: RawRequest, conn: Connection) -> None:
        conn.sleep(MAX_SLEEP + 1)

    with RawServer(handler) as server:
        with no_retries_pool() as pool, pytest.raises(ProtocolError):
            pool.request("GET", server.url)
    assert len(server.errors) == 1
    assert isinstance(server.errors[0], ValueError)
    with pytest.raises(AssertionError, match="sleep"):
        server.check()


def test_stop_is_prompt_and_leaks_no_threads() -> None:
    before = set(threading.enumerate())
    server = RawServer(stall_handler).start()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert server.wait_until(lambda: len(server.requests) == 1)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1.0
    assert sock.recv(10) == b""  # the server closed its end
    sock.close()
    assert set(threading.enumerate()) <= before
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1).close()


# -- stalls --------------------------------------------------------------------------------


def test_stall_server_times_out_reads(stall_server: RawServer) -> None:
    with no_retries_pool(timeout=urllib3.Timeout(connect=2, read=0.2)) as pool:
        started = time.monotonic()
        with pytest.raises(ReadTimeoutError):
            pool.request("GET", stall_server.url)
    assert 0.15 < time.monotonic() - started < 2
    assert len(stall_server.requests) == 1


def test_stall_mid_body_server(stall_mid_body_server: RawServer) -> None:
    with no_retries_pool(timeout=urllib3.Timeout(connect=2, read=0.2)) as pool:
        response = pool.request("GET", stall_mid_body_server.url, preload_content=False)
        assert response.status == 200
        assert response.headers["Content-Length"] == str(STALL_BODY_LENGTH)
        assert response.read(len(STALL_BODY_PREFIX)) == STALL_BODY_PREFIX
        with pytest.raises(ReadTimeoutError):
            response.read()
        response.release_conn()


# -- TLS -----------------------------------------------------------------------------------


def test_tls_server_verifies_with_ca_bundle(raw_server: RawServerFactory, ca_bundle: str) -> None:
    server = raw_server(respond_with(OK), tls=True)
    with no_retries_pool(ca_certs=ca_bundle) as pool:
        for url in (server.url, server.localhost_url):
            assert pool.request("GET", url).data == b"hello"
    assert server.requests[0].peer_cert is None


def test_tls_server_rejected_without_ca(raw_server: RawServerFactory) -> None:
    server = raw_server(respond_with(OK), tls=True)
    with no_retries_pool() as pool, pytest.raises(SSLError, match="CERTIFICATE_VERIFY_FAILED"):
        pool.request("GET", server.url)
    assert server.wait_until(lambda: len(server.tls_errors) == 1)
    assert server.requests == []


@pytest.mark.parametrize(
    ("context_fixture", "host", "message"),
    [
        ("expired_server_context", "127.0.0.1", "certificate has expired"),
        ("wrong_host_server_context", "localhost", "Hostname mismatch"),
        ("wrong_host_server_context", "127.0.0.1", "IP address mismatch"),
        ("tls_server_context", "localhost", None),
        ("tls_server_context", "::1", None),
    ],
)
def test_certificates(
    raw_server: RawServerFactory,
    ca_bundle: str,
    request: pytest.FixtureRequest,
    context_fixture: str,
    host: str,
    message: str | None,
) -> None:
    context: ssl.SSLContext = request.getfixturevalue(context_fixture)
    server = raw_server(respond_with(OK), tls=context)
    if host == "::1" and not server.has_ipv6:
        pytest.skip("no IPv6 loopback")
    url = server.url_for("/", host=host)
    with no_retries_pool(ca_certs=ca_bundle) as pool:
        if message is None:
            assert pool.request("GET", url).status == 200
        else:
            with pytest.raises(SSLError, match=message):
                pool.request("GET", url)


def test_expired_cert_is_really_expired(expired_cert: trustme.LeafCert) -> None:
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(expired_cert.cert_chain_pems[0].bytes())
    assert cert.not_valid_after_utc.timestamp() < time.time()


def test_client_certificate_accepted(
    client_cert_server: RawServer, ca_bundle: str, client_cert_files: ClientCertFiles
) -> None:
    with no_retries_pool(
        ca_certs=ca_bundle, cert_file=client_cert_files.cert, key_file=client_cert_files.key
    ) as pool:
        assert pool.request("GET", client_cert_server.url).status == 200
    with no_retries_pool(ca_certs=ca_bundle, cert_file=client_cert_files.combined) as pool:
        assert pool.request("GET", client_cert_server.url).status == 200
    peer = client_cert_server.requests[0].peer_cert
    assert peer is not None
    assert "tether test client" in repr(peer["subject"])


@pytest.mark.parametrize("which", ["none", "untrusted"])
def test_client_certificate_required(
    client_cert_server: RawServer,
    ca_bundle: str,
    untrusted_client_cert_files: ClientCertFiles,
    which: str,
) -> None:
    kwargs: dict[str, object] = {"ca_certs": ca_bundle}
    if which == "untrusted":
        kwargs["cert_file"] = untrusted_client_cert_files.combined
    with no_retries_pool(**kwargs) as pool, pytest.raises((SSLError, ProtocolError)):
        pool.request("GET", client_cert_server.url)
    assert client_cert_server.wait_until(lambda: len(client_cert_server.tls_errors) == 1)
    assert client_cert_server.requests == []


# -- httpbin -------------------------------------------------------------------------------


def test_httpbin_plain(httpbin: object) -> None:
    with no_retries_pool() as pool:
        response = pool.request("GET", httpbin + "/get?a=1")  # type: ignore[operator]
    assert response.status == 200
    assert response.json()["args"] == {"a": "1"}


def test_httpbin_secure_with_ca_bundle(httpbin_secure: object, httpbin_ca_bundle: str) -> None:
    import os

    assert os.environ["REQUESTS_CA_BUNDLE"] == httpbin_ca_bundle
    with no_retries_pool(ca_certs=httpbin_ca_bundle) as pool:
        response = pool.request("GET", httpbin_secure + "/status/418")  # type: ignore[operator]
    assert response.status == 418


def test_httpbin_both(httpbin_both: HttpbinOrigin) -> None:
    assert isinstance(httpbin_both, HttpbinOrigin)
    assert httpbin_both("status", "201").endswith("/status/201")
    kwargs: dict[str, object] = {}
    if httpbin_both.protocol == "https":
        assert isinstance(httpbin_both.verify, str)
        kwargs["ca_certs"] = httpbin_both.verify
    else:
        assert httpbin_both.verify is True
    with no_retries_pool(**kwargs) as pool:
        response = pool.request("POST", httpbin_both("post"), body=b"x=1")
    assert response.status == 200
    assert response.json()["data"] == "x=1"


# -- proxy ---------------------------------------------------------------------------------


def test_http_forward_proxy(proxy_server: ProxyProcess, raw_server: RawServerFactory) -> None:
    server = raw_server(echo_handler)
    with urllib3.ProxyManager(proxy_server.http_url, retries=False) as pool:
        response = pool.request("GET", server.url_for("/via-proxy?q=1"))
    assert response.status == 200
    assert json.loads(response.data)["target"] == "/via-proxy?q=1"


def test_connect_tunnel_to_tls_server(
    proxy_server: ProxyProcess, raw_server: RawServerFactory, ca_bundle: str
) -> None:
    server = raw_server(echo_handler, tls=True)
    with urllib3.ProxyManager(proxy_server.http_url, ca_certs=ca_bundle, retries=False) as pool:
        response = pool.request("GET", server.url_for("/tunnelled"))
    assert response.status == 200
    assert json.loads(response.data)["target"] == "/tunnelled"


@pytest.mark.parametrize("scheme", ["socks4", "socks5", "socks5h"])
def test_socks_proxy(proxy_server: ProxyProcess, raw_server: RawServerFactory, scheme: str) -> None:
    server = raw_server(echo_handler)
    with SOCKSProxyManager(proxy_server.url(scheme), retries=False) as pool:
        response = pool.request("GET", server.url_for("/socks", host="localhost"))
    assert json.loads(response.data)["target"] == "/socks"


def test_auth_proxy_requires_credentials(
    auth_proxy_server: ProxyProcess, raw_server: RawServerFactory
) -> None:
    server = raw_server(respond_with(OK))
    anonymous = auth_proxy_server.url("http", with_auth=False)
    with urllib3.ProxyManager(anonymous, retries=False) as pool:
        assert pool.request("GET", server.url).status == 407
    user, password = PROXY_AUTH
    # pproxy matches the header name case-sensitively: it must be spelt as requests does.
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    headers = {"Proxy-Authorization": f"Basic {token}"}
    with urllib3.ProxyManager(anonymous, proxy_headers=headers, retries=False) as pool:
        assert pool.request("GET", server.url).data == b"hello"
    assert server.requests[-1].header("proxy-authorization") is None  # not forwarded
    wrong = {"Proxy-Authorization": "Basic " + base64.b64encode(f"{user}:x".encode()).decode()}
    with urllib3.ProxyManager(anonymous, proxy_headers=wrong, retries=False) as pool:
        assert pool.request("GET", server.url).status == 407


def test_auth_proxy_socks5(auth_proxy_server: ProxyProcess, raw_server: RawServerFactory) -> None:
    server = raw_server(respond_with(OK))
    with SOCKSProxyManager(auth_proxy_server.socks5h_url, retries=False) as pool:
        assert pool.request("GET", server.url).data == b"hello"
    with (
        SOCKSProxyManager(auth_proxy_server.url("socks5h", with_auth=False), retries=False) as pool,
        pytest.raises(NewConnectionError, match="Connection closed unexpectedly"),
    ):
        pool.request("GET", server.url)
    with pytest.raises(RuntimeError):
        _ = auth_proxy_server.socks4_url


# -- the benchmark server ------------------------------------------------------------------


@pytest.fixture(scope="module")
def bench_server_url() -> Iterator[str]:
    import select
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "benchmarks" / "server.py"
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 10)
        line = process.stdout.readline().decode() if ready else ""
        assert line.startswith("READY "), line
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        process.terminate()
        process.wait(5)
        if process.stdout is not None:
            process.stdout.close()


def test_bench_server_endpoints(bench_server_url: str) -> None:
    with no_retries_pool() as pool:
        small = pool.request("GET", bench_server_url + "/small")
        assert (small.status, len(small.data)) == (200, 100)
        miss = pool.request("GET", bench_server_url + "/cookie")
        assert miss.headers["Set-Cookie"] == "bench=1; Path=/"
        assert miss.data == b"cookie=0"
        hit = pool.request("GET", bench_server_url + "/cookie", headers={"Cookie": "bench=1"})
        assert hit.data == b"cookie=1"
        size = 3 * 1024 * 1024 + 17
        big = pool.request("GET", f"{bench_server_url}/bytes/{size}")
        assert len(big.data) == size
        assert big.data[:256] == bytes(range(256))
        assert pool.request("GET", bench_server_url + "/nope").status == 404
        upload = pool.request("POST", bench_server_url + "/upload", body=b"x" * 100_000)
        assert upload.data == b"100000"
        chunks = iter([b"a" * 70_000, b"b" * 3, b"c" * 40_000])
        upload = pool.request("POST", bench_server_url + "/upload", body=chunks, chunked=True)
        assert upload.data == b"110003"
        assert pool.request("GET", bench_server_url + "/small").status == 200


def test_bench_server_pipelining_and_close(bench_server_url: str) -> None:
    port = int(bench_server_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            b"GET /bytes/5 HTTP/1.1\r\nHost: x\r\n\r\n"
            b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
            b"GET /small HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert received.count(b"HTTP/1.1 200 OK") == 3
    assert b"\r\n\r\n\x00\x01\x02\x03\x04HTTP/1.1" in received
    assert b"\r\n\r\n3HTTP/1.1" in received
    assert received.endswith(b"x" * 100)
