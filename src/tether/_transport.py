"""What a prepared request asks of the transport, computed without touching a socket.

``HTTPAdapter`` turns ``verify``, ``cert`` and ``timeout`` into the arguments of urllib3's
``connection_from_host`` and ``urlopen``. The rules live here as pure functions.

Theory of operation. Every TLS input is part of the pool key (scheme, host, port,
``cert_reqs``, ``ca_certs``/``ca_cert_dir``, ``cert_file``/``key_file``), so two requests
with different TLS settings never share a connection: a ``verify=False`` request cannot
leave an unverified connection in the pool for a later verified one (CVE-2024-35195).
For ``verify=True`` the key carries no CA path (the same key for every such request) and
``HTTPAdapter.cert_verify`` names certifi's bundle on the pool, so urllib3 never falls back
to the operating system's store, and a custom bundle never adds it either (CVE-2019-11324).

An HTTPS proxy gets a TLS context of its own (``proxy_ssl_context``), built from the
adapter's ``proxy_verify`` and never from the target's ``verify=False``: switching off
verification of the origin must not switch off verification of the proxy the request
travels through (SECURITY-CASES case 24; urllib3 otherwise reuses the target's settings
for the proxy).
"""

from __future__ import annotations

import os
import ssl
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from urllib3.util import Timeout
from urllib3.util.ssl_ import create_urllib3_context

_TIMEOUT_TUPLE_MESSAGE = (
    "Invalid timeout {0}. Pass a (connect, read) timeout tuple, "
    "or a single float to set both timeouts to the same value."
)


@lru_cache(maxsize=1)
def default_ca_bundle() -> str:
    """certifi's CA bundle path, looked up once (``certifi.where()`` is not free)."""
    import certifi

    return certifi.where()


@lru_cache(maxsize=64)
def _is_dir(path: str) -> bool:
    # A CA location is a file or a directory for the life of the process in practice;
    # caching spares a stat() per request. Cleared by ``clear_caches``.
    return os.path.isdir(path)


def clear_caches() -> None:
    """Forget cached file-system facts (tests that create CA directories call this)."""
    _is_dir.cache_clear()
    proxy_ssl_context.cache_clear()


def tls_pool_kwargs(verify: bool | str | None, cert: Any) -> dict[str, Any]:
    """The TLS part of a pool key for ``verify`` and client ``cert`` (see module docs)."""
    kwargs: dict[str, Any] = {}
    if not verify:
        # ``cert_verify`` switches verification off for every false value (False, 0, "",
        # None), so the key must say so for all of them. requests keys only ``False`` as
        # CERT_NONE: its ``verify=0`` (or ``""`` when no CA variable is set) shares the
        # ``verify=True`` pool, and the unverified connection it leaves there is reused by
        # the next verified request (CVE-2024-35195 again; SECURITY-CASES case 20).
        kwargs["cert_reqs"] = "CERT_NONE"
    else:
        kwargs["cert_reqs"] = "CERT_REQUIRED"
        if isinstance(verify, str) and verify:
            if _is_dir(verify):
                kwargs["ca_cert_dir"] = verify
            else:
                kwargs["ca_certs"] = verify
    if cert is not None:
        if isinstance(cert, tuple) and len(cert) == 2:
            kwargs["cert_file"], kwargs["key_file"] = cert
        else:
            kwargs["cert_file"] = cert
    return kwargs


def pool_key_attributes(
    url: str, verify: bool | str | None, cert: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(host_params, pool_kwargs)`` for ``PoolManager.connection_from_host``.

    Raises ``ValueError`` for a URL whose port is not a number, as ``urlparse`` does.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host_params = {"scheme": scheme, "host": parts.hostname, "port": parts.port}
    if scheme == "https":
        pool_kwargs = tls_pool_kwargs(verify, cert)
    else:
        pool_kwargs = {}
    return host_params, pool_kwargs


# --------------------------------------------------------------------------------------
# Pool look-up
# --------------------------------------------------------------------------------------
#
# ``PoolManager.connection_from_host`` rebuilds and normalises a pool key (a namedtuple of
# ~40 fields) for every request. The key depends only on the URL's origin and the TLS
# settings, so the adapter remembers it per ``(origin, verify, cert)`` in the manager it
# belongs to and asks the manager's container for the pool directly. That look-up is the
# one ``connection_from_pool_key`` makes (it also keeps the least-recently-used order); a
# pool the manager dropped (evicted, ``clear()``) is not found and the full path runs, and
# so does every request after a change to the manager's ``connection_pool_kw``.

_KEYS_ATTRIBUTE = "_tether_pool_keys"
# The manager's ``connection_pool_kw`` the keys were built with (part of every key).
_POOL_KW_ATTRIBUTE = "_tether_pool_kw"
_MAX_KEYS = 256


def _origin(url: str) -> str | None:
    # "scheme://authority" of an http(s) URL, or None. The authority ends at the first "/"
    # after it, or the URL ends first; anything up to that "/" decides scheme, host and port.
    if url.startswith("http://"):
        end = url.find("/", 7)
    elif url.startswith("https://"):
        end = url.find("/", 8)
    else:
        return None
    return url if end < 0 else url[:end]


def cached_pool(manager: Any, url: str, verify: Any, cert: Any) -> Any:
    """The pool remembered for this origin and TLS settings, or None."""
    keys = manager.__dict__.get(_KEYS_ATTRIBUTE)
    if keys is None:
        return None
    if manager.__dict__.get(_POOL_KW_ATTRIBUTE) != manager.connection_pool_kw:
        # The manager's pool settings changed since: every key is built anew.
        keys.clear()
        return None
    origin = _origin(url)
    if origin is None:
        return None
    try:
        pool_key = keys.get((origin, verify, cert))
    except TypeError:  # an unhashable cert (a list)
        return None
    if pool_key is None:
        return None
    return manager.pools.get(pool_key)


def remember_pool(manager: Any, url: str, verify: Any, cert: Any, pool: Any) -> None:
    """Remember the key under which ``manager`` keeps ``pool`` (just returned for ``url``)."""
    origin = _origin(url)
    container = getattr(manager.pools, "_container", None)
    if origin is None or not isinstance(container, dict):
        return
    with manager.pools.lock:
        pool_key = next((key for key, value in container.items() if value is pool), None)
    if pool_key is None:
        return
    keys = manager.__dict__.setdefault(_KEYS_ATTRIBUTE, {})
    if len(keys) >= _MAX_KEYS or manager.__dict__.get(_POOL_KW_ATTRIBUTE) != (
        manager.connection_pool_kw
    ):
        keys.clear()
        manager.__dict__[_POOL_KW_ATTRIBUTE] = dict(manager.connection_pool_kw)
    try:
        keys[(origin, verify, cert)] = pool_key
    except TypeError:
        pass


def proxy_trust(proxy_verify: bool | str | None, verify: bool | str | None) -> str | None:
    """The CA location an HTTPS proxy's certificate is checked against, or None for no check.

    ``proxy_verify`` is the adapter's setting: False (no check), True (certifi), a CA file
    or directory, or None (the default): the target's CA path when ``verify`` names one
    (what requests does, so one corporate bundle still covers proxy and origins), else
    certifi. The target's ``verify=False`` never reaches the proxy (case 24).
    """
    if proxy_verify is False:
        return None
    if isinstance(proxy_verify, str) and proxy_verify:
        return proxy_verify
    if proxy_verify is None and isinstance(verify, str) and verify:
        return verify
    return default_ca_bundle()


@lru_cache(maxsize=16)
def proxy_ssl_context(trust: str | None) -> ssl.SSLContext:
    """A client context for the TLS connection to an HTTPS proxy (see ``proxy_trust``).

    Built once per CA location and shared: urllib3 only reads it (and sets ``verify_mode``
    to the value it already has). A missing CA location raises OSError, as ``cert_verify``
    does for the target.
    """
    if trust is None:
        context = create_urllib3_context(cert_reqs=ssl.CERT_NONE)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if not os.path.exists(trust):
        raise OSError(f"Could not find a suitable TLS CA certificate bundle, invalid path: {trust}")
    context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
    if os.path.isdir(trust):
        context.load_verify_locations(capath=trust)
    else:
        context.load_verify_locations(cafile=trust)
    return context


_TIMEOUTS: dict[Any, Timeout] = {}
_PLAIN = (int, float, type(None))
_NO_TIMEOUT = Timeout(connect=None, read=None)


def make_timeout(timeout: Any) -> Timeout:
    """Turn a requests-style timeout (float, ``(connect, read)``, ``Timeout``, None) into a
    urllib3 ``Timeout``; a malformed tuple raises requests' ``ValueError``.

    urllib3 treats a ``Timeout`` as an immutable value (it clones it per connection), so
    one object per distinct setting is built and reused.
    """
    if timeout is None:
        return _NO_TIMEOUT
    if isinstance(timeout, Timeout):
        return timeout
    # Only plain numbers and None are cached, so 1, 1.0 and True (equal as dict keys) never
    # share an entry: urllib3 rejects a bool, and must keep doing so.
    cacheable = type(timeout) in _PLAIN or (
        type(timeout) is tuple and len(timeout) == 2 and all(type(part) in _PLAIN for part in timeout)
    )
    if cacheable:
        key = (type(timeout), timeout) if type(timeout) is not tuple else (tuple, *((type(p), p) for p in timeout))
        cached = _TIMEOUTS.get(key)
        if cached is not None:
            return cached
        made = _build_timeout(timeout)
        if len(_TIMEOUTS) >= 256:
            _TIMEOUTS.clear()
        _TIMEOUTS[key] = made
        return made
    return _build_timeout(timeout)


def _build_timeout(timeout: Any) -> Timeout:
    if isinstance(timeout, tuple):
        try:
            connect, read = timeout
        except ValueError:
            raise ValueError(_TIMEOUT_TUPLE_MESSAGE.format(timeout)) from None
        return Timeout(connect=connect, read=read)
    return Timeout(connect=timeout, read=timeout)
