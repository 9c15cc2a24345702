"""A Digest-authenticating `RawServer` handler (RFC 7616 / RFC 2617 / RFC 2069) that checks
every answer with its own, independent computation.

`DigestServer(username, password, algorithm=..., qop=...)` is a handler: a request without
a valid ``Authorization: Digest`` answer gets ``401`` with a fresh challenge; a valid one
gets ``200`` and a JSON body. Everything it saw is kept for the test to inspect:
``answers`` (the parsed ``Authorization`` parameters, in order), ``verdicts`` (why each
answer was accepted or refused) and ``nonces`` (the challenges it issued).

What is checked: the user name, realm, nonce (one this server issued), ``uri`` (the request
target), ``algorithm`` (echoed as the challenge spelled it), ``opaque`` (echoed),
``qop=auth`` with an ``nc`` that grows by one per use of a nonce (RFC 7616 §3.4: a repeated
or skipped count is a replay), and the ``response`` hash. ``-sess`` algorithms hash the
session key with the nonce and cnonce of the answer (§3.4.2). Without ``qop`` the RFC 2069
form is expected.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field

from tests.support.servers import Connection, RawRequest, http_response

__all__ = ["DIGEST_ALGORITHMS", "DigestServer", "parse_digest_params"]

#: Every algorithm name RFC 7616 registers (plus SHA, which requests calls SHA-1).
DIGEST_ALGORITHMS = (
    "MD5",
    "MD5-sess",
    "SHA",
    "SHA-sess",
    "SHA-256",
    "SHA-256-sess",
    "SHA-512",
    "SHA-512-sess",
)

_HASH_NAMES = {"MD5": "md5", "SHA": "sha1", "SHA-256": "sha256", "SHA-512": "sha512"}

_PARAM_RE = re.compile(r'\s*([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*(?:,|$)')


def parse_digest_params(header: str) -> dict[str, str]:
    """The ``key=value`` pairs of a ``Digest ...`` header (quotes removed, keys lowered)."""
    scheme, _, rest = header.partition(" ")
    if scheme.lower() != "digest":
        raise ValueError(f"not a Digest header: {header!r}")
    params: dict[str, str] = {}
    for match in _PARAM_RE.finditer(rest):
        value = match.group(2)
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        params[match.group(1).lower()] = value
    return params


@dataclass
class DigestServer:
    """A `RawServer` handler demanding Digest credentials (see the module docstring).

    ``qop`` is the challenge's ``qop`` value (``None`` for an RFC 2069 challenge without
    one). ``stale_after`` makes a nonce expire after that many accepted uses: the next
    answer with it gets a ``401`` with a fresh nonce and ``stale=true``. ``set_cookie`` is
    sent with every ``401``.
    """

    username: str
    password: str
    algorithm: str | None = "MD5"
    qop: str | None = "auth"
    realm: str = "tether-tests@loopback"
    opaque: str | None = "0paque-v4lue"
    stale_after: int | None = None
    set_cookie: str | None = None
    answers: list[dict[str, str]] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)
    nonces: list[str] = field(default_factory=list)
    _last_nc: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- the independent computation ---------------------------------------------------

    def _hash(self, data: str) -> str:
        name = (self.algorithm or "MD5").upper().removesuffix("-SESS")
        return hashlib.new(_HASH_NAMES[name], data.encode("utf-8")).hexdigest()

    def expected_response(self, params: dict[str, str], method: str) -> str:
        ha1 = self._hash(f"{self.username}:{self.realm}:{self.password}")
        if (self.algorithm or "").upper().endswith("-SESS"):
            ha1 = self._hash(f"{ha1}:{params['nonce']}:{params['cnonce']}")
        ha2 = self._hash(f"{method}:{params['uri']}")
        if self.qop is None:
            return self._hash(f"{ha1}:{params['nonce']}:{ha2}")
        return self._hash(
            f"{ha1}:{params['nonce']}:{params['nc']}:{params['cnonce']}:{params['qop']}:{ha2}"
        )

    # -- the handler ---------------------------------------------------------------------

    def challenge(self, stale: bool = False) -> str:
        nonce = hashlib.sha256(f"{len(self.nonces)}:{id(self)}".encode()).hexdigest()[:32]
        self.nonces.append(nonce)
        self._last_nc[nonce] = 0
        parts = [f'realm="{self.realm}"', f'nonce="{nonce}"']
        if self.qop is not None:
            parts.append(f'qop="{self.qop}"')
        if self.algorithm is not None:
            parts.append(f"algorithm={self.algorithm}")
        if self.opaque is not None:
            parts.append(f'opaque="{self.opaque}"')
        if stale:
            parts.append("stale=true")
        return "Digest " + ", ".join(parts)

    def _refuse(self, why: str, stale: bool = False) -> bytes:
        self.verdicts.append(why)
        headers: list[tuple[str, str]] = [("WWW-Authenticate", self.challenge(stale))]
        if self.set_cookie is not None:
            headers.append(("Set-Cookie", self.set_cookie))
        return http_response(401, b"unauthorized", headers)

    def _check(self, params: dict[str, str], request: RawRequest) -> tuple[str, bool]:
        """``(verdict, stale)``; the verdict is ``"ok"`` when the answer is valid."""
        if params.get("username") != self.username:
            return "wrong username", False
        if params.get("realm") != self.realm:
            return "wrong realm", False
        nonce = params.get("nonce", "")
        if nonce not in self._last_nc:
            return "unknown nonce", False
        if params.get("uri") != request.target:
            return f"uri {params.get('uri')!r} is not the target {request.target!r}", False
        if self.algorithm is not None and params.get("algorithm") != self.algorithm:
            return f"algorithm {params.get('algorithm')!r} not echoed", False
        if self.opaque is not None and params.get("opaque") != self.opaque:
            return "opaque not echoed", False
        if self.qop is not None:
            if params.get("qop") != "auth":
                return f"qop {params.get('qop')!r}", False
            nc = int(params.get("nc", "0"), 16)
            if nc != self._last_nc[nonce] + 1:
                return f"nc {nc} after {self._last_nc[nonce]}", False
            if not params.get("cnonce"):
                return "no cnonce", False
        elif "qop" in params or "nc" in params:
            return "qop answered to an RFC 2069 challenge", False
        if params.get("response") != self.expected_response(params, request.method):
            return "wrong response hash", False
        if self.stale_after is not None and self._last_nc[nonce] >= self.stale_after:
            return "stale nonce", True
        self._last_nc[nonce] = self._last_nc[nonce] + 1 if self.qop is not None else 1
        return "ok", False

    def __call__(self, request: RawRequest, conn: Connection) -> bytes:
        with self._lock:
            header = request.header("authorization")
            if header is None:
                return self._refuse("no credentials")
            try:
                params = parse_digest_params(header.decode("latin-1"))
            except ValueError:
                return self._refuse("not Digest")
            self.answers.append(params)
            verdict, stale = self._check(params, request)
            if verdict != "ok":
                return self._refuse(verdict, stale)
            self.verdicts.append("ok")
            body = json.dumps(
                {"authenticated": True, "user": self.username, "body": request.body.decode()}
            ).encode()
            return http_response(200, body, [("Content-Type", "application/json")])
