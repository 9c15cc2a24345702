"""Tests for tether.cookies / tether._cookies.

Most tests are differential: the same operations run against ``requests.cookies`` (the
oracle) and tether, and the observable results must be equal. The rest pin tether's own
guarantees: thread safety of the jar, the host-only and control-character policy
(SECURITY-CASES.md cases 17 and 19), the fast paths, and extraction from urllib3
responses that have no ``_original_response``.
"""

from __future__ import annotations

import copy
import http.client
import io
import pickle
import sys
import threading
import time
from collections.abc import Callable
from http import cookiejar as cookielib
from http.cookies import SimpleCookie
from types import ModuleType
from typing import Any

import pytest
import urllib3

from tether import _cookies, cookies
from tether.structures import CaseInsensitiveDict

requests_cookies = pytest.importorskip("requests.cookies")
requests_utils = pytest.importorskip("requests.utils")


class FakeRequest:
    """The two attributes of a PreparedRequest the cookie shims read."""

    def __init__(self, url: str, headers: dict[str, Any] | None = None) -> None:
        self.url = url
        self.headers: CaseInsensitiveDict[Any] = CaseInsensitiveDict(headers or {})


class _Sock:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def makefile(self, mode: str, *args: Any, **kwargs: Any) -> io.BytesIO:
        return io.BytesIO(self._data)


def raw_response(head: bytes, *, original: bool = True) -> urllib3.HTTPResponse:
    """A urllib3 response parsed from ``head`` (status line + headers) by http.client."""
    data = head.replace(b"\n", b"\r\n") + b"\r\n\r\n"
    parsed = http.client.HTTPResponse(_Sock(data))  # type: ignore[arg-type]
    parsed.begin()
    headers = urllib3.HTTPHeaderDict()
    for name, value in parsed.msg.items():
        headers.add(name, value)
    return urllib3.HTTPResponse(
        body=b"",
        headers=headers,
        status=parsed.status,
        original_response=parsed if original else None,
        preload_content=False,
    )


def jar_of(lib: str) -> Any:
    return (requests_cookies if lib == "requests" else cookies).RequestsCookieJar()


def module_of(lib: str) -> ModuleType:
    return requests_cookies if lib == "requests" else cookies


def outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    """The result of ``fn``, or the exception type name and message it raised."""
    try:
        return ("ok", fn())
    except Exception as exc:
        return ("raise", (type(exc).__name__, str(exc)))


def cookie_fields(cookie: cookielib.Cookie) -> dict[str, Any]:
    return dict(vars(cookie))


# -- the dict-like jar, differential ---------------------------------------------------


# Each scenario fills a jar, then probes it; every probe's outcome must match requests.
def _fill_basic(jar: Any, mod: ModuleType) -> None:
    jar.set("a", "1", domain="x.example", path="/")
    jar.set("b", "2", domain="y.example", path="/p")
    jar.set("c", "", domain="x.example", path="/p")
    jar["plain"] = "v"


def _fill_conflict(jar: Any, mod: ModuleType) -> None:
    jar.set("dup", "1", domain="x.example")
    jar.set("dup", "2", domain="y.example")
    jar.set("dup", "3", domain="y.example", path="/q")


def _fill_removals(jar: Any, mod: ModuleType) -> None:
    _fill_conflict(jar, mod)
    jar.set("keep", "k")
    jar.set("dup", None, domain="y.example", path="/q")
    jar.set("gone", "g")
    del jar["gone"]


def _fill_morsel(jar: Any, mod: ModuleType) -> None:
    sc: SimpleCookie = SimpleCookie()
    sc.load('m="quoted value"; Path=/m; Domain=m.example; Secure; HttpOnly')
    jar.set("ignored-name", sc["m"])
    jar.set("q", '"a\\"b"')
    jar.set("q2", '"plain"')
    jar.set("special", "a=b;c,d e")


def _fill_update(jar: Any, mod: ModuleType) -> None:
    other = mod.RequestsCookieJar()
    other.set("o", "1", domain="o.example")
    plain = cookielib.CookieJar()
    plain.set_cookie(mod.create_cookie("p", "2", domain="p.example"))
    jar.update(other)
    jar.update(plain)
    jar.update({"d": "3"})
    jar.update([("e", "4")])


def _fill_valueless(jar: Any, mod: ModuleType) -> None:
    jar.set_cookie(mod.create_cookie("none", None))
    jar.set("x", "1")


FILLS = {
    "basic": _fill_basic,
    "conflict": _fill_conflict,
    "removals": _fill_removals,
    "morsel": _fill_morsel,
    "update": _fill_update,
    "valueless": _fill_valueless,
    "empty": lambda jar, mod: None,
}

PROBES: dict[str, Callable[[Any], Any]] = {
    "items": lambda j: j.items(),
    "keys": lambda j: j.keys(),
    "values": lambda j: j.values(),
    "iteritems": lambda j: list(j.iteritems()),
    "iterkeys": lambda j: list(j.iterkeys()),
    "itervalues": lambda j: list(j.itervalues()),
    "iter": lambda j: [(c.name, c.domain, c.path) for c in j],
    "len": len,
    "list_domains": lambda j: j.list_domains(),
    "list_paths": lambda j: j.list_paths(),
    "multiple_domains": lambda j: j.multiple_domains(),
    "get_dict": lambda j: j.get_dict(),
    "get_dict_domain": lambda j: j.get_dict(domain="x.example"),
    "get_dict_path": lambda j: j.get_dict(path="/p"),
    "get_dict_both": lambda j: j.get_dict("y.example", "/p"),
    "getitem_a": lambda j: j["a"],
    "getitem_c": lambda j: j["c"],
    "getitem_dup": lambda j: j["dup"],
    "getitem_missing": lambda j: j["missing"],
    "getitem_none": lambda j: j["none"],
    "get_default": lambda j: j.get("missing", "dflt"),
    "get_dup": lambda j: j.get("dup"),
    "get_dup_domain": lambda j: j.get("dup", domain="x.example"),
    "get_dup_domain_path": lambda j: j.get("dup", domain="y.example", path="/"),
    "find_dup": lambda j: j._find("dup"),
    "find_missing": lambda j: j._find("nope", "d", "/p"),
    "find_nodup_missing": lambda j: j._find_no_duplicates("nope", domain="d"),
    "contains_dup": lambda j: "dup" in j,
    "contains_missing": lambda j: "missing" in j,
    "contains_a": lambda j: "a" in j,
    "copy_items": lambda j: j.copy().items(),
    "copy_type": lambda j: type(j.copy()).__name__,
    "dict": lambda j: dict(j) if not j.multiple_domains() else None,
    "setdefault": lambda j: (j.setdefault("sd", "v"), j["sd"]),
    "pop": lambda j: (j.pop("plain", "x"), "plain" in j),
    "morsel_cookie": lambda j: [
        (c.name, c.value, c.domain, c.path, c.secure, c._rest, c.expires)
        for c in j
        if c.name == "m"
    ],
    "equal_to_dict": lambda j: j == {"x": "1"},
}


@pytest.mark.parametrize("fill", sorted(FILLS))
@pytest.mark.parametrize("probe", sorted(PROBES))
def test_jar_dict_interface_matches_requests(fill: str, probe: str) -> None:
    results = []
    for lib in ("requests", "tether"):
        mod = module_of(lib)
        jar = jar_of(lib)
        FILLS[fill](jar, mod)
        results.append(outcome(lambda jar=jar: PROBES[probe](jar)))
    assert results[1] == results[0]


def test_conflict_and_missing_errors() -> None:
    jar = cookies.RequestsCookieJar()
    _fill_conflict(jar, cookies)
    with pytest.raises(
        cookies.CookieConflictError, match="There are multiple cookies with name, 'dup'"
    ):
        jar["dup"]
    assert jar.get("dup", domain="nowhere") is None
    assert jar.get("dup", default="d", domain="nowhere") == "d"
    with pytest.raises(KeyError) as info:
        jar._find_no_duplicates("dup", domain="nowhere", path="/")
    assert info.value.args == ("name='dup', domain='nowhere', path='/'",)
    assert issubclass(cookies.CookieConflictError, RuntimeError)


def test_set_returns_cookie_and_none_removes() -> None:
    jar = cookies.RequestsCookieJar()
    cookie = jar.set("a", "1", domain="d.example", path="/x", secure=True)
    assert isinstance(cookie, cookielib.Cookie)
    assert (cookie.name, cookie.value, cookie.domain, cookie.path, cookie.secure) == (
        "a",
        "1",
        "d.example",
        "/x",
        True,
    )
    jar.set("a", "2", domain="other.example")
    assert jar.set("a", None, domain="d.example") is None
    assert [(c.name, c.domain) for c in jar] == [("a", "other.example")]


def test_jar_default_policy_and_custom_policy() -> None:
    jar = cookies.RequestsCookieJar()
    assert isinstance(jar.get_policy(), cookies.TetherCookiePolicy)
    assert isinstance(jar.get_policy(), cookielib.DefaultCookiePolicy)
    assert jar.copy().get_policy() is jar.get_policy()
    custom = cookielib.DefaultCookiePolicy(blocked_domains=["b.example"])
    jar2 = cookies.RequestsCookieJar(custom)
    assert jar2.get_policy() is custom
    assert jar2.copy().get_policy() is custom
    other = cookielib.DefaultCookiePolicy()
    jar2.set_policy(other)
    assert jar2.get_policy() is other


def test_copy_is_independent() -> None:
    jar = cookies.RequestsCookieJar()
    jar.set("a", "1")
    dup = jar.copy()
    dup.set("b", "2")
    jar.set("a", "changed")
    assert jar.get_dict() == {"a": "changed"}
    assert dup.get_dict() == {"a": "1", "b": "2"}


@pytest.mark.parametrize("protocol", range(2, pickle.HIGHEST_PROTOCOL + 1))
def test_jar_pickles_and_recreates_lock(protocol: int) -> None:
    jar = cookies.RequestsCookieJar()
    jar.set("a", "1", domain="d.example", path="/p")
    jar.set("b", "2")
    data = pickle.dumps(jar, protocol=protocol)
    assert b"tether.cookies" in data
    clone = pickle.loads(data)
    assert type(clone) is cookies.RequestsCookieJar
    assert clone.items() == jar.items()
    assert isinstance(clone.get_policy(), cookies.TetherCookiePolicy)
    assert clone._cookies_lock is not jar._cookies_lock
    with clone._cookies_lock:  # usable and re-entrant
        clone.set("c", "3")
    assert clone["c"] == "3"
    assert "_cookies_lock" not in jar.__getstate__()


def test_jar_deepcopy_and_copy_module() -> None:
    jar = cookies.RequestsCookieJar()
    jar.set("a", "1")
    deep = copy.deepcopy(jar)
    deep.set("a", "2")
    assert jar["a"] == "1" and deep["a"] == "2"
    shallow = copy.copy(jar)
    assert shallow.items() == [("a", "1")]


def test_state_without_lock_gets_one() -> None:
    jar = cookies.RequestsCookieJar()
    state = jar.__getstate__()
    fresh = cookies.RequestsCookieJar.__new__(cookies.RequestsCookieJar)
    fresh.__setstate__(state)
    fresh.set("x", "y")
    assert fresh["x"] == "y"


def test_public_classes_are_named_in_public_module() -> None:
    for name in (
        "RequestsCookieJar",
        "CookieConflictError",
        "MockRequest",
        "MockResponse",
        "TetherCookiePolicy",
    ):
        cls = getattr(cookies, name)
        assert cls is getattr(_cookies, name)
        assert cls.__module__ == "tether.cookies"
    assert cookies.RequestsCookieJar.__bases__ == (cookielib.CookieJar, cookies.MutableMapping)
    assert cookies.cookielib is cookielib


# -- module-level helpers, differential -------------------------------------------------

CREATE_CASES = [
    ("defaults", {}),
    ("domain", {"domain": "d.example"}),
    ("dotdomain", {"domain": ".d.example", "path": "/p"}),
    ("emptypath", {"path": ""}),
    ("port", {"port": "8080", "secure": True}),
    ("expires", {"expires": 2_000_000_000, "discard": False}),
    ("rest", {"rest": {"HttpOnly": "", "SameSite": "Lax"}, "rfc2109": True}),
    ("comment", {"comment": "c", "comment_url": "http://c/", "version": 1}),
    ("bad-one", {"bogus": 1}),
    ("bad-specified", {"domain_specified": True}),
]


@pytest.mark.parametrize(("kwargs"), [c[1] for c in CREATE_CASES], ids=[c[0] for c in CREATE_CASES])
def test_create_cookie_matches_requests(kwargs: dict[str, Any]) -> None:
    def make(mod: ModuleType) -> Any:
        return outcome(lambda: cookie_fields(mod.create_cookie("n", "v", **kwargs)))

    assert make(cookies) == make(requests_cookies)


def test_create_cookie_message_lists_all_unexpected() -> None:
    with pytest.raises(TypeError) as info:
        cookies.create_cookie("n", "v", zz=1, aa=2)
    message = str(info.value)
    assert message.startswith("create_cookie() got unexpected keyword arguments: [")
    assert "'aa'" in message and "'zz'" in message


MORSELS = [
    ("plain", "a=b"),
    ("max-age", "a=b; Max-Age=3600"),
    ("max-age-zero", "a=b; Max-Age=0"),
    ("max-age-bad", "a=b; Max-Age=soon"),
    ("expires", "a=b; Expires=Wed, 09-Jun-2021 10:18:14 GMT"),
    ("max-age-wins", "a=b; Max-Age=10; Expires=Wed, 09-Jun-2021 10:18:14 GMT"),
    ("attrs", 'a="q v"; Path=/p; Domain=.d.example; Secure; HttpOnly; Comment=hi; Version=1'),
]


@pytest.mark.parametrize("header", [m[1] for m in MORSELS], ids=[m[0] for m in MORSELS])
def test_morsel_to_cookie_matches_requests(header: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.5)
    sc: SimpleCookie = SimpleCookie()
    sc.load(header)
    morsel = sc["a"]
    mine = outcome(lambda: cookie_fields(cookies.morsel_to_cookie(morsel)))
    theirs = outcome(lambda: cookie_fields(requests_cookies.morsel_to_cookie(morsel)))
    assert mine == theirs


def test_morsel_max_age_must_be_integer() -> None:
    sc: SimpleCookie = SimpleCookie()
    sc.load("a=b; Max-Age=soon")
    with pytest.raises(TypeError, match="max-age: soon must be integer"):
        cookies.morsel_to_cookie(sc["a"])


def _jar_summary(jar: Any) -> list[tuple[Any, ...]]:
    return sorted((c.name, c.value, c.domain, c.path) for c in jar)


@pytest.mark.parametrize("overwrite", [True, False])
@pytest.mark.parametrize("start", ["none", "requests-jar", "plain-jar"])
def test_cookiejar_from_dict_matches_requests(overwrite: bool, start: str) -> None:
    def run(mod: ModuleType) -> Any:
        jar: Any = None
        if start == "requests-jar":
            jar = mod.RequestsCookieJar()
        elif start == "plain-jar":
            jar = cookielib.CookieJar()
        if jar is not None:
            jar.set_cookie(mod.create_cookie("a", "old"))
        result = mod.cookiejar_from_dict({"a": "new", "b": "2"}, jar, overwrite=overwrite)
        return type(result).__name__, _jar_summary(result), (jar is None or result is jar)

    assert run(cookies) == run(requests_cookies)
    assert run(cookies)[1] == (
        [("a", "new" if overwrite else "old", "", "/"), ("b", "2", "", "/")]
        if start != "none"
        else [("a", "new", "", "/"), ("b", "2", "", "/")]
    )


def test_cookiejar_from_dict_none() -> None:
    jar = cookies.cookiejar_from_dict(None)
    assert isinstance(jar, cookies.RequestsCookieJar) and len(jar) == 0


@pytest.mark.parametrize(
    "source",
    ["dict", "requests-jar", "plain-jar", "none", "list"],
)
@pytest.mark.parametrize("target", ["requests-jar", "plain-jar", "dict"])
def test_merge_cookies_matches_requests(source: str, target: str) -> None:
    def run(mod: ModuleType) -> Any:
        into: Any = (
            {"x": "1"}
            if target == "dict"
            else (mod.RequestsCookieJar() if target == "requests-jar" else cookielib.CookieJar())
        )
        if target != "dict":
            into.set_cookie(mod.create_cookie("a", "old"))
        src: Any
        if source == "dict":
            src = {"a": "new", "b": "2"}
        elif source == "none":
            src = None
        elif source == "list":
            src = [("a", "new")]
        else:
            src = mod.RequestsCookieJar() if source == "requests-jar" else cookielib.CookieJar()
            src.set_cookie(mod.create_cookie("a", "new"))
            src.set_cookie(mod.create_cookie("c", "3", domain="c.example"))
        return outcome(lambda: _jar_summary(mod.merge_cookies(into, src)))

    assert run(cookies) == run(requests_cookies)


@pytest.mark.parametrize(
    ("domain", "path"),
    [(None, None), ("x.example", None), (None, "/p"), ("y.example", "/p"), ("zz", None)],
)
@pytest.mark.parametrize("jar_kind", ["requests-jar", "plain-jar"])
def test_remove_cookie_by_name_matches_requests(
    domain: str | None, path: str | None, jar_kind: str
) -> None:
    def run(mod: ModuleType) -> Any:
        jar: Any = mod.RequestsCookieJar() if jar_kind == "requests-jar" else cookielib.CookieJar()
        for d in ("x.example", "y.example"):
            for p in ("/", "/p"):
                jar.set_cookie(mod.create_cookie("n", f"{d}{p}", domain=d, path=p))
        jar.set_cookie(mod.create_cookie("other", "o", domain="x.example"))
        mod.remove_cookie_by_name(jar, "n", domain=domain, path=path)
        return _jar_summary(jar)

    assert run(cookies) == run(requests_cookies)


@pytest.mark.parametrize("jar_kind", ["requests-jar", "plain-jar"])
def test_dict_helpers_match_requests_utils(jar_kind: str) -> None:
    def run(mod: ModuleType, utils: Any) -> Any:
        jar: Any = mod.RequestsCookieJar() if jar_kind == "requests-jar" else cookielib.CookieJar()
        jar.set_cookie(mod.create_cookie("a", "1", domain="d.example"))
        out = utils.add_dict_to_cookiejar(jar, {"b": "2", "a": "3"})
        return out is jar, utils.dict_from_cookiejar(jar), _jar_summary(jar)

    assert run(cookies, _cookies) == run(requests_cookies, requests_utils)


@pytest.mark.parametrize("jar_kind", ["requests-jar", "plain-jar", "none"])
def test_copy_cookie_jar(jar_kind: str) -> None:
    jar: Any = None
    if jar_kind != "none":
        jar = cookies.RequestsCookieJar() if jar_kind == "requests-jar" else cookielib.CookieJar()
        jar.set_cookie(cookies.create_cookie("a", "1"))
    dup = cookies._copy_cookie_jar(jar)
    if jar is None:
        assert dup is None
        return
    assert type(dup) is type(jar) and dup is not jar
    assert dup is not None
    dup.set_cookie(cookies.create_cookie("b", "2"))
    assert _jar_summary(jar) == [("a", "1", "", "/")]
    assert _jar_summary(dup) == [("a", "1", "", "/"), ("b", "2", "", "/")]
    theirs = requests_cookies._copy_cookie_jar(jar)
    assert type(theirs) is type(dup)


# -- MockRequest / MockResponse --------------------------------------------------------

MOCK_REQUESTS = [
    ("plain", "http://h.example/p?q=1#f", {}),
    ("port", "https://h.example:8443/", {}),
    ("host-str", "http://h.example/p?q=1", {"Host": "other.example:81"}),
    ("host-bytes", "http://h.example/p;x?q", {"Host": "é.example".encode()}),
    ("host-empty", "http://h.example/", {"Host": ""}),
    ("cookie-header", "http://h.example/", {"Cookie": "a=b"}),
    ("ipv6", "http://[::1]:8080/x", {}),
]

MOCK_PROBES: dict[str, Callable[[Any], Any]] = {
    "type": lambda m: (m.type, m.get_type()),
    "host": lambda m: (m.host, m.get_host()),
    "origin": lambda m: (m.origin_req_host, m.get_origin_req_host()),
    "full_url": lambda m: m.get_full_url(),
    "unverifiable": lambda m: (m.unverifiable, m.is_unverifiable()),
    "has_header": lambda m: (m.has_header("Cookie"), m.has_header("cookie"), m.has_header("X")),
    "get_header": lambda m: (m.get_header("Host"), m.get_header("X", "d"), m.get_header("Cookie")),
    "add_header": lambda m: m.add_header("Cookie", "x"),
    "unredirected": lambda m: (
        m.add_unredirected_header("Cookie2", "v"),
        m.get_new_headers(),
        m.has_header("Cookie2"),
        m.get_header("Cookie2"),
    ),
}


@pytest.mark.parametrize("case", MOCK_REQUESTS, ids=[c[0] for c in MOCK_REQUESTS])
@pytest.mark.parametrize("probe", sorted(MOCK_PROBES))
def test_mock_request_matches_requests(case: tuple[str, str, dict[str, Any]], probe: str) -> None:
    _, url, headers = case
    mine = outcome(lambda: MOCK_PROBES[probe](cookies.MockRequest(FakeRequest(url, headers))))
    theirs = outcome(
        lambda: MOCK_PROBES[probe](requests_cookies.MockRequest(FakeRequest(url, headers)))
    )
    assert mine == theirs


def test_mock_request_add_header_refuses() -> None:
    shim = cookies.MockRequest(FakeRequest("http://h/"))
    with pytest.raises(NotImplementedError, match="add_unredirected_header"):
        shim.add_header("Cookie", "a=b")


def test_mock_response() -> None:
    message = http.client.HTTPMessage()
    message["Set-Cookie"] = "a=1"
    message["Set-Cookie"] = "b=2"
    shim = cookies.MockResponse(message)
    assert shim.info() is message
    assert shim.getheaders("Set-Cookie") == ["a=1", "b=2"]


# -- extraction and the Cookie header: round trips ---------------------------------------

ROUND_TRIPS = [
    ("simple", b"Set-Cookie: a=1", "http://h.example/", "http://h.example/"),
    ("two", b"Set-Cookie: a=1\nSet-Cookie: b=2; Path=/", "http://h.example/", "http://h.example/x"),
    ("quoted", b'Set-Cookie: q="a b, c"', "http://h.example/", "http://h.example/"),
    ("escaped-quote", b'Set-Cookie: q="a\\"b"', "http://h.example/", "http://h.example/"),
    ("special", b"Set-Cookie: s=a=b&c%20d/e:f", "http://h.example/", "http://h.example/"),
    ("empty-value", b"Set-Cookie: e=", "http://h.example/", "http://h.example/"),
    ("no-equals", b"Set-Cookie: bare", "http://h.example/", "http://h.example/"),
    ("path-miss", b"Set-Cookie: p=1; Path=/only", "http://h.example/", "http://h.example/other"),
    ("path-hit", b"Set-Cookie: p=1; Path=/only", "http://h.example/", "http://h.example/only/x"),
    ("default-path", b"Set-Cookie: p=1", "http://h.example/dir/page", "http://h.example/dir/x"),
    ("default-path-miss", b"Set-Cookie: p=1", "http://h.example/dir/page", "http://h.example/"),
    ("secure-on-http", b"Set-Cookie: s=1; Secure", "https://h.example/", "http://h.example/"),
    ("secure-on-https", b"Set-Cookie: s=1; Secure", "https://h.example/", "https://h.example/"),
    (
        "expired",
        b"Set-Cookie: x=1; Expires=Wed, 09 Jun 2001 10:18:14 GMT",
        "http://h.example/",
        "http://h.example/",
    ),
    ("max-age-0", b"Set-Cookie: x=1; Max-Age=0", "http://h.example/", "http://h.example/"),
    (
        "domain-parent",
        b"Set-Cookie: d=1; Domain=example.test",
        "http://www.example.test/",
        "http://api.example.test/",
    ),
    (
        "domain-dot",
        b"Set-Cookie: d=1; Domain=.example.test",
        "http://www.example.test/",
        "http://example.test/",
    ),
    (
        "domain-foreign",
        b"Set-Cookie: d=1; Domain=other.test",
        "http://www.example.test/",
        "http://other.test/",
    ),
    ("domain-tld", b"Set-Cookie: t=1; Domain=.test", "http://a.test/", "http://b.test/"),
    ("same-host-port", b"Set-Cookie: a=1", "http://127.0.0.1:8000/", "http://127.0.0.1:9000/"),
    ("localhost", b"Set-Cookie: a=1", "http://localhost:8000/", "http://localhost:8000/"),
    ("ipv6", b"Set-Cookie: a=1", "http://[::1]:8000/", "http://[::1]:8000/"),
    ("host-header", b"Set-Cookie: a=1", "http://h.example/", "http://h.example/"),
    ("set-cookie2", b'Set-Cookie2: v2=1; Version="1"', "http://h.example/", "http://h.example/"),
    ("case", b"set-cookie: lower=1\nSET-COOKIE: upper=2", "http://h.example/", "http://h.example/"),
]


def _round_trip(
    mod: ModuleType, head: bytes, set_url: str, next_url: str, original: bool = True
) -> tuple[list[tuple[Any, ...]], str | None]:
    jar = mod.RequestsCookieJar()
    mod.extract_cookies_to_jar(
        jar, FakeRequest(set_url), raw_response(b"HTTP/1.1 200 OK\n" + head, original=original)
    )
    header = mod.get_cookie_header(jar, FakeRequest(next_url))
    return sorted((c.name, c.value, c.domain, c.path, c.secure) for c in jar), header


@pytest.mark.parametrize(
    ("head", "set_url", "next_url"), [r[1:] for r in ROUND_TRIPS], ids=[r[0] for r in ROUND_TRIPS]
)
def test_round_trip_matches_requests(head: bytes, set_url: str, next_url: str) -> None:
    assert _round_trip(cookies, head, set_url, next_url) == _round_trip(
        requests_cookies, head, set_url, next_url
    )


def test_round_trip_values_exactly() -> None:
    head = b'Set-Cookie: q="a b, c"\nSet-Cookie: s=x=y&z%20w'
    stored, header = _round_trip(cookies, head, "http://h.example/", "http://h.example/")
    assert header == 'q="a b, c"; s=x=y&z%20w'
    assert {entry[0]: entry[1] for entry in stored} == {"q": '"a b, c"', "s": "x=y&z%20w"}


def test_cookie_from_host_header_scope() -> None:
    jar = cookies.RequestsCookieJar()
    request = FakeRequest("http://198.0.0.1/", {"Host": "virtual.example"})
    cookies.extract_cookies_to_jar(jar, request, raw_response(b"HTTP/1.1 200 OK\nSet-Cookie: v=1"))
    assert [c.domain for c in jar] == ["virtual.example"]
    assert cookies.get_cookie_header(jar, request) == "v=1"
    assert cookies.get_cookie_header(jar, FakeRequest("http://198.0.0.1/")) is None


def test_extract_without_original_response_keeps_set_cookie() -> None:
    head = b"Set-Cookie: a=1\nSet-Cookie: b=2; Path=/"
    stored, header = _round_trip(
        cookies, head, "http://h.example/", "http://h.example/", original=False
    )
    assert [entry[:2] for entry in stored] == [("a", "1"), ("b", "2")]
    assert header in ("a=1; b=2", "b=2; a=1")
    # requests reads only ``_original_response`` and loses them.
    theirs, _ = _round_trip(
        requests_cookies, head, "http://h.example/", "http://h.example/", original=False
    )
    assert theirs == []


def test_extract_from_plain_mapping_headers() -> None:
    class Raw:
        _original_response = None
        headers = {"set-cookie": "m=1", "Content-Type": "text/plain"}

    jar = cookies.RequestsCookieJar()
    cookies.extract_cookies_to_jar(jar, FakeRequest("http://h.example/"), Raw())
    assert jar.get_dict() == {"m": "1"}


@pytest.mark.parametrize("response", [None, object()], ids=["none", "no-headers"])
def test_extract_ignores_responses_without_headers(response: Any) -> None:
    jar = cookies.RequestsCookieJar()
    cookies.extract_cookies_to_jar(jar, FakeRequest("http://h.example/"), response)
    assert len(jar) == 0


def test_extract_skips_jar_when_no_set_cookie(monkeypatch: pytest.MonkeyPatch) -> None:
    jar = cookies.RequestsCookieJar()
    calls: list[Any] = []
    monkeypatch.setattr(jar, "extract_cookies", lambda *a: calls.append(a))
    cookies.extract_cookies_to_jar(
        jar, FakeRequest("http://h/"), raw_response(b"HTTP/1.1 200 OK\nX: y")
    )
    assert calls == []
    cookies.extract_cookies_to_jar(
        jar, FakeRequest("http://h/"), raw_response(b"HTTP/1.1 200 OK\nSet-Cookie: a=1")
    )
    assert len(calls) == 1


def test_empty_jar_fast_path_builds_no_shim(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[Any] = []
    real = _cookies.MockRequest

    def spy(request: Any) -> Any:
        built.append(request)
        return real(request)

    monkeypatch.setattr(_cookies, "MockRequest", spy)
    jar = cookies.RequestsCookieJar()
    assert cookies.get_cookie_header(jar, FakeRequest("http://h/")) is None
    assert built == []
    jar.set("a", "1")
    assert cookies.get_cookie_header(jar, FakeRequest("http://h/")) == "a=1"
    assert len(built) == 1
    # Emptied again (cookielib leaves the nested dicts behind): still correct.
    del jar["a"]
    assert cookies.get_cookie_header(jar, FakeRequest("http://h/")) is None


def test_fast_path_respects_overridden_add_cookie_header() -> None:
    class HeaderJar(cookielib.CookieJar):
        def add_cookie_header(self, request: Any) -> None:
            request.add_unredirected_header("Cookie", "from=override")

    assert cookies.get_cookie_header(HeaderJar(), FakeRequest("http://h/")) == "from=override"


def test_existing_cookie_header_is_kept() -> None:
    jar = cookies.RequestsCookieJar()
    jar.set("a", "1")
    assert cookies.get_cookie_header(jar, FakeRequest("http://h/", {"Cookie": "x=y"})) is None


# -- policy: host-only cookies, label boundaries, control characters (cases 17, 19) -------

POLICY_CASES = [
    # (id, Set-Cookie, set on, next request, sent by tether?, sent by requests?)
    (
        "host-only-subdomain",
        b"h=1; Path=/",
        "http://example.test/",
        "http://evil.example.test/",
        False,
        True,
    ),
    ("host-only-deeper", b"h=1", "http://a.example.test/", "http://b.a.example.test/", False, True),
    (
        "host-only-same-host",
        b"h=1; Path=/",
        "http://example.test/",
        "http://example.test/x",
        True,
        True,
    ),
    ("host-only-case", b"h=1", "http://Example.TEST/", "http://example.test/", True, True),
    ("host-only-parent", b"h=1", "http://www.example.test/", "http://example.test/", False, False),
    ("host-only-ip", b"h=1", "http://127.0.0.1:1/", "http://127.0.0.1:2/", True, True),
    ("host-only-localhost", b"h=1", "http://localhost/", "http://localhost:8080/", True, True),
    (
        "domain-subdomain",
        b"d=1; Domain=example.test",
        "http://example.test/",
        "http://evil.example.test/",
        True,
        True,
    ),
    (
        "domain-suffix-not-label",
        b"d=1; Domain=example.test",
        "http://example.test/",
        "http://pythonicexample.test/",
        False,
        False,
    ),
    (
        "host-only-suffix-not-label",
        b"h=1",
        "http://example.test/",
        "http://pythonicexample.test/",
        False,
        False,
    ),
    ("public-suffix", b"t=1; Domain=.test", "http://a.test/", "http://b.test/", False, False),
]


@pytest.mark.parametrize(
    ("set_cookie", "set_url", "next_url", "tether_sends", "requests_sends"),
    [c[1:] for c in POLICY_CASES],
    ids=[c[0] for c in POLICY_CASES],
)
def test_cookie_scope(
    set_cookie: bytes, set_url: str, next_url: str, tether_sends: bool, requests_sends: bool
) -> None:
    head = b"Set-Cookie: " + set_cookie
    _, mine = _round_trip(cookies, head, set_url, next_url)
    _, theirs = _round_trip(requests_cookies, head, set_url, next_url)
    assert (mine is not None) is tether_sends
    assert (theirs is not None) is requests_sends


def test_program_set_cookies_keep_requests_scope() -> None:
    jar = cookies.RequestsCookieJar()
    jar.set("everywhere", "1")  # empty domain: sent to every host, as in requests
    jar.set("scoped", "2", domain="example.test")
    assert cookies.get_cookie_header(jar, FakeRequest("http://other.test/")) == "everywhere=1"
    assert cookies.get_cookie_header(jar, FakeRequest("http://www.example.test/")) in (
        "scoped=2; everywhere=1",
        "everywhere=1; scoped=2",
    )


def test_host_only_rule_follows_host_header() -> None:
    jar = cookies.RequestsCookieJar()
    cookies.extract_cookies_to_jar(
        jar,
        FakeRequest("http://198.0.0.1/", {"Host": "example.test"}),
        raw_response(b"HTTP/1.1 200 OK\nSet-Cookie: h=1"),
    )
    assert cookies.get_cookie_header(jar, FakeRequest("http://example.test/")) == "h=1"
    assert cookies.get_cookie_header(jar, FakeRequest("http://sub.example.test/")) is None


CTL_COOKIES = [
    ("value-soh", b"ctl=a\x01b"),
    ("value-del", b"ctl=a\x7fc"),
    ("value-tab", b"ctl=a\tb"),
    ("value-nul", b"ctl=a\x00b"),
    ("value-esc", b"ctl=\x1b[31m"),
    ("name-ctl", b"c\x02tl=v"),
    ("quoted", b'ctl="a\x01b"'),
]


@pytest.mark.parametrize("set_cookie", [c[1] for c in CTL_COOKIES], ids=[c[0] for c in CTL_COOKIES])
def test_control_characters_rejected_on_receipt(set_cookie: bytes) -> None:
    head = b"Set-Cookie: " + set_cookie + b"\nSet-Cookie: fine=1"
    stored, header = _round_trip(cookies, head, "http://h.example/", "http://h.example/")
    assert [entry[0] for entry in stored] == ["fine"]
    assert header == "fine=1"
    theirs, _ = _round_trip(requests_cookies, head, "http://h.example/", "http://h.example/")
    assert len(theirs) == 2  # requests stores it


def test_control_characters_allowed_when_set_by_program() -> None:
    jar = cookies.RequestsCookieJar()
    jar.set("x", "a\x01b")
    assert jar["x"] == "a\x01b"


def test_crlf_in_set_cookie_cannot_reach_cookie_header() -> None:
    stored, header = _round_trip(
        cookies, b"Set-Cookie: a=b\nX: y", "http://h.example/", "http://h.example/"
    )
    assert stored == [("a", "b", "h.example", "/", False)]
    assert header == "a=b"


def test_policy_keeps_default_policy_options() -> None:
    policy = cookies.TetherCookiePolicy(blocked_domains=["blocked.test"])
    jar = cookies.RequestsCookieJar(policy)
    cookies.extract_cookies_to_jar(
        jar, FakeRequest("http://blocked.test/"), raw_response(b"HTTP/1.1 200 OK\nSet-Cookie: a=1")
    )
    assert len(jar) == 0


def test_expires_regex_is_not_quadratic() -> None:
    # Case 18 (bpo-38804) regression guard.
    head = b"Set-Cookie: b=1; Expires=1-c-1" + b" " * 60_000 + b"!"
    start = time.perf_counter()
    _round_trip(cookies, head, "http://h.example/", "http://h.example/")
    assert time.perf_counter() - start < 2.0


# -- thread safety -----------------------------------------------------------------------


# Two responses that swap cookie ``a`` (path /x) for ``b`` (path /y) and back. Each is
# applied under the jar's lock, so every reader must see exactly one of them; a reader
# walking the nested dicts without the lock can see both or neither.
_SWAP_TO_A = b"HTTP/1.1 200 OK\nSet-Cookie: a=1; Path=/x\nSet-Cookie: b=0; Path=/y; Max-Age=0"
_SWAP_TO_B = b"HTTP/1.1 200 OK\nSet-Cookie: b=1; Path=/y\nSet-Cookie: a=0; Path=/x; Max-Age=0"
_PADDING = 100

VIEWS: dict[str, Callable[[Any, ModuleType], list[str]]] = {
    "iter": lambda jar, mod: [cookie.name for cookie in jar],
    "keys": lambda jar, mod: jar.keys(),
    "items": lambda jar, mod: [name for name, _ in jar.items()],
    "iteritems": lambda jar, mod: [name for name, _ in jar.iteritems()],
    "get_dict": lambda jar, mod: list(jar.get_dict()),
    "copy": lambda jar, mod: jar.copy().keys(),
    "update": lambda jar, mod: _updated(jar, mod),
    "dict_from_cookiejar": lambda jar, mod: list(_cookies.dict_from_cookiejar(jar)),
    "list_paths": lambda jar, mod: [
        "a" if p == "/x" else "b" for p in jar.list_paths() if p in ("/x", "/y")
    ],
}


def _updated(jar: Any, mod: ModuleType) -> list[str]:
    sink = mod.RequestsCookieJar()
    sink.update(jar)
    return sink.keys()


def _stress(jar: Any, mod: ModuleType, seconds: float = 1.0) -> list[str]:
    """8 threads write (extract responses, set and remove a shared cookie, build Cookie
    headers) and 8 read every dict-like view of ``jar`` for ``seconds``. Returns what
    went wrong: exceptions raised in any thread and inconsistent views."""
    problems: list[str] = []
    stop = time.monotonic() + seconds
    request = FakeRequest("http://h.example/x")
    mod.extract_cookies_to_jar(jar, request, raw_response(_SWAP_TO_A))
    for i in range(_PADDING):
        jar.set(f"pad{i}", "v", domain="h.example", path=f"/p{i}")
    swaps = [raw_response(_SWAP_TO_A), raw_response(_SWAP_TO_B)]

    def writer() -> None:
        i = 0
        while time.monotonic() < stop:
            try:
                mod.extract_cookies_to_jar(jar, request, swaps[i % 2])
                jar.set("shared", str(i))
                jar.set("shared", None)  # removed by several threads at once
                if i % 4 == 0:
                    mod.get_cookie_header(jar, request)
            except Exception as exc:
                problems.append(f"writer: {exc!r}")
            i += 1

    def reader() -> None:
        while time.monotonic() < stop:
            for name, view in VIEWS.items():
                try:
                    seen = [n for n in view(jar, mod) if n in ("a", "b")]
                    size = len(jar)
                except Exception as exc:
                    problems.append(f"{name}: {exc!r}")
                    continue
                if len(seen) != 1:
                    problems.append(f"{name}: saw {seen}")
                if size not in (_PADDING + 1, _PADDING + 2):
                    problems.append(f"len: {size}")

    threads = [threading.Thread(target=writer, daemon=True) for _ in range(8)]
    threads += [threading.Thread(target=reader, daemon=True) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 30)
    if any(thread.is_alive() for thread in threads):
        problems.append("stress threads did not finish")
    return problems


@pytest.mark.timeout(60)
def test_jar_is_thread_safe() -> None:
    # Switch threads very often so that an unlocked walk is interrupted halfway.
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        problems = _stress(cookies.RequestsCookieJar(), cookies)
    finally:
        sys.setswitchinterval(old)
    assert problems == []


def test_merge_between_jars_in_both_directions_does_not_deadlock() -> None:
    left = cookies.RequestsCookieJar()
    right = cookies.RequestsCookieJar()
    for i in range(50):
        left.set(f"l{i}", "1")
        right.set(f"r{i}", "2")
    errors: list[BaseException] = []

    def merge(a: Any, b: Any) -> None:
        try:
            for _ in range(200):
                cookies.merge_cookies(a, b)
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [
        threading.Thread(target=merge, args=(left, right), daemon=True),
        threading.Thread(target=merge, args=(right, left), daemon=True),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert left.get_dict() == right.get_dict()
    assert len(left) == 100
