"""Pure decisions behind the network settings: proxy precedence (`_proxies`), HTTPS-proxy
trust (`_transport`), and the error classification used for stale keep-alive resends and
SOCKS failures (`_errors`). The integration tests prove them on sockets; these pin the
tables."""

from __future__ import annotations

import http.client
import ssl
import types
from pathlib import Path

import pytest
import socks  # type: ignore[import-untyped]  # PySocks ships no types
import trustme
from urllib3 import exceptions as u3

from tether import _errors, _proxies, _transport
from tether import exceptions as exc

# -- proxy precedence ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_proxies", "merged", "expected"),
    [
        # The request's choice already wins: nothing changes.
        ({"http": "R"}, {"http": "R"}, {"http": "R"}),
        # A more specific session key would win: the request's proxy is pinned for the host.
        ({"all": "R"}, {"http": "S", "all": "R"}, {"http": "S", "all": "R", "http://a.test": "R"}),
        # The request names nothing for this URL: the merged dict stands.
        ({"https": "R"}, {"http": "S", "https": "R"}, {"http": "S", "https": "R"}),
        # An empty value is a choice too ("no proxy").
        ({"all": ""}, {"http": "S", "all": ""}, {"http": "S", "all": "", "http://a.test": ""}),
    ],
)
def test_pin_request_choice(
    request_proxies: dict[str, str], merged: dict[str, str], expected: dict[str, str]
) -> None:
    result = _proxies.pin_request_choice("http://a.test:8080/x", request_proxies, dict(merged))
    assert result == expected
    wanted = _proxies.select_proxy("http://a.test:8080/x", request_proxies)
    if wanted is not None:
        assert _proxies.select_proxy("http://a.test:8080/x", result) == wanted


def test_resolve_session_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://env:3128")
    request = types.SimpleNamespace(url="http://a.test/")
    # The session names a proxy for the URL (any key): the environment is not consulted.
    assert _proxies.resolve_session_proxies(request, {"all": "http://s"}) == {"all": "http://s"}
    # It names none: the environment fills in, as requests' resolve_proxies does.
    assert _proxies.resolve_session_proxies(request, {"https": "http://s"}) == {
        "https": "http://s",
        "http": "http://env:3128",
    }
    assert _proxies.resolve_session_proxies(request, None) == {"http": "http://env:3128"}
    assert _proxies.resolve_session_proxies(request, None, trust_env=False) == {}
    # requests' own function keeps requests' answer (utils.resolve_proxies is public).
    assert _proxies.resolve_proxies(request, {"all": "http://s"}) == {
        "all": "http://s",
        "http": "http://env:3128",
    }


# -- HTTPS proxy trust -----------------------------------------------------------------------

CERTIFI = _transport.default_ca_bundle()


@pytest.mark.parametrize(
    ("proxy_verify", "verify", "expected"),
    [
        (None, True, CERTIFI),
        (None, False, CERTIFI),  # case 24: the target's False never reaches the proxy
        (None, "/target-ca.pem", "/target-ca.pem"),
        (None, "", CERTIFI),
        (True, "/target-ca.pem", CERTIFI),
        ("/proxy-ca.pem", False, "/proxy-ca.pem"),
        ("/proxy-ca.pem", "/target-ca.pem", "/proxy-ca.pem"),
        (False, True, None),
        (False, "/target-ca.pem", None),
    ],
)
def test_proxy_trust(
    proxy_verify: bool | str | None, verify: bool | str, expected: str | None
) -> None:
    assert _transport.proxy_trust(proxy_verify, verify) == expected


def test_proxy_ssl_context(tmp_path: Path) -> None:
    ca = trustme.CA()
    pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    verified = _transport.proxy_ssl_context(str(pem))
    assert verified.verify_mode == ssl.CERT_REQUIRED and verified.check_hostname
    assert len(verified.get_ca_certs()) == 1
    assert _transport.proxy_ssl_context(str(pem)) is verified  # built once, shared
    directory = _transport.proxy_ssl_context(str(tmp_path))
    assert directory.verify_mode == ssl.CERT_REQUIRED
    unverified = _transport.proxy_ssl_context(None)
    assert unverified.verify_mode == ssl.CERT_NONE and not unverified.check_hostname
    with pytest.raises(OSError, match="invalid path"):
        _transport.proxy_ssl_context(str(tmp_path / "missing.pem"))


# -- error classification --------------------------------------------------------------------


def _aborted(inner: BaseException) -> u3.ProtocolError:
    return u3.ProtocolError("Connection aborted.", inner)


def _max_retry(reason: Exception) -> u3.MaxRetryError:
    return u3.MaxRetryError(None, "/", reason)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "closed"),
    [
        (_aborted(http.client.RemoteDisconnected("closed")), True),
        (_aborted(ConnectionResetError(104, "reset")), True),
        (_aborted(BrokenPipeError(32, "pipe")), True),
        (_aborted(ConnectionAbortedError(103, "aborted")), True),
        (u3.SSLError(ssl.SSLEOFError(8, "EOF occurred in violation of protocol")), True),
        (u3.SSLError(ssl.SSLZeroReturnError(6, "closed")), True),
        (_max_retry(_aborted(ConnectionResetError(104, "reset"))), True),
        (ConnectionResetError(104, "reset"), True),
        # Bytes of a response arrived, or the failure is not a close: never resent.
        (_aborted(http.client.BadStatusLine("HTTP/1.1 2")), False),
        (_aborted(http.client.IncompleteRead(b"x")), False),
        (u3.ReadTimeoutError(None, "/", "read timed out"), False),  # type: ignore[arg-type]
        (u3.SSLError(ssl.SSLCertVerificationError(1, "certificate verify failed")), False),
        (_max_retry(u3.NewConnectionError(None, "refused")), False),  # type: ignore[arg-type]
        (_max_retry(u3.ResponseError("too many 503")), False),
        (u3.ProtocolError("Connection aborted."), False),
    ],
)
def test_closed_before_response(error: BaseException, closed: bool) -> None:
    assert _errors.closed_before_response(error) is closed


def _socks_failure() -> u3.NewConnectionError:
    try:
        raise socks.ProxyConnectionError("Error connecting to SOCKS5 proxy")
    except socks.ProxyError:
        try:
            raise u3.NewConnectionError(None, "Failed to establish a new connection")  # type: ignore[arg-type]
        except u3.NewConnectionError as error:
            return error


def test_socks_failure_is_a_proxy_error() -> None:
    mapped = _errors.on_send(_max_retry(_socks_failure()), None)
    assert type(mapped) is exc.ProxyError
    plain = u3.NewConnectionError(None, "refused")  # type: ignore[arg-type]
    assert type(_errors.on_send(_max_retry(plain), None)) is exc.ConnectionError


def test_proxy_verify_survives_pickling() -> None:
    import pickle

    from tether.adapters import HTTPAdapter

    adapter = HTTPAdapter(proxy_verify="/proxy-ca.pem")
    assert pickle.loads(pickle.dumps(adapter)).proxy_verify == "/proxy-ca.pem"
    assert pickle.loads(pickle.dumps(HTTPAdapter())).proxy_verify is None
