"""Shared fixtures (servers, certificates, proxy). Registered from tests/conftest.py.

Servers (see tests/support/servers.py):

* ``raw_server(handler, tls=False, read_body=True) -> RawServer``: a factory; ``tls=True``
  uses the session's loopback certificate, or pass a server ``ssl.SSLContext``. Every server
  is stopped at teardown and a handler that raised fails the test.
* ``two_origins(first_handler, second_handler=None, tls=False) -> Origins``: two servers on
  two hosts (``first`` addressed as 127.0.0.1, ``second`` as localhost) for cross-origin
  redirect tests.
* ``stall_server`` (never answers) and ``stall_mid_body_server`` (headers promising
  `STALL_BODY_LENGTH` bytes, then `STALL_BODY_PREFIX`, then silence).
* ``loopback_host``: parametrized over 127.0.0.1, localhost and [::1] (URL form).

TLS (trustme; see tests/support/tls.py): ``tls_ca``, ``tls_leaf``, ``ca_bundle`` (path),
``tls_server_context``, ``expired_cert`` / ``expired_server_context``, ``wrong_host_cert`` /
``wrong_host_server_context``, ``client_cert_files`` / ``untrusted_client_cert_files``
(`ClientCertFiles`), ``client_cert_server`` (requires a client certificate from ``tls_ca``;
answers with `echo_handler`).

httpbin: pytest-httpbin's ``httpbin`` and ``httpbin_secure`` as they are; ``httpbin_both``
(overridden) yields an `HttpbinOrigin` that is callable like requests' suite uses it
(``httpbin_both("get")``) and carries ``verify``; ``httpbin_ca_bundle`` (overridden) returns
the path of the CA that signed pytest-httpbin's certificate and also sets REQUESTS_CA_BUNDLE,
as pytest-httpbin's own fixture does.

Proxy (see tests/support/proxy.py): ``proxy_server`` (open) and ``auth_proxy_server``
(credentials `PROXY_AUTH`), session-scoped pproxy processes.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol
from urllib.parse import urljoin

import pytest
import trustme

from tests.support.proxy import ProxyProcess
from tests.support.servers import (
    Handler,
    RawServer,
    echo_handler,
    stall_handler,
    stall_mid_body_handler,
)
from tests.support.tls import (
    LOOPBACK_IDENTITIES,
    ClientCertFiles,
    expired_leaf,
    server_context,
    write_client_cert,
)

#: Credentials of ``auth_proxy_server``.
PROXY_AUTH = ("tether", "pr0xy-s3cret")


# -- TLS -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tls_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def tls_leaf(tls_ca: trustme.CA) -> trustme.LeafCert:
    """The certificate loopback TLS servers present: 127.0.0.1, localhost and ::1."""
    return tls_ca.issue_cert(*LOOPBACK_IDENTITIES)


@pytest.fixture(scope="session")
def tls_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tls")


@pytest.fixture(scope="session")
def ca_bundle(tls_ca: trustme.CA, tls_dir: Path) -> str:
    """Path of a PEM file holding the test CA (pass it as ``verify=``)."""
    path = tls_dir / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def tls_server_context(tls_leaf: trustme.LeafCert) -> ssl.SSLContext:
    return server_context(tls_leaf)


@pytest.fixture(scope="session")
def expired_cert(tls_ca: trustme.CA) -> trustme.LeafCert:
    return expired_leaf(tls_ca)


@pytest.fixture
def expired_server_context(expired_cert: trustme.LeafCert) -> ssl.SSLContext:
    return server_context(expired_cert)


@pytest.fixture(scope="session")
def wrong_host_cert(tls_ca: trustme.CA) -> trustme.LeafCert:
    """Trusted by ``ca_bundle`` but issued for ``wrong.host.invalid`` only."""
    return tls_ca.issue_cert("wrong.host.invalid")


@pytest.fixture
def wrong_host_server_context(wrong_host_cert: trustme.LeafCert) -> ssl.SSLContext:
    return server_context(wrong_host_cert)


@pytest.fixture(scope="session")
def client_cert_files(tls_ca: trustme.CA, tls_dir: Path) -> ClientCertFiles:
    """A client certificate issued by ``tls_ca`` (accepted by ``client_cert_server``)."""
    return write_client_cert(tls_ca, tls_dir, "client")


@pytest.fixture(scope="session")
def untrusted_client_cert_files(tls_dir: Path) -> ClientCertFiles:
    """A client certificate from an unrelated CA (rejected by ``client_cert_server``)."""
    return write_client_cert(trustme.CA(), tls_dir, "untrusted-client")


# -- raw servers ---------------------------------------------------------------------------


class RawServerFactory(Protocol):
    def __call__(
        self, handler: Handler, tls: bool | ssl.SSLContext = False, *, read_body: bool = True
    ) -> RawServer: ...


class Origins(NamedTuple):
    """Two servers reached as two different hosts."""

    first: RawServer
    second: RawServer

    @property
    def first_url(self) -> str:
        """``scheme://127.0.0.1:PORT1/``."""
        return self.first.url

    @property
    def second_url(self) -> str:
        """``scheme://localhost:PORT2/``."""
        return self.second.localhost_url


class TwoOriginsFactory(Protocol):
    def __call__(
        self,
        first_handler: Handler,
        second_handler: Handler | None = None,
        tls: bool | ssl.SSLContext = False,
    ) -> Origins: ...


@pytest.fixture
def raw_server(tls_leaf: trustme.LeafCert) -> Iterator[RawServerFactory]:
    servers: list[RawServer] = []

    def make(
        handler: Handler, tls: bool | ssl.SSLContext = False, *, read_body: bool = True
    ) -> RawServer:
        context: ssl.SSLContext | None
        if tls is True:
            context = server_context(tls_leaf)
        elif tls is False:
            context = None
        else:
            context = tls
        server = RawServer(handler, context, read_body=read_body)
        servers.append(server)
        return server.start()

    yield make
    for server in servers:
        server.stop()
    for server in servers:
        server.check()


@pytest.fixture
def two_origins(raw_server: RawServerFactory) -> TwoOriginsFactory:
    def make(
        first_handler: Handler,
        second_handler: Handler | None = None,
        tls: bool | ssl.SSLContext = False,
    ) -> Origins:
        first = raw_server(first_handler, tls)
        second = raw_server(second_handler or first_handler, tls)
        return Origins(first, second)

    return make


@pytest.fixture
def stall_server(raw_server: RawServerFactory) -> RawServer:
    """Reads the request, then never answers (for read timeouts)."""
    return raw_server(stall_handler)


@pytest.fixture
def stall_mid_body_server(raw_server: RawServerFactory) -> RawServer:
    """Answers headers and a few body bytes, then stalls (for timeouts while streaming)."""
    return raw_server(stall_mid_body_handler)


@pytest.fixture
def client_cert_server(
    raw_server: RawServerFactory, tls_leaf: trustme.LeafCert, tls_ca: trustme.CA
) -> RawServer:
    """A TLS echo server that requires a client certificate issued by ``tls_ca``."""
    return raw_server(echo_handler, server_context(tls_leaf, client_ca=tls_ca))


def _has_ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.fixture(params=["127.0.0.1", "localhost", "[::1]"])
def loopback_host(request: pytest.FixtureRequest) -> str:
    """Each loopback host a server from `raw_server` answers on, in URL form."""
    host: str = request.param
    if host == "[::1]" and not _has_ipv6_loopback():
        pytest.skip("no IPv6 loopback on this host")
    return host


# -- httpbin -------------------------------------------------------------------------------


def _httpbin_ca_path() -> str:
    from pytest_httpbin import certs  # type: ignore[import-untyped]  # ships no types

    path: str = certs.where()
    return path


@dataclass(frozen=True)
class HttpbinOrigin:
    """A pytest-httpbin server plus what a client needs to trust it."""

    server: Any  # pytest_httpbin.serve.Server (untyped)
    ca_bundle: str | None

    @property
    def url(self) -> str:
        url: str = self.server.url
        return url

    @property
    def protocol(self) -> str:
        protocol: str = self.server.protocol
        return protocol

    @property
    def verify(self) -> str | bool:
        """What to pass as ``verify=``: the CA path for https, True for http."""
        return self.ca_bundle if self.ca_bundle is not None else True

    def __call__(self, *suffix: str) -> str:
        """``httpbin("status", "200")`` -> ``.../status/200`` (requests' suite style)."""
        return urljoin(self.url.rstrip("/") + "/", "/".join(suffix))

    def __add__(self, other: str) -> str:
        return self.url + other

    def join(self, url: str) -> str:
        return urljoin(self.url, url)


@pytest.fixture(scope="session", params=["http", "https"])
def httpbin_both(
    request: pytest.FixtureRequest, httpbin: Any, httpbin_secure: Any
) -> HttpbinOrigin:
    if request.param == "http":
        return HttpbinOrigin(httpbin, None)
    return HttpbinOrigin(httpbin_secure, _httpbin_ca_path())


@pytest.fixture
def httpbin_ca_bundle(monkeypatch: pytest.MonkeyPatch) -> str:
    """Path of the CA behind ``httpbin_secure``; also exported as REQUESTS_CA_BUNDLE."""
    path = _httpbin_ca_path()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", path)
    return path


# -- proxy ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def proxy_server() -> Iterator[ProxyProcess]:
    """pproxy without credentials: http://, socks4://, socks5://, socks5h:// (no socks4a)."""
    with ProxyProcess() as proxy:
        yield proxy


@pytest.fixture(scope="session")
def auth_proxy_server() -> Iterator[ProxyProcess]:
    """pproxy requiring `PROXY_AUTH` on every request: http:// and socks5(h):// URLs."""
    with ProxyProcess(PROXY_AUTH) as proxy:
        yield proxy
