"""Security catalogue cases 20-25: TLS verification bypasses (regression tests).

The servers present certificates from the suite's trustme CA, which is in no default
store, so a request that verifies against certifi (``verify=True``) must fail, and one
that passes the CA (``verify=ca_bundle``) must succeed.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import trustme
import urllib3

import tether
from tests.support.fixtures import RawServerFactory
from tests.support.hostile import connect_proxy_handler, pooled_connections
from tests.support.servers import RawRequest, RawServer, echo_handler
from tests.support.tls import LOOPBACK_IDENTITIES, server_context, write_client_cert

insecure_ok = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


@pytest.fixture
def tls_echo(raw_server: RawServerFactory) -> RawServer:
    return raw_server(echo_handler, tls=True)


def _pool_count(session: tether.Session) -> int:
    return len(session.get_adapter("https://x").poolmanager.pools)  # type: ignore[attr-defined]


# -- case 20: pools keyed on TLS settings ----------------------------------------------------


@insecure_ok
@pytest.mark.parametrize("insecure", [False, 0, ""], ids=["False", "0", "empty-string"])
def test_case_20_cve_2024_35195_unverified_connection_never_reused_for_verified(
    tls_echo: RawServer, insecure: object
) -> None:
    with tether.Session() as s:
        assert s.get(tls_echo.url, verify=insecure).status_code == 200  # type: ignore[arg-type]
        with pytest.raises(tether.exceptions.SSLError):
            s.get(tls_echo.url)
        assert _pool_count(s) == 2


def test_case_20_cve_2024_35195_custom_bundle_connection_not_reused_for_default(
    tls_echo: RawServer, ca_bundle: str
) -> None:
    with tether.Session() as s:
        assert s.get(tls_echo.url, verify=ca_bundle).status_code == 200
        with pytest.raises(tether.exceptions.SSLError):
            s.get(tls_echo.url, verify=True)
        assert s.get(tls_echo.url, verify=ca_bundle).status_code == 200
        # The verified pool's connection was reused; the failed one left nothing behind.
        assert tls_echo.connections_accepted == 2
        assert _pool_count(s) == 2


def test_case_20_cve_2024_35195_client_certificates_get_their_own_connections(
    raw_server: RawServerFactory,
    tls_ca: trustme.CA,
    tls_leaf: trustme.LeafCert,
    ca_bundle: str,
    tmp_path: Path,
) -> None:
    first = write_client_cert(tls_ca, tmp_path, "first")
    second = write_client_cert(tls_ca, tmp_path, "second")
    server = raw_server(echo_handler, server_context(tls_leaf, client_ca=tls_ca))
    with tether.Session() as s:
        s.verify = ca_bundle
        assert s.get(server.url, cert=first.pair).status_code == 200
        assert s.get(server.url, cert=second.pair).status_code == 200
        assert s.get(server.url, cert=first.pair).status_code == 200
    assert server.connections_accepted == 2
    serials = [request.peer_cert["serialNumber"] for request in server.requests]  # type: ignore[index]
    assert serials[0] != serials[1] and serials[0] == serials[2]


# -- case 21: empty CA-bundle variables ------------------------------------------------------


@pytest.mark.parametrize(
    "env",
    [
        {"CURL_CA_BUNDLE": ""},
        {"REQUESTS_CA_BUNDLE": ""},
        {"CURL_CA_BUNDLE": "", "REQUESTS_CA_BUNDLE": ""},
    ],
    ids=["curl", "requests", "both"],
)
def test_case_21_requests_6074_empty_ca_bundle_variable_keeps_verification(
    tls_echo: RawServer, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(tether.exceptions.SSLError):
        tether.get(tls_echo.url)


def test_case_21_requests_6074_ca_bundle_variable_honoured_only_with_trust_env(
    tls_echo: RawServer, monkeypatch: pytest.MonkeyPatch, ca_bundle: str
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_bundle)
    assert tether.get(tls_echo.url).status_code == 200
    with tether.Session() as s:
        s.trust_env = False
        with pytest.raises(tether.exceptions.SSLError):
            s.get(tls_echo.url)


# -- case 22: a custom CA never adds the system store ----------------------------------------


def test_case_22_cve_2019_11324_custom_ca_does_not_also_trust_system_store(
    raw_server: RawServerFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca_x, ca_y = trustme.CA(), trustme.CA()
    x_pem, y_pem = tmp_path / "x.pem", tmp_path / "y.pem"
    ca_x.cert_pem.write_to_path(str(x_pem))
    ca_y.cert_pem.write_to_path(str(y_pem))
    server = raw_server(echo_handler, server_context(ca_x.issue_cert(*LOOPBACK_IDENTITIES)))
    # X plays "the operating system's store" for OpenSSL's default paths.
    monkeypatch.setenv("SSL_CERT_FILE", str(x_pem))
    with pytest.raises(tether.exceptions.SSLError):
        tether.get(server.url, verify=str(y_pem))
    # verify=True means certifi's bundle, not the system store either.
    with pytest.raises(tether.exceptions.SSLError):
        tether.get(server.url)
    assert tether.get(server.url, verify=str(x_pem)).status_code == 200


# -- cases 23 and 24: HTTPS proxies ----------------------------------------------------------


@pytest.fixture
def wrong_name_https_proxy(
    raw_server: RawServerFactory, wrong_host_server_context: ssl.SSLContext
) -> RawServer:
    return raw_server(connect_proxy_handler(), wrong_host_server_context)


def test_case_23_cve_2021_28363_https_proxy_hostname_checked(
    tls_echo: RawServer, wrong_name_https_proxy: RawServer, ca_bundle: str
) -> None:
    with pytest.raises(tether.exceptions.ProxyError) as info:
        tether.get(tls_echo.url, proxies={"https": wrong_name_https_proxy.url}, verify=ca_bundle)
    assert "certificate" in str(info.value).lower()
    assert tls_echo.requests == []


def test_case_23_cve_2021_28363_https_proxy_with_right_name_works(
    raw_server: RawServerFactory, tls_echo: RawServer, ca_bundle: str
) -> None:
    seen: list[RawRequest] = []
    proxy = raw_server(connect_proxy_handler(seen), tls=True)
    r = tether.get(tls_echo.url, proxies={"https": proxy.url}, verify=ca_bundle)
    assert r.status_code == 200
    assert [request.method for request in seen] == ["CONNECT"]


def test_case_24_cve_2026_97687_urllib3_proxy_context_not_mutated(
    tls_echo: RawServer, wrong_name_https_proxy: RawServer, ca_bundle: str
) -> None:
    # urllib3 level: the proxy's own context keeps verifying even when the target's
    # pool asks for CERT_NONE, on the first request and on later ones.
    context = ssl.create_default_context(cafile=ca_bundle)
    manager = urllib3.ProxyManager(
        wrong_name_https_proxy.url, proxy_ssl_context=context, cert_reqs="CERT_NONE"
    )
    try:
        for _ in range(2):
            with pytest.raises(urllib3.exceptions.ProxyError, match="certificate verify failed"):
                manager.request("GET", tls_echo.url, retries=False)
            assert context.verify_mode == ssl.CERT_REQUIRED
            assert context.check_hostname is True
    finally:
        manager.clear()


@insecure_ok
def test_case_24_cve_2026_97687_verify_false_does_not_disable_proxy_verification(
    tls_echo: RawServer, wrong_name_https_proxy: RawServer, ca_bundle: str
) -> None:
    with tether.Session() as s:
        with pytest.raises(tether.exceptions.ProxyError):
            s.get(tls_echo.url, proxies={"https": wrong_name_https_proxy.url}, verify=False)
        # The proxy's own trust setting: the right CA, and still the name is checked.
        s.mount("https://", tether.adapters.HTTPAdapter(proxy_verify=ca_bundle))
        with pytest.raises(tether.exceptions.ProxyError, match=r"(?i)certificate"):
            s.get(tls_echo.url, proxies={"https": wrong_name_https_proxy.url}, verify=False)
    assert tls_echo.requests == []


@insecure_ok
def test_case_24_cve_2026_97687_proxy_verified_on_its_own_terms(
    raw_server: RawServerFactory, tls_echo: RawServer, ca_bundle: str
) -> None:
    proxy = raw_server(connect_proxy_handler(), tls=True)
    with tether.Session() as s:
        s.mount("https://", tether.adapters.HTTPAdapter(proxy_verify=ca_bundle))
        assert s.get(tls_echo.url, proxies={"https": proxy.url}, verify=False).status_code == 200


# -- case 25: pyOpenSSL ----------------------------------------------------------------------


def test_case_25_cve_2016_9015_pyopenssl_never_injected(tls_echo: RawServer) -> None:
    # The flaw lived in urllib3's pyOpenSSL backend. tether never injects it: urllib3 keeps
    # using the standard library's ssl module, and verification fails closed.
    import urllib3.util.ssl_ as urllib3_ssl

    with pytest.raises(tether.exceptions.SSLError):
        tether.get(tls_echo.url)
    assert urllib3_ssl.SSLContext is ssl.SSLContext
    assert not getattr(urllib3_ssl, "IS_PYOPENSSL", False)


def test_case_20_cve_2024_35195_failed_handshake_leaves_no_connection(
    tls_echo: RawServer,
) -> None:
    with tether.Session() as s:
        for _ in range(3):
            with pytest.raises(tether.exceptions.SSLError):
                s.get(tls_echo.url)
        assert pooled_connections(s) == []
