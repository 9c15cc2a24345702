"""What a prepared request asks of the transport, computed without touching a socket.

``HTTPAdapter`` turns ``verify``, ``cert`` and ``timeout`` into the arguments of urllib3's
``connection_from_host`` and ``urlopen``. The rules live here as pure functions.

Theory of operation. Every TLS input is part of the pool key (scheme, host, port,
``cert_reqs``, ``ca_certs``/``ca_cert_dir``, ``cert_file``/``key_file``), so two requests
with different TLS settings never share a connection: a ``verify=False`` request cannot
leave an unverified connection in the pool for a later verified one (CVE-2024-35195).
``verify=True`` names certifi's bundle explicitly rather than leaving ``ca_certs`` empty, so
a custom bundle never silently adds the operating system's store (CVE-2019-11324) and the
key is the same for every ``verify=True`` request.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from urllib3.util import Timeout

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


def tls_pool_kwargs(verify: bool | str | None, cert: Any) -> dict[str, Any]:
    """The TLS part of a pool key for ``verify`` and client ``cert`` (see module docs)."""
    kwargs: dict[str, Any] = {}
    if verify is False:
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


_TIMEOUTS: dict[Any, Timeout] = {}
_PLAIN = (int, float, type(None))


def make_timeout(timeout: Any) -> Timeout:
    """Turn a requests-style timeout (float, ``(connect, read)``, ``Timeout``, None) into a
    urllib3 ``Timeout``; a malformed tuple raises requests' ``ValueError``.

    urllib3 treats a ``Timeout`` as an immutable value (it clones it per connection), so
    one object per distinct setting is built and reused.
    """
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
