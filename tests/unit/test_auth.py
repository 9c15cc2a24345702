"""Tests for tether.auth and tether._digest.

Basic auth and the Digest computation are compared with ``requests.auth`` (the oracle)
and with RFC 7616's worked examples; the Digest state machine (``__call__``,
``handle_401``, ``handle_redirect``) runs against small fakes with requests' attribute
names, so the same fakes drive requests' own ``HTTPDigestAuth`` for differential checks.
The network tests at the end use pytest-httpbin and a loopback redirector.
"""

from __future__ import annotations

import hashlib
import http.client
import http.server
import io
import re
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import urllib3
from hypothesis import given
from hypothesis import strategies as st

from tether import _digest, auth
from tether.cookies import RequestsCookieJar, _copy_cookie_jar, get_cookie_header
from tether.structures import CaseInsensitiveDict

requests_auth = pytest.importorskip("requests.auth")
requests_utils = pytest.importorskip("requests.utils")


def outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return ("ok", fn())
    except Exception as exc:
        return ("raise", (type(exc).__name__, str(exc)))


# -- fakes with requests' attribute names -------------------------------------------------


class FakePrepared:
    def __init__(self, method: str = "GET", url: str = "http://a.test/p", body: Any = None) -> None:
        self.method = method
        self.url = url
        self.body = body
        self.headers: CaseInsensitiveDict[Any] = CaseInsensitiveDict()
        self._cookies: Any = RequestsCookieJar()
        self.hooks: dict[str, list[Any]] = {"response": []}

    def register_hook(self, event: str, hook: Any) -> None:
        self.hooks[event].append(hook)

    def copy(self) -> FakePrepared:
        p = FakePrepared(self.method, self.url, self.body)
        p.headers = self.headers.copy()
        p._cookies = _copy_cookie_jar(self._cookies)
        p.hooks = self.hooks
        return p

    def prepare_cookies(self, cookies: Any) -> None:
        self._cookies = cookies
        header = get_cookie_header(cookies, self)
        if header is not None:
            self.headers["Cookie"] = header


class _Sock:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def makefile(self, mode: str, *args: Any, **kwargs: Any) -> io.BytesIO:
        return io.BytesIO(self._data)


def raw_response(head: bytes) -> urllib3.HTTPResponse:
    parsed = http.client.HTTPResponse(_Sock(head.replace(b"\n", b"\r\n") + b"\r\n\r\n"))  # type: ignore[arg-type]
    parsed.begin()
    headers = urllib3.HTTPHeaderDict()
    for name, value in parsed.msg.items():
        headers.add(name, value)
    return urllib3.HTTPResponse(
        body=b"",
        headers=headers,
        status=parsed.status,
        original_response=parsed,
        preload_content=False,
    )


class FakeResponse:
    def __init__(
        self,
        status: int,
        request: FakePrepared,
        connection: FakeConnection,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status_code = status
        self.request = request
        self.connection = connection
        self.headers: CaseInsensitiveDict[str] = CaseInsensitiveDict(headers or {})
        head = f"HTTP/1.1 {status} X\n" + "\n".join(f"{k}: {v}" for k, v in (headers or {}).items())
        self.raw = raw_response(head.encode("latin-1"))
        self.history: list[Any] = []
        self.reads = 0
        self.closed = False

    @property
    def content(self) -> bytes:
        self.reads += 1
        return b""

    def close(self) -> None:
        self.closed = True

    @property
    def is_redirect(self) -> bool:
        return "location" in self.headers and self.status_code in (301, 302, 303, 307, 308)


class FakeConnection:
    def __init__(self, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.sent: list[tuple[FakePrepared, dict[str, Any]]] = []
        self.status = status
        self.headers = headers

    def send(self, request: FakePrepared, **kwargs: Any) -> FakeResponse:
        self.sent.append((request, kwargs))
        return FakeResponse(self.status, request, self, self.headers)


CHALLENGE = 'Digest realm="me@x.test", nonce="n0nce", qop="auth", opaque="0p4que", algorithm=MD5'


def challenge_response(
    request: FakePrepared,
    challenge: str = CHALLENGE,
    status: int = 401,
    extra: dict[str, str] | None = None,
) -> FakeResponse:
    headers = {"WWW-Authenticate": challenge, **(extra or {})}
    return FakeResponse(status, request, FakeConnection(), headers)


def header_params(header: str) -> dict[str, str]:
    assert header.startswith("Digest ")
    return {k: v.strip('"') for k, v in re.findall(r'(\w+)=("[^"]*"|[^,]*)', header[7:])}


# -- Basic auth ---------------------------------------------------------------------------

BASIC_CASES = [
    ("str", "user", "pass"),
    ("bytes", b"user", b"pass"),
    ("mixed", "user", b"pass"),
    ("latin-1", "üser", "pässwörd"),
    ("empty", "", ""),
    ("colon", "a:b", "c:d"),
    ("non-latin-1", "Ā", "x"),
    ("raw-bytes", b"\xff\x00", b"\xfe"),
    ("int", 1, 2),
    ("none", None, None),
    ("float-user", 1.5, "p"),
]


@pytest.mark.parametrize(
    ("username", "password"), [c[1:] for c in BASIC_CASES], ids=[c[0] for c in BASIC_CASES]
)
def test_basic_auth_str_matches_requests(username: Any, password: Any) -> None:
    def run(fn: Callable[[Any, Any], str]) -> Any:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = outcome(lambda: fn(username, password))
        return result, [(w.category, str(w.message)) for w in caught]

    assert run(auth._basic_auth_str) == run(requests_auth._basic_auth_str)


def test_basic_auth_str_non_string_warnings() -> None:
    with pytest.warns(DeprecationWarning) as record:
        assert auth._basic_auth_str(1, 2) == "Basic MToy"
    messages = [str(w.message) for w in record]
    assert messages[0].startswith(
        "Non-string usernames will no longer be supported in Requests 3.0.0."
    )
    assert "(1)" in messages[0]
    assert "(<class 'int'>)" in messages[1]


@pytest.mark.parametrize(
    ("cls", "header"),
    [("HTTPBasicAuth", "Authorization"), ("HTTPProxyAuth", "Proxy-Authorization")],
)
def test_basic_and_proxy_auth_set_their_header(cls: str, header: str) -> None:
    mine = FakePrepared()
    theirs = FakePrepared()
    assert getattr(auth, cls)("üser", b"pw")(mine) is mine
    getattr(requests_auth, cls)("üser", b"pw")(theirs)
    assert dict(mine.headers) == dict(theirs.headers)
    assert list(mine.headers) == [header]


class _Creds:
    username = "u"
    password = "p"


EQ_CASES: list[tuple[str, Callable[[Any], Any], Callable[[Any], Any]]] = [
    ("same", lambda m: m.HTTPBasicAuth("u", "p"), lambda m: m.HTTPBasicAuth("u", "p")),
    ("user-differs", lambda m: m.HTTPBasicAuth("u", "p"), lambda m: m.HTTPBasicAuth("x", "p")),
    ("password-differs", lambda m: m.HTTPBasicAuth("u", "p"), lambda m: m.HTTPBasicAuth("u", "x")),
    ("plain-object", lambda m: m.HTTPBasicAuth("u", "p"), lambda m: object()),
    ("duck", lambda m: m.HTTPBasicAuth("u", "p"), lambda m: _Creds()),
    ("basic-vs-digest", lambda m: m.HTTPBasicAuth("u", "p"), lambda m: m.HTTPDigestAuth("u", "p")),
    ("digest-same", lambda m: m.HTTPDigestAuth("u", "p"), lambda m: m.HTTPDigestAuth("u", "p")),
    ("digest-differs", lambda m: m.HTTPDigestAuth("u", "p"), lambda m: m.HTTPDigestAuth("u", "q")),
    ("none-creds", lambda m: m.HTTPBasicAuth(None, None), lambda m: object()),
    ("proxy-vs-basic", lambda m: m.HTTPProxyAuth("u", "p"), lambda m: m.HTTPBasicAuth("u", "p")),
]


@pytest.mark.parametrize(("left", "right"), [c[1:] for c in EQ_CASES], ids=[c[0] for c in EQ_CASES])
def test_auth_equality_matches_requests(
    left: Callable[[Any], Any], right: Callable[[Any], Any]
) -> None:
    def run(mod: Any) -> tuple[bool, bool]:
        a, b = left(mod), right(mod)
        return a == b, a != b

    assert run(auth) == run(requests_auth)


def test_auth_objects_are_unhashable_like_requests() -> None:
    for name in ("HTTPBasicAuth", "HTTPProxyAuth", "HTTPDigestAuth"):
        assert (getattr(auth, name).__hash__ is None) == (
            getattr(requests_auth, name).__hash__ is None
        )


def test_auth_base_must_be_overridden() -> None:
    with pytest.raises(NotImplementedError, match=r"Auth hooks must be callable\."):
        auth.AuthBase()(FakePrepared())  # type: ignore[arg-type]


def test_module_constants() -> None:
    assert auth.CONTENT_TYPE_FORM_URLENCODED == requests_auth.CONTENT_TYPE_FORM_URLENCODED
    assert auth.CONTENT_TYPE_MULTI_PART == requests_auth.CONTENT_TYPE_MULTI_PART
    assert issubclass(auth.HTTPProxyAuth, auth.HTTPBasicAuth)
    assert issubclass(auth.HTTPDigestAuth, auth.AuthBase)


# -- Digest: the pure computation ---------------------------------------------------------

# RFC 7616 §3.9.1: the same request answered with MD5 and with SHA-256.
RFC_CHALLENGE = {
    "realm": "http-auth@example.org",
    "qop": "auth, auth-int",
    "nonce": "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
    "opaque": "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
}
RFC_CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"


@pytest.mark.parametrize(
    ("algorithm", "expected"),
    [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_rfc7616_worked_example(algorithm: str, expected: str) -> None:
    header = _digest.build_authorization(
        "GET",
        "/dir/index.html",
        {**RFC_CHALLENGE, "algorithm": algorithm},
        "Mufasa",
        "Circle of Life",
        1,
        RFC_CNONCE,
    )
    assert header is not None
    params = header_params(header)
    assert params["response"] == expected
    assert params["nc"] == "00000001"
    assert params["qop"] == "auth"
    assert params["cnonce"] == RFC_CNONCE
    assert params["uri"] == "/dir/index.html"


def _reference_response(
    hash_name: str, session: bool, qop: bool, method: str, uri: str, nc: int, cnonce: str
) -> str:
    """RFC 7616 §3.4.1, written out independently."""

    def h(text: str) -> str:
        return hashlib.new(hash_name, text.encode()).hexdigest()

    ha1 = h("user:realm@x:secret")
    if session:
        ha1 = h(f"{ha1}:nonceX:{cnonce}")
    ha2 = h(f"{method}:{uri}")
    if qop:
        return h(f"{ha1}:nonceX:{nc:08x}:{cnonce}:auth:{ha2}")
    return h(f"{ha1}:nonceX:{ha2}")


ALGORITHMS = [
    ("MD5", "md5", False),
    ("MD5-sess", "md5", True),
    ("SHA", "sha1", False),
    ("SHA-sess", "sha1", True),
    ("SHA-256", "sha256", False),
    ("SHA-256-sess", "sha256", True),
    ("SHA-512", "sha512", False),
    ("SHA-512-sess", "sha512", True),
    ("SHA-512-256", "sha512_256", False),
    ("SHA-512-256-SESS", "sha512_256", True),
    ("sha-256-SeSs", "sha256", True),
]


@pytest.mark.parametrize(
    ("algorithm", "hash_name", "session"), ALGORITHMS, ids=[a[0] for a in ALGORITHMS]
)
@pytest.mark.parametrize("nc", [1, 2, 255])
def test_digest_algorithms_against_reference(
    algorithm: str, hash_name: str, session: bool, nc: int
) -> None:
    try:
        hashlib.new(hash_name)
    except ValueError:  # pragma: no cover - depends on the OpenSSL build
        pytest.skip(f"{hash_name} unavailable")
    challenge = {"realm": "realm@x", "nonce": "nonceX", "qop": "auth", "algorithm": algorithm}
    header = _digest.build_authorization(
        "PUT", "/a/b?c=d", challenge, "user", "secret", nc, "c0ffee"
    )
    assert header is not None
    params = header_params(header)
    assert params["response"] == _reference_response(
        hash_name, session, True, "PUT", "/a/b?c=d", nc, "c0ffee"
    )
    assert params["algorithm"] == algorithm
    assert params["nc"] == f"{nc:08x}"


@pytest.mark.parametrize("algorithm", [None, "MD5", "SHA-256"])
def test_digest_without_qop_is_rfc2069(algorithm: str | None) -> None:
    challenge: dict[str, str | None] = {"realm": "realm@x", "nonce": "nonceX"}
    if algorithm:
        challenge["algorithm"] = algorithm
    header = _digest.build_authorization("GET", "/", challenge, "user", "secret", 1, "c")
    assert header is not None
    params = header_params(header)
    hash_name = {None: "md5", "MD5": "md5", "SHA-256": "sha256"}[algorithm]
    assert params["response"] == _reference_response(hash_name, False, False, "GET", "/", 1, "c")
    assert "cnonce" not in params and "nc" not in params and "qop" not in params


DIFF_ALGORITHMS = [
    None,
    "MD5",
    "md5",
    "MD5-SESS",
    "MD5-sess",
    "SHA",
    "SHA-256",
    "SHA-512",
    "sha-512",
]
DIFF_QOPS = [None, "auth", "auth,auth-int", "auth, auth-int"]
DIFF_URLS = [
    "http://h.test",
    "http://h.test/",
    "http://h.test/p/a?x=1&y=%20",
    "http://h.test/ü?q=é#frag",
]


# MD5-sess without qop is left out: requests hashes a client nonce it never sends.
DIFF_COMBOS = [
    (algorithm, qop)
    for algorithm in DIFF_ALGORITHMS
    for qop in DIFF_QOPS
    if qop or not (algorithm and algorithm.upper() == "MD5-SESS")
]


@pytest.mark.parametrize(("algorithm", "qop"), DIFF_COMBOS)
@pytest.mark.parametrize("url", DIFF_URLS)
@pytest.mark.parametrize("opaque", [None, "op"])
def test_digest_header_matches_requests(
    algorithm: str | None, qop: str | None, url: str, opaque: str | None
) -> None:
    challenge: dict[str, str | None] = {"realm": "me@x", "nonce": "abc123"}
    for key, value in (("algorithm", algorithm), ("qop", qop), ("opaque", opaque)):
        if value is not None:
            challenge[key] = value
    theirs_auth = requests_auth.HTTPDigestAuth("üser", "pässword")
    theirs_auth.init_per_thread_state()
    theirs_auth._thread_local.chal = challenge
    theirs = theirs_auth.build_digest_header("POST", url)
    assert theirs is not None
    cnonce = header_params(theirs).get("cnonce", "unused")
    mine = _digest.build_authorization(
        "POST", _digest.request_uri(url), challenge, "üser", "pässword", 1, cnonce
    )
    assert mine == theirs


@pytest.mark.parametrize(
    ("challenge", "answered"),
    [
        ({"realm": "r", "nonce": "n", "qop": "auth-int"}, False),
        ({"realm": "r", "nonce": "n", "qop": "auth-int,token"}, False),
        ({"realm": "r", "nonce": "n", "qop": "auth-int, auth"}, True),
        ({"realm": "r", "nonce": "n", "qop": "AUTH"}, True),
        ({"realm": "r", "nonce": "n", "algorithm": "SHA3-256"}, False),
        ({"realm": "r", "nonce": "n", "algorithm": "MD4"}, False),
        ({"nonce": "n"}, False),
        ({"realm": "r"}, False),
        ({"realm": "r", "nonce": None}, False),
        ({"Realm": "r", " NONCE": "n"}, True),
    ],
)
def test_unanswerable_challenges(challenge: dict[str, str | None], answered: bool) -> None:
    header = _digest.build_authorization("GET", "/", challenge, "u", "p", 1, "c")
    assert (header is not None) is answered
    if header is not None and "qop" in {k.lower() for k in challenge}:
        assert 'qop="auth"' in header


def test_bytes_credentials_are_sent_as_given() -> None:
    challenge = {"realm": "r", "nonce": "n", "qop": "auth"}
    as_bytes = _digest.build_authorization(
        "GET", "/", challenge, "us\xe9r".encode("latin-1"), b"pw", 1, "c"
    )
    assert as_bytes is not None
    assert 'username="us\xe9r"' in as_bytes
    expected_ha1 = hashlib.md5(b"us\xe9r:r:pw").hexdigest()
    ha2 = hashlib.md5(b"GET:/").hexdigest()
    expected = hashlib.md5(f"{expected_ha1}:n:00000001:c:auth:{ha2}".encode()).hexdigest()
    assert header_params(as_bytes)["response"] == expected


@pytest.mark.parametrize(
    ("url", "uri"),
    [
        ("http://h", "/"),
        ("http://h/", "/"),
        ("http://h/a/b", "/a/b"),
        ("http://h/a?b=c", "/a?b=c"),
        ("http://h/a?", "/a"),
        ("http://h/a?b#frag", "/a?b"),
        ("http://u:p@h:81/x", "/x"),
        ("http://h/a;p=1?q", "/a;p=1?q"),  # requests drops ";p=1" (urlparse params)
    ],
)
def test_request_uri(url: str, uri: str) -> None:
    assert _digest.request_uri(url) == uri


def test_new_cnonce_shape_and_randomness() -> None:
    values = {_digest.new_cnonce() for _ in range(50)}
    assert len(values) == 50
    assert all(re.fullmatch(r"[0-9a-f]{16}", value) for value in values)


DICT_HEADERS = [
    'realm="r", nonce="n"',
    'key="quoted, comma", other=plain',
    'a="esc\\"aped", b="back\\\\slash"',
    "bare, k=v",
    'x=""',
    'x="',
    "",
    'k="v" , k2 = "v2"',
    'q=""inner""',
    'realm="a=b", =v, k=',
]


@pytest.mark.parametrize("value", DICT_HEADERS)
def test_parse_dict_header_matches_requests(value: str) -> None:
    assert auth.parse_dict_header(value) == requests_utils.parse_dict_header(value)


@given(st.text(alphabet='ab =",\\ \tq', max_size=30))
def test_parse_dict_header_fuzz_matches_requests(value: str) -> None:
    assert auth.parse_dict_header(value) == requests_utils.parse_dict_header(value)


# -- HTTPDigestAuth: state, __call__, handle_401 ------------------------------------------


def test_per_thread_state_names_and_defaults() -> None:
    digest = auth.HTTPDigestAuth("u", "p")
    digest.init_per_thread_state()
    state = digest._thread_local
    assert (
        state.init,
        state.last_nonce,
        state.nonce_count,
        state.chal,
        state.pos,
        state.num_401_calls,
    ) == (
        True,
        "",
        0,
        {},
        None,
        None,
    )
    seen: dict[str, Any] = {}

    def other_thread() -> None:
        seen["has_init"] = hasattr(digest._thread_local, "init")
        digest.init_per_thread_state()
        seen["last_nonce"] = digest._thread_local.last_nonce

    state.last_nonce = "mine"
    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join(10)
    assert seen == {"has_init": False, "last_nonce": ""}
    assert state.last_nonce == "mine"


def test_nonce_count_sequence_matches_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    mine = auth.HTTPDigestAuth("user", "pw")
    theirs = requests_auth.HTTPDigestAuth("user", "pw")
    for digest in (mine, theirs):
        digest.init_per_thread_state()
    for nonce in ["n1", "n1", "n1", "n2", "n2", "n1", "n1"]:
        challenge = {"realm": "r", "nonce": nonce, "qop": "auth", "algorithm": "SHA-256"}
        mine._thread_local.chal = dict(challenge)
        theirs._thread_local.chal = dict(challenge)
        expected = theirs.build_digest_header("GET", "http://h/x?y")
        assert expected is not None
        cnonce = header_params(expected)["cnonce"]
        monkeypatch.setattr(_digest, "new_cnonce", lambda cnonce=cnonce: cnonce)
        assert mine.build_digest_header("GET", "http://h/x?y") == expected
        assert (mine._thread_local.nonce_count, mine._thread_local.last_nonce) == (
            theirs._thread_local.nonce_count,
            theirs._thread_local.last_nonce,
        )


def test_call_registers_hooks_and_records_body_position() -> None:
    digest = auth.HTTPDigestAuth("u", "p")
    body = io.BytesIO(b"0123456789")
    body.seek(3)
    request = FakePrepared("POST", "http://a.test/p", body)
    assert digest(request) is request  # type: ignore[arg-type]
    assert request.hooks["response"] == [digest.handle_401, digest.handle_redirect]
    assert digest._thread_local.pos == 3
    assert digest._thread_local.num_401_calls == 1
    assert "Authorization" not in request.headers  # no challenge known yet
    digest(FakePrepared("POST", "http://a.test/p", b"bytes"))  # type: ignore[arg-type]
    assert digest._thread_local.pos is None


def test_call_with_unseekable_body_position() -> None:
    class Pipe:
        def tell(self) -> int:
            raise OSError("Illegal seek")

    digest = auth.HTTPDigestAuth("u", "p")
    digest(FakePrepared("POST", "http://a.test/", Pipe()))  # type: ignore[arg-type]
    assert digest._thread_local.pos is None


def test_call_adds_header_once_a_nonce_is_known(monkeypatch: pytest.MonkeyPatch) -> None:
    mine = auth.HTTPDigestAuth("u", "p")
    theirs = requests_auth.HTTPDigestAuth("u", "p")
    for digest in (mine, theirs):
        digest.init_per_thread_state()
        digest._thread_local.chal = {"realm": "r", "nonce": "n", "qop": "auth"}
        digest._thread_local.last_nonce = "n"
        digest._thread_local.nonce_count = 4
    their_request = FakePrepared("GET", "http://a.test/x")
    theirs(their_request)
    expected = their_request.headers["Authorization"]
    monkeypatch.setattr(_digest, "new_cnonce", lambda: header_params(expected)["cnonce"])
    my_request = FakePrepared("GET", "http://a.test/x")
    mine(my_request)  # type: ignore[arg-type]
    assert my_request.headers["Authorization"] == expected
    assert header_params(expected)["nc"] == "00000005"


@pytest.mark.parametrize("status", [200, 204, 302, 399, 500, 503])
def test_handle_401_ignores_non_4xx(status: int) -> None:
    digest = auth.HTTPDigestAuth("u", "p")
    request = FakePrepared()
    digest(request)  # type: ignore[arg-type]
    digest._thread_local.num_401_calls = 2
    response = challenge_response(request, status=status)
    assert digest.handle_401(response) is response  # type: ignore[arg-type]
    assert response.connection.sent == []
    assert digest._thread_local.num_401_calls == 1


def _answer(digest: Any, response: FakeResponse, **kwargs: Any) -> tuple[Any, FakeConnection]:
    result = digest.handle_401(response, **kwargs)
    return result, response.connection


@pytest.mark.parametrize("status", [401, 403, 407, 499])
def test_handle_401_answers_a_digest_challenge(status: int) -> None:
    digest = auth.HTTPDigestAuth("user", "secret")
    body = io.BytesIO(b"payload")
    request = FakePrepared("POST", "http://a.test/p?q=1", body)
    digest(request)  # type: ignore[arg-type]
    body.read()  # the transport consumed the body
    response = challenge_response(request, status=status, extra={"Set-Cookie": "sid=42; Path=/"})
    result, connection = _answer(digest, response, timeout=5, verify=False)

    assert len(connection.sent) == 1
    prep, kwargs = connection.sent[0]
    assert kwargs == {"timeout": 5, "verify": False}
    assert prep is not request and prep.url == request.url
    assert body.tell() == 0  # rewound to where __call__ found it
    assert response.reads == 1 and response.closed
    assert result.history == [response]
    assert result.request is prep
    assert prep.headers["Cookie"] == "sid=42"
    params = header_params(prep.headers["Authorization"])
    assert params["uri"] == "/p?q=1"
    assert params["username"] == "user" and params["realm"] == "me@x.test"
    assert (
        params["opaque"] == "0p4que" and params["algorithm"] == "MD5" and params["nc"] == "00000001"
    )
    ha1 = hashlib.md5(b"user:me@x.test:secret").hexdigest()
    ha2 = hashlib.md5(b"POST:/p?q=1").hexdigest()
    assert (
        params["response"]
        == hashlib.md5(f"{ha1}:n0nce:00000001:{params['cnonce']}:auth:{ha2}".encode()).hexdigest()
    )
    assert digest._thread_local.num_401_calls == 2
    assert digest._thread_local.chal == {
        "realm": "me@x.test",
        "nonce": "n0nce",
        "qop": "auth",
        "opaque": "0p4que",
        "algorithm": "MD5",
    }


def test_handle_401_matches_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    challenge = 'Basic realm="other", DIGEST realm="r@x", nonce="abc", qop="auth,auth-int", algorithm="SHA-256"'

    def run(digest: Any) -> tuple[Any, ...]:
        request = FakePrepared("PUT", "http://a.test/up", io.BytesIO(b"data"))
        digest(request)
        response = challenge_response(request, challenge, extra={"Set-Cookie": "k=v"})
        result = digest.handle_401(response)
        prep, _ = response.connection.sent[0]
        return (
            dict(prep.headers),
            digest._thread_local.chal,
            digest._thread_local.num_401_calls,
            digest._thread_local.nonce_count,
            len(result.history),
        )

    theirs = run(requests_auth.HTTPDigestAuth("u", "p"))
    monkeypatch.setattr(
        _digest, "new_cnonce", lambda: header_params(theirs[0]["Authorization"])["cnonce"]
    )
    assert run(auth.HTTPDigestAuth("u", "p")) == theirs


@pytest.mark.parametrize(
    "challenge",
    ['Basic realm="x"', 'Bearer realm="x"', "", "Negotiate"],
)
def test_handle_401_leaves_other_schemes(challenge: str) -> None:
    digest = auth.HTTPDigestAuth("u", "p")
    request = FakePrepared()
    digest(request)  # type: ignore[arg-type]
    response = challenge_response(request, challenge)
    assert digest.handle_401(response) is response  # type: ignore[arg-type]
    assert response.connection.sent == []


@pytest.mark.parametrize(
    "challenge",
    [
        'Digest realm="r", nonce="n", algorithm="SHA3-512"',
        'Digest realm="r", nonce="n", qop="auth-int"',
        'Digest nonce="n"',
    ],
)
def test_handle_401_returns_unanswerable_challenge(challenge: str) -> None:
    digest = auth.HTTPDigestAuth("u", "p")
    request = FakePrepared()
    digest(request)  # type: ignore[arg-type]
    response = challenge_response(request, challenge)
    assert digest.handle_401(response) is response  # type: ignore[arg-type]
    assert response.connection.sent == []
    assert digest._thread_local.num_401_calls == 1


def test_at_most_one_retry_until_a_redirect() -> None:
    digest = auth.HTTPDigestAuth("u", "p")
    request = FakePrepared()
    digest(request)  # type: ignore[arg-type]
    first, connection = _answer(digest, challenge_response(request))
    assert len(connection.sent) == 1
    # Another 401 for the retried request in the same exchange is not answered.
    again = challenge_response(first.request)
    assert digest.handle_401(again) is again  # type: ignore[arg-type]
    assert again.connection.sent == []
    assert digest._thread_local.num_401_calls == 1  # reset for the next exchange
    # A redirect resets the counter too (requests' test_digestauth_401_count_reset_on_redirect).
    digest._thread_local.num_401_calls = 2
    not_redirect = FakeResponse(200, request, FakeConnection())
    digest.handle_redirect(not_redirect)  # type: ignore[arg-type]
    assert digest._thread_local.num_401_calls == 2
    redirect = FakeResponse(302, request, FakeConnection(), {"Location": "/next"})
    digest.handle_redirect(redirect)  # type: ignore[arg-type]
    assert digest._thread_local.num_401_calls == 1
    _, connection = _answer(digest, challenge_response(FakePrepared(url="http://a.test/next")))
    assert len(connection.sent) == 1


# Security case 08: a challenge from another origin (reached by a redirect) is not answered.
ORIGIN_CASES = [
    ("same-origin-other-path", "http://a.test/other?x", True),
    ("same-origin-explicit-port", "http://A.TEST:80/x", True),
    ("other-host", "http://b.test/x", False),
    ("subdomain", "http://sub.a.test/x", False),
    ("other-port", "http://a.test:8080/x", False),
    ("other-scheme", "https://a.test/x", False),
    ("userinfo-trick", "http://a.test@b.test/x", False),
]


@pytest.mark.parametrize(
    ("url", "answered"), [c[1:] for c in ORIGIN_CASES], ids=[c[0] for c in ORIGIN_CASES]
)
def test_digest_answers_only_its_origin(url: str, answered: bool) -> None:
    digest = auth.HTTPDigestAuth("u", "p")
    digest(FakePrepared(url="http://a.test/start"))  # type: ignore[arg-type]
    response = challenge_response(FakePrepared(url=url))
    result = digest.handle_401(response)  # type: ignore[arg-type]
    assert (len(response.connection.sent) == 1) is answered
    assert (result is response) is not answered
    # requests answers every one of them.
    theirs = requests_auth.HTTPDigestAuth("u", "p")
    theirs(FakePrepared(url="http://a.test/start"))
    their_response = challenge_response(FakePrepared(url=url))
    theirs.handle_401(their_response)
    assert len(their_response.connection.sent) == 1


def test_digest_remembers_every_origin_it_was_applied_to() -> None:
    digest = auth.HTTPDigestAuth("u", "p")
    digest(FakePrepared(url="http://a.test/"))  # type: ignore[arg-type]
    digest(FakePrepared(url="http://b.test/"))  # type: ignore[arg-type]
    for url in ("http://a.test/x", "http://b.test/y"):
        digest._thread_local.num_401_calls = 1
        response = challenge_response(FakePrepared(url=url))
        digest.handle_401(response)  # type: ignore[arg-type]
        assert len(response.connection.sent) == 1, url
    response = challenge_response(FakePrepared(url="http://c.test/"))
    digest.handle_401(response)  # type: ignore[arg-type]
    assert response.connection.sent == []


def test_digest_origin_memory_is_bounded() -> None:
    digest = auth.HTTPDigestAuth("u", "p")
    for i in range(auth._MAX_ORIGINS + 44):
        digest(FakePrepared(url=f"http://h{i}.test/"))  # type: ignore[arg-type]
    digest(FakePrepared(url="http://h0.test/"))  # type: ignore[arg-type]  # refreshed: kept
    assert len(digest._origins) == auth._MAX_ORIGINS
    assert ("http", "h0.test", 80) in digest._origins
    assert ("http", "h1.test", 80) not in digest._origins
    assert ("http", f"h{auth._MAX_ORIGINS + 43}.test", 80) in digest._origins


def test_handle_401_without_call_binds_to_first_origin() -> None:
    # requests-toolbelt's GuessAuth calls handle_401 on a fresh HTTPDigestAuth.
    digest = auth.HTTPDigestAuth("u", "p")
    first = challenge_response(FakePrepared(url="http://a.test/"))
    digest.handle_401(first)  # type: ignore[arg-type]
    assert len(first.connection.sent) == 1
    digest._thread_local.num_401_calls = 1
    elsewhere = challenge_response(FakePrepared(url="http://b.test/"))
    digest.handle_401(elsewhere)  # type: ignore[arg-type]
    assert elsewhere.connection.sent == []


def test_subclass_without_super_init_still_binds_origins() -> None:
    class OldStyle(auth.HTTPDigestAuth):
        def __init__(self, username: str, password: str) -> None:
            self.username = username
            self.password = password
            self._thread_local = threading.local()

    digest = OldStyle("u", "p")
    digest(FakePrepared(url="http://a.test/"))  # type: ignore[arg-type]
    home = challenge_response(FakePrepared(url="http://a.test/x"))
    digest.handle_401(home)  # type: ignore[arg-type]
    assert len(home.connection.sent) == 1
    digest._thread_local.num_401_calls = 1
    away = challenge_response(FakePrepared(url="http://b.test/x"))
    digest.handle_401(away)  # type: ignore[arg-type]
    assert away.connection.sent == []


def test_digest_state_is_per_thread() -> None:
    digest = auth.HTTPDigestAuth("u", "p")
    request = FakePrepared()
    digest(request)  # type: ignore[arg-type]
    _answer(digest, challenge_response(request))
    assert digest._thread_local.last_nonce == "n0nce"
    seen: dict[str, Any] = {}

    def other() -> None:
        other_request = FakePrepared()
        digest(other_request)  # type: ignore[arg-type]
        seen["auth"] = other_request.headers.get("Authorization")
        seen["nonce"] = digest._thread_local.last_nonce

    worker = threading.Thread(target=other)
    worker.start()
    worker.join(10)
    assert seen == {"auth": None, "nonce": ""}


# -- against a server (pytest-httpbin) ------------------------------------------------------


@pytest.fixture
def tether_api() -> Any:
    return pytest.importorskip("tether.api")


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256", "SHA-512"])
def test_digest_against_httpbin(httpbin: Any, tether_api: Any, algorithm: str) -> None:
    url = f"{httpbin.url}/digest-auth/auth/user/pass/{algorithm}"
    r = tether_api.get(url, auth=auth.HTTPDigestAuth("user", "pass"))
    assert r.status_code == 200
    assert [h.status_code for h in r.history] == [401]
    assert r.request.headers["Authorization"].startswith('Digest username="user"')
    wrong = tether_api.get(url, auth=auth.HTTPDigestAuth("user", "wrong"))
    assert wrong.status_code == 401
    assert len(wrong.history) == 1


def test_digest_session_reuses_nonce(httpbin: Any) -> None:
    sessions = pytest.importorskip("tether.sessions")
    requests = pytest.importorskip("requests")
    url = f"{httpbin.url}/digest-auth/auth/user/pass/MD5"

    def history(session: Any, digest: Any) -> list[list[int]]:
        with session:
            session.auth = digest
            return [[h.status_code for h in session.get(url).history] for _ in range(3)]

    mine = history(sessions.Session(), auth.HTTPDigestAuth("user", "pass"))
    theirs = history(requests.Session(), requests_auth.HTTPDigestAuth("user", "pass"))
    assert mine == theirs == [[401], [], []]


def test_digest_same_origin_redirect_is_answered(httpbin: Any, tether_api: Any) -> None:
    url = f"{httpbin.url}/redirect-to?url=/digest-auth/auth/user/pass/MD5"
    r = tether_api.get(url, auth=auth.HTTPDigestAuth("user", "pass"))
    assert r.status_code == 200


@pytest.fixture
def redirector() -> Iterator[Callable[[str], str]]:
    """A loopback server on its own port answering every GET with a 302 to a target."""
    targets: dict[str, str] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", targets["to"])
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def to(target: str) -> str:
        targets["to"] = target
        return f"http://127.0.0.1:{server.server_address[1]}/start"

    yield to
    server.shutdown()
    server.server_close()


def test_digest_cross_origin_redirect_is_not_answered(
    httpbin: Any, tether_api: Any, redirector: Callable[[str], str]
) -> None:
    requests = pytest.importorskip("requests")
    start = redirector(f"{httpbin.url}/digest-auth/auth/user/pass/MD5")
    r = tether_api.get(start, auth=auth.HTTPDigestAuth("user", "pass"))
    assert r.status_code == 401
    assert "Authorization" not in r.request.headers
    assert [h.status_code for h in r.history] == [302]
    # requests answers the other origin's challenge.
    theirs = requests.get(start, auth=requests_auth.HTTPDigestAuth("user", "pass"))
    assert theirs.status_code == 200
