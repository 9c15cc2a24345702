"""Proxy choice for a request: which proxy URL applies, whether ``no_proxy`` bypasses it, and
the proxy settings of the environment (and, on Windows and macOS, of the system). Every
function is a pure decision over its arguments plus a handful of ``os.environ`` look-ups; no
sockets, no files (the Windows registry and macOS SystemConfiguration are read through the
same calls requests makes, only on those platforms).

Theory of operation
-------------------
*Environment.* requests asks ``urllib.request.getproxies()``, which walks every variable of
``os.environ`` twice per request. tether reads only the keys it uses — ``http_proxy``,
``https_proxy``, ``all_proxy`` and ``no_proxy`` in lower and upper case — with urllib's rules
for each: a lower-case variable wins over the upper-case one and, when it is set but empty,
removes the setting even if the upper-case one is set; an empty upper-case variable is
ignored; and ``HTTP_PROXY`` (upper case only) is ignored when ``REQUEST_METHOD`` is set, since
a CGI server copies a client's ``Proxy:`` header into it (httpoxy, CVE-2016-1000110).
Variables for other schemes (``ftp_proxy``, ``ws_proxy``, …) and mixed-case spellings are
**not** read: tether only sends http and https requests, and the ``all``/``no`` keys cover
the rest.

*Bypass* (``should_bypass_proxies``) follows requests 2.34 in two steps:

1. requests' own ``no_proxy`` matching. The list is the ``no_proxy`` argument or else
   ``no_proxy``/``NO_PROXY``; spaces are removed and entries split on commas. For an IPv4
   host an entry matches if it is a CIDR range containing the host or the same literal. For
   any other host (names, IPv6 literals) an entry matches on label boundaries only:
   ``example.com`` (or ``.example.com``) matches ``example.com`` and ``a.example.com``, never
   ``evilexample.com`` (requests 2.34.0; CPython bpo-39057; catalogue case 46). An entry with a
   port, ``host:1234``, is compared the same way against ``host:port`` of the URL.
2. The platform check requests delegates to ``urllib.request.proxy_bypass``: the ``no_proxy``
   value again, this time case-insensitively, whitespace-stripped, with ``*`` (the whole
   value) bypassing everything; on Windows, when no proxy variable is set, the registry's
   ``ProxyOverride`` list (read with ``winreg`` as requests does, without DNS look-ups, but
   each pattern must match the whole host: requests' prefix match let ``intranet`` exempt
   ``intranet.evil.example``); on macOS, SystemConfiguration through urllib. tether
   implements the environment part itself (no scan of ``os.environ``).

*Patch point.* requests' own tests patch ``requests.utils.proxy_bypass``. tether's internal
code never imports the ``utils`` facade, so step 2 looks the facade up in ``sys.modules``: if
``tether.utils.proxy_bypass`` has been replaced, the replacement is called exactly as
requests calls it (host name only, with ``no_proxy`` placed in the environment for the
duration of the call).
"""

from __future__ import annotations

import base64
import importlib
import os
import re
import socket
import sys
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, unquote, urlsplit

__all__ = [
    "address_in_network",
    "dotted_netmask",
    "encoded_name",
    "environ_proxies",
    "get_environ_proxies",
    "getenv",
    "is_ipv4_address",
    "is_valid_cidr",
    "pin_request_choice",
    "proxy_auth_header",
    "proxy_bypass",
    "proxy_bypass_environment",
    "proxy_bypass_registry",
    "raw_environ",
    "resolve_proxies",
    "resolve_session_proxies",
    "select_proxy",
    "set_environ",
    "should_bypass_proxies",
    "system_proxies",
]

# --------------------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------------------

# os.environ.get() of an unset variable raises and catches KeyError inside os._Environ
# (about 0.7 µs; proxy variables are usually unset, and a request reads a dozen). The genuine
# os.environ keeps its contents in its ``_data`` dict under encoded names, and every write
# through os.environ updates it, so reading that dict gives the same answer several times
# faster. Anything else standing in for os.environ (tests replace it) is read with ``.get``.
_ENVIRON_CLASS = type(os.environ)
_encode_key: Callable[[str], Any] = os.environ.encodekey
_decode_value: Callable[[Any], str] = os.environ.decodevalue
_encoded_names: dict[str, Any] = {}


def raw_environ() -> Any:
    """The genuine os.environ's ``_data`` dict (encoded names and values), or None when
    os.environ has been replaced by something else."""
    environ = os.environ
    return getattr(environ, "_data", None) if type(environ) is _ENVIRON_CLASS else None


def encoded_name(name: str) -> Any:
    """``name`` as a key of :func:`raw_environ`'s dict."""
    key = _encoded_names.get(name)
    if key is None:
        key = _encoded_names[name] = _encode_key(name)
    return key


def getenv(name: str) -> str | None:
    """``os.environ.get(name)``, without the cost of a miss (see above)."""
    environ = os.environ
    data: Any = getattr(environ, "_data", None) if type(environ) is _ENVIRON_CLASS else None
    if data is None:
        return environ.get(name)
    key = _encoded_names.get(name)
    if key is None:
        key = _encoded_names[name] = _encode_key(name)
    raw = data.get(key)
    return None if raw is None else _decode_value(raw)


# (key in the result, lower-case variable, upper-case variable)
_ENV_KEYS: tuple[tuple[str, str, str], ...] = tuple(
    (scheme, f"{scheme}_proxy", f"{scheme.upper()}_PROXY")
    for scheme in ("http", "https", "all", "no")
)

_ENCODED_PROXY_NAMES: tuple[Any, ...] = tuple(
    _encode_key(name) for _, lower, upper in _ENV_KEYS for name in (lower, upper)
)

# On Windows os.environ is case-insensitive, so the lower-case look-up finds the upper-case
# variable; urllib then applies only its first pass (any case), CGI rule included.
_CASE_INSENSITIVE_ENV = os.name == "nt"


def _env_value(key: str, lower: str, upper: str) -> str | None:
    """One ``<key>_proxy`` setting under urllib's rules (see the module docstring)."""
    if not _CASE_INSENSITIVE_ENV:
        value = getenv(lower)
        if value is not None:
            # A lower-case variable decides, even when empty (empty = "not set").
            return value or None
    value = getenv(upper)
    if not value:
        return None
    if key == "http" and getenv("REQUEST_METHOD") is not None:
        # httpoxy (CVE-2016-1000110): under CGI, HTTP_PROXY may come from a request header.
        return None
    return value


def environ_proxies() -> dict[str, str]:
    """The proxy settings of the environment, shaped like ``urllib.request.getproxies()``.

    Keys are ``"http"``, ``"https"``, ``"all"`` and ``"no"``; a key is present when its
    variable is set to a non-empty value. Eight ``os.environ`` look-ups at most, never a scan:
    variables for other schemes (``ftp_proxy`` …) are not read.
    """
    proxies: dict[str, str] = {}
    if not _CASE_INSENSITIVE_ENV:
        environ = os.environ
        data: Any = getattr(environ, "_data", None) if type(environ) is _ENVIRON_CLASS else None
        if data is not None:
            # The usual case: none of the eight variables is set. One pass over the
            # encoded names answers that without a function call per variable.
            for encoded in _ENCODED_PROXY_NAMES:
                if encoded in data:
                    break
            else:
                return proxies
    for key, lower, upper in _ENV_KEYS:
        value = _env_value(key, lower, upper)
        if value is not None:
            proxies[key] = value
    return proxies


def _env_no_proxy() -> str | None:
    """The ``no`` entry of :func:`environ_proxies` alone (two look-ups)."""
    return _env_value("no", "no_proxy", "NO_PROXY")


@contextmanager
def set_environ(env_name: str, value: str | None) -> Iterator[None]:
    """Set ``os.environ[env_name]`` to ``value`` for the ``with`` block, then restore it.

    ``None`` leaves the environment untouched. Not thread-safe (the environment is process
    state); tether itself only uses it when a user has patched ``utils.proxy_bypass``.
    """
    if value is None:
        yield
        return
    previous = os.environ.get(env_name)
    os.environ[env_name] = value
    try:
        yield
    finally:
        if previous is None:
            del os.environ[env_name]
        else:
            os.environ[env_name] = previous


# --------------------------------------------------------------------------------------
# IPv4 helpers (requests' semantics: inet_aton, so "127.1" and "10" are addresses too)
# --------------------------------------------------------------------------------------


def is_ipv4_address(string_ip: str) -> bool:
    """Tell whether ``string_ip`` is an IPv4 address in any form ``inet_aton`` accepts."""
    try:
        socket.inet_aton(string_ip)
    except OSError:
        return False
    return True


def is_valid_cidr(string_network: str) -> bool:
    """Tell whether ``string_network`` is ``address/bits`` with an IPv4 address, 1 <= bits <= 32."""
    if string_network.count("/") != 1:
        return False
    address, _, bits = string_network.partition("/")
    try:
        mask = int(bits)
    except ValueError:
        return False
    if not 1 <= mask <= 32:
        return False
    return is_ipv4_address(address)


def dotted_netmask(mask: int) -> str:
    """The dotted-quad form of a prefix length: ``24`` -> ``"255.255.255.0"``."""
    # The shift raises ValueError for mask > 32 and to_bytes OverflowError below 0, as
    # requests' arithmetic fails there too.
    value = 0xFFFFFFFF ^ ((1 << (32 - mask)) - 1)
    return socket.inet_ntoa(value.to_bytes(4, "big"))


def _ipv4_int(address: str) -> int:
    return int.from_bytes(socket.inet_aton(address), "big")


def address_in_network(ip: str, net: str) -> bool:
    """Tell whether IPv4 address ``ip`` lies in network ``net`` (``"198.51.100.0/24"``)."""
    ip_value = _ipv4_int(ip)
    net_address, bits = net.split("/")
    netmask = _ipv4_int(dotted_netmask(int(bits)))
    return (ip_value & netmask) == (_ipv4_int(net_address) & netmask)


# --------------------------------------------------------------------------------------
# Step 1: requests' no_proxy list
# --------------------------------------------------------------------------------------


class _Suffixes:
    """A set of domain names matched on label boundaries (case 46): a candidate matches a
    name when it equals it or ends with ``"." + name``. Built once per ``no_proxy`` value,
    so a match is a set look-up plus one C-level ``str.endswith`` over a tuple."""

    __slots__ = ("dotted", "exact")

    def __init__(self, names: list[str]) -> None:
        self.exact = frozenset(names)
        self.dotted = tuple("." + name for name in self.exact)

    def match(self, candidate: str) -> bool:
        return candidate in self.exact or candidate.endswith(self.dotted)


class _NoProxyList:
    """A ``no_proxy`` value parsed as requests reads it (spaces removed, split on commas)."""

    __slots__ = ("literals", "names", "networks")

    def __init__(self, no_proxy: str) -> None:
        entries = [entry for entry in no_proxy.replace(" ", "").split(",") if entry]
        # IPv4 hosts: CIDR ranges (as (network, netmask) integers) and literal entries.
        self.networks: list[tuple[int, int]] = []
        literals = []
        for entry in entries:
            if is_valid_cidr(entry):
                address, bits = entry.split("/")
                netmask = _ipv4_int(dotted_netmask(int(bits)))
                self.networks.append((_ipv4_int(address) & netmask, netmask))
            else:
                literals.append(entry)
        self.literals = frozenset(literals)
        # Other hosts: every entry, leading dots dropped, as a domain suffix.
        self.names = _Suffixes([entry.lstrip(".") for entry in entries])


@lru_cache(maxsize=64)
def _no_proxy_list(no_proxy: str) -> _NoProxyList:
    return _NoProxyList(no_proxy)


def _no_proxy_matches(parsed: SplitResult, hostname: str, no_proxy: str) -> bool:
    entries = _no_proxy_list(no_proxy)
    if is_ipv4_address(hostname):
        if hostname in entries.literals:
            return True
        if entries.networks:
            host_value = _ipv4_int(hostname)
            return any(host_value & netmask == network for network, netmask in entries.networks)
        return False
    # ``parsed.port`` raises ValueError for a bad port, as it does in requests. Port 0 counts
    # as no port (requests tests the port for truth).
    port = parsed.port
    if entries.names.match(hostname):
        return True
    return bool(port) and entries.names.match(f"{hostname}:{port}")


# --------------------------------------------------------------------------------------
# Step 2: the environment / platform check (urllib.request.proxy_bypass semantics)
# --------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _environment_names(no_proxy: str) -> _Suffixes:
    """The ``no_proxy`` entries as urllib reads them: stripped, lower-cased, no leading dots."""
    names = []
    for raw in no_proxy.split(","):
        name = raw.strip()
        if name:
            names.append(name.lstrip(".").lower())
    return _Suffixes(names)


def _bypass_by_no_proxy(host: str, no_proxy: str) -> bool:
    if no_proxy == "*":
        return True
    host = host.lower()
    hostonly = host
    if ":" in host:
        # urllib strips a trailing ":digits" first (which also trims IPv6 literals): its
        # ``(.*):([0-9]*)`` regex, without compiling one at import time.
        head, _, port = host.rpartition(":")
        if port.isdigit() and port.isascii():
            hostonly = head
    names = _environment_names(no_proxy)
    return names.match(hostonly) or names.match(host)


def proxy_bypass_environment(host: str, proxies: Mapping[str, str] | None = None) -> bool:
    """``urllib.request.proxy_bypass_environment`` without the ``os.environ`` scan.

    ``proxies`` is a ``getproxies()``-shaped dict (only its ``"no"`` entry is used); by default
    the environment's. A ``no`` value of ``*`` bypasses every host; otherwise entries match
    the host or a parent domain, case-insensitively.
    """
    if proxies is None:
        proxies = environ_proxies()
    try:
        no_proxy = proxies["no"]
    except KeyError:
        return False
    return _bypass_by_no_proxy(host, no_proxy)


# Windows: the "Internet Settings" registry key, as requests reads it (no DNS look-ups).
_INTERNET_SETTINGS = r"Software\Microsoft\Windows\CurrentVersion\Internet Settings"


@lru_cache(maxsize=8)
def _override_patterns(override: str) -> tuple[re.Pattern[str] | None, ...]:
    """Compile a ``ProxyOverride`` list; ``None`` stands for ``<local>``."""
    patterns: list[re.Pattern[str] | None] = []
    for item in override.split(";"):
        item = item.strip()
        if not item:
            continue
        if item == "<local>":
            patterns.append(None)
            continue
        # WinINet wildcards: '*' any run, '?' one character; everything else literal.
        regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in item)
        patterns.append(re.compile(regex, re.IGNORECASE | re.DOTALL))
    return tuple(patterns)


def proxy_bypass_registry(host: str) -> bool:
    """Tell whether the Windows proxy settings (``ProxyOverride``) exempt ``host``.

    ``<local>`` exempts dot-less host names. Patterns are matched against the whole host
    name (requests matches only a prefix, so its ``intranet`` also exempted
    ``intranet.evil.example``; tether does not). False off Windows or when unreadable.
    """
    try:
        winreg: Any = importlib.import_module("winreg")
    except ImportError:
        return False
    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, _INTERNET_SETTINGS) as key:
            # ProxyEnable may be a REG_SZ or a REG_DWORD.
            enabled = int(winreg.QueryValueEx(key, "ProxyEnable")[0])
            override = winreg.QueryValueEx(key, "ProxyOverride")[0]
    except (OSError, ValueError):
        return False
    if not enabled or not override:
        return False
    for pattern in _override_patterns(str(override)):
        if pattern is None:
            if "." not in host:
                return True
        elif pattern.fullmatch(host):
            return True
    return False


def _registry_proxies() -> dict[str, str]:
    request: Any = importlib.import_module("urllib.request")
    return dict(request.getproxies_registry())


def _macos_bypass(host: str) -> bool:
    request: Any = importlib.import_module("urllib.request")
    return bool(request.proxy_bypass_macosx_sysconf(host))


def _macos_proxies() -> dict[str, str]:
    request: Any = importlib.import_module("urllib.request")
    return dict(request.getproxies_macosx_sysconf())


# The system settings consulted when no proxy variable is set (None: environment only).
# Module attributes so tests can exercise the Windows/macOS dispatch on any platform.
_SYSTEM_BYPASS: Callable[[str], bool] | None
_SYSTEM_PROXIES: Callable[[], dict[str, str]] | None
if sys.platform == "win32":
    _SYSTEM_BYPASS, _SYSTEM_PROXIES = proxy_bypass_registry, _registry_proxies
elif sys.platform == "darwin":
    _SYSTEM_BYPASS, _SYSTEM_PROXIES = _macos_bypass, _macos_proxies
else:
    _SYSTEM_BYPASS = _SYSTEM_PROXIES = None


def proxy_bypass(host: str, proxies: Mapping[str, str] | None = None) -> bool:
    """``urllib.request.proxy_bypass`` for ``host``, without the ``os.environ`` scan.

    When any proxy variable is set (or ``proxies``, a ``getproxies()``-shaped dict, is not
    empty), the ``no_proxy`` rules of :func:`proxy_bypass_environment`; otherwise, on Windows
    the registry and on macOS SystemConfiguration; elsewhere False. This is what
    ``tether.utils.proxy_bypass`` names.
    """
    if proxies is None:
        proxies = environ_proxies()
    system = _SYSTEM_BYPASS
    if system is not None and not proxies:
        return system(host)
    return proxy_bypass_environment(host, proxies)


def system_proxies() -> dict[str, str]:
    """``urllib.request.getproxies()`` restricted to http/https/all/no: the environment's
    settings or, when none is set, the Windows registry's / macOS system's. A new dict."""
    proxies = environ_proxies()
    if proxies or _SYSTEM_PROXIES is None:
        return proxies
    return _SYSTEM_PROXIES()


def _patched_proxy_bypass() -> Callable[..., Any] | None:
    """The user's replacement of ``tether.utils.proxy_bypass``, if there is one."""
    facade = sys.modules.get("tether.utils")
    if facade is None:
        return None
    current: Callable[..., Any] = getattr(facade, "proxy_bypass", proxy_bypass)
    return None if current is proxy_bypass else current


def _platform_bypass(hostname: str, no_proxy_arg: str | None) -> bool:
    patched = _patched_proxy_bypass()
    if patched is not None:
        # Exactly requests' call: the host name alone, no_proxy visible in the environment.
        with set_environ("no_proxy", no_proxy_arg):
            try:
                return bool(patched(hostname))
            except (TypeError, socket.gaierror):
                return False
    if _SYSTEM_BYPASS is None:
        # Linux and the like: only the "no" setting matters; an explicit argument replaces
        # the environment's (an empty one removes it, as set_environ("no_proxy", "") does).
        no_proxy = _env_no_proxy() if no_proxy_arg is None else no_proxy_arg
        if not no_proxy:
            return False
        return _bypass_by_no_proxy(hostname, no_proxy)
    proxies = environ_proxies()
    if no_proxy_arg:
        proxies["no"] = no_proxy_arg
    elif no_proxy_arg is not None:
        proxies.pop("no", None)
    try:
        return proxy_bypass(hostname, proxies)
    except (TypeError, socket.gaierror):
        return False


# --------------------------------------------------------------------------------------
# Public decisions
# --------------------------------------------------------------------------------------


def should_bypass_proxies(url: str, no_proxy: str | None) -> bool:
    """Tell whether ``url`` should be fetched directly rather than through a proxy.

    ``no_proxy`` is a comma-separated list (host names, domain suffixes, ``.domain``, IPv4
    addresses, CIDR ranges, ``host:port``, IPv6 literals, or ``*``); ``None`` means the
    environment's ``no_proxy``/``NO_PROXY``. A URL without a host is always fetched directly.
    """
    return _should_bypass(urlsplit(url), no_proxy)


def _should_bypass(parsed: SplitResult, no_proxy: str | None) -> bool:
    # urlsplit, not urlparse: the same netloc parsing (scheme, host, port), and cached.
    no_proxy_arg = no_proxy
    if no_proxy is None:
        no_proxy = getenv("no_proxy") or getenv("NO_PROXY")
    hostname = parsed.hostname
    if hostname is None:
        return True
    if no_proxy and _no_proxy_matches(parsed, hostname, no_proxy):
        return True
    return _platform_bypass(hostname, no_proxy_arg)


def get_environ_proxies(url: str, no_proxy: str | None = None) -> dict[str, str]:
    """The system proxy settings for ``url``: ``{}`` when it bypasses proxies, else
    :func:`system_proxies` (keys ``http``, ``https``, ``all``, ``no``)."""
    proxies = system_proxies()
    if not proxies:
        # Nothing configured (the common case): the answer is {} whatever the bypass rules
        # say, so skip parsing the URL and no_proxy.
        return proxies
    if should_bypass_proxies(url, no_proxy=no_proxy):
        return {}
    return proxies


def select_proxy(url: str, proxies: Mapping[str, str] | None) -> str | None:
    """The proxy for ``url`` from a proxies mapping.

    Keys are tried in requests' order: ``scheme://host``, ``scheme``, ``all://host``, ``all``;
    the first key present wins, even when its value is empty. A URL without a host only looks
    at ``scheme`` then ``all``.
    """
    if not proxies:
        return None
    parts = urlsplit(url)
    scheme, hostname = parts.scheme, parts.hostname
    if hostname is None:
        return proxies.get(scheme, proxies.get("all"))
    for key in (f"{scheme}://{hostname}", scheme, f"all://{hostname}", "all"):
        if key in proxies:
            return proxies[key]
    return None


if TYPE_CHECKING:  # a Protocol class costs time to create; only type checkers need it
    from typing import Protocol

    class _HasURL(Protocol):
        @property
        def url(self) -> str | bytes | None: ...


def resolve_proxies(
    request: _HasURL, proxies: Mapping[str, str] | None, trust_env: bool = True
) -> dict[str, str]:
    """The proxies to use for ``request``: a copy of ``proxies`` plus, when ``trust_env`` and
    the URL is not bypassed (``proxies["no_proxy"]`` or the environment), the system proxy for
    its scheme (or ``all``) unless ``proxies`` already names one for that scheme."""
    resolved = dict(proxies) if proxies is not None else {}
    # A prepared request's URL is a str; requests passes whatever is there to urlparse.
    url: Any = request.url
    if trust_env:
        parsed = urlsplit(url)
        if not _should_bypass(parsed, resolved.get("no_proxy")):
            scheme = parsed.scheme
            system = system_proxies()
            proxy = system.get(scheme, system.get("all"))
            if proxy:
                resolved.setdefault(scheme, proxy)
    return resolved


# --------------------------------------------------------------------------------------
# tether's precedence: request, then session, then environment
# --------------------------------------------------------------------------------------
#
# requests merges the three sources key by key and lets ``select_proxy`` pick the most
# specific key, so a session's ``{"all": S}`` loses to the environment's ``http_proxy`` for
# every http URL, and the environment's value replaces ``session.proxies["http"]`` outright
# (psf/requests#2018). tether ranks the *sources* first: a source that names a proxy for the
# URL under any of its keys wins over every source below it. The environment therefore only
# fills in when neither the request nor the session names one, and the request's choice is
# pinned under the most specific key (``scheme://host``) when the session has a more
# specific key of its own. ``resolve_proxies`` above stays requests' function, because
# ``utils.resolve_proxies`` is public and code compares it with requests'.


def pin_request_choice(
    url: str, request_proxies: Mapping[str, str], merged: MutableMapping[str, str]
) -> MutableMapping[str, str]:
    """Make ``merged`` (session proxies updated with the request's) select, for ``url``,
    the proxy the request's own dict selects. Returns ``merged`` (changed in place)."""
    wanted = select_proxy(url, request_proxies)
    if wanted is None or select_proxy(url, merged) == wanted:
        return merged
    parts = urlsplit(url)
    if parts.hostname is not None:
        merged[f"{parts.scheme}://{parts.hostname}"] = wanted
    return merged


def resolve_session_proxies(
    request: _HasURL, proxies: Mapping[str, str] | None, trust_env: bool = True
) -> dict[str, str]:
    """``resolve_proxies`` with tether's precedence: the environment's proxy is added only
    when ``proxies`` (the request's and session's, merged) names none for the URL."""
    url: Any = request.url
    if proxies and url and select_proxy(url, proxies) is not None:
        return dict(proxies)
    return resolve_proxies(request, proxies, trust_env)


def proxy_auth_header(proxy_url: str) -> str | None:
    """The ``Proxy-Authorization`` value (Basic) for the credentials in ``proxy_url``, or None.

    As requests: user and password are percent-decoded and encoded as latin-1 (a character
    outside latin-1 raises UnicodeEncodeError); no header without a user name, or when the URL
    has a user but no ``:`` password part at all (``http://user@proxy``).
    """
    parsed = urlsplit(proxy_url)
    username, password = parsed.username, parsed.password
    if not username or password is None:
        return None
    raw = unquote(username).encode("latin-1") + b":" + unquote(password).encode("latin-1")
    return "Basic " + base64.b64encode(raw).decode("ascii")
