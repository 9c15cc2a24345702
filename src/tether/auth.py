"""
tether.auth
~~~~~~~~~~~

This module contains the authentication handlers for tether.

The Digest computation lives in ``tether._digest``; :class:`HTTPDigestAuth` keeps the
per-thread state and decides which challenges to answer. Unlike requests, it answers only
challenges from an origin (scheme, host, port) it was applied to, never one reached by a
redirect to another origin (security case 08).
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

from . import _digest
from ._cookies import extract_cookies_to_jar as extract_cookies_to_jar
from ._headers import parse_dict_header as parse_dict_header
from ._internal_utils import to_native_string as to_native_string
from ._urls import origin as _origin
from .exceptions import InvalidURL

if TYPE_CHECKING:
    from .models import PreparedRequest, Response

CONTENT_TYPE_FORM_URLENCODED = "application/x-www-form-urlencoded"
CONTENT_TYPE_MULTI_PART = "multipart/form-data"

# requests' name for "str or bytes".
basestring = (str, bytes)

# How many origins one HTTPDigestAuth remembers as "applied to" (oldest forgotten first).
# The origin of the request being sent is always refreshed, so only a long-running
# object used against hundreds of hosts ever forgets one.
_MAX_ORIGINS = 256


def _basic_auth_str(username: bytes | str, password: bytes | str) -> str:
    """Returns a Basic Auth string."""
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
    """Base class that all auth implementations derive from"""

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        raise NotImplementedError("Auth hooks must be callable.")


class HTTPBasicAuth(AuthBase):
    """Attaches HTTP Basic Authentication to the given Request object."""

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
    """Attaches HTTP Proxy Authentication to a given Request object."""

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
    """Attaches HTTP Digest Authentication to the given Request object."""

    def __init__(self, username: bytes | str, password: bytes | str) -> None:
        self.username = username
        self.password = password
        # Per-thread Digest state, under requests' attribute names (libraries read them).
        self._thread_local = threading.local()
        # Origins this object was applied to (an insertion-ordered set), shared by all
        # threads: a challenge from any other origin is not answered.
        self._origins: dict[_Origin, None] = {}

    def init_per_thread_state(self) -> None:
        if not hasattr(self._thread_local, "init"):
            self._thread_local.init = True
            self._thread_local.last_nonce = ""
            self._thread_local.nonce_count = 0
            self._thread_local.chal = {}
            self._thread_local.pos = None
            self._thread_local.num_401_calls = None

    def build_digest_header(self, method: str, url: str) -> str | None:
        """
        :rtype: str
        """
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
        """Reset num_401_calls counter on redirects."""
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
        """
        Takes the given response and tries digest-auth, if needed.

        :rtype: requests.Response
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
            state.num_401_calls = attempts + 1
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
