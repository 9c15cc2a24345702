"""TLS end to end: ``verify`` and ``cert`` in every form, the errors a bad certificate
gives, custom SSL contexts, pool separation by TLS settings, and the HTTPS-proxy trust that
``verify=False`` must not switch off (SECURITY-CASES case 24).

Every certificate comes from trustme. The suite's CA (``tls_ca``, written to ``ca_bundle``)
is in no default store, so ``verify=True`` must fail against these servers and
``verify=ca_bundle`` must succeed.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json
import shutil
import ssl
import subprocess
from pathlib import Path
from typing import Any

import certifi
import pytest
import requests
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from urllib3.exceptions import InsecureRequestWarning

import tether
from tests.support.fixtures import RawServerFactory
from tests.support.hostile import connect_proxy_handler
from tests.support.servers import Connection, RawRequest, RawServer, echo_handler, http_response
from tests.support.tls import LOOPBACK_IDENTITIES, ClientCertFiles, server_context
from tether.adapters import HTTPAdapter

Lib = Any  # the tether or requests module

insecure_ok = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


@pytest.fixture
def tls_echo(raw_server: RawServerFactory) -> RawServer:
    return raw_server(echo_handler, tls=True)


@pytest.fixture
def other_ca(tmp_path: Path) -> tuple[trustme.CA, str]:
    """An unrelated CA and the path of its PEM file."""
    ca = trustme.CA()
    path = tmp_path / "other-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return ca, str(path)


# -- verify ----------------------------------------------------------------------------------


def test_verify_true_uses_certifi_not_the_system_store(
    tls_echo: RawServer, ca_bundle: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The test CA plays the operating system's store: verify=True must not consult it.
    monkeypatch.setenv("SSL_CERT_FILE", ca_bundle)
    monkeypatch.setenv("SSL_CERT_DIR", str(Path(ca_bundle).parent))
    with tether.Session() as s:
        with pytest.raises(tether.exceptions.SSLError, match="unable to get local issuer"):
            s.get(tls_echo.url)
        (pool,) = s.get_adapter(tls_echo.url).poolmanager.pools._container.values()  # type: ignore[attr-defined]
        assert pool.ca_certs == certifi.where()
        assert pool.cert_reqs == "CERT_REQUIRED"
    assert tls_echo.requests == []


def test_verify_false_warns_and_connects(tls_echo: RawServer) -> None:
    with pytest.warns(InsecureRequestWarning, match="Unverified HTTPS request"):
        r = tether.get(tls_echo.url, verify=False)
    assert r.status_code == 200


def test_verify_ca_file(
    tls_echo: RawServer, ca_bundle: str, other_ca: tuple[trustme.CA, str]
) -> None:
    assert tether.get(tls_echo.url, verify=ca_bundle).status_code == 200
    with pytest.raises(tether.exceptions.SSLError):
        tether.get(tls_echo.url, verify=other_ca[1])


def test_verify_missing_ca_path_is_an_os_error(tls_echo: RawServer, tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.pem")
    for lib in (tether, requests):
        with pytest.raises(OSError, match="invalid path"):
            lib.get(tls_echo.url, verify=missing)


def _subject_hash(pem: bytes) -> str:
    """OpenSSL's ``X509_NAME_hash`` of a certificate's subject, in Python.

    The hash is the first four bytes (little-endian) of the SHA-1 of the subject's canonical
    encoding: every attribute value as a UTF8String, ASCII-lower-cased, with leading and
    trailing white space removed and inner runs collapsed to one space; each RDN DER-encoded
    as a SET, concatenated without the outer SEQUENCE. This is what ``c_rehash`` /
    ``openssl rehash`` name the files of a CA directory after.
    """

    def der(tag: int, content: bytes) -> bytes:
        length = len(content)
        if length < 0x80:
            return bytes([tag, length]) + content
        size = length.to_bytes((length.bit_length() + 7) // 8, "big")
        return bytes([tag, 0x80 | len(size)]) + size + content

    def oid(dotted: str) -> bytes:
        first, second, *rest = (int(part) for part in dotted.split("."))
        out = bytearray([40 * first + second])
        for arc in rest:
            chunk = [arc & 0x7F]
            arc >>= 7
            while arc:
                chunk.append(0x80 | (arc & 0x7F))
                arc >>= 7
            out += bytes(reversed(chunk))
        return der(0x06, bytes(out))

    def canon(value: str) -> bytes:
        text = " ".join(value.strip(" \t\n\v\f\r").split())
        return der(0x0C, text.encode("utf-8").translate(_ASCII_LOWER))

    subject = x509.load_pem_x509_certificate(pem).subject
    encoded = b""
    for rdn in subject.rdns:
        members = sorted(
            der(0x30, oid(attr.oid.dotted_string) + canon(str(attr.value))) for attr in rdn
        )
        encoded += der(0x31, b"".join(members))
    digest = hashlib.sha1(encoded).digest()
    return f"{int.from_bytes(digest[:4], 'little'):08x}"


_ASCII_LOWER = bytes.maketrans(
    bytes(range(ord("A"), ord("Z") + 1)), bytes(range(ord("a"), ord("z") + 1))
)


def _ca_directory(ca: trustme.CA, directory: Path) -> Path:
    """A c_rehash-style directory holding ``ca``: ``openssl rehash`` when available, else
    the hashed name computed in Python."""
    directory.mkdir()
    pem = ca.cert_pem.bytes()
    (directory / "ca.pem").write_bytes(pem)
    openssl = shutil.which("openssl")
    if (
        openssl is not None
        and subprocess.run(
            [openssl, "rehash", str(directory)], capture_output=True, check=False
        ).returncode
        == 0
    ):
        return directory
    (directory / f"{_subject_hash(pem)}.0").symlink_to("ca.pem")
    return directory


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_python_subject_hash_matches_openssl(tls_ca: trustme.CA, tmp_path: Path) -> None:
    # The Python fallback of _ca_directory names files as openssl does.
    for ca in (
        tls_ca,
        trustme.CA(organization_name="Tether  Test\tOrg", organization_unit_name="Unit"),
    ):
        path = tmp_path / "ca.pem"
        ca.cert_pem.write_to_path(str(path))
        out = subprocess.run(
            ["openssl", "x509", "-hash", "-noout", "-in", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        assert _subject_hash(ca.cert_pem.bytes()) == out.stdout.strip()


def test_verify_ca_directory(
    tls_echo: RawServer, tls_ca: trustme.CA, tmp_path: Path, other_ca: tuple[trustme.CA, str]
) -> None:
    good = _ca_directory(tls_ca, tmp_path / "good")
    bad = _ca_directory(other_ca[0], tmp_path / "bad")
    with tether.Session() as s:
        assert s.get(tls_echo.url, verify=str(good)).status_code == 200
        with pytest.raises(tether.exceptions.SSLError):
            s.get(tls_echo.url, verify=str(bad))
        pools = s.get_adapter(tls_echo.url).poolmanager.pools._container.values()  # type: ignore[attr-defined]
        assert sorted(pool.ca_cert_dir for pool in pools) == sorted([str(good), str(bad)])


# -- client certificates ---------------------------------------------------------------------


@pytest.mark.parametrize("form", ["combined-file", "cert-key-tuple"])
def test_client_certificate(
    client_cert_server: RawServer, client_cert_files: ClientCertFiles, ca_bundle: str, form: str
) -> None:
    cert = client_cert_files.combined if form == "combined-file" else client_cert_files.pair
    r = tether.get(client_cert_server.url, verify=ca_bundle, cert=cert)
    assert r.status_code == 200
    peer = client_cert_server.requests[0].peer_cert
    assert peer is not None
    assert ("commonName", "tether test client") in [item for rdn in peer["subject"] for item in rdn]  # type: ignore[attr-defined]


def test_missing_client_cert_file_is_an_os_error(
    tls_echo: RawServer, ca_bundle: str, tmp_path: Path
) -> None:
    with pytest.raises(OSError, match="TLS certificate file"):
        tether.get(tls_echo.url, verify=ca_bundle, cert=str(tmp_path / "none.pem"))


# -- readable SSLError reasons ---------------------------------------------------------------


def _self_signed_context(tmp_path: Path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tether self-signed")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "self.crt", tmp_path / "self.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert_path), str(key_path))
    return context


@pytest.mark.parametrize("lib", [tether, requests], ids=["tether", "requests"])
@pytest.mark.parametrize(
    ("server", "reason"),
    [
        ("expired", "certificate has expired"),
        ("wrong-host", "IP address mismatch"),
        ("self-signed", "self-signed certificate"),
        ("unknown-ca", "unable to get local issuer certificate"),
        ("client-cert-required", "certificate required"),
    ],
)
def test_ssl_error_reasons(
    lib: Lib,
    raw_server: RawServerFactory,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    ca_bundle: str,
    server: str,
    reason: str,
) -> None:
    context: ssl.SSLContext
    verify = ca_bundle
    if server == "expired":
        context = request.getfixturevalue("expired_server_context")
    elif server == "wrong-host":
        context = request.getfixturevalue("wrong_host_server_context")
    elif server == "self-signed":
        context = _self_signed_context(tmp_path)
    elif server == "unknown-ca":
        context = request.getfixturevalue("tls_server_context")
        verify = certifi.where()
    else:
        context = server_context(
            request.getfixturevalue("tls_leaf"), client_ca=request.getfixturevalue("tls_ca")
        )
    target = raw_server(echo_handler, context)
    with pytest.raises(lib.exceptions.SSLError, match=reason) as info:
        lib.get(target.url, verify=verify)
    assert isinstance(info.value, lib.exceptions.ConnectionError)
    assert target.requests == []


def test_wrong_host_by_name(
    raw_server: RawServerFactory, wrong_host_server_context: ssl.SSLContext, ca_bundle: str
) -> None:
    target = raw_server(echo_handler, wrong_host_server_context)
    with pytest.raises(tether.exceptions.SSLError, match="Hostname mismatch"):
        tether.get(target.localhost_url, verify=ca_bundle)


def test_untrusted_client_certificate_is_refused(
    client_cert_server: RawServer, untrusted_client_cert_files: ClientCertFiles, ca_bundle: str
) -> None:
    with pytest.raises(tether.exceptions.SSLError, match="unknown ca"):
        tether.get(client_cert_server.url, verify=ca_bundle, cert=untrusted_client_cert_files.pair)
    assert client_cert_server.requests == []


# -- REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE and their precedence ---------------------------------


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_ca_bundle_variables(
    tls_echo: RawServer, ca_bundle: str, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, ca_bundle)
    assert tether.get(tls_echo.url).status_code == 200
    with tether.Session() as s:
        s.trust_env = False
        with pytest.raises(tether.exceptions.SSLError):
            s.get(tls_echo.url)


def test_requests_ca_bundle_beats_curl_ca_bundle(
    tls_echo: RawServer,
    ca_bundle: str,
    other_ca: tuple[trustme.CA, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_bundle)
    monkeypatch.setenv("CURL_CA_BUNDLE", other_ca[1])
    assert tether.get(tls_echo.url).status_code == 200


def test_session_ca_bundle_beats_environment(
    tls_echo: RawServer,
    ca_bundle: str,
    other_ca: tuple[trustme.CA, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", other_ca[1])
    with tether.Session() as s:
        s.verify = ca_bundle
        assert s.get(tls_echo.url).status_code == 200
    with requests.Session() as rs:  # psf/requests#3829: the variable wins there
        rs.verify = ca_bundle
        with pytest.raises(requests.exceptions.SSLError):
            rs.get(tls_echo.url)


@insecure_ok
def test_session_verify_false_beats_environment(
    tls_echo: RawServer, other_ca: tuple[trustme.CA, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CURL_CA_BUNDLE", other_ca[1])
    with tether.Session() as s:
        s.verify = False
        assert s.get(tls_echo.url).status_code == 200
    with requests.Session() as rs:
        rs.verify = False
        with pytest.raises(requests.exceptions.SSLError):
            rs.get(tls_echo.url)


def test_request_verify_beats_session_and_environment(
    tls_echo: RawServer,
    ca_bundle: str,
    other_ca: tuple[trustme.CA, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", other_ca[1])
    with tether.Session() as s:
        s.verify = other_ca[1]
        assert s.get(tls_echo.url, verify=ca_bundle).status_code == 200
        with pytest.raises(tether.exceptions.SSLError):
            s.get(tls_echo.url)


# -- pools never mix TLS settings (CVE-2024-35195) -------------------------------------------


@insecure_ok
def test_tls_settings_get_their_own_connections(
    raw_server: RawServerFactory,
    tls_leaf: trustme.LeafCert,
    tls_ca: trustme.CA,
    ca_bundle: str,
    client_cert_files: ClientCertFiles,
    tmp_path: Path,
) -> None:
    # The server tells which connection each request came on: a request may reuse a
    # connection only if it was opened with exactly the same verify/cert settings.
    ca_dir = str(_ca_directory(tls_ca, tmp_path / "cadir"))
    server = raw_server(echo_handler, server_context(tls_leaf, client_ca=tls_ca))
    settings: list[tuple[Any, Any]] = [
        (ca_bundle, client_cert_files.pair),  # connection 0
        (False, client_cert_files.pair),  # 1
        (ca_bundle, client_cert_files.pair),  # 0 again
        (ca_dir, client_cert_files.pair),  # 2
        (ca_bundle, client_cert_files.combined),  # 3: another client certificate setting
        (False, client_cert_files.pair),  # 1 again
        (ca_dir, client_cert_files.pair),  # 2 again
    ]
    with tether.Session() as s:
        for verify, cert in settings:
            assert s.get(server.url, verify=verify, cert=cert).status_code == 200
    assert [request.connection for request in server.requests] == [0, 1, 0, 2, 3, 1, 2]


# -- custom SSLContext through init_poolmanager ----------------------------------------------


def _context_adapter(base: type[Any], context: ssl.SSLContext) -> Any:
    class ContextAdapter(base):  # type: ignore[misc]
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            kwargs["ssl_context"] = context
            super().init_poolmanager(*args, **kwargs)

    return ContextAdapter()


def _client_context(ca_bundle: str, client: ClientCertFiles) -> ssl.SSLContext:
    # The client certificate is known to this context only: the server accepting the
    # connection proves the context was used.
    context = ssl.create_default_context(cafile=ca_bundle)
    context.load_cert_chain(client.cert, client.key)
    return context


def test_custom_ssl_context_is_used(
    client_cert_server: RawServer, client_cert_files: ClientCertFiles, ca_bundle: str
) -> None:
    with tether.Session() as s:
        s.mount(
            "https://", _context_adapter(HTTPAdapter, _client_context(ca_bundle, client_cert_files))
        )
        assert s.get(client_cert_server.url).status_code == 200
        assert s.get(client_cert_server.url, verify=ca_bundle).status_code == 200
    assert client_cert_server.requests[0].peer_cert is not None


@pytest.mark.parametrize("lib", [tether, requests], ids=["tether", "requests"])
def test_custom_ssl_context_is_used_through_a_proxy(
    lib: Lib,
    raw_server: RawServerFactory,
    client_cert_server: RawServer,
    client_cert_files: ClientCertFiles,
    ca_bundle: str,
) -> None:
    # tether hands the context given to init_poolmanager to the proxy managers too;
    # requests only uses it for direct connections.
    proxy = raw_server(connect_proxy_handler())
    adapter = _context_adapter(
        lib.adapters.HTTPAdapter, _client_context(ca_bundle, client_cert_files)
    )
    with lib.Session() as s:
        s.mount("https://", adapter)
        s.proxies = {"https": f"http://127.0.0.1:{proxy.port}"}
        if lib is tether:
            assert s.get(client_cert_server.url, verify=ca_bundle).status_code == 200
        else:
            with pytest.raises(lib.exceptions.SSLError, match="certificate required"):
                s.get(client_cert_server.url, verify=ca_bundle)


def test_proxy_manager_for_passes_ssl_context_kwarg_through(
    raw_server: RawServerFactory,
    client_cert_server: RawServer,
    client_cert_files: ClientCertFiles,
    ca_bundle: str,
) -> None:
    # The other documented hook: a subclass adding ssl_context in proxy_manager_for.
    context = _client_context(ca_bundle, client_cert_files)

    class ProxyContextAdapter(HTTPAdapter):
        def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
            proxy_kwargs["ssl_context"] = context
            return super().proxy_manager_for(proxy, **proxy_kwargs)

    proxy = raw_server(connect_proxy_handler())
    with tether.Session() as s:
        s.mount("https://", ProxyContextAdapter())
        r = s.get(
            client_cert_server.url,
            proxies={"https": f"http://127.0.0.1:{proxy.port}"},
            verify=ca_bundle,
        )
        assert r.status_code == 200


# -- HTTPS proxies: the proxy's certificate has its own trust (case 24) -----------------------


def _forward_handler(request: RawRequest, conn: Connection) -> bytes | None:
    """An HTTPS proxy: tunnels CONNECT, answers absolute-form requests itself."""
    if request.method == "CONNECT":
        connect_proxy_handler()(request, conn)
        return None
    return http_response(200, json.dumps({"proxied": request.target}).encode())


@pytest.fixture
def untrusted_https_proxy(
    raw_server: RawServerFactory, other_ca: tuple[trustme.CA, str]
) -> RawServer:
    """An HTTPS proxy whose certificate comes from `other_ca`, not from the suite's CA."""
    return raw_server(
        _forward_handler, server_context(other_ca[0].issue_cert(*LOOPBACK_IDENTITIES))
    )


def _https_proxy(server: RawServer) -> dict[str, str]:
    url = f"https://127.0.0.1:{server.port}"
    return {"http": url, "https": url}


@insecure_ok
@pytest.mark.parametrize("lib", [tether, requests], ids=["tether", "requests"])
def test_verify_false_does_not_switch_off_proxy_verification(
    lib: Lib, tls_echo: RawServer, untrusted_https_proxy: RawServer
) -> None:
    if lib is tether:
        with pytest.raises(tether.exceptions.ProxyError, match="certificate verify failed"):
            tether.get(tls_echo.url, proxies=_https_proxy(untrusted_https_proxy), verify=False)
        assert tls_echo.requests == []
    else:  # requests: verify=False also trusts any proxy
        r = requests.get(tls_echo.url, proxies=_https_proxy(untrusted_https_proxy), verify=False)
        assert r.status_code == 200


@pytest.mark.parametrize("lib", [tether, requests], ids=["tether", "requests"])
def test_plain_http_url_through_https_proxy_is_verified(
    lib: Lib, untrusted_https_proxy: RawServer
) -> None:
    # requests never checks the proxy's certificate for http:// URLs (cert_verify marks
    # the proxy's pool CERT_NONE); tether does.
    if lib is tether:
        with pytest.raises(tether.exceptions.ProxyError, match="certificate verify failed"):
            tether.get("http://127.0.0.1:1/x", proxies=_https_proxy(untrusted_https_proxy))
        assert untrusted_https_proxy.requests == []
    else:
        with pytest.warns(InsecureRequestWarning):
            r = requests.get("http://127.0.0.1:1/x", proxies=_https_proxy(untrusted_https_proxy))
        assert r.json() == {"proxied": "http://127.0.0.1:1/x"}


@insecure_ok
def test_proxy_verify_names_the_proxy_ca(
    tls_echo: RawServer,
    untrusted_https_proxy: RawServer,
    other_ca: tuple[trustme.CA, str],
    ca_bundle: str,
) -> None:
    with tether.Session() as s:
        s.mount("https://", HTTPAdapter(proxy_verify=other_ca[1]))
        s.mount("http://", HTTPAdapter(proxy_verify=other_ca[1]))
        s.proxies = _https_proxy(untrusted_https_proxy)
        # The target keeps its own trust, separately.
        assert s.get(tls_echo.url, verify=ca_bundle).json()["target"] == "/"
        assert s.get(tls_echo.url, verify=False).status_code == 200
        with pytest.raises(tether.exceptions.SSLError):
            s.get(tls_echo.url, verify=other_ca[1])
        assert s.get("http://127.0.0.1:1/x").json() == {"proxied": "http://127.0.0.1:1/x"}


@insecure_ok
def test_proxy_verify_false_and_attribute_form(
    tls_echo: RawServer, untrusted_https_proxy: RawServer, ca_bundle: str
) -> None:
    with tether.Session() as s:
        s.proxies = _https_proxy(untrusted_https_proxy)
        with pytest.raises(tether.exceptions.ProxyError):
            s.get(tls_echo.url, verify=ca_bundle)
        adapter = s.get_adapter(tls_echo.url)
        assert isinstance(adapter, HTTPAdapter)
        adapter.proxy_verify = False  # settable after construction; new pools follow it
        assert s.get(tls_echo.url, verify=ca_bundle).status_code == 200


def test_default_proxy_trust_follows_a_target_ca_bundle(
    raw_server: RawServerFactory, tls_echo: RawServer, ca_bundle: str
) -> None:
    # Compatible default: an HTTPS proxy whose certificate the target's bundle covers
    # (one corporate CA for both) works as in requests ...
    proxy = raw_server(_forward_handler, tls=True)
    assert (
        tether.get(tls_echo.url, proxies=_https_proxy(proxy), verify=ca_bundle).status_code == 200
    )
    # ... and with verify=True the proxy is checked against certifi.
    with pytest.raises(tether.exceptions.ProxyError, match="certificate verify failed"):
        tether.get(tls_echo.url, proxies=_https_proxy(proxy))


def test_missing_proxy_ca_path_is_an_os_error(
    tls_echo: RawServer, untrusted_https_proxy: RawServer, tmp_path: Path
) -> None:
    with tether.Session() as s:
        s.mount("https://", HTTPAdapter(proxy_verify=str(tmp_path / "none.pem")))
        with pytest.raises(OSError, match="invalid path"):
            s.get(tls_echo.url, proxies=_https_proxy(untrusted_https_proxy))
