"""Authentication handlers: objects that add credentials to a prepared request.

An auth handler is any callable that takes a :class:`~tether.models.PreparedRequest`,
changes it and returns it; :class:`AuthBase` is the conventional base class. A
``(user, password)`` pair given as ``auth=`` means :class:`HTTPBasicAuth`.

The Digest computation itself lives in ``tether._digest`` (imported with the first Digest
challenge); :class:`HTTPDigestAuth` keeps per-thread state and decides which challenges to
answer. Unlike requests, it answers a
challenge only from an origin (scheme, host, port) it was applied to, never from one a
redirect led to (security case 08).
"""

from __future__ import annotations

import hashlib as hashlib
import os as os
import re as re
import threading
import time as time
import warnings
from base64 import b64encode
from builtins import str as str
from typing import TYPE_CHECKING, Any, TypeAlias
from urllib.parse import urlparse as urlparse

from . import _lazycookies
from ._body import is_stream as _is_stream
from ._headers import parse_dict_header as parse_dict_header
from ._internal_utils import to_native_string as to_native_string
from ._urls import origin as _origin
from .exceptions import InvalidURL, UnrewindableBodyError

if TYPE_CHECKING:
    from ._cookies import extract_cookies_to_jar as extract_cookies_to_jar
    from .models import PreparedRequest, Response
else:
    # requests.auth exposes extract_cookies_to_jar; bound when the cookie machinery loads
    # (see _lazycookies).
    __getattr__, __dir__ = _lazycookies.module_names(globals(), "extract_cookies_to_jar")

CONTENT_TYPE_FORM_URLENCODED = "application/x-www-form-urlencoded"
CONTENT_TYPE_MULTI_PART = "multipart/form-data"

# requests' name for "str or bytes".
basestring = (str, bytes)

# How many origins one HTTPDigestAuth remembers as "applied to" (oldest forgotten first).
# The origin of the request being sent is always refreshed, so only a long-running
# object used against hundreds of hosts ever forgets one.
_MAX_ORIGINS = 256


def _basic_auth_str(username: bytes | str, password: bytes | str) -> str:
    """The ``Authorization`` value for Basic credentials: ``"Basic "`` and base64 of
    ``user:password`` (``str`` credentials encoded as Latin-1, as requests does).
    """
    # Non-string credentials still work (they are formatted with str()), with the
    # DeprecationWarnings requests 2.34 emits; the messages are requests' own.
    if not isinstance(username, basestring):
        warnings.warn(
            "Non-string usernames will no longer be supported in Requests "
            f"3.0.0. Please convert the object you've passed in ({username!r}) to "
            "a string or bytes object in the near future to avoid "
            "problems.",
            category=DeprecationWarning,
            stacklevel=1,  # as requests: attributed to this module
        )
        username = str(username)
    if not isinstance(password, basestring):
        warnings.warn(
            "Non-string passwords will no longer be supported in Requests "
            f"3.0.0. Please convert the object you've passed in ({type(password)!r}) to "
            "a string or bytes object in the near future to avoid "
            "problems.",
            category=DeprecationWarning,
            stacklevel=1,  # as requests: attributed to this module
        )
        password = str(password)
    # RFC 7617 leaves the charset to the server; requests (and so tether) uses Latin-1.
    user = username.encode("latin1") if isinstance(username, str) else username
    secret = password.encode("latin1") if isinstance(password, str) else password
    return "Basic " + to_native_string(b64encode(b":".join((user, secret))).strip())


class AuthBase:
    """Base class for authentication handlers.

    Subclasses implement ``__call__(request)``: add whatever the scheme needs (usually a
    header) to the prepared request and return it. A handler may also register a
    ``response`` hook on the request, as :class:`HTTPDigestAuth` does, to answer a challenge.

    Example:

    ```python
    class TokenAuth(tether.auth.AuthBase):
        def __init__(self, token):
            self.token = token

        def __call__(self, r):
            r.headers["Authorization"] = f"Bearer {self.token}"
            return r

    tether.get("https://httpbin.org/bearer", auth=TokenAuth("t0ken"))
    ```
    """

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        raise NotImplementedError("Auth hooks must be callable.")


class HTTPBasicAuth(AuthBase):
    """HTTP Basic authentication (RFC 7617): sends ``user:password``, base64-encoded, in the
    ``Authorization`` header of every request it is applied to.

    Basic credentials are readable by anyone who sees the request, so use it over HTTPS.
    Two instances compare equal when user and password are equal.

    :param username: the user name (``str`` is encoded as Latin-1, or pass ``bytes``).
    :param password: the password (same encoding rule).
    """

    def __init__(self, username: bytes | str, password: bytes | str) -> None:
        self.username = username
        self.password = password

    def __eq__(self, other: object) -> bool:
        return self.username == getattr(other, "username", None) and self.password == getattr(
            other, "password", None
        )

    def __ne__(self, other: Any) -> bool:
        return not self == other

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        r.headers["Authorization"] = _basic_auth_str(self.username, self.password)
        return r


class HTTPProxyAuth(HTTPBasicAuth):
    """Basic credentials for a proxy: like :class:`HTTPBasicAuth`, but in the
    ``Proxy-Authorization`` header.

    For ``https://`` targets prefer credentials in the proxy URL
    (``http://user:pw@proxy:3128``): they are sent on the ``CONNECT`` request, whereas a header
    set by this class would travel inside the tunnel.
    """

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        r.headers["Proxy-Authorization"] = _basic_auth_str(self.username, self.password)
        return r


_Origin: TypeAlias = tuple[str, str, int | None]
# Guards every HTTPDigestAuth's origin set; held only for a few dict operations.
_ORIGINS_LOCK = threading.Lock()


def _origin_of(url: str | None) -> _Origin | None:
    if not url:
        return None
    try:
        return _origin(url)
    except (InvalidURL, ValueError):
        return None


class HTTPDigestAuth(AuthBase):
    """HTTP Digest authentication (RFC 7616): MD5, SHA-1, SHA-256, SHA-512 and SHA-512-256, each
    also in its ``-sess`` form.

    The first request goes out without credentials; when the server answers ``401`` with a
    Digest challenge, the handler computes the response and resends the request once (the
    ``401`` goes into ``history``). Later requests from the same thread reuse the nonce and
    authenticate up front. Nonce state is kept per thread, so one object can be shared by a
    session used from several threads. Challenges are answered only from origins the object
    was applied to.

    :param username: the user name.
    :param password: the password.
    """

    def __init__(self, username: bytes | str, password: bytes | str) -> None:
        self.username = username
        self.password = password
        # Per-thread Digest state, under requests' attribute names (libraries read them).
        self._thread_local = threading.local()
        # Origins this object was applied to (an insertion-ordered set), shared by all
        # threads: a challenge from any other origin is not answered.
        self._origins: dict[_Origin, None] = {}

    def __getstate__(self) -> dict[str, Any]:
        # tether: picklable (requests' is not), so a Session or Response that carries it
        # pickles too. The per-thread nonce state belongs to the threads of this process
        # and is not kept; the origins the auth was given for are.
        state = self.__dict__.copy()
        state.pop("_thread_local", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._thread_local = threading.local()

    def init_per_thread_state(self) -> None:
        """Create this thread's Digest state (nonce, nonce count, challenge) if it has none yet."""
        if not hasattr(self._thread_local, "init"):
            self._thread_local.init = True
            self._thread_local.last_nonce = ""
            self._thread_local.nonce_count = 0
            self._thread_local.chal = {}
            self._thread_local.pos = None
            self._thread_local.num_401_calls = None

    def build_digest_header(self, method: str, url: str) -> str | None:
        """The ``Authorization`` value answering the current challenge for ``method`` and ``url``,
        or ``None`` if the challenge uses an algorithm or ``qop`` tether does not implement.

        :param method: the request method.
        :param url: the request URL.
        :rtype: str | None
        """
        from . import _digest  # loaded with the first Digest challenge, not by import tether

        state = self._thread_local
        challenge: dict[str, str | None] = state.chal
        nonce = next((v for k, v in challenge.items() if k.strip().lower() == "nonce"), None)
        # RFC 7616 §3.4: the nonce count restarts at 1 for every new nonce.
        nonce_count = state.nonce_count + 1 if nonce == state.last_nonce else 1
        header = _digest.build_authorization(
            method,
            _digest.request_uri(url),
            challenge,
            self.username,
            self.password,
            nonce_count,
            _digest.new_cnonce(),
        )
        if header is not None:
            state.nonce_count = nonce_count
            state.last_nonce = nonce
        return header

    def handle_redirect(self, r: Response, **kwargs: Any) -> None:
        """A ``response`` hook: after a redirect, allow one new challenge to be answered.

        :param r: the response.
        :param kwargs: the keyword arguments of the send.
        """
        if r.is_redirect:
            self._thread_local.num_401_calls = 1

    def _known_origins(self) -> dict[_Origin, None]:
        # Created lazily as well, for subclasses whose __init__ does not call this one.
        origins: dict[_Origin, None] | None = self.__dict__.get("_origins")
        if origins is None:
            with _ORIGINS_LOCK:
                origins = self.__dict__.setdefault("_origins", {})
        return origins

    def _remember_origin(self, url: str | None) -> None:
        key = _origin_of(url)
        if key is None:
            return
        origins = self._known_origins()
        with _ORIGINS_LOCK:
            origins.pop(key, None)
            origins[key] = None
            if len(origins) > _MAX_ORIGINS:
                del origins[next(iter(origins))]

    def _may_answer(self, url: str | None) -> bool:
        """Whether a challenge from ``url`` may be answered (security case 08): only from
        an origin this auth was applied to. An object never applied to a request (its
        ``handle_401`` called directly) is bound to the first origin it answers."""
        key = _origin_of(url)
        if key is None:
            return False
        origins = self._known_origins()
        with _ORIGINS_LOCK:
            if not origins:
                origins[key] = None
            return key in origins

    def handle_401(self, r: Response, **kwargs: Any) -> Response:
        """A ``response`` hook: answer a Digest challenge by resending the request once.

        Only a 4xx response whose ``WWW-Authenticate`` offers Digest, from an origin this object
        was applied to, is answered. The retry carries any cookie the 401 set and a rewound body;
        the 401 response becomes the first entry of the new response's ``history``. Any other
        response is returned unchanged.

        :param r: the response to inspect.
        :param kwargs: the keyword arguments of the send, reused for the retry.
        :rtype: tether.Response
        """
        self.init_per_thread_state()  # no-op unless called before __call__ in this thread
        state = self._thread_local
        # Only client errors can carry a challenge worth answering (requests #3772).
        if not 400 <= r.status_code < 500:
            state.num_401_calls = 1
            return r

        request = r.request
        if state.pos is not None:
            # The body was read while sending; put it back where __call__ found it so
            # the retry sends it again.
            request.body.seek(state.pos)
        s_auth = r.headers.get("www-authenticate", "")
        attempts = state.num_401_calls or 1

        if "digest" in s_auth.lower() and attempts < 2 and self._may_answer(request.url):
            if state.pos is None and _is_stream(request.body):
                # A generator, or a file that cannot tell() its position, was consumed by
                # the first send: a retry would send an empty body. Raise, as a redirect
                # does (requests resends the exhausted stream).
                raise UnrewindableBodyError("Unable to rewind request body for Digest retry.")
            state.num_401_calls = attempts + 1
            from . import _digest

            state.chal = _digest.parse_challenge(s_auth)
            authorization = self.build_digest_header(request.method or "", request.url or "")
            if authorization is not None:
                # Read and release the 401 so its connection can carry the retry.
                r.content  # noqa: B018
                r.close()
                prep = request.copy()
                if prep._cookies is not None:
                    # The 401 may set cookies the retry must carry.
                    extract_cookies_to_jar(prep._cookies, request, r.raw)
                    prep.prepare_cookies(prep._cookies)
                prep.headers["Authorization"] = authorization
                retried: Response = r.connection.send(prep, **kwargs)
                retried.history.append(r)
                retried.request = prep
                return retried

        state.num_401_calls = 1
        return r

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        self.init_per_thread_state()
        state = self._thread_local
        # A nonce from an earlier challenge lets this request authenticate up front.
        if state.last_nonce:
            header = self.build_digest_header(r.method or "", r.url or "")
            if header is not None:
                r.headers["Authorization"] = header
        try:
            state.pos = r.body.tell()
        except (AttributeError, OSError):
            # Not a seekable file (or none at all): forget any position recorded for an
            # earlier request's body.
            state.pos = None
        r.register_hook("response", self.handle_401)
        r.register_hook("response", self.handle_redirect)
        state.num_401_calls = 1
        self._remember_origin(r.url)
        return r

    def __eq__(self, other: object) -> bool:
        return self.username == getattr(other, "username", None) and self.password == getattr(
            other, "password", None
        )

    def __ne__(self, other: Any) -> bool:
        return not self == other


# handle_401 names extract_cookies_to_jar: it loads the cookie machinery on first use (a
# request prepared by a Session or Request.prepare() already has). See _lazycookies.
_lazycookies.defer_methods(HTTPDigestAuth, "handle_401")
