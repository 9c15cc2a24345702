"""Saving and restoring sessions: pickle (as requests does, SECURITY-CASES case 49), the
safe JSON session file (``Session.save``/``Session.load``), and Netscape ``cookies.txt``
export and import. Restored sessions are checked against loopback servers: they must send
the same cookies to the same places as the session that was saved."""

from __future__ import annotations

import copy
import json
import os
import pickle
import shutil
import socket
import stat
import subprocess
import time
from collections.abc import Callable, Iterator
from http import cookiejar as cookielib
from pathlib import Path
from typing import Any

import pytest
from urllib3.util import Timeout
from urllib3.util.retry import Retry

import tether
from tests.support.fixtures import RawServerFactory, TwoOriginsFactory
from tests.support.servers import Connection, RawRequest, http_response
from tether import _persist
from tether.adapters import HTTPAdapter
from tether.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth, HTTPProxyAuth
from tether.exceptions import RequestException, SessionFileError, SessionFileWarning

# -- helpers ---------------------------------------------------------------------------------


def _cookie_echo(request: RawRequest, conn: Connection) -> bytes:
    """Sets cookies on /login; answers everything else with the Cookie header it got."""
    if request.path == "/login":
        headers = [
            ("Set-Cookie", "host=1; Path=/"),
            ("Set-Cookie", "scoped=2; Path=/p"),
            ("Set-Cookie", "short=3; Max-Age=50; Path=/"),
            ("Set-Cookie", "long=4; Max-Age=100000; Path=/; HttpOnly"),
            ("Set-Cookie", "sec=5; Secure; Path=/"),
            ("Set-Cookie", "sess=6; Path=/"),
        ]
        return http_response(200, b"in", headers)
    return http_response(200, request.header("cookie") or b"")


def _cookie_headers(session: tether.Session, urls: list[str]) -> list[str]:
    return [session.get(url).text for url in urls]


def _hook(response: tether.Response, **kwargs: Any) -> None:
    response.headers["X-Hooked"] = "yes"


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Moves the wall clock (``time.time``) forward by the given number of seconds."""
    real = time.time

    def advance(seconds: float) -> None:
        monkeypatch.setattr(time, "time", lambda: real() + seconds)

    return advance


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], Any]]:
    """A context in which creating any socket fails the test."""

    class _Guard:
        def __enter__(self) -> None:
            def refuse(*args: Any, **kwargs: Any) -> Any:
                raise AssertionError("a socket was opened")

            monkeypatch.setattr(socket, "socket", refuse)
            monkeypatch.setattr(socket, "create_connection", refuse)

        def __exit__(self, *exc: object) -> None:
            monkeypatch.undo()

    yield _Guard


def _configured_session(base_url: str) -> tether.Session:
    s = tether.Session(
        headers={"X-App": "demo", "X-Bytes": b"raw"},
        params=[("q", "1"), ("q", "2")],
        timeout=Timeout(connect=2, read=7),
        base_url=base_url,
        max_redirects=7,
        trust_env=False,
        stream=True,
        verify=False,
        retries=Retry(total=4, backoff_factor=0.25, status_forcelist=[502, 503]),
        sensitive_headers=["X-Api-Key"],
        proxies={"ftp": "http://proxy.invalid:3128"},
    )
    s.mount(
        "http://pinned.invalid/",
        HTTPAdapter(pool_connections=3, pool_maxsize=7, pool_block=True, max_retries=2),
    )
    s.cookies.set("prog", "p1", domain="127.0.0.1", path="/", expires=4_102_444_800)
    return s


def _retry_settings(retry: Retry) -> dict[str, Any]:
    fields = dict(vars(retry))
    fields.pop("history", None)
    # The kind of collection is not behaviour: [502, 503] and {502, 503} retry the same.
    return {k: set(v) if isinstance(v, (list, set, frozenset)) else v for k, v in fields.items()}


def _assert_same_configuration(a: tether.Session, b: tether.Session) -> None:
    assert dict(a.headers) == dict(b.headers)
    assert list(a.headers) == list(b.headers)
    assert a.params == b.params
    assert a.proxies == b.proxies
    for name in ("verify", "cert", "max_redirects", "trust_env", "stream", "base_url"):
        assert getattr(a, name) == getattr(b, name), name
    assert repr(a.timeout) == repr(b.timeout)
    assert a.sensitive_headers == b.sensitive_headers
    assert list(a.adapters) == list(b.adapters)
    for prefix, adapter in a.adapters.items():
        other = b.adapters[prefix]
        assert isinstance(adapter, HTTPAdapter) and isinstance(other, HTTPAdapter)
        assert (adapter._pool_connections, adapter._pool_maxsize, adapter._pool_block) == (
            other._pool_connections,
            other._pool_maxsize,
            other._pool_block,
        )
        assert other.poolmanager.connection_pool_kw["maxsize"] == adapter._pool_maxsize
        assert _retry_settings(adapter.max_retries) == _retry_settings(other.max_retries)


def _cookie_attrs(jar: Any) -> list[dict[str, Any]]:
    return sorted((dict(vars(c)) for c in jar), key=lambda d: (d["domain"], d["path"], d["name"]))


# -- pickle (as requests does; case 49) ------------------------------------------------------


def test_pickle_round_trips_a_used_session(
    raw_server: RawServerFactory, no_sockets: Callable[[], Any]
) -> None:
    server = raw_server(_cookie_echo)
    s = _configured_session(server.base_url)
    s.auth = HTTPDigestAuth("user", "pass")
    s.hooks["response"].append(_hook)
    s.get("/login")
    assert s.cookies.get("long") == "4"

    data = pickle.dumps(s)
    with no_sockets():
        restored = pickle.loads(data)

    _assert_same_configuration(s, restored)
    assert restored.auth == HTTPDigestAuth("user", "pass")
    assert restored.hooks == {"response": [_hook]}
    assert _cookie_attrs(restored.cookies) == _cookie_attrs(s.cookies)
    # The restored session works, with its own lock, pools and cookies.
    r = restored.get("/echo")
    assert r.headers["X-Hooked"] == "yes"
    assert "long=4" in r.text and "prog=p1" in r.text
    restored.close()
    s.close()


def test_pickle_round_trips_a_response(
    raw_server: RawServerFactory, no_sockets: Callable[[], Any]
) -> None:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.path == "/start":
            return http_response(302, b"", [("Location", "/final")])
        return http_response(
            200,
            "d\u00e9j\u00e0".encode("latin-1"),
            [("Content-Type", "text/plain; charset=latin-1"), ("Set-Cookie", "k=v")],
        )

    server = raw_server(handler)
    with tether.Session() as s:
        r = s.get(server.url_for("/start"), auth=HTTPDigestAuth("u", "p"), stream=True)
        data = pickle.dumps(r)
    with no_sockets():
        back = pickle.loads(data)
    assert back.raw is None
    assert back.content == "d\u00e9j\u00e0".encode("latin-1")
    assert back.text == "d\u00e9j\u00e0"
    assert back.status_code == 200 and back.reason == "OK"
    assert back.url == server.url_for("/final")
    assert back.encoding == "latin-1"
    assert back.headers["content-type"] == "text/plain; charset=latin-1"
    assert [h.status_code for h in back.history] == [302]
    assert back.history[0].url == server.url_for("/start")
    assert back.request.url == server.url_for("/final")
    assert back.request.method == "GET"
    assert back.cookies.get("k") == "v"
    assert back.elapsed == r.elapsed


def test_pickled_digest_auth_keeps_its_origins_not_its_thread_state() -> None:
    auth = HTTPDigestAuth("u", "p")
    auth.init_per_thread_state()
    auth._thread_local.last_nonce = "abc"
    auth._remember_origin("http://127.0.0.1:8080/x")
    back = pickle.loads(pickle.dumps(auth))
    assert back == auth
    assert back._known_origins() == auth._known_origins()
    back.init_per_thread_state()
    assert back._thread_local.last_nonce == ""


# -- the session file: writing ---------------------------------------------------------------


def test_save_creates_a_private_file_without_chmod(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "session.json"
    path.write_text("old")
    os.chmod(path, 0o644)

    def no_chmod(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("permissions must be set when the file is created")

    monkeypatch.setattr(os, "chmod", no_chmod)
    monkeypatch.setattr(os, "fchmod", no_chmod)
    old_umask = os.umask(0)  # even with no umask at all the file is private
    try:
        tether.Session().save(path)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["format"] == "tether-session"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["session.json"]


def test_save_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "session.json"
    tether.Session(headers={"X-Gen": "1"}).save(path)
    before = path.read_bytes()

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        tether.Session(headers={"X-Gen": "2"}).save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["session.json"]


def test_round_trip_restores_every_setting(tmp_path: Path) -> None:
    s = _configured_session("http://127.0.0.1:1/api")
    path = tmp_path / "s.json"
    s.save(path)
    restored = tether.Session.load(path)
    _assert_same_configuration(s, restored)
    assert _cookie_attrs(restored.cookies) == _cookie_attrs(s.cookies)
    assert restored.auth is None
    # A session is saved as it is: saving the restored one gives the same document.
    again = tmp_path / "again.json"
    restored.save(again)
    assert json.loads(again.read_text()) == json.loads(path.read_text())


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("timeout", 2.5),
        ("timeout", (3, None)),
        ("timeout", Timeout(total=9)),
        ("params", "a=1&b=2"),
        ("params", b"raw=1"),
        ("params", {"k": "v", "n": 3, "many": ["x", 1.5]}),
        ("cert", ("/etc/client.pem", "/etc/client.key")),
        ("cert", "/etc/both.pem"),
        ("verify", "/etc/ca.pem"),
        ("max_redirects", 0),
        ("base_url", None),
    ],
)
def test_each_kind_of_value_round_trips(tmp_path: Path, name: str, value: Any) -> None:
    s = tether.Session()
    setattr(s, name, value)
    path = tmp_path / "s.json"
    s.save(path)
    restored = getattr(tether.Session.load(path), name)
    assert repr(restored) == repr(value)


def test_load_returns_the_callers_class(tmp_path: Path) -> None:
    class MySession(tether.Session):
        pass

    path = tmp_path / "s.json"
    tether.Session().save(path)
    assert type(MySession.load(path)) is MySession


@pytest.mark.parametrize(
    ("auth", "expected"),
    [
        (("user", "pw"), ("user", "pw")),
        ((b"user", b"pw"), (b"user", b"pw")),
        (HTTPBasicAuth("user", "pw"), HTTPBasicAuth("user", "pw")),
        (HTTPProxyAuth("user", "pw"), HTTPProxyAuth("user", "pw")),
        (HTTPDigestAuth("user", "pw"), HTTPDigestAuth("user", "pw")),
    ],
    ids=["tuple", "bytes-tuple", "basic", "proxy", "digest"],
)
def test_credentials_only_when_asked(tmp_path: Path, auth: Any, expected: Any) -> None:
    s = tether.Session(
        auth=auth,
        headers={"Authorization": "Bearer T", "Proxy-Authorization": "Basic X", "X-Api-Key": "K"},
        sensitive_headers=["X-Api-Key"],
        proxies={"https": "http://pu:ppw@proxy.invalid:3128"},
        base_url="http://bu:bpw@127.0.0.1:1/",
    )
    plain, secret = tmp_path / "plain.json", tmp_path / "secret.json"
    s.save(plain)
    s.save(secret, include_credentials=True)

    text = plain.read_text()
    for needle in ("pw", "Bearer T", "Basic X", '"K"', "ppw", "bpw"):
        assert needle not in text
    without = tether.Session.load(plain)
    assert without.auth is None
    for name in ("Authorization", "Proxy-Authorization", "X-Api-Key"):
        assert name not in without.headers
    assert without.proxies == {"https": "http://proxy.invalid:3128"}
    assert without.base_url == "http://127.0.0.1:1/"

    with_ = tether.Session.load(secret)
    assert type(with_.auth) is type(expected) and with_.auth == expected
    assert with_.headers["Authorization"] == "Bearer T"
    assert with_.headers["X-Api-Key"] == "K"
    assert with_.proxies == s.proxies
    assert with_.base_url == s.base_url
    assert json.loads(secret.read_text())["credentials"] is True


def test_what_cannot_be_saved_is_left_out_with_a_warning(tmp_path: Path) -> None:
    class TokenAuth(AuthBase):
        def __call__(self, r: Any) -> Any:
            return r

    class MyAdapter(HTTPAdapter):
        pass

    class MyRetry(Retry):
        pass

    s = tether.Session(auth=TokenAuth(), hooks={"response": _hook})
    s.mount("http://custom.invalid/", MyAdapter())
    s.mount("http://retry.invalid/", HTTPAdapter(max_retries=MyRetry(3)))
    path = tmp_path / "s.json"
    with pytest.warns(SessionFileWarning) as caught:
        s.save(path, include_credentials=True)
    message = str(caught[0].message)
    for part in ("TokenAuth", "MyAdapter", "MyRetry", "hooks"):
        assert part in message
    restored = tether.Session.load(path)
    assert restored.auth is None
    assert restored.hooks == {"response": []}
    assert list(restored.adapters) == ["https://", "http://"]


def test_unsaveable_values_fail_before_writing(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    s = tether.Session(max_redirects=10**6)
    with pytest.raises(SessionFileError, match="max_redirects"):
        s.save(path)
    assert not path.exists()


def test_expired_cookies_are_not_saved(tmp_path: Path) -> None:
    s = tether.Session()
    s.cookies.set("old", "1", domain="127.0.0.1", expires=int(time.time()) - 10)
    s.cookies.set("new", "2", domain="127.0.0.1", expires=int(time.time()) + 1000)
    path = tmp_path / "s.json"
    s.save(path)
    assert [c["name"] for c in json.loads(path.read_text())["cookies"]] == ["new"]


# -- the session file: a restored session behaves like the saved one -------------------------


def test_restored_session_sends_the_same_cookies(
    two_origins: TwoOriginsFactory, tmp_path: Path, later: Callable[[float], None]
) -> None:
    origins = two_origins(_cookie_echo)
    first, second = origins.first, origins.second
    s = tether.Session()
    s.get(first.url_for("/login"))
    s.cookies.set("everywhere", "7")  # no domain: requests sends it to every host
    s.cookies.set("bound", "8", domain="127.0.0.1", path="/p")
    urls = [
        first.url_for("/"),
        first.url_for("/p/x"),
        first.url_for("/other"),
        second.url_for("/", "localhost"),
        second.url_for("/p/x", "localhost"),
    ]
    path = tmp_path / "s.json"
    s.save(path)

    later(100)  # "short" (Max-Age=50) has expired by the time the session is restored
    restored = tether.Session.load(path)
    assert "short" not in restored.cookies

    expected = _cookie_headers(s, urls)
    assert _cookie_headers(restored, urls) == expected
    root, scoped, other, cross, cross_scoped = (set(h.split("; ")) for h in expected)
    assert root == {"host=1", "long=4", "sess=6", "everywhere=7"}
    assert scoped == root | {"scoped=2", "bound=8"}
    assert other == root
    # The host-only and path cookies of 127.0.0.1 stay there; Secure ones never go over http.
    assert cross == cross_scoped == {"everywhere=7"}
    s.close()
    restored.close()


# -- the session file: hostile and broken files ----------------------------------------------


def _valid_document(tmp_path: Path) -> dict[str, Any]:
    s = _configured_session("http://127.0.0.1:1/")
    s.auth = ("u", "p")
    path = tmp_path / "valid.json"
    s.save(path, include_credentials=True)
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def _set(document: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target: Any = changed
    keys = dotted.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last = keys[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return changed


MUTATIONS: list[tuple[str, str, Any, str]] = [
    ("version-2", "version", 2, "unsupported version 2"),
    ("version-str", "version", "1", "unsupported version"),
    ("version-bool", "version", True, "unsupported version"),
    ("wrong-format", "format", "something-else", "not a tether session"),
    ("unknown-field", "settings.colour", "blue", "unknown field 'colour'"),
    ("headers-not-list", "settings.headers", {"a": "b"}, "expected an array"),
    ("header-crlf", "settings.headers.0", ["X-A", "1\r\nX-Injected: 1"], "headers[0]"),
    ("header-number", "settings.headers.0", ["X-A", 5], "expected a string"),
    ("verify-number", "settings.verify", 5, "settings.verify"),
    ("max-redirects-negative", "settings.max_redirects", -1, "outside"),
    ("max-redirects-float", "settings.max_redirects", 3.5, "expected an integer"),
    ("timeout-zero", "settings.timeout", 0, "greater than 0"),
    ("timeout-huge", "settings.timeout", 1e300, "outside"),
    ("timeout-string", "settings.timeout", "5", "expected a number"),
    ("pool-huge", "settings.adapters.0.pool_maxsize", 10**9, "outside"),
    ("pool-zero", "settings.adapters.0.pool_connections", 0, "outside"),
    ("retry-total-huge", "settings.adapters.0.max_retries.total", 10**7, "outside"),
    ("retry-unknown", "settings.adapters.0.max_retries.explode", True, "unknown field"),
    ("trust-env-string", "settings.trust_env", "yes", "expected true or false"),
    ("auth-unknown", "settings.auth.type", "oauth", "unknown auth type"),
    ("auth-module-path", "settings.auth.type", "os.system", "unknown auth type"),
    ("proxy-not-str", "settings.proxies.http", ["x"], "expected a string"),
    ("base-url-space", "settings.base_url", "http://a b/", "whitespace"),
    ("string-huge", "settings.base_url", "http://h/" + "a" * 70_000, "longer than"),
    ("cookie-ctl", "cookies.0.value", "a\x01b", "control character"),
    ("cookie-crlf-name", "cookies.0.name", "a\r\nb", "control character"),
    ("cookie-no-name", "cookies.0.name", "", "empty"),
    ("cookie-expiry-huge", "cookies.0.expires", 10**15, "outside"),
    ("cookie-expiry-negative", "cookies.0.expires", -5, "outside"),
    ("cookie-bool-secure", "cookies.0.secure", "no", "expected true or false"),
    ("cookies-not-list", "cookies", {"a": 1}, "expected an array"),
]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [m[1:] for m in MUTATIONS],
    ids=[m[0] for m in MUTATIONS],
)
def test_hostile_fields_are_refused(tmp_path: Path, field: str, value: Any, message: str) -> None:
    document = _set(_valid_document(tmp_path), field, value)
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(document))
    _assert_refused(path, message)


def _assert_refused(path: Path, message: str) -> None:
    built: list[object] = []

    class Spy(tether.Session):
        def __init__(self, **kwargs: Any) -> None:
            built.append(self)
            super().__init__(**kwargs)

    with pytest.raises(SessionFileError, match=message.replace("[", r"\[")) as info:
        Spy.load(path)
    assert isinstance(info.value, RequestException)
    assert isinstance(info.value, ValueError)
    assert str(path) in str(info.value)
    assert built == [], "nothing may be built from a file that is refused"


RAW_FILES: list[tuple[str, bytes, str]] = [
    ("empty", b"", "not valid JSON"),
    (
        "truncated",
        b'{"format": "tether-session", "version": 1, "settings": {"head',
        "not valid JSON",
    ),
    ("not-an-object", b"[1, 2, 3]", "expected an object"),
    ("nested", b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
    ("nan", b'{"format": "tether-session", "version": NaN}', "NaN is not a number"),
    (
        "infinity",
        b'{"format": "tether-session", "version": 1, "settings": {"timeout": Infinity}}',
        "Infinity",
    ),
    (
        "huge-int",
        b'{"format": "tether-session", "version": ' + b"9" * 5000 + b"}",
        "not valid JSON",
    ),
    ("duplicate-key", b'{"format": "tether-session", "version": 1, "version": 1}', "duplicate key"),
    ("not-utf8", b'{"format": "tether-\xff"}', "not UTF-8"),
    ("pickle", pickle.dumps({"a": 1}), "not"),
]


@pytest.mark.parametrize(
    ("data", "message"), [r[1:] for r in RAW_FILES], ids=[r[0] for r in RAW_FILES]
)
def test_malformed_files_are_refused(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(data)
    _assert_refused(path, message)


class _Payload:
    """Unpickling this object would create a file; loading a session file must not."""

    marker = ""

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (Path(self.marker),))


def test_loading_never_unpickles(tmp_path: Path) -> None:
    payload = _Payload()
    payload.marker = str(tmp_path / "pwned")
    path = tmp_path / "evil.json"
    path.write_bytes(pickle.dumps(payload))
    with pytest.raises(SessionFileError):
        tether.Session.load(path)
    assert not (tmp_path / "pwned").exists()


def test_oversized_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    with open(path, "wb") as f:
        f.truncate(_persist.MAX_FILE_SIZE + 1)  # sparse: costs no disk
    _assert_refused(path, "larger than")


def test_device_is_refused(tmp_path: Path) -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    _assert_refused(Path("/dev/zero"), "not a regular file")


def test_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    path = tmp_path / "fifo"
    os.mkfifo(path)
    _assert_refused(path, "not a regular file")


def test_missing_file_raises_the_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        tether.Session.load(tmp_path / "absent.json")


# -- cookies.txt -----------------------------------------------------------------------------

CURL_STYLE = (
    "# Netscape HTTP Cookie File\n"
    "# https://curl.se/docs/http-cookies.html\n"
    "\n"
    "127.0.0.1\tFALSE\t/\tFALSE\t0\thostonly\th1\n"
    ".127.0.0.1\tTRUE\t/p\tFALSE\t4102444800\tdomainwide\td1\n"
    "#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t4102444800\thttponly\tx1\n"
    "127.0.0.1\tFALSE\t/\tTRUE\t4102444800\tsecure\ts1\n"
    "127.0.0.1\tFALSE\t/\tFALSE\t1000\texpired\te1\n"
    "127.0.0.1\tFALSE\t/\tFALSE\t0\tempty\n"
    "localhost\tFALSE\t/\tFALSE\t0\telsewhere\tl1\n"
)


def test_import_a_curl_style_file(raw_server: RawServerFactory, tmp_path: Path) -> None:
    server = raw_server(_cookie_echo)
    path = tmp_path / "cookies.txt"
    path.write_text(CURL_STYLE)
    s = tether.Session()
    assert s.import_cookies(path) == 6  # the expired one is skipped
    by_name = {c.name: c for c in s.cookies}
    assert set(by_name) == {"hostonly", "domainwide", "httponly", "secure", "empty", "elsewhere"}
    assert by_name["hostonly"].expires is None and by_name["hostonly"].discard
    assert not by_name["hostonly"].domain_specified
    assert by_name["domainwide"].domain_specified
    assert by_name["domainwide"].expires == 4102444800
    assert by_name["httponly"].has_nonstandard_attr("HttpOnly")
    assert by_name["secure"].secure
    assert by_name["empty"].value == ""
    sent = s.get(server.url_for("/p/x")).text
    assert set(sent.split("; ")) == {"hostonly=h1", "domainwide=d1", "httponly=x1", "empty="}
    assert s.get(server.url_for("/")).text.split("; ") == ["hostonly=h1", "httponly=x1", "empty="]


def test_export_format(tmp_path: Path) -> None:
    s = tether.Session()
    jar = s.cookies
    jar.set("session", "a", domain="127.0.0.1", rest={})
    jar.set("persistent", "b", domain="example.test", path="/p", expires=4102444800, secure=True)
    host_only = cookielib.Cookie(
        0, "hostonly", "c", None, False, "example.test", False, False, "/", True,
        False, None, True, None, None, {"HttpOnly": None}, False,
    )  # fmt: skip
    jar.set_cookie(host_only)
    path = tmp_path / "cookies.txt"
    assert s.export_cookies(path) == 3
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = [line for line in path.read_text().splitlines() if line and not line.startswith("# ")]
    assert sorted(lines) == sorted(
        [
            ".127.0.0.1\tTRUE\t/\tFALSE\t0\tsession\ta",
            "#HttpOnly_.example.test\tTRUE\t/p\tTRUE\t4102444800\tpersistent\tb",
            "#HttpOnly_example.test\tFALSE\t/\tFALSE\t0\thostonly\tc",
        ]
    )
    # The standard library's reader of the format accepts the file.
    mozilla = cookielib.MozillaCookieJar()
    mozilla.load(str(path), ignore_discard=True, ignore_expires=True)
    assert sorted(c.name for c in mozilla) == ["hostonly", "persistent", "session"]


def test_export_leaves_out_what_the_format_cannot_hold(tmp_path: Path) -> None:
    s = tether.Session()
    s.cookies.set("nodomain", "1")
    s.cookies.set("tabbed", "a\tb", domain="127.0.0.1")
    s.cookies.set("fine", "2", domain="127.0.0.1")
    path = tmp_path / "cookies.txt"
    with pytest.warns(SessionFileWarning, match="nodomain.*tabbed"):
        assert s.export_cookies(path) == 1


def test_export_then_import_round_trip(raw_server: RawServerFactory, tmp_path: Path) -> None:
    server = raw_server(_cookie_echo)
    s = tether.Session()
    s.get(server.url_for("/login"))
    path = tmp_path / "cookies.txt"
    s.export_cookies(path)
    fresh = tether.Session()
    fresh.import_cookies(path)
    for url in (server.url_for("/"), server.url_for("/p/q"), server.localhost_url):
        assert fresh.get(url).text == s.get(url).text
    s.close()
    fresh.close()


BAD_COOKIE_FILES = [
    ("few-fields", "127.0.0.1\tFALSE\t/\tFALSE\n", "expected 7 tab-separated fields"),
    ("bad-flag", "127.0.0.1\tMAYBE\t/\tFALSE\t0\ta\tb\n", "TRUE or FALSE"),
    ("bad-expiry", "127.0.0.1\tFALSE\t/\tFALSE\tsoon\ta\tb\n", "Unix time"),
    ("huge-expiry", "127.0.0.1\tFALSE\t/\tFALSE\t" + "9" * 30 + "\ta\tb\n", "Unix time"),
    ("ctl-value", "127.0.0.1\tFALSE\t/\tFALSE\t0\ta\tb\x01c\n", "control character"),
    ("no-name", "127.0.0.1\tFALSE\t/\tFALSE\t0\t\tb\n", "empty"),
]


@pytest.mark.parametrize(
    ("line", "message"), [b[1:] for b in BAD_COOKIE_FILES], ids=[b[0] for b in BAD_COOKIE_FILES]
)
def test_bad_cookie_files_add_nothing(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "cookies.txt"
    path.write_text("127.0.0.1\tFALSE\t/\tFALSE\t0\tgood\t1\n" + line)
    s = tether.Session()
    s.cookies.set("kept", "1")
    with pytest.raises(SessionFileError, match=message) as info:
        s.import_cookies(path)
    assert "line 2" in str(info.value)
    assert s.cookies.keys() == ["kept"]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_reads_and_writes_the_same_format(
    raw_server: RawServerFactory, tmp_path: Path
) -> None:
    server = raw_server(_cookie_echo)
    url = server.url_for("/p/x")
    s = tether.Session()
    s.get(server.url_for("/login"))
    exported = tmp_path / "tether.txt"
    written = tmp_path / "curl.txt"
    s.export_cookies(exported)
    out = subprocess.run(
        ["curl", "--silent", "--noproxy", "*", "--max-time", "10",
         "-b", str(exported), "-c", str(written), url],
        capture_output=True, check=True, timeout=20,
    )  # fmt: skip
    # curl counts http://127.0.0.1 as a secure context and sends the Secure cookie there;
    # cookielib (and so requests and tether) does not.
    by_curl = set(out.stdout.decode().split("; ")) - {"sec=5"}
    assert by_curl == set(s.get(url).text.split("; "))
    # And what curl writes, tether reads back: the same cookies reach the server.
    fresh = tether.Session()
    fresh.import_cookies(written)
    assert set(fresh.get(url).text.split("; ")) == by_curl
    s.close()
    fresh.close()
