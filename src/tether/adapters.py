"""Transport adapters: what a :class:`~tether.sessions.Session` hands each prepared request to.

:class:`HTTPAdapter` owns a urllib3 ``PoolManager`` (plus one proxy manager per proxy URL)
and is the only part of tether that talks to urllib3's connection pools. Its ``send``
calls its overridable methods in the same order as requests, because subclasses and
mocking libraries hook into each of them::

    get_connection_with_tls_context -> cert_verify -> request_url -> add_headers
      -> conn.urlopen(...) -> build_response
"""

from __future__ import annotations

import os.path
import socket  # noqa: F401  (requests.adapters exposes it; some code patches it here)
import threading
import warnings
from collections.abc import Mapping
from queue import Empty, Full
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlparse

from urllib3 import HTTPHeaderDict as _HTTPHeaderDict
from urllib3.exceptions import (
    ClosedPoolError,
    ConnectTimeoutError,
    LocationValueError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.exceptions import HTTPError as _HTTPError
from urllib3.exceptions import InvalidHeader as _InvalidHeader
from urllib3.exceptions import ProxyError as _ProxyError
from urllib3.exceptions import SSLError as _SSLError
from urllib3.poolmanager import PoolManager, proxy_from_url
from urllib3.util import Timeout as TimeoutSauce
from urllib3.util import parse_url
from urllib3.util.retry import Retry

from . import _lazycookies, _transport
from ._body import SEND_BLOCKSIZE, ReplayableBody
from ._headers import check_header_validity, get_encoding_from_headers
from ._interim import BoundedInterimResponse
from ._lazyimport import LazyModule, bound
from ._proxies import select_proxy
from ._urls import get_auth_from_url, prepend_scheme_if_needed, urldefragauth
from .exceptions import (
    ConnectionError,
    ConnectTimeout,
    InvalidHeader,
    InvalidProxyURL,
    InvalidSchema,
    InvalidURL,
    ProxyError,
    ReadTimeout,
    RetryError,
    SSLError,
)
from .models import Response
from .structures import CaseInsensitiveDict

if TYPE_CHECKING:
    from urllib3.connectionpool import HTTPConnectionPool
    from urllib3.response import BaseHTTPResponse

    from . import _cookiecache, _errors
    from .cookies import extract_cookies_to_jar as extract_cookies_to_jar
    from .models import PreparedRequest
else:
    # Imported with the first send error (see _lazyimport).
    _errors = LazyModule(globals(), "_errors", "tether._errors")

#: What ``_errors.on_send`` translates (``_errors.SEND_ERRORS``, checked equal by the tests),
#: held here so that matching an exception never imports anything.
_SEND_ERRORS = (_HTTPError, OSError)

# requests.adapters exposes extract_cookies_to_jar; bound when the cookie machinery loads
# (see _lazycookies).
_cookie_attribute, _cookie_dir = _lazycookies.module_names(
    globals(), "extract_cookies_to_jar", "_cookiecache"
)

__all__ = [
    "DEFAULT_POOLBLOCK",
    "DEFAULT_POOLSIZE",
    "DEFAULT_POOL_TIMEOUT",
    "DEFAULT_RETRIES",
    "BaseAdapter",
    "HTTPAdapter",
]

DEFAULT_POOLBLOCK = False
DEFAULT_POOLSIZE = 10
DEFAULT_RETRIES = 0
DEFAULT_POOL_TIMEOUT = None

basestring = (str, bytes)

# Kept as module names because requests.adapters has them and code imports them from here.
_exception_names = (
    TimeoutSauce,
    ClosedPoolError,
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
    _HTTPError,
    _InvalidHeader,
    _ProxyError,
    _SSLError,
    ConnectionError,
    ConnectTimeout,
    InvalidHeader,
    ProxyError,
    ReadTimeout,
    RetryError,
    SSLError,
)


def _socks_proxy_manager() -> Any:
    """``SOCKSProxyManager`` as requests binds it: urllib3's class, or a stand-in that raises
    InvalidSchema when PySocks is missing. Imported when the first SOCKS proxy is used (or
    the name is read): ``urllib3.contrib.socks`` and PySocks cost ~1 ms of ``import tether``.
    A module global once loaded, so patching ``adapters.SOCKSProxyManager`` still works."""
    bound = globals().get("SOCKSProxyManager")
    if bound is not None:
        return bound
    try:
        from urllib3.contrib.socks import SOCKSProxyManager as manager
    except ImportError:  # PySocks is an optional extra

        def manager(*args: Any, **kwargs: Any) -> Any:  # type: ignore[no-redef]
            raise InvalidSchema("Missing dependencies for SOCKS support.")

        manager.__name__ = manager.__qualname__ = "SOCKSProxyManager"
    globals()["SOCKSProxyManager"] = manager
    return manager


def __getattr__(name: str) -> Any:
    # DEFAULT_CA_BUNDLE_PATH costs a certifi lookup; compute it when someone asks.
    if name == "DEFAULT_CA_BUNDLE_PATH":
        return _transport.default_ca_bundle()
    if name == "SOCKSProxyManager":
        return _socks_proxy_manager()
    if name == "_basic_auth_str":  # requests.adapters has it; tether.auth loads on first use
        return bound(globals(), name, "tether.auth")
    return _cookie_attribute(name)


def __dir__() -> list[str]:
    return sorted(
        {*_cookie_dir(), "DEFAULT_CA_BUNDLE_PATH", "SOCKSProxyManager", "_basic_auth_str"}
    )


# --------------------------------------------------------------------------------------
# Stale keep-alive connections
# --------------------------------------------------------------------------------------
#
# A server may close an idle keep-alive connection at any moment (RFC 9112 §9.6). urllib3
# looks for a close before it reuses a pooled connection, but the close can land after that
# look (the server's idle timer fires as the request arrives), and the request then fails
# with no response at all. Browsers resend in exactly that case, whatever the method
# (Chromium: a reused socket that fails with a reset, close or empty response before any
# response byte); RFC 9112 §9.3.1 allows an automatic retry when the client can tell the
# request was not applied, and a server that drops a connection it was keeping idle has not
# read the request on it. tether's rule:
#
#   resend once, on a new connection, only when the connection was a *reused* one and the
#   failure is a close/reset before the first response byte (``_errors.closed_before_response``),
#   and only when the body can be sent again (none, bytes/str, or seekable to its start).
#
# Whether the connection was reused is known only inside the pool, so every pool the
# adapter creates is of a small subclass that records it in a thread-local when it hands a
# connection out; a fresh connection, a read timeout, or any byte of a response means no
# retry. The record costs one attribute store per request.


class _ReuseState(threading.local):
    #: The pool whose latest ``_get_conn`` (in this thread) handed out a kept-alive
    #: connection; None when it handed out a new one.
    pool: object = None
    #: True while the adapter resends: kept-alive connections are closed instead of used.
    fresh: bool = False


_reuse = _ReuseState()


def _record_reuse(pool: Any, conn: Any) -> Any:
    if getattr(conn, "sock", None) is None:
        _reuse.pool = None
        # A connection about to (re)connect: bound its interim responses (case 40; see
        # ``_interim``). Set once per connection, not per request.
        conn.response_class = BoundedInterimResponse
    elif _reuse.fresh:
        conn.close()
        _reuse.pool = None
    else:
        _reuse.pool = pool
    return conn


_tracked_classes: dict[type, type] = {}


def _tracked_pool_class(base: type[Any]) -> type:
    """``base`` with a ``_get_conn`` that records reuse (one subclass per pool class).

    The subclass keeps the base's name, so pool reprs (and the error messages built from
    them) read as they do in requests.
    """
    tracked = _tracked_classes.get(base)
    if tracked is None:

        def _get_conn(self: Any, timeout: float | None = None) -> Any:
            # Looked up on ``base`` at each call, so a patched ``_get_conn`` still runs.
            conn = base._get_conn(self, timeout)
            if _reuse.fresh or getattr(conn, "sock", None) is None:
                return _record_reuse(self, conn)
            _reuse.pool = self  # a kept-alive connection (the usual case, inlined)
            return conn

        new_class = type(base.__name__, (base,), {"_get_conn": _get_conn, "_tether_tracked": True})
        new_class.__module__ = base.__module__
        new_class.__qualname__ = base.__qualname__
        tracked = _tracked_classes.setdefault(base, new_class)
    return tracked


def _track_reuse(manager: PoolManager) -> PoolManager:
    """Make the pools ``manager`` creates record connection reuse."""
    classes = getattr(manager, "pool_classes_by_scheme", None)
    if isinstance(classes, dict):
        manager.pool_classes_by_scheme = {
            scheme: cls if getattr(cls, "_tether_tracked", False) else _tracked_pool_class(cls)
            for scheme, cls in classes.items()
        }
    return manager


def _rewound(request: PreparedRequest) -> bool:
    """Put the body back at its start for a resend; False when it cannot be sent again."""
    body = request.body
    if body is None or isinstance(body, (bytes, str)):
        return True
    if isinstance(body, ReplayableBody):
        body.seek(0)
        return True
    position = request._body_position
    seek = getattr(body, "seek", None)
    if seek is None or not isinstance(position, int):
        return False
    try:
        seek(position)
    except (OSError, ValueError):
        return False
    return True


def _urllib3_request_context(
    request: PreparedRequest,
    verify: bool | str | None,
    client_cert: Any,
    poolmanager: PoolManager,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The pool key halves for a request; the name of a helper requests 2.32 had, kept for
    code that imports it.
    """
    return _transport.pool_key_attributes(request.url or "", verify, client_cert)


class BaseAdapter:
    """The interface every transport adapter implements: :meth:`send` and :meth:`close`.

    Subclass it to answer requests some other way (from files, from memory, over another
    protocol) and :meth:`Session.mount <tether.sessions.Session.mount>` the subclass on a URL
    prefix.
    """

    def __init__(self) -> None:
        super().__init__()

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        """Send ``request`` and return the :class:`~tether.models.Response`.

        :param request: the prepared request.
        :param stream: whether the caller will read the body lazily.
        :param timeout: seconds to wait: one number, a ``(connect, read)`` pair or a urllib3
            ``Timeout``.
        :param verify: ``True``, ``False`` or a CA bundle path (see :meth:`HTTPAdapter.cert_verify`).
        :param cert: a client certificate: a path or a ``(cert, key)`` pair.
        :param proxies: the proxy mapping that applies to this request.
        :rtype: tether.Response
        """
        raise NotImplementedError

    def close(self) -> None:
        """Release whatever the adapter holds (connections, files)."""
        raise NotImplementedError


class HTTPAdapter(BaseAdapter):
    """The adapter for ``http://`` and ``https://`` URLs, built on urllib3's connection pools.

    Every session mounts one for each scheme. Mount your own instance to change pool sizes or
    the retry policy for some or all URLs, or subclass it and override one of the methods
    :meth:`send` calls (their order is requests' own, see the module docs).

    Example:

    ```python
    s = tether.Session()
    s.mount("https://httpbin.org/", tether.adapters.HTTPAdapter(max_retries=3))
    ```

    :param pool_connections: how many per-host pools to keep (least recently used pools are
        dropped beyond that).
    :param pool_maxsize: how many connections each pool keeps open for reuse.
    :param max_retries: an ``int`` or a urllib3 ``Retry``. An ``int`` retries failed
        connection attempts (DNS failures, refused connections, connect timeouts) only, never a
        request the server may already have received. The default, 0, retries nothing
        (tether still resends once when a kept-alive connection turns out to have been closed
        by the server before it answered). A ``Retry`` gives full control: status codes,
        methods, backoff.
    :param pool_block: when every connection of a pool is in use, wait for one
        (``True``) instead of opening an extra connection that is closed afterwards.
    :param proxy_verify: (tether, keyword only) how the certificate of an ``https://`` proxy
        is checked, separately from ``verify``: ``None`` (default) uses the target's CA bundle
        when ``verify`` names one and certifi's otherwise, and is *not* turned off by
        ``verify=False``; ``True`` uses certifi's; a path names a CA file or directory;
        ``False`` turns the check off. Also settable later as the ``proxy_verify`` attribute.
    """

    __attrs__ = [
        "max_retries",
        "config",
        "_pool_connections",
        "_pool_maxsize",
        "_pool_block",
    ]

    poolmanager: PoolManager
    proxy_manager: dict[str, PoolManager]
    max_retries: Retry
    #: How an HTTPS proxy's certificate is checked (see the class docs; SECURITY-CASES 24).
    proxy_verify: bool | str | None = None

    def __init__(
        self,
        pool_connections: int = DEFAULT_POOLSIZE,
        pool_maxsize: int = DEFAULT_POOLSIZE,
        max_retries: Retry | int | None = DEFAULT_RETRIES,
        pool_block: bool = DEFAULT_POOLBLOCK,
        *,
        proxy_verify: bool | str | None = None,
    ) -> None:
        if proxy_verify is not None:
            self.proxy_verify = proxy_verify
        if max_retries == DEFAULT_RETRIES:
            self.max_retries = Retry(0, read=False)
        else:
            self.max_retries = Retry.from_int(max_retries)
        self.config: dict[str, Any] = {}
        self.proxy_manager = {}

        super().__init__()

        self._pool_connections = pool_connections
        self._pool_maxsize = pool_maxsize
        self._pool_block = pool_block

        self.init_poolmanager(pool_connections, pool_maxsize, block=pool_block)

    def __getstate__(self) -> dict[str, Any]:
        state = {attr: getattr(self, attr, None) for attr in self.__attrs__}
        if "proxy_verify" in self.__dict__:  # tether's setting travels with the adapter
            state["proxy_verify"] = self.proxy_verify
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Pools and proxy managers are not pickled: they are rebuilt from the saved sizes.
        self.proxy_manager = {}
        self.config = {}

        for attr, value in state.items():
            setattr(self, attr, value)

        self.init_poolmanager(self._pool_connections, self._pool_maxsize, block=self._pool_block)

    def init_poolmanager(
        self,
        connections: int,
        maxsize: int,
        block: bool = DEFAULT_POOLBLOCK,
        **pool_kwargs: Any,
    ) -> None:
        """Create the urllib3 ``PoolManager`` used for direct (unproxied) connections.

        Called by the constructor and after unpickling. Override it in a subclass to pass extra
        pool options, for example ``ssl_context=``; tether also uses such a context for origins
        reached through a proxy.

        :param connections: how many per-host pools to keep.
        :param maxsize: how many connections each pool keeps.
        :param block: wait for a free connection instead of opening an extra one.
        :param pool_kwargs: further keyword arguments for ``PoolManager``.
        """
        # Kept so that pickling and proxy managers can rebuild pools with the same sizes.
        self._pool_connections = connections
        self._pool_maxsize = maxsize
        self._pool_block = block
        # File-like request bodies are sent in blocks of this size (urllib3's default is
        # 16 KiB: a 100 MiB upload would take 6,400 reads and sends; see _body).
        pool_kwargs.setdefault("blocksize", SEND_BLOCKSIZE)

        self.poolmanager = _track_reuse(
            PoolManager(
                num_pools=connections,
                maxsize=maxsize,
                block=block,
                **pool_kwargs,
            )
        )

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        """The pool manager for connections through ``proxy``, created on first use and kept.

        ``socks4://``, ``socks5://`` and ``socks5h://`` proxies need the ``socks`` extra. For HTTP
        proxies, :meth:`proxy_headers` supplies the headers sent to the proxy itself.

        :param proxy: the proxy URL.
        :param proxy_kwargs: further keyword arguments for urllib3's proxy manager.
        :rtype: urllib3.ProxyManager
        """
        manager = self.proxy_manager.get(proxy)
        if manager is not None:
            return manager
        # A custom SSLContext given to init_poolmanager (the documented way to customise
        # TLS in a subclass) also applies to origins reached through a proxy; requests only
        # uses it for direct connections.
        poolmanager = getattr(self, "poolmanager", None)
        if poolmanager is not None and "ssl_context" not in proxy_kwargs:
            ssl_context = poolmanager.connection_pool_kw.get("ssl_context")
            if ssl_context is not None:
                proxy_kwargs["ssl_context"] = ssl_context
        proxy_kwargs.setdefault("blocksize", SEND_BLOCKSIZE)
        if proxy.lower().startswith("socks"):
            username, password = get_auth_from_url(proxy)
            manager = _socks_proxy_manager()(
                proxy,
                username=username,
                password=password,
                num_pools=self._pool_connections,
                maxsize=self._pool_maxsize,
                block=self._pool_block,
                **proxy_kwargs,
            )
        else:
            proxy_headers = self.proxy_headers(proxy)
            # Headers for the proxy go into a CONNECT request or every proxied request:
            # refused like any request header, before a connection exists (case 35).
            for header in proxy_headers.items():
                check_header_validity(header)
            manager = proxy_from_url(
                proxy,
                proxy_headers=proxy_headers,
                num_pools=self._pool_connections,
                maxsize=self._pool_maxsize,
                block=self._pool_block,
                **proxy_kwargs,
            )
        _track_reuse(manager)
        # Two threads may build a manager for the same proxy at once; keep the first one
        # stored and drop ours, so every request to this proxy shares one set of pools.
        stored = self.proxy_manager.setdefault(proxy, manager)
        if stored is not manager:
            manager.clear()
        return stored

    def cert_verify(
        self, conn: HTTPConnectionPool, url: str, verify: bool | str, cert: Any
    ) -> None:
        """Configure TLS verification and the client certificate on the connection pool ``conn``.

        For an ``https`` URL with ``verify`` true, certificates are required and checked against
        ``verify`` when it is a path (a file, or a directory of hashed certificates) or against
        certifi's bundle otherwise; ``verify=False`` (or a plain ``http`` URL) turns checking off.

        :param conn: the urllib3 connection pool about to be used.
        :param url: the request URL.
        :param verify: ``True``, ``False`` or a CA bundle path.
        :param cert: a client certificate: a path, or a ``(cert, key)`` pair.
        :raises OSError: the CA bundle, certificate or key file does not exist.
        """
        if url.lower().startswith("https") and verify:
            cert_loc: str | None = None

            # A path given as verify= wins over certifi's bundle.
            if verify is not True:
                cert_loc = verify

            if not cert_loc:
                cert_loc = _transport.default_ca_bundle()

            if not cert_loc or not os.path.exists(cert_loc):
                raise OSError(
                    f"Could not find a suitable TLS CA certificate bundle, invalid path: {cert_loc}"
                )

            conn.cert_reqs = "CERT_REQUIRED"  # type: ignore[attr-defined]

            if not os.path.isdir(cert_loc):
                conn.ca_certs = cert_loc  # type: ignore[attr-defined]
            else:
                conn.ca_cert_dir = cert_loc  # type: ignore[attr-defined]
        else:
            conn.cert_reqs = "CERT_NONE"  # type: ignore[attr-defined]
            conn.ca_certs = None  # type: ignore[attr-defined]
            conn.ca_cert_dir = None  # type: ignore[attr-defined]

        if cert:
            if not isinstance(cert, basestring):
                conn.cert_file = cert[0]  # type: ignore[attr-defined]
                conn.key_file = cert[1]  # type: ignore[attr-defined]
            else:
                conn.cert_file = cert  # type: ignore[attr-defined]
                conn.key_file = None  # type: ignore[attr-defined]
            if conn.cert_file and not os.path.exists(conn.cert_file):  # type: ignore[attr-defined]
                raise OSError(
                    f"Could not find the TLS certificate file, invalid path: {conn.cert_file}"  # type: ignore[attr-defined]
                )
            if conn.key_file and not os.path.exists(conn.key_file):  # type: ignore[attr-defined]
                raise OSError(f"Could not find the TLS key file, invalid path: {conn.key_file}")  # type: ignore[attr-defined]

    def build_response(self, req: PreparedRequest, resp: BaseHTTPResponse) -> Response:
        """Wrap urllib3's response ``resp`` in a :class:`~tether.models.Response`.

        Copies the status, reason and headers (repeated fields joined with ``", "``), sets
        ``encoding`` from ``Content-Type``, ``url``, ``request`` and ``connection``, and collects
        the cookies the response sets. The body is left in ``raw``, unread.

        :param req: the prepared request that was sent.
        :param resp: urllib3's response.
        :rtype: tether.Response
        """
        response = Response()

        # A stand-in raw object (mocking libraries) may have no status: None then.
        response.status_code = getattr(resp, "status", None)  # type: ignore[assignment]

        # Make headers case-insensitive (repeated fields joined with ", ", as requests).
        raw_headers = getattr(resp, "headers", None)
        headers: CaseInsensitiveDict[str] = response.headers  # the new, empty one
        if raw_headers is not None:
            itermerged = getattr(raw_headers, "itermerged", None)
            if type(raw_headers) is _HTTPHeaderDict:
                # urllib3 keeps each field as [name as received, value, value ...] under
                # its lower-cased name: the pairs itermerged() would give, without a
                # generator step per field.
                store = headers._store
                for lower, field in raw_headers._container.items():
                    store[lower] = (
                        field[0],
                        field[1] if len(field) == 2 else ", ".join(field[1:]),
                    )
            elif itermerged is not None:
                store = headers._store
                for name, value in itermerged():
                    store[name.lower()] = (name, value)
            else:
                headers.update(raw_headers)
        response.headers = headers

        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = resp
        response.reason = response.raw.reason

        if isinstance(req.url, bytes):
            response.url = req.url.decode("utf-8")
        else:
            response.url = req.url  # type: ignore[assignment]

        # Add new cookies from the server. When nothing in them depends on the clock, the
        # response's jar is built on first use of ``response.cookies`` (most programs read the
        # session's jar instead), from the URL and Host header as they are now.
        if raw_headers is None or "set-cookie" in raw_headers:
            source = _cookiecache.deferred_source(req, raw_headers)
            if source is None:
                extract_cookies_to_jar(response.cookies, req, resp)
            else:
                response.__dict__["_tether_set_cookie"] = (source, resp)

        # The response remembers what it answers and which adapter produced it.
        response.request = req
        response.connection = self

        return response

    def build_connection_pool_key_attributes(
        self, request: PreparedRequest, verify: bool | str, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The two halves of urllib3's pool key for ``request``: where to connect, and with what TLS
        settings.

        Every TLS input (CA bundle or directory, verification on or off, client certificate and
        key) is part of the second half, so requests with different TLS settings never share a
        connection (CVE-2024-35195). Override this to change the TLS parameters of a pool, for
        instance to supply your own ``ssl_context``.

        :param request: the prepared request about to be sent.
        :param verify: ``True``, ``False`` or a CA bundle path.
        :param cert: a client certificate: a path or a ``(cert, key)`` pair.
        :returns: ``(host_params, pool_kwargs)``: scheme, host and port; then the TLS keyword
            arguments (``ssl_context``, ``cert_reqs``, ``ca_certs``/``ca_cert_dir``,
            ``cert_file``, ``key_file`` as they apply).
        """
        return _urllib3_request_context(request, verify, cert, self.poolmanager)

    def get_connection_with_tls_context(
        self,
        request: PreparedRequest,
        verify: bool | str,
        proxies: Mapping[str, str] | None = None,
        cert: Any = None,
    ) -> HTTPConnectionPool:
        """The urllib3 connection pool to send ``request`` through, chosen by its URL, its TLS
        settings and its proxy.

        :param request: the prepared request about to be sent.
        :param verify: ``True``, ``False`` or a CA bundle path.
        :param proxies: the proxy mapping for this request.
        :param cert: a client certificate: a path or a ``(cert, key)`` pair.
        :raises tether.exceptions.InvalidProxyURL: the proxy URL has no host.
        :raises tether.exceptions.InvalidURL: the request URL cannot be used.
        :rtype: urllib3.connectionpool.HTTPConnectionPool
        """
        proxy = select_proxy(request.url or "", proxies) if proxies else None
        # Without a proxy, the stock key function and a stock PoolManager: the pool found for
        # this origin and these TLS settings last time (see ``_transport``).
        manager = self.poolmanager
        memo = (
            not proxy
            and type(manager) is PoolManager
            and PoolManager.connection_from_host is _STOCK_CONNECTION_FROM_HOST
            and "connection_from_host" not in manager.__dict__
            and type(self).build_connection_pool_key_attributes is _STOCK_KEY_ATTRIBUTES
            and "build_connection_pool_key_attributes" not in self.__dict__
            and type(request.url) is str
        )
        if memo:
            pool = _transport.cached_pool(self.poolmanager, request.url, verify, cert)  # type: ignore[arg-type]
            if pool is not None:
                return pool  # type: ignore[no-any-return]
        try:
            host_params, pool_kwargs = self.build_connection_pool_key_attributes(
                request, verify, cert
            )
        except ValueError as e:
            raise InvalidURL(e, request=request)
        if proxy:
            proxy = prepend_scheme_if_needed(proxy, "http")
            proxy_url = parse_url(proxy)
            if not proxy_url.host:
                raise InvalidProxyURL(
                    "Please check proxy URL. It is malformed and could be missing the host."
                )
            proxy_manager = self.proxy_manager_for(proxy)
            if proxy_url.scheme == "https":
                pool_kwargs = self._proxy_tls_pool_kwargs(proxy_manager, verify, pool_kwargs)
            conn = proxy_manager.connection_from_host(**host_params, pool_kwargs=pool_kwargs)
        else:
            conn = self.poolmanager.connection_from_host(**host_params, pool_kwargs=pool_kwargs)
            if memo:
                _transport.remember_pool(self.poolmanager, request.url, verify, cert, conn)  # type: ignore[arg-type]

        return conn

    def _proxy_tls_pool_kwargs(
        self, proxy_manager: PoolManager, verify: bool | str, pool_kwargs: dict[str, Any]
    ) -> dict[str, Any]:
        """Give the pool its own TLS policy for the HTTPS proxy (SECURITY-CASES case 24).

        Without a ``proxy_ssl_context`` urllib3 checks the proxy with the *target's* settings
        (so ``verify=False`` for the origin also skips the proxy's certificate, and a plain
        ``http://`` URL through an HTTPS proxy skips it too, because ``cert_verify`` marks that
        pool ``CERT_NONE``). The proxy configuration is part of urllib3's pool key, so pools
        that differ in it never share connections. A ``proxy_ssl_context`` the subclass gave
        ``proxy_manager_for`` is left alone.
        """
        config = getattr(proxy_manager, "proxy_config", None)
        if config is None or config.ssl_context is not None:
            return pool_kwargs
        context = _transport.proxy_ssl_context(_transport.proxy_trust(self.proxy_verify, verify))
        pool_kwargs = dict(pool_kwargs)
        pool_kwargs["_proxy_config"] = config._replace(ssl_context=context)
        return pool_kwargs

    def get_connection(
        self, url: str, proxies: Mapping[str, str] | None = None
    ) -> HTTPConnectionPool:
        """The connection pool for ``url``, chosen without TLS settings. Superseded by
        :meth:`get_connection_with_tls_context`, which :meth:`send` calls; kept because older
        subclasses override or call it.

        :param url: the request URL.
        :param proxies: the proxy mapping for this request.
        :rtype: urllib3.connectionpool.HTTPConnectionPool
        """
        warnings.warn(
            (
                "`get_connection` has been deprecated in favor of "
                "`get_connection_with_tls_context`. Custom HTTPAdapter subclasses "
                "will need to migrate for Requests>=2.32.2. Please see "
                "https://github.com/psf/requests/pull/6710 for more details."
            ),
            DeprecationWarning,
            stacklevel=2,
        )
        proxy = select_proxy(url, proxies)

        if proxy:
            proxy = prepend_scheme_if_needed(proxy, "http")
            proxy_url = parse_url(proxy)
            if not proxy_url.host:
                raise InvalidProxyURL(
                    "Please check proxy URL. It is malformed and could be missing the host."
                )
            proxy_manager = self.proxy_manager_for(proxy)
            conn = proxy_manager.connection_from_url(url)
        else:
            # A parse/unparse round trip lower-cases the scheme, and nothing else.
            parsed = urlparse(url)
            url = parsed.geturl()
            conn = self.poolmanager.connection_from_url(url)

        return conn

    def close(self) -> None:
        """Close the pool manager and every proxy manager, and with them all pooled connections.
        The adapter can still be used afterwards: new connections are opened as needed.
        """
        for manager in [self.poolmanager, *list(self.proxy_manager.values())]:
            _clear_closing_idle(manager)

    def request_url(self, request: PreparedRequest, proxies: Mapping[str, str] | None) -> str:
        """The request target to put on the request line.

        Usually the path and query (``/search?q=x``). Through a plain HTTP proxy (not SOCKS) an
        ``http://`` request needs the absolute URL instead, without fragment or credentials;
        ``https://`` requests go through a ``CONNECT`` tunnel and keep the path.

        :param request: the prepared request.
        :param proxies: the proxy mapping for this request.
        :rtype: str
        """
        url = request.path_url
        if proxies:
            proxy = select_proxy(request.url or "", proxies)
            if proxy:
                scheme = urlparse(request.url).scheme
                using_socks_proxy = urlparse(proxy).scheme.lower().startswith("socks")
                if scheme != "https" and not using_socks_proxy:
                    return urldefragauth(request.url or "")
        if url.startswith("//"):  # urllib3 would read "//x" as a network location
            url = f"/{url.lstrip('/')}"
        return url

    def add_headers(self, request: PreparedRequest, **kwargs: Any) -> None:
        """A hook for subclasses: add headers to ``request`` just before it is sent. Does nothing by
        default.

        :param request: the prepared request, to change in place.
        :param kwargs: the keyword arguments :meth:`send` received.
        """

    def proxy_headers(self, proxy: str) -> dict[str, str]:
        """The headers sent to the proxy itself (not to the origin): ``Proxy-Authorization`` built
        from credentials in the proxy URL, if any. For ``https://`` targets they go on the
        ``CONNECT`` request only, never inside the tunnel.

        :param proxy: the proxy URL.
        :rtype: dict
        """
        headers = {}
        username, password = get_auth_from_url(proxy)

        if username:
            # adapters._basic_auth_str, as requests looks it up (bound on first use).
            basic_auth_str = bound(globals(), "_basic_auth_str", "tether.auth")
            headers["Proxy-Authorization"] = basic_auth_str(username, password)

        return headers

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        """Send ``request`` over a pooled connection and return the response, body unread.

        Calls, in order: :meth:`get_connection_with_tls_context`, :meth:`cert_verify`,
        :meth:`request_url`, :meth:`add_headers`, then urllib3's ``urlopen`` (no redirects, no
        decoding, the adapter's retry policy), then :meth:`build_response`. urllib3's errors are
        translated to tether's exceptions.

        :param request: the prepared request.
        :param stream: whether the caller reads the body lazily (the adapter never reads it).
        :param timeout: seconds to wait: one number, a ``(connect, read)`` pair or a urllib3
            ``Timeout``.
        :param verify: ``True``, ``False`` or a CA bundle path.
        :param cert: a client certificate: a path or a ``(cert, key)`` pair.
        :param proxies: the proxy mapping for this request.
        :raises tether.exceptions.ConnectionError: the connection failed (``ConnectTimeout``,
            ``SSLError`` and ``ProxyError`` are subclasses).
        :raises tether.exceptions.ReadTimeout: the server did not answer within the read timeout.
        :raises tether.exceptions.RetryError: a ``Retry`` policy gave up on error statuses.
        :rtype: tether.Response
        """
        try:
            conn = self.get_connection_with_tls_context(request, verify, proxies=proxies, cert=cert)
        except LocationValueError as e:
            raise InvalidURL(e, request=request)

        self.cert_verify(conn, request.url or "", verify, cert)
        url = self.request_url(request, proxies)
        # The stock add_headers adds nothing; one a subclass, a patch or the instance
        # itself supplies is called.
        if type(self).add_headers is not _STOCK_ADD_HEADERS or "add_headers" in self.__dict__:
            self.add_headers(
                request,
                stream=stream,
                timeout=timeout,
                verify=verify,
                cert=cert,
                proxies=proxies,
            )

        body = request.body
        if isinstance(body, ReplayableBody) and body.tell():
            # A streamed upload re-sent by hand (a retry loop around Session.send) starts
            # again from its first byte, like a bytes body would.
            body.seek(0)
        chunked = not (body is None or "Content-Length" in request.headers)
        timeout = _transport.make_timeout(timeout)

        try:
            resp = self._urlopen(conn, request, url, body, timeout, chunked)
        except _SEND_ERRORS as err:
            # A kept-alive connection the server closed before answering: resend once on a
            # new connection (see "Stale keep-alive connections" above).
            if _reuse.pool is conn and _errors.closed_before_response(err) and _rewound(request):
                resp = self._resend_on_new_connection(conn, request, url, timeout, chunked)
            else:
                _raise_mapped(err, request)

        return self.build_response(request, resp)

    def _resend_on_new_connection(
        self,
        conn: HTTPConnectionPool,
        request: PreparedRequest,
        url: str,
        timeout: TimeoutSauce,
        chunked: bool,
    ) -> BaseHTTPResponse:
        _reuse.fresh = True
        try:
            return self._urlopen(conn, request, url, request.body, timeout, chunked)
        except _SEND_ERRORS as err:
            _raise_mapped(err, request)
        finally:
            _reuse.fresh = False

    def _urlopen(
        self,
        conn: HTTPConnectionPool,
        request: PreparedRequest,
        url: str,
        body: Any,
        timeout: TimeoutSauce,
        chunked: bool,
    ) -> BaseHTTPResponse:
        # Through HTTPConnectionPool.urlopen, which mocking libraries patch, with requests'
        # arguments: no redirects or decoding by urllib3, the adapter's retry policy.
        return conn.urlopen(
            method=request.method,  # type: ignore[arg-type]
            url=url,
            body=body,
            headers=request.headers,
            redirect=False,
            assert_same_host=False,
            preload_content=False,
            decode_content=False,
            retries=self.max_retries,
            timeout=timeout,
            chunked=chunked,
        )


# The key function ``get_connection_with_tls_context`` may memoise (a subclass's own may
# return anything, so its pools are looked up the full way every time).
# build_response names the lazily bound extract_cookies_to_jar (see _lazycookies).
_lazycookies.defer_methods(HTTPAdapter, "build_response")

_STOCK_KEY_ATTRIBUTES = HTTPAdapter.build_connection_pool_key_attributes
_STOCK_CONNECTION_FROM_HOST = PoolManager.connection_from_host
# The hook ``send`` calls for subclasses; the stock one does nothing, so it is not called.
_STOCK_ADD_HEADERS = HTTPAdapter.add_headers


def _raise_mapped(err: BaseException, request: PreparedRequest) -> NoReturn:
    """Raise the tether exception for a urllib3/socket error from urlopen (or ``err`` itself)."""
    mapped = _errors.on_send(err, request)
    if mapped is err:
        raise err
    try:
        raise mapped from err
    finally:
        # No frame -> exception -> traceback -> frame cycle: whatever the failed exchange
        # holds (a half-parsed response and its socket) is freed when the caller drops the
        # error, not by a later GC pass.
        del mapped


def _clear_closing_idle(manager: PoolManager) -> None:
    """``manager.clear()``, closing the idle connections of the pools it drops.

    urllib3 2 drops cleared pools without closing them: their sockets are closed when the
    pool is garbage-collected, which a Response still referring to its pool delays for as
    long as it is kept. The idle connections are closed here instead. A connection another
    thread is using is left alone: it goes back to its (now unlisted) pool when its request
    is done, so requests in flight while a Session is closed finish normally.
    """
    container = manager.pools
    with container.lock:
        pools = list(getattr(container, "_container", {}).values())
    manager.clear()
    for pool in pools:
        idle_queue = getattr(pool, "pool", None)
        if idle_queue is None:
            continue
        taken: list[Any] = []
        while True:
            try:
                taken.append(idle_queue.get_nowait())
            except Empty:
                break
        # Give the slots back first (a blocking pool's waiters are waiting for them), then
        # close what was taken.
        for _ in taken:
            try:
                idle_queue.put_nowait(None)
            except Full:
                break
        for conn in taken:
            if conn is not None:
                conn.close()
