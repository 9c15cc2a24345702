"""HTTP Digest access authentication (RFC 7616) as pure functions.

This module parses a ``WWW-Authenticate: Digest ...`` challenge and computes the
``Authorization`` header that answers it, given everything that varies between attempts
(method, request URI, credentials, nonce count and client nonce) as arguments. It keeps no
state and does no I/O; ``tether.auth.HTTPDigestAuth`` holds the per-thread state (last
nonce, nonce count) and decides *whether* to answer.

Theory of operation
-------------------

RFC 7616 §3.4.1 defines, for a hash function ``H`` and ``KD(secret, data) = H(secret ":"
data)``::

    A1       = username ":" realm ":" password
    A1(-sess)= H(username ":" realm ":" password) ":" nonce ":" cnonce
    A2       = method ":" request-uri
    response = KD(H(A1), nonce ":" nc ":" cnonce ":" qop ":" H(A2))    (qop given)
    response = KD(H(A1), nonce ":" H(A2))                              (RFC 2069, no qop)

Algorithms: ``MD5``, ``SHA`` (SHA-1), ``SHA-256``, ``SHA-512`` as requests names them,
``SHA-512-256`` (RFC 7616's SHA-512/256, when the local OpenSSL has it), and the ``-sess``
form of each. Algorithm names compare case-insensitively; a missing ``algorithm`` means
MD5 (§3.3). Only ``qop=auth`` is answered: a challenge that offers only ``auth-int`` (which
would hash the entity body) gets no answer. The header is written byte for byte as
requests 2.34 writes it (quoted ``algorithm`` and ``qop`` values, the challenge's own
spelling of the algorithm echoed back) so servers tuned to requests keep working. Hashes
are made with ``usedforsecurity=False``, so FIPS-mode interpreters can still talk to MD5
servers (requests 2.34.0).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from ._headers import parse_dict_header

__all__ = [
    "build_authorization",
    "hasher",
    "new_cnonce",
    "parse_challenge",
    "request_uri",
]

# Digest algorithm name (upper case, without "-SESS") -> hashlib name.
_HASHES: dict[str, str] = {
    "MD5": "md5",
    "SHA": "sha1",
    "SHA-256": "sha256",
    "SHA-512": "sha512",
    "SHA-512-256": "sha512_256",
}
_SESS_SUFFIX = "-SESS"


def hasher(algorithm: str | None) -> tuple[Callable[[bytes], str], bool] | None:
    """``(H, is_session_variant)`` for a challenge's ``algorithm``, or ``None`` when the
    algorithm is unknown (or unavailable in this interpreter)."""
    name = "MD5" if algorithm is None else algorithm.upper()
    session = name.endswith(_SESS_SUFFIX)
    if session:
        name = name[: -len(_SESS_SUFFIX)]
    hash_name = _HASHES.get(name)
    if hash_name is None:
        return None
    try:
        hashlib.new(hash_name, usedforsecurity=False)
    except ValueError:  # e.g. sha512_256 on an OpenSSL without it
        return None

    def digest(data: bytes) -> str:
        return hashlib.new(hash_name, data, usedforsecurity=False).hexdigest()

    return digest, session


def parse_challenge(www_authenticate: str) -> dict[str, str | None]:
    """The parameters of the Digest challenge in a ``WWW-Authenticate`` value.

    As requests does, the first ``digest `` token (any case) is removed and the rest is
    parsed with ``parse_dict_header`` (a bare key maps to ``None``, quotes are removed,
    keys keep their spelling)."""
    lowered = www_authenticate.lower()
    start = lowered.find("digest ")
    if start >= 0:
        www_authenticate = www_authenticate[:start] + www_authenticate[start + 7 :]
    return parse_dict_header(www_authenticate)


def request_uri(url: str) -> str:
    """The ``uri`` Digest signs: the path (``/`` when empty) plus ``?query``."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    return path


def new_cnonce() -> str:
    """A fresh client nonce: 16 hex digits from the OS random source."""
    return os.urandom(8).hex()


def _utf8(value: str | bytes) -> bytes:
    # Text is hashed as UTF-8 (as requests does); bytes credentials are hashed as given.
    return value if isinstance(value, bytes) else value.encode("utf-8")


def _offers_auth(qop: str) -> bool:
    return any(option.strip().lower() == "auth" for option in qop.split(","))


def build_authorization(
    method: str,
    uri: str,
    challenge: Mapping[str, str | None],
    username: str | bytes,
    password: str | bytes,
    nc: int,
    cnonce: str,
) -> str | None:
    """The ``Authorization`` header value answering ``challenge``, or ``None`` when the
    challenge cannot be answered (no realm or nonce, unknown algorithm, or a ``qop`` that
    does not offer ``auth``).

    ``challenge`` is what :func:`parse_challenge` returns; its keys compare
    case-insensitively. ``uri`` is the request target (:func:`request_uri`), ``nc`` the
    nonce count for this nonce (1 for its first use), ``cnonce`` the client nonce.
    """
    params = {key.strip().lower(): value for key, value in challenge.items()}
    realm = params.get("realm")
    nonce = params.get("nonce")
    if realm is None or nonce is None:
        return None
    qop = params.get("qop")
    algorithm = params.get("algorithm")
    opaque = params.get("opaque")
    selected = hasher(algorithm)
    if selected is None:
        return None
    hash_bytes, session = selected
    if qop and not _offers_auth(qop):
        return None

    def hash_text(text: str) -> str:
        return hash_bytes(text.encode("utf-8"))

    ha1 = hash_bytes(b":".join((_utf8(username), realm.encode("utf-8"), _utf8(password))))
    if session:
        ha1 = hash_text(f"{ha1}:{nonce}:{cnonce}")
    ha2 = hash_text(f"{method}:{uri}")
    ncvalue = f"{nc:08x}"
    if qop:
        response = hash_text(f"{ha1}:{nonce}:{ncvalue}:{cnonce}:auth:{ha2}")
    else:
        response = hash_text(f"{ha1}:{nonce}:{ha2}")

    # Bytes credentials go on the wire as the bytes given: Latin-1 maps each byte to one
    # code point and http.client encodes header values back as Latin-1. (requests writes
    # bytes as "b'...'", which no server accepts.)
    user = username.decode("latin-1") if isinstance(username, bytes) else username

    header = (
        f'username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", response="{response}"'
    )
    if opaque:
        header += f', opaque="{opaque}"'
    if algorithm:
        header += f', algorithm="{algorithm}"'
    if qop:
        header += f', qop="auth", nc={ncvalue}, cnonce="{cnonce}"'
    return f"Digest {header}"
