"""tether._proxies: environment proxies, no_proxy bypass, proxy selection and resolution.

Most tables are checked twice: against a stated expectation, and differentially against
requests 2.34 (the oracle) with the same arguments and environment. The autouse fixture in
tests/conftest.py starts every test with no proxy variables set.
"""

from __future__ import annotations

import base64
import os
import socket
import sys
import types
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from unittest import mock

import pytest
import requests
import requests.adapters
import requests.utils
from hypothesis import given, settings
from hypothesis import strategies as st

from tether import _proxies


@pytest.fixture(autouse=True)
def _no_cgi(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REQUEST_METHOD", raising=False)


def set_env(monkeypatch: pytest.MonkeyPatch, env: Mapping[str, str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def outcome(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A call's result, or the type name and message of what it raised."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:
        return ("raised", type(exc).__name__, str(exc))


# --------------------------------------------------------------------------------------
# environ_proxies
# --------------------------------------------------------------------------------------

ENVIRON_CASES: list[tuple[str, dict[str, str], dict[str, str]]] = [
    ("nothing", {}, {}),
    ("lower", {"http_proxy": "http://l"}, {"http": "http://l"}),
    ("upper", {"HTTP_PROXY": "http://u"}, {"http": "http://u"}),
    ("lower-wins", {"http_proxy": "http://l", "HTTP_PROXY": "http://u"}, {"http": "http://l"}),
    ("empty-lower-removes", {"https_proxy": "", "HTTPS_PROXY": "http://u"}, {}),
    ("empty-upper-ignored", {"HTTPS_PROXY": ""}, {}),
    ("empty-upper-lower-set", {"all_proxy": "socks5://l", "ALL_PROXY": ""}, {"all": "socks5://l"}),
    (
        "all-four",
        {
            "http_proxy": "http://h",
            "HTTPS_PROXY": "http://s",
            "all_proxy": "socks5://a",
            "NO_PROXY": "localhost,.test",
        },
        {"http": "http://h", "https": "http://s", "all": "socks5://a", "no": "localhost,.test"},
    ),
    ("cgi-drops-upper-http", {"REQUEST_METHOD": "GET", "HTTP_PROXY": "http://evil"}, {}),
    (
        "cgi-keeps-lower-http",
        {"REQUEST_METHOD": "GET", "http_proxy": "http://l", "HTTP_PROXY": "http://evil"},
        {"http": "http://l"},
    ),
    (
        "cgi-keeps-other-schemes",
        {"REQUEST_METHOD": "POST", "HTTPS_PROXY": "http://s", "ALL_PROXY": "http://a"},
        {"https": "http://s", "all": "http://a"},
    ),
    ("cgi-empty-method-still-cgi", {"REQUEST_METHOD": "", "HTTP_PROXY": "http://evil"}, {}),
]


@pytest.mark.parametrize(
    ("env", "expected"), [c[1:] for c in ENVIRON_CASES], ids=[c[0] for c in ENVIRON_CASES]
)
def test_environ_proxies(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: dict[str, str]
) -> None:
    set_env(monkeypatch, env)
    assert _proxies.environ_proxies() == expected
    # Same answer as urllib's full scan, restricted to the keys tether reads.
    full = urllib.request.getproxies_environment()
    assert {k: v for k, v in full.items() if k in ("http", "https", "all", "no")} == expected


def test_environ_proxies_ignores_other_schemes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ftp_proxy", "http://ftp")
    monkeypatch.setenv("WS_PROXY", "http://ws")
    assert _proxies.environ_proxies() == {}
    assert urllib.request.getproxies_environment()["ftp"] == "http://ftp"  # urllib reads it


class NoScanEnviron(dict[str, str]):
    """A stand-in for os.environ that fails the test if anything iterates it."""

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("os.environ was iterated")

    def keys(self) -> Any:
        raise AssertionError("os.environ.keys() was called")

    def items(self) -> Any:
        raise AssertionError("os.environ.items() was called")

    def values(self) -> Any:
        raise AssertionError("os.environ.values() was called")

    def copy(self) -> Any:
        raise AssertionError("os.environ was copied")


@pytest.fixture
def no_scan_environ(monkeypatch: pytest.MonkeyPatch) -> NoScanEnviron:
    fake = NoScanEnviron(
        {
            "http_proxy": "http://proxy.test:3128",
            "HTTPS_PROXY": "http://sproxy.test:3128",
            "NO_PROXY": "internal.test,198.0.0.0/8",
            "PATH": "/bin",
        }
    )
    monkeypatch.setattr(os, "environ", fake)
    return fake


def test_guard_catches_urllib_scan(no_scan_environ: NoScanEnviron) -> None:
    # The stand-in really does detect a scan: urllib's getproxies walks the environment.
    with pytest.raises(AssertionError, match=r"iterated|items"):
        urllib.request.getproxies_environment()


def test_proxy_functions_never_scan_environ(no_scan_environ: NoScanEnviron) -> None:
    assert _proxies.environ_proxies() == {
        "http": "http://proxy.test:3128",
        "https": "http://sproxy.test:3128",
        "no": "internal.test,198.0.0.0/8",
    }
    assert _proxies.should_bypass_proxies("http://a.internal.test/", None) is True
    assert _proxies.should_bypass_proxies("http://198.1.2.3/", None) is True
    assert _proxies.should_bypass_proxies("http://public.test/", None) is False
    assert _proxies.get_environ_proxies("http://public.test/")["http"] == "http://proxy.test:3128"
    request = types.SimpleNamespace(url="https://public.test/")
    assert _proxies.resolve_proxies(request, None) == {"https": "http://sproxy.test:3128"}
    assert _proxies.proxy_bypass("x.internal.test") is True
    assert _proxies.proxy_bypass_environment("public.test") is False
    assert _proxies.system_proxies()["https"] == "http://sproxy.test:3128"


def test_environ_read_per_call(monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing is cached between calls: requests reads the environment on every request.
    assert _proxies.environ_proxies() == {}
    monkeypatch.setenv("HTTP_PROXY", "http://late")
    assert _proxies.environ_proxies() == {"http": "http://late"}


# --------------------------------------------------------------------------------------
# should_bypass_proxies: the no_proxy matrix
# --------------------------------------------------------------------------------------

# (no_proxy, url, expected)
BYPASS_CASES: list[tuple[str, str, bool]] = [
    # host names and domain suffixes on label boundaries (catalogue case 46)
    ("example.com", "http://example.com/", True),
    ("example.com", "http://a.example.com/", True),
    ("example.com", "http://a.b.example.com:8080/", True),
    ("example.com", "http://evilexample.com/", False),
    ("example.com", "http://example.com.evil.test/", False),
    ("example.com", "http://EXAMPLE.com/", True),
    ("EXAMPLE.COM", "http://a.example.com/", True),  # urllib's step is case-insensitive
    (".example.com", "http://example.com/", True),
    (".example.com", "http://a.example.com/", True),
    (".example.com", "http://evilexample.com/", False),
    ("..example.com", "http://a.example.com/", True),
    ("com", "http://example.com/", True),
    ("m", "http://com/", False),
    ("*.example.com", "http://a.example.com/", False),  # no glob: '*' only as the whole value
    ("  example.com  ", "http://a.example.com/", True),
    ("ex ample.com", "http://example.com/", True),  # requests removes spaces
    ("example.com;other.test", "http://other.test/", False),
    ("example.com.", "http://example.com./", True),
    ("example.com", "http://example.com./", False),
    (".", "http://example.com./", True),
    # the catalogue's case 46 list
    (
        "localhost, anotherdomain.test, newdomain.test:1234, .d.o.t",
        "http://prelocalhost:81/",
        False,
    ),
    (
        "localhost, anotherdomain.test, newdomain.test:1234, .d.o.t",
        "http://evilanotherdomain.test/",
        False,
    ),
    (
        "localhost, anotherdomain.test, newdomain.test:1234, .d.o.t",
        "http://newdomain.test:1235/",
        False,
    ),
    (
        "localhost, anotherdomain.test, newdomain.test:1234, .d.o.t",
        "http://www.newdomain.test:1234/",
        True,
    ),
    (
        "localhost, anotherdomain.test, newdomain.test:1234, .d.o.t",
        "http://newdomain.test:1234/",
        True,
    ),
    ("localhost, anotherdomain.test, newdomain.test:1234, .d.o.t", "http://foo.d.o.t:81/", True),
    ("localhost, anotherdomain.test, newdomain.test:1234, .d.o.t", "http://d.o.t/", True),
    ("localhost, anotherdomain.test, newdomain.test:1234, .d.o.t", "http://localhost:5000/", True),
    # host:port entries
    ("example.com:8080", "http://example.com:8080/", True),
    ("example.com:8080", "http://a.example.com:8080/", True),
    ("example.com:8080", "http://example.com:8081/", False),
    ("example.com:8080", "http://example.com/", False),
    ("example.com:80", "http://example.com/", False),  # no port in the URL, no match
    ("example.com:80", "http://example.com:80/", True),
    ("example.com:0", "http://example.com:0/", False),  # port 0 is "no port", as requests
    ("example.com", "http://example.com:0/", True),
    (":1234", "http://a.com:1234/", False),
    ("com:1234", "http://a.com:1234/", True),
    # IPv4 literals and CIDR ranges
    ("198.0.0.1", "http://198.0.0.1/", True),
    ("198.0.0.1", "http://198.0.0.1:8080/", True),
    ("198.0.0.1:8080", "http://198.0.0.1:8080/", False),  # ports don't apply to IP hosts
    ("198.0.0.0/8", "http://198.20.30.40/", True),
    ("198.0.0.0/8", "http://11.0.0.1/", False),
    ("203.0.1.5/24", "http://203.0.1.200/", True),
    ("203.0.1.5/24", "http://203.0.2.1/", False),
    ("198.0.0.0/33", "http://198.0.0.1/", False),
    ("1.2.3.4/0", "http://9.9.9.9/", False),
    ("198.0.0.0/8", "http://198.0.0.1.nip.io/", False),
    ("0.1", "http://198.0.0.1/", True),  # urllib's suffix step, as in requests
    ("127.0.0.1", "http://127.1/", False),
    ("198.0.0.0/8", "http://[::ffff:198.0.0.1]/", False),
    # IPv6 literals
    ("::1", "http://[::1]/", True),
    ("::1", "http://[::1]:8080/", True),
    ("::1:8080", "http://[::1]:8080/", True),
    ("[::1]", "http://[::1]/", False),
    ("0:0:0:0:0:0:0:1", "http://[::1]/", False),
    ("2001:db8::/32", "http://[2001:db8::1]/", False),
    # '*'
    ("*", "http://anything.test/", True),
    ("*", "http://198.0.0.1:8080/", True),
    ("*", "http://[::1]/", True),
    (" *", "http://anything.test/", False),
    ("example.com,*", "http://other.test/", False),
    # no host: always direct
    ("", "http:///path", True),
    ("example.com", "file:///etc/hosts", True),
    # nothing configured
    ("", "http://example.com/", False),
    (" , ,", "http://example.com/", False),
]


@pytest.mark.parametrize(("no_proxy", "url", "expected"), BYPASS_CASES)
def test_should_bypass_proxies_argument(no_proxy: str, url: str, expected: bool) -> None:
    assert _proxies.should_bypass_proxies(url, no_proxy) is expected
    assert requests.utils.should_bypass_proxies(url, no_proxy) is expected


@pytest.mark.parametrize("variable", ["no_proxy", "NO_PROXY"])
@pytest.mark.parametrize(("no_proxy", "url", "expected"), BYPASS_CASES)
def test_should_bypass_proxies_environment(
    monkeypatch: pytest.MonkeyPatch, variable: str, no_proxy: str, url: str, expected: bool
) -> None:
    monkeypatch.setenv(variable, no_proxy)
    assert _proxies.should_bypass_proxies(url, None) is expected
    assert requests.utils.should_bypass_proxies(url, None) is expected


@pytest.mark.parametrize(
    "url",
    ["http://example.com:99999/", "http://example.com:abc/", "http://198.0.0.1:99999/"],
)
@pytest.mark.parametrize("no_proxy", [None, "", "example.com", "198.0.0.1"])
def test_bad_ports_behave_like_requests(url: str, no_proxy: str | None) -> None:
    # requests only looks at the port (and so only raises ValueError) for name hosts
    # when a no_proxy list is configured.
    ours = outcome(_proxies.should_bypass_proxies, url, no_proxy)
    theirs = outcome(requests.utils.should_bypass_proxies, url, no_proxy)
    assert ours == theirs


ENV_PRECEDENCE = [
    {"no_proxy": "a.test", "NO_PROXY": "b.test"},
    {"no_proxy": "", "NO_PROXY": "b.test"},
    {"NO_PROXY": "b.test"},
    {"no_proxy": "*", "NO_PROXY": "b.test"},
    {"no_proxy": "", "NO_PROXY": "*"},
]


@pytest.mark.parametrize("env", ENV_PRECEDENCE)
@pytest.mark.parametrize("no_proxy", [None, "", "c.test"])
@pytest.mark.parametrize(
    "url", ["http://a.test/", "http://b.test/", "http://c.test/", "http://d.test/"]
)
def test_no_proxy_sources_like_requests(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], no_proxy: str | None, url: str
) -> None:
    # The argument replaces the environment (an empty argument disables it); without one,
    # requests' own step uses `no_proxy or NO_PROXY` and urllib's step its own rules.
    set_env(monkeypatch, env)
    assert _proxies.should_bypass_proxies(url, no_proxy) == requests.utils.should_bypass_proxies(
        url, no_proxy
    )


def test_no_proxy_argument_overrides_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "a.test")
    assert _proxies.should_bypass_proxies("http://a.test/", None) is True
    assert _proxies.should_bypass_proxies("http://a.test/", "") is False
    assert _proxies.should_bypass_proxies("http://a.test/", "b.test") is False
    assert os.environ.get("no_proxy") is None  # nothing was written to the environment


# --------------------------------------------------------------------------------------
# The proxy_bypass patch point and the platform dispatch
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected_host"),
    [
        ("http://198.48.1.1/", "198.48.1.1"),
        ("http://198.48.1.1:5000/", "198.48.1.1"),
        ("http://user:pass@198.48.1.1", "198.48.1.1"),
        ("http://user:pass@198.48.1.1:5000", "198.48.1.1"),
        ("http://hostname/", "hostname"),
        ("http://hostname:5000/", "hostname"),
        ("http://user:pass@hostname", "hostname"),
        ("http://user:pass@hostname:5000", "hostname"),
        ("http://[::1]:5000/", "::1"),
    ],
)
def test_patched_utils_proxy_bypass_gets_hostname_only(url: str, expected_host: str) -> None:
    import tether.utils

    with mock.patch("tether.utils.proxy_bypass", return_value=False) as patched:
        assert tether.utils.should_bypass_proxies(url, no_proxy=None) is False
    patched.assert_called_once_with(expected_host)


def test_patched_utils_proxy_bypass_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    import tether.utils

    seen: list[str | None] = []

    def fake(host: str) -> bool:
        seen.append(os.environ.get("no_proxy"))
        return host == "special.test"

    monkeypatch.setattr(tether.utils, "proxy_bypass", fake)
    assert _proxies.should_bypass_proxies("http://special.test/", None) is True
    assert _proxies.should_bypass_proxies("http://other.test/", "zzz.test") is False
    # requests puts the no_proxy argument in the environment for the call, then restores it.
    assert seen == [None, "zzz.test"]
    assert "no_proxy" not in os.environ
    # resolve_proxies (what Session.send uses) goes through the patch too.
    monkeypatch.setenv("HTTP_PROXY", "http://p.test:3128")
    request = types.SimpleNamespace(url="http://special.test/")
    assert _proxies.resolve_proxies(request, {}) == {}
    request.url = "http://other.test/"
    assert _proxies.resolve_proxies(request, {}) == {"http": "http://p.test:3128"}


@pytest.mark.parametrize("error", [TypeError("bad"), socket.gaierror("dns")])
def test_patched_proxy_bypass_errors_mean_no_bypass(
    monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    import tether.utils

    monkeypatch.setattr(tether.utils, "proxy_bypass", mock.Mock(side_effect=error))
    assert _proxies.should_bypass_proxies("http://host.test/", None) is False


def test_unpatched_facade_is_not_called(monkeypatch: pytest.MonkeyPatch) -> None:
    import tether.utils

    assert tether.utils.proxy_bypass is _proxies.proxy_bypass
    spy = mock.Mock(wraps=_proxies.proxy_bypass_environment)
    monkeypatch.setattr(_proxies, "proxy_bypass_environment", spy)
    monkeypatch.setenv("NO_PROXY", "a.test")
    assert _proxies.should_bypass_proxies("http://x.a.test/", None) is True
    assert _proxies.should_bypass_proxies("http://b.test/", None) is False
    spy.assert_not_called()  # the internal path needs no environment re-read


class FakeSystem:
    def __init__(self, bypass: set[str], proxies: dict[str, str]) -> None:
        self.bypass_hosts = bypass
        self.proxy_map = proxies
        self.bypass_calls: list[str] = []

    def bypass(self, host: str) -> bool:
        self.bypass_calls.append(host)
        return host in self.bypass_hosts

    def proxies(self) -> dict[str, str]:
        return dict(self.proxy_map)


@pytest.fixture
def fake_system(monkeypatch: pytest.MonkeyPatch) -> FakeSystem:
    system = FakeSystem(
        {"intranet"}, {"http": "http://sys.test:8080", "https": "http://sys.test:8443"}
    )
    monkeypatch.setattr(_proxies, "_SYSTEM_BYPASS", system.bypass)
    monkeypatch.setattr(_proxies, "_SYSTEM_PROXIES", system.proxies)
    return system


def test_system_settings_used_without_environment(fake_system: FakeSystem) -> None:
    assert _proxies.system_proxies() == {
        "http": "http://sys.test:8080",
        "https": "http://sys.test:8443",
    }
    assert _proxies.should_bypass_proxies("http://intranet/", None) is True
    assert _proxies.should_bypass_proxies("http://internet.test/", None) is False
    assert fake_system.bypass_calls == ["intranet", "internet.test"]
    assert _proxies.get_environ_proxies("http://internet.test/")["http"] == "http://sys.test:8080"
    assert _proxies.get_environ_proxies("http://intranet/") == {}
    request = types.SimpleNamespace(url="https://internet.test/")
    assert _proxies.resolve_proxies(request, None) == {"https": "http://sys.test:8443"}


@pytest.mark.parametrize(
    "env",
    [{"HTTPS_PROXY": "http://env.test:1"}, {"no_proxy": "other.test"}, {"ALL_PROXY": "socks5://a"}],
)
def test_environment_beats_system_settings(
    monkeypatch: pytest.MonkeyPatch, fake_system: FakeSystem, env: dict[str, str]
) -> None:
    # As urllib on Windows/macOS: any proxy variable means the environment decides alone.
    set_env(monkeypatch, env)
    assert _proxies.system_proxies() == _proxies.environ_proxies()
    assert _proxies.should_bypass_proxies("http://intranet/", None) is False
    assert fake_system.bypass_calls == []


def test_no_proxy_argument_counts_as_environment(fake_system: FakeSystem) -> None:
    # requests sets no_proxy in the environment around proxy_bypass, so urllib takes the
    # environment branch; an empty argument leaves the system branch in charge.
    assert _proxies.should_bypass_proxies("http://intranet/", "other.test") is False
    assert fake_system.bypass_calls == []
    assert _proxies.should_bypass_proxies("http://intranet/", "") is True
    assert fake_system.bypass_calls == ["intranet"]


def test_proxy_bypass_dispatch(fake_system: FakeSystem) -> None:
    assert _proxies.proxy_bypass("intranet") is True  # no env: system
    assert _proxies.proxy_bypass("intranet", {"no": "x.test"}) is False  # env given
    assert _proxies.proxy_bypass("a.x.test", {"no": "x.test"}) is True


# --------------------------------------------------------------------------------------
# proxy_bypass_environment (urllib.request.proxy_bypass_environment semantics)
# --------------------------------------------------------------------------------------

ENV_BYPASS_CASES = [
    ("example.com", {"no": "example.com"}),
    ("a.example.com", {"no": ".example.com"}),
    ("evilexample.com", {"no": "example.com"}),
    ("EXAMPLE.com", {"no": "Example.COM"}),
    ("example.com:8080", {"no": "example.com"}),
    ("example.com", {"no": "example.com:8080"}),
    ("example.com:8080", {"no": "example.com:8080"}),
    ("anything", {"no": "*"}),
    ("anything", {"no": "*,x"}),
    ("::1", {"no": "::1"}),
    ("::1", {"no": "1"}),
    ("198.0.0.1", {"no": "0.1"}),
    ("host", {"no": " host , other "}),
    ("host", {"no": ""}),
    ("host", {"http": "http://p"}),
    ("host", {}),
]


@pytest.mark.parametrize(("host", "proxies"), ENV_BYPASS_CASES)
def test_proxy_bypass_environment_matches_urllib(host: str, proxies: dict[str, str]) -> None:
    expected = urllib.request.proxy_bypass_environment(host, proxies)  # type: ignore[attr-defined]
    assert _proxies.proxy_bypass_environment(host, proxies) == bool(expected)


@pytest.mark.parametrize(("host", "proxies"), ENV_BYPASS_CASES)
def test_proxy_bypass_environment_from_env(
    monkeypatch: pytest.MonkeyPatch, host: str, proxies: dict[str, str]
) -> None:
    for key, value in proxies.items():
        monkeypatch.setenv(f"{key}_proxy", value)
    expected = urllib.request.proxy_bypass_environment(host)  # type: ignore[attr-defined]
    assert _proxies.proxy_bypass_environment(host) == bool(expected)
    assert _proxies.proxy_bypass(host) == bool(expected)


# --------------------------------------------------------------------------------------
# Windows registry (a fake winreg module)
# --------------------------------------------------------------------------------------


def fake_winreg(values: dict[str, Any] | None) -> types.ModuleType:
    module = types.ModuleType("winreg")

    class Key:
        def __enter__(self) -> Key:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

    def open_key(root: object, path: str) -> Key:
        assert path == r"Software\Microsoft\Windows\CurrentVersion\Internet Settings"
        if values is None:
            raise FileNotFoundError(path)
        return Key()

    def query(key: Key, name: str) -> tuple[Any, int]:
        assert values is not None
        if name not in values:
            raise FileNotFoundError(name)
        return values[name], 1

    module.HKEY_CURRENT_USER = object()  # type: ignore[attr-defined]
    module.OpenKey = open_key  # type: ignore[attr-defined]
    module.QueryValueEx = query  # type: ignore[attr-defined]
    return module


REGISTRY_CASES: list[tuple[str, dict[str, Any] | None, str, bool]] = [
    ("local-dotless", {"ProxyEnable": 1, "ProxyOverride": "<local>"}, "intranet", True),
    ("local-dotted", {"ProxyEnable": 1, "ProxyOverride": "<local>"}, "a.test", False),
    ("wildcard", {"ProxyEnable": 1, "ProxyOverride": "*.corp.test"}, "x.corp.test", True),
    ("wildcard-case", {"ProxyEnable": 1, "ProxyOverride": "*.CORP.test"}, "x.corp.TEST", True),
    ("wildcard-other", {"ProxyEnable": 1, "ProxyOverride": "*.corp.test"}, "corp.test.evil", False),
    ("ip-star", {"ProxyEnable": 1, "ProxyOverride": "203.0.*"}, "203.0.4.5", True),
    ("question", {"ProxyEnable": 1, "ProxyOverride": "host?.test"}, "host1.test", True),
    ("dot-is-literal", {"ProxyEnable": 1, "ProxyOverride": "a.test"}, "aXtest", False),
    ("whole-host", {"ProxyEnable": 1, "ProxyOverride": "intranet"}, "intranet.evil.test", False),
    ("list", {"ProxyEnable": 1, "ProxyOverride": "a.test; ;b.test;<local>"}, "b.test", True),
    ("empty-items", {"ProxyEnable": 1, "ProxyOverride": ";;"}, "a.test", False),
    ("disabled", {"ProxyEnable": 0, "ProxyOverride": "<local>"}, "intranet", False),
    ("enable-as-string", {"ProxyEnable": "1", "ProxyOverride": "<local>"}, "intranet", True),
    ("enable-garbage", {"ProxyEnable": "yes", "ProxyOverride": "<local>"}, "intranet", False),
    ("no-override", {"ProxyEnable": 1}, "intranet", False),
    ("no-key", None, "intranet", False),
]


@pytest.mark.parametrize(
    ("values", "host", "expected"),
    [c[1:] for c in REGISTRY_CASES],
    ids=[c[0] for c in REGISTRY_CASES],
)
def test_proxy_bypass_registry(
    monkeypatch: pytest.MonkeyPatch, values: dict[str, Any] | None, host: str, expected: bool
) -> None:
    monkeypatch.setitem(sys.modules, "winreg", fake_winreg(values))
    assert _proxies.proxy_bypass_registry(host) is expected


def test_proxy_bypass_registry_without_winreg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "winreg", None)  # import raises ImportError
    assert _proxies.proxy_bypass_registry("intranet") is False


# --------------------------------------------------------------------------------------
# select_proxy, get_environ_proxies, resolve_proxies
# --------------------------------------------------------------------------------------

FULL = {"http": "P1", "http://a.test": "P2", "all": "P3", "all://a.test": "P4"}
SELECT_CASES: list[tuple[str, dict[str, str] | None, str | None]] = [
    ("http://a.test/", FULL, "P2"),
    ("http://A.TEST:80/x", FULL, "P2"),
    ("https://a.test/", FULL, "P4"),
    ("http://b.test/", FULL, "P1"),
    ("ftp://b.test/", FULL, "P3"),
    ("https://a.test/", {"all://a.test": "P4", "https": "S"}, "S"),
    ("https://b.test/", {"all": "PA"}, "PA"),
    ("http://a.test/", {"https": "S"}, None),
    ("http://a.test/", {}, None),
    ("http://a.test/", None, None),
    ("http:///path", FULL, "P1"),
    ("file:///etc/hosts", FULL, "P3"),
    ("file:///etc/hosts", {"all://a.test": "P4"}, None),
    ("a.test", FULL, "P3"),
    ("http://a.test/", {"http://a.test": "", "http": "P1"}, ""),
]


@pytest.mark.parametrize(("url", "proxies", "expected"), SELECT_CASES)
def test_select_proxy(url: str, proxies: dict[str, str] | None, expected: str | None) -> None:
    assert _proxies.select_proxy(url, proxies) == expected
    assert requests.utils.select_proxy(url, proxies) == expected


ENV_SETS = [
    {},
    {"http_proxy": "http://hp", "ALL_PROXY": "socks5://ap", "no_proxy": "b.test"},
    {"HTTPS_PROXY": "http://sp", "NO_PROXY": "198.0.0.0/8"},
    {"ALL_PROXY": "socks5://ap"},
    {"REQUEST_METHOD": "GET", "HTTP_PROXY": "http://evil", "https_proxy": "http://sp"},
]
RESOLVE_PROXIES: list[dict[str, str] | None] = [
    None,
    {},
    {"http": "http://explicit"},
    {"no_proxy": "a.test"},
    {"https": "http://s", "no_proxy": "c.test"},
    {"no_proxy": ""},
]
RESOLVE_URLS = [
    "http://a.test/",
    "https://a.test/",
    "http://b.test/",
    "http://198.1.1.1/",
    "ftp://c.test/",
]


@pytest.mark.parametrize("env", ENV_SETS)
@pytest.mark.parametrize("url", RESOLVE_URLS)
def test_get_environ_proxies_like_requests(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], url: str
) -> None:
    set_env(monkeypatch, env)
    for no_proxy in (None, "", "a.test"):
        ours = _proxies.get_environ_proxies(url, no_proxy=no_proxy)
        assert ours == requests.utils.get_environ_proxies(url, no_proxy=no_proxy)


@pytest.mark.parametrize("env", ENV_SETS)
@pytest.mark.parametrize("proxies", RESOLVE_PROXIES)
@pytest.mark.parametrize("url", RESOLVE_URLS)
@pytest.mark.parametrize("trust_env", [True, False])
def test_resolve_proxies_like_requests(
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    proxies: dict[str, str] | None,
    url: str,
    trust_env: bool,
) -> None:
    set_env(monkeypatch, env)
    request = types.SimpleNamespace(url=url)
    before = None if proxies is None else dict(proxies)
    ours = _proxies.resolve_proxies(request, proxies, trust_env)
    assert ours == requests.utils.resolve_proxies(request, proxies, trust_env)  # type: ignore[arg-type]
    assert proxies == before  # the caller's dict is not modified
    assert ours is not proxies


def test_resolve_proxies_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://env:3128")
    monkeypatch.setenv("ALL_PROXY", "socks5://all:1080")
    request = types.SimpleNamespace(url="http://a.test/")
    assert _proxies.resolve_proxies(request, None) == {"http": "http://env:3128"}
    assert _proxies.resolve_proxies(request, {"http": "http://mine"}) == {"http": "http://mine"}
    assert _proxies.resolve_proxies(request, None, trust_env=False) == {}
    # "no_proxy" inside the proxies dict is honoured like the environment variable (case 46).
    assert _proxies.resolve_proxies(request, {"no_proxy": "a.test"}) == {"no_proxy": "a.test"}
    request.url = "https://a.test/"
    assert _proxies.resolve_proxies(request, {}) == {"https": "socks5://all:1080"}


CASE_46_NO_PROXY = "localhost, anotherdomain.test, newdomain.test:1234, .d.o.t"
CASE_46_URLS = [
    ("http://prelocalhost:8000/", False),
    ("http://evilanotherdomain.test:8000/", False),
    ("http://newdomain.test:1235/", False),
    ("http://www.newdomain.test:1234/", True),
    ("http://foo.d.o.t:8000/", True),
    ("http://d.o.t:8000/", True),
]


@pytest.mark.parametrize(("url", "bypassed"), CASE_46_URLS)
def test_case_46_env_and_dict_agree(
    monkeypatch: pytest.MonkeyPatch, url: str, bypassed: bool
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.test:3128")
    request = types.SimpleNamespace(url=url)
    via_dict = _proxies.resolve_proxies(request, {"no_proxy": CASE_46_NO_PROXY})
    monkeypatch.setenv("NO_PROXY", CASE_46_NO_PROXY)
    via_env = _proxies.resolve_proxies(request, {})
    assert ("http" not in via_env) is bypassed
    assert ("http" not in via_dict) is bypassed


# --------------------------------------------------------------------------------------
# IPv4 helpers
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.2.3.4", True),
        ("1.2.3", True),  # inet_aton forms, as requests
        ("1", True),
        ("0x7f.1", True),
        ("1.2.3.4 ", True),
        ("256.1.1.1", False),
        ("::1", False),
        ("", False),
        (" 1.2.3.4", False),
        ("host.test", False),
    ],
)
def test_is_ipv4_address(value: str, expected: bool) -> None:
    assert _proxies.is_ipv4_address(value) is expected
    assert requests.utils.is_ipv4_address(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("198.0.0.0/8", True),
        ("198.0.0.0/32", True),
        ("198.0.0.0/1", True),
        ("198.0.0.0/0", False),
        ("198.0.0.0/33", False),
        ("198.0.0.0", False),
        ("198.0.0.0/8/8", False),
        ("x/8", False),
        ("198.0.0.0/ 8", True),
        ("198.0.0.0/08", True),
        ("198.0.0.0/+8", True),
        ("10/8", True),
        ("::1/64", False),
        ("/8", False),
        ("198.0.0.0/", False),
        ("198.0.0.0/x", False),
    ],
)
def test_is_valid_cidr(value: str, expected: bool) -> None:
    assert _proxies.is_valid_cidr(value) is expected
    assert requests.utils.is_valid_cidr(value) is expected


@pytest.mark.parametrize("mask", range(33))
def test_dotted_netmask(mask: int) -> None:
    expected = str(__import__("ipaddress").IPv4Network(f"0.0.0.0/{mask}").netmask)
    assert _proxies.dotted_netmask(mask) == expected
    assert requests.utils.dotted_netmask(mask) == expected


@pytest.mark.parametrize("mask", [-1, 33])
def test_dotted_netmask_out_of_range(mask: int) -> None:
    with pytest.raises((ValueError, OverflowError)):
        _proxies.dotted_netmask(mask)


@pytest.mark.parametrize(
    ("ip", "net", "expected"),
    [
        ("203.0.1.1", "203.0.1.0/24", True),
        ("203.0.2.1", "203.0.1.0/24", False),
        ("198.0.0.1", "198.0.0.0/8", True),
        ("198.0.0.1", "198.0.0.0/0", True),
        ("198.1", "198.0.0.0/8", True),
        ("198.48.0.1", "198.48.0.0/12", True),
        ("198.64.0.1", "198.48.0.0/12", False),
        ("1.2.3.4", "1.2.3.4/32", True),
        ("1.2.3.5", "1.2.3.4/32", False),
    ],
)
def test_address_in_network(ip: str, net: str, expected: bool) -> None:
    assert _proxies.address_in_network(ip, net) is expected
    assert requests.utils.address_in_network(ip, net) is expected


@pytest.mark.parametrize(
    ("ip", "net", "error"),
    [
        ("x", "198.0.0.0/8", OSError),
        ("198.0.0.1", "198.0.0.0", ValueError),
        ("198.0.0.1", "198.0.0.0/x", ValueError),
        ("198.0.0.1", "198.0.0.0/8/8", ValueError),
        ("198.0.0.1", "198.0.0.0/33", ValueError),
    ],
)
def test_address_in_network_errors(ip: str, net: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        _proxies.address_in_network(ip, net)
    with pytest.raises(error):
        requests.utils.address_in_network(ip, net)


# --------------------------------------------------------------------------------------
# set_environ
# --------------------------------------------------------------------------------------


def test_set_environ_sets_and_removes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TETHER_TEST_VAR", raising=False)
    with _proxies.set_environ("TETHER_TEST_VAR", "1"):
        assert os.environ["TETHER_TEST_VAR"] == "1"
    assert "TETHER_TEST_VAR" not in os.environ


def test_set_environ_restores_previous(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TETHER_TEST_VAR", "old")
    with _proxies.set_environ("TETHER_TEST_VAR", "new"):
        assert os.environ["TETHER_TEST_VAR"] == "new"
    assert os.environ["TETHER_TEST_VAR"] == "old"


def test_set_environ_none_is_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TETHER_TEST_VAR", "old")
    with _proxies.set_environ("TETHER_TEST_VAR", None):
        assert os.environ["TETHER_TEST_VAR"] == "old"
        os.environ["TETHER_TEST_VAR"] = "changed inside"
    assert os.environ["TETHER_TEST_VAR"] == "changed inside"


def test_set_environ_restores_on_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TETHER_TEST_VAR", raising=False)
    with pytest.raises(KeyError), _proxies.set_environ("TETHER_TEST_VAR", "1"):
        raise KeyError("boom")
    assert "TETHER_TEST_VAR" not in os.environ


# --------------------------------------------------------------------------------------
# proxy_auth_header
# --------------------------------------------------------------------------------------

AUTH_CASES: list[tuple[str, str | None]] = [
    ("http://u:p@proxy:3128", "u:p"),
    ("http://user@proxy", None),
    ("http://user:@proxy", "user:"),
    ("http://:p@proxy", None),
    ("http://%75%3a:p%40ss@proxy", "u::p@ss"),
    ("http://%C3%A9:p@proxy", "\u00e9:p"),
    ("http://proxy:3128", None),
    ("socks5://u:p@proxy", "u:p"),
    ("proxy:3128", None),
    ("http://u%0d%0aX:p@h", "u\r\nX:p"),  # CR/LF stay inside the base64 (case 35c)
    ("http://%ZZ:p@proxy", "%ZZ:p"),
]


@pytest.mark.parametrize(("proxy_url", "credentials"), AUTH_CASES)
def test_proxy_auth_header(proxy_url: str, credentials: str | None) -> None:
    expected = (
        None
        if credentials is None
        else "Basic " + base64.b64encode(credentials.encode("latin-1")).decode()
    )
    assert _proxies.proxy_auth_header(proxy_url) == expected
    oracle = requests.adapters.HTTPAdapter().proxy_headers(proxy_url)
    assert oracle.get("Proxy-Authorization") == expected


def test_proxy_auth_header_outside_latin1() -> None:
    with pytest.raises(UnicodeEncodeError):
        _proxies.proxy_auth_header("http://%E2%82%AC:p@proxy")
    with pytest.raises(UnicodeEncodeError):
        requests.adapters.HTTPAdapter().proxy_headers("http://%E2%82%AC:p@proxy")


def test_requests_session_agrees_on_prepared_request(monkeypatch: pytest.MonkeyPatch) -> None:
    # resolve_proxies accepts requests' own PreparedRequest (anything with .url).
    monkeypatch.setenv("HTTPS_PROXY", "http://sp:1")
    prepared = requests.Request("GET", "https://a.test/x").prepare()
    assert _proxies.resolve_proxies(prepared, None) == {"https": "http://sp:1"}


# --------------------------------------------------------------------------------------
# getenv: the fast path over os.environ's own dict
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["plain", "", "caf\u00e9", "surrogate-\udcff", "spaces and, commas", "=x=y"]
)
def test_getenv_matches_os_environ(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("TETHER_GETENV_TEST", value)
    assert _proxies.getenv("TETHER_GETENV_TEST") == os.environ.get("TETHER_GETENV_TEST") == value
    monkeypatch.delenv("TETHER_GETENV_TEST")
    assert _proxies.getenv("TETHER_GETENV_TEST") is None


def test_getenv_existing_variables() -> None:
    for name in [*list(os.environ)[:20], "HOME", "surely_not_set_TETHER"]:
        assert _proxies.getenv(name) == os.environ.get(name)


def test_getenv_sees_writes_through_os_environ() -> None:
    os.environ["TETHER_GETENV_TEST"] = "1"
    try:
        assert _proxies.getenv("TETHER_GETENV_TEST") == "1"
        os.environ["TETHER_GETENV_TEST"] = "2"
        assert _proxies.getenv("TETHER_GETENV_TEST") == "2"
    finally:
        del os.environ["TETHER_GETENV_TEST"]
    assert _proxies.getenv("TETHER_GETENV_TEST") is None


def test_getenv_with_replaced_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "environ", {"ONLY_HERE": "x"})
    assert _proxies.getenv("ONLY_HERE") == "x"
    assert _proxies.getenv("HOME") is None


# --------------------------------------------------------------------------------------
# Property: any host / no_proxy combination decides as requests does
# --------------------------------------------------------------------------------------


_LABELS = st.sampled_from(["a", "b", "ab", "ba", "com", "x", "A", "10", "0", "1"])
_NAMES = st.lists(_LABELS, min_size=1, max_size=4).map(".".join)
_IPV4 = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))
_PORTS = st.sampled_from(["", ":80", ":8080", ":0", ":1"])
_HOSTS = st.one_of(_NAMES, _IPV4, st.sampled_from(["[::1]", "[2001:db8::1]", "localhost"]))
_ENTRY = st.one_of(
    st.tuples(st.sampled_from(["", ".", "..", " ", "*."]), _NAMES, _PORTS).map("".join),
    st.tuples(_IPV4, st.sampled_from(["", "/8", "/16", "/24", "/32", "/0", "/33"])).map("".join),
    st.sampled_from(["*", "::1", "[::1]", "::1:8080", "", "."]),
)
_NO_PROXY = st.lists(_ENTRY, max_size=4).map(",".join)


@settings(max_examples=400, deadline=None)
@given(
    host=_HOSTS,
    port=_PORTS,
    no_proxy=st.one_of(st.none(), _NO_PROXY),
    env=st.one_of(st.none(), _NO_PROXY),
)
def test_should_bypass_proxies_property(
    host: str, port: str, no_proxy: str | None, env: str | None
) -> None:
    url = f"http://{host}{port}/path"
    saved = os.environ.pop("no_proxy", None)
    try:
        if env is not None:
            os.environ["no_proxy"] = env
        ours = outcome(_proxies.should_bypass_proxies, url, no_proxy)
        theirs = outcome(requests.utils.should_bypass_proxies, url, no_proxy)
    finally:
        os.environ.pop("no_proxy", None)
        if saved is not None:
            os.environ["no_proxy"] = saved
    assert ours == theirs, (url, no_proxy, env)
