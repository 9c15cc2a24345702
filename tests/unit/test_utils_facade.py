"""tether.utils, the requests.utils facade: every name requests 2.34 offers is there, with the
same signature, and behaves the same. Each function is run over a table of inputs through
requests.utils (the oracle) and tether.utils, and the outcomes (value, or exception class
name) must agree. Environment-dependent functions get the same environment via monkeypatch.
"""

from __future__ import annotations

import codecs
import http.cookiejar
import inspect
import io
import os
import sys
import types
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import requests
import requests.utils

import tether
import tether.utils
from tether import exceptions as tether_exceptions
from tether.__version__ import __tether_version__

# Both facades are handled dynamically (getattr over name tables), so they are typed Any.
R: Any = requests.utils
T: Any = tether.utils


def public_names(module: types.ModuleType) -> set[str]:
    # "@py_builtins"/"@pytest_ar": pytest's assertion rewriting adds these to modules of a
    # distribution that registers a pytest plugin, as tether does (--tether-as-requests).
    return {name for name in dir(module) if not name.startswith(("__", "@"))}


def outcome(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The result, with generators listed, or ("raised", exception class name)."""
    try:
        value = fn(*args, **kwargs)
        if isinstance(value, (Iterator, types.GeneratorType)):
            value = list(value)
        return value
    except Exception as exc:
        return ("raised", type(exc).__name__)


def same(name: str, *args: Any, **kwargs: Any) -> Any:
    ours = outcome(getattr(T, name), *args, **kwargs)
    theirs = outcome(getattr(R, name), *args, **kwargs)
    assert ours == theirs, f"{name}{args!r}: tether {ours!r} != requests {theirs!r}"
    return ours


# --------------------------------------------------------------------------------------
# The names
# --------------------------------------------------------------------------------------

# Typing-only or private helpers of requests that tether does not carry.
NOT_CARRIED = {"_SupportsItems", "_validate_header_part"}


def test_every_requests_utils_name_exists() -> None:
    missing = public_names(R) - public_names(T) - NOT_CARRIED
    assert missing == set()


def test_no_public_extras() -> None:
    extras = {n for n in public_names(T) - public_names(R) if not n.startswith("_")}
    assert extras == set()


def test_all_lists_the_public_names() -> None:
    public = {n for n in public_names(R) if not n.startswith("_") and n != "annotations"}
    assert set(T.__all__) == public


@pytest.mark.skipif(sys.platform != "win32", reason="requests defines it on Windows only")
def test_proxy_bypass_registry_on_windows() -> None:  # pragma: no cover - Windows only
    assert callable(T.proxy_bypass_registry)


def test_proxy_bypass_registry_absent_elsewhere() -> None:
    assert hasattr(T, "proxy_bypass_registry") == hasattr(R, "proxy_bypass_registry")


# Names whose object is the very same (stdlib, typing, urllib3) in both modules.
SHARED_OBJECTS = sorted(
    n
    for n in public_names(R) | {"_parse_list_header"}
    if not n.startswith("__")
    and not (getattr(getattr(R, n), "__module__", "") or "").startswith("requests")
    and not isinstance(getattr(R, n), (str, bytes, tuple, dict, frozenset, bool))
    and n not in {"proxy_bypass", "proxy_bypass_environment", "certs", "_KT", "_VT"}
    and n not in NOT_CARRIED
)


@pytest.mark.parametrize("name", SHARED_OBJECTS)
def test_shared_objects_are_identical(name: str) -> None:
    assert getattr(T, name) is getattr(R, name)


def test_shared_objects_cover_modules_and_urllib() -> None:
    for name in ("os", "re", "zipfile", "tempfile", "quote", "urlparse", "parse_url", "getproxies"):
        assert name in SHARED_OBJECTS


def test_own_objects_come_from_tether() -> None:
    assert T.certs is tether.certs
    assert T.CaseInsensitiveDict is tether.structures.CaseInsensitiveDict
    for name in ("FileModeWarning", "InvalidHeader", "InvalidURL", "UnrewindableBodyError"):
        assert getattr(T, name) is getattr(tether_exceptions, name)
    assert T.proxy_bypass.__module__ == "tether._proxies"


CONSTANTS = [
    "DEFAULT_ACCEPT_ENCODING",
    "DEFAULT_CA_BUNDLE_PATH",
    "DEFAULT_PORTS",
    "NETRC_FILES",
    "UNRESERVED_SET",
    "integer_types",
    "is_urllib3_1",
    "_null",
    "_null2",
    "_null3",
]


@pytest.mark.parametrize("name", CONSTANTS)
def test_constants(name: str) -> None:
    assert getattr(T, name) == getattr(R, name)


def test_header_validators() -> None:
    for table in ("HEADER_VALIDATORS", "_HEADER_VALIDATORS_STR", "_HEADER_VALIDATORS_BYTE"):
        ours, theirs = getattr(T, table), getattr(R, table)
        if isinstance(theirs, dict):
            assert ours.keys() == theirs.keys()
            ours, theirs = [ours[k] for k in (bytes, str)], [theirs[k] for k in (bytes, str)]
            ours = [p for pair in ours for p in pair]
            theirs = [p for pair in theirs for p in pair]
        assert [p.pattern for p in ours] == [p.pattern for p in theirs]


# Functions requests.utils defines itself, and their signatures.
OWN_FUNCTIONS = sorted(
    n
    for n in public_names(R)
    if inspect.isfunction(getattr(R, n))
    and getattr(R, n).__module__ == "requests.utils"
    and n not in NOT_CARRIED
)


@pytest.mark.parametrize("name", OWN_FUNCTIONS)
def test_signatures(name: str) -> None:
    ours = inspect.signature(getattr(T, name)).parameters
    theirs = inspect.signature(getattr(R, name)).parameters
    assert [(p.name, p.kind) for p in ours.values()] == [(p.name, p.kind) for p in theirs.values()]
    defaults = {p.name: p.default for p in ours.values()}
    expected = {p.name: p.default for p in theirs.values()}
    if name == "default_user_agent":  # deliberate: tether names itself
        assert defaults == {"name": "python-tether"}
    else:
        assert defaults == expected


# --------------------------------------------------------------------------------------
# Pure helpers
# --------------------------------------------------------------------------------------


class ItemsOnly:
    def items(self) -> list[tuple[str, int]]:
        return [("k", 1)]


class PlainMapping(Mapping[str, int]):
    def __getitem__(self, key: str) -> int:
        return {"a": 1, "b": 2}[key]

    def __iter__(self) -> Iterator[str]:
        return iter(["a", "b"])

    def __len__(self) -> int:
        return 2


KV_INPUTS: list[Callable[[], Any]] = [
    lambda: None,
    lambda: {"a": 1, "b": 2},
    lambda: [("a", 1), ("b", 2)],
    lambda: (("a", 1),),
    lambda: OrderedDict([("x", "y")]),
    lambda: PlainMapping(),
    lambda: iter([("a", 1)]),
    lambda: "ab",
    lambda: b"ab",
    lambda: 1,
    lambda: True,
    lambda: [1],
    list,
]


@pytest.mark.parametrize("make", KV_INPUTS)
@pytest.mark.parametrize("name", ["dict_to_sequence", "from_key_val_list", "to_key_val_list"])
def test_key_val_helpers(name: str, make: Callable[[], Any]) -> None:
    ours = outcome(getattr(T, name), make())
    theirs = outcome(getattr(R, name), make())
    if name == "dict_to_sequence" and not isinstance(ours, tuple):
        ours, theirs = (
            outcome(list, ours) if ours is not None else None,
            (outcome(list, theirs) if theirs is not None else None),
        )
    assert ours == theirs
    assert type(ours) is type(theirs)


def test_from_key_val_list_message() -> None:
    with pytest.raises(ValueError, match="cannot encode objects that are not 2-tuples"):
        T.from_key_val_list("string")


class Named:
    def __init__(self, name: Any) -> None:
        self.name = name


@pytest.mark.parametrize(
    "obj",
    [
        Named("/a/b/c.txt"),
        Named("c.txt"),
        Named("<stdin>"),
        Named("<x"),
        Named("x>"),
        Named(b"/a/b.bin"),
        Named(b"<stdin>"),
        Named(""),
        Named(5),
        Named(None),
        object(),
    ],
)
def test_guess_filename(obj: Any) -> None:
    same("guess_filename", obj)


@pytest.mark.parametrize(
    "uri",
    [
        "http://example.com/?a=%7e&b=%2F",
        "http://example.com/%41%42%zz",
        "http://example.com/%",
        "http://example.com/ space/\u00e9",
        "http://example.com/a%20b?x=1#frag",
        "%7e%7E%2d",
    ],
)
@pytest.mark.parametrize("name", ["unquote_unreserved", "requote_uri"])
def test_uri_quoting(name: str, uri: str) -> None:
    same(name, uri)


@pytest.mark.parametrize(
    "url",
    [
        "http://u:p@host:8080/path?q#frag",
        "http://u%40x:p%3Aw@host/",
        "http://user@host/",
        "http://host/",
        "host.test/path",
        "//host/path",
        "https://[::1]:443/",
        "",
    ],
)
@pytest.mark.parametrize("name", ["get_auth_from_url", "urldefragauth"])
def test_url_helpers(name: str, url: str) -> None:
    same(name, url)


@pytest.mark.parametrize(
    "url",
    ["example.com/path", "//example.com/path", "http://example.com", "user:pw@host", "ftp://h/"],
)
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_prepend_scheme_if_needed(url: str, scheme: str) -> None:
    same("prepend_scheme_if_needed", url, scheme)


@pytest.mark.parametrize(
    "value",
    [
        'token, "quoted value", other',
        'a, "b, c", d',
        "",
        'key="va\\"lue", other=1',
        'foo=bar, baz, qux="x y"',
        "no_equals, last=",
    ],
)
@pytest.mark.parametrize("name", ["parse_list_header", "parse_dict_header"])
def test_header_list_parsing(name: str, value: str) -> None:
    same(name, value)


@pytest.mark.parametrize(
    "value", ['"quoted"', '"a\\\\b"', '"\\\\\\\\server\\\\share"', "plain", '""', '"x\\"y"']
)
@pytest.mark.parametrize("is_filename", [False, True])
def test_unquote_header_value(value: str, is_filename: bool) -> None:
    same("unquote_header_value", value, is_filename)


@pytest.mark.parametrize(
    "value",
    [
        '<http:/.../front.jpeg>; rel=front; type="image/jpeg"',
        '<http:/.../front.jpeg>; rel=front; type="image/jpeg",<http://.../back.jpeg>;',
        "<http:/.../front.jpeg>",
        "<http:/.../front.jpeg>; ",
        "",
        '  <a>; rel="next",   <b>; rel="prev"',
    ],
)
def test_parse_header_links(value: str) -> None:
    same("parse_header_links", value)


@pytest.mark.parametrize(
    "value",
    [
        "text/html; charset=UTF-8",
        "application/json",
        'text/plain; charset="latin-1"; x',
        "a/b;;c=d",
    ],
)
def test_parse_content_type_header(value: str) -> None:
    assert outcome(T._parse_content_type_header, value) == outcome(
        R._parse_content_type_header, value
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"content-type": "text/html; charset=UTF-8"},
        {"content-type": "text/plain"},
        {"content-type": "application/json"},
        {"content-type": "image/png"},
        {"content-type": "text/html; charset='utf-8'"},
    ],
)
def test_get_encoding_from_headers(headers: dict[str, str]) -> None:
    same("get_encoding_from_headers", R.CaseInsensitiveDict(headers))
    assert T.get_encoding_from_headers(
        T.CaseInsensitiveDict(headers)
    ) == R.get_encoding_from_headers(R.CaseInsensitiveDict(headers))


@pytest.mark.parametrize(
    "encoding",
    ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"],
)
def test_guess_json_utf(encoding: str) -> None:
    data = '{"key": "value"}'.encode(encoding)
    same("guess_json_utf", data)
    same("guess_json_utf", data[:3])


@pytest.mark.parametrize("data", [b"", b"abcdefghij", "abcdefghij", "\u00e9" * 5])
@pytest.mark.parametrize("size", [None, 0, -1, 1, 3, 10, 100])
def test_iter_slices(data: bytes | str, size: int | None) -> None:
    same("iter_slices", data, size)


@pytest.mark.parametrize(
    "header",
    [
        ("Name", "value"),
        (b"Name", b"value"),
        ("Name", ""),
        ("Name", "bad\r\nvalue"),
        ("Name\n", "v"),
        (" Name", "v"),
        ("Name", " v"),
        ("Name", 3),
        ("Na:me", "v"),
    ],
)
def test_check_header_validity(header: tuple[Any, Any]) -> None:
    same("check_header_validity", header)


def test_to_native_string() -> None:
    same("to_native_string", b"abc")
    same("to_native_string", "abc")
    same("to_native_string", "\u00e9".encode(), "utf-8")


SUPER_LEN_INPUTS: list[Callable[[Path], Any]] = [
    lambda p: b"12345",
    lambda p: "12345",
    lambda p: "\u00e9\u00e9",
    lambda p: io.BytesIO(b"123456"),
    lambda p: _read(io.BytesIO(b"123456"), 2),
    lambda p: io.StringIO("abc"),
    lambda p: open(p, "rb"),  # noqa: SIM115
    lambda p: _read(open(p, "rb"), 3),  # noqa: SIM115
    lambda p: [1, 2, 3],
    lambda p: None,
    lambda p: 5,
]


def _read(f: Any, n: int) -> Any:
    f.read(n)
    return f


@pytest.mark.parametrize("make", SUPER_LEN_INPUTS)
def test_super_len(make: Callable[[Path], Any], tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"0123456789")
    a, b = make(path), make(path)
    try:
        assert outcome(T.super_len, a) == outcome(R.super_len, b)
    finally:
        for f in (a, b):
            if hasattr(f, "close"):
                f.close()


def test_rewind_body() -> None:
    for mod in (T, R):
        body = io.BytesIO(b"abcdef")
        body.read(2)
        prepared = types.SimpleNamespace(body=body, _body_position=2)
        body.read()
        mod.rewind_body(prepared)
        assert body.tell() == 2
        unrewindable = types.SimpleNamespace(body=iter([b"x"]), _body_position=None)
        with pytest.raises(mod.UnrewindableBodyError):
            mod.rewind_body(unrewindable)


@pytest.mark.parametrize("mask", [0, 1, 8, 24, 32, 33, -1])
def test_dotted_netmask(mask: int) -> None:
    ours, theirs = outcome(T.dotted_netmask, mask), outcome(R.dotted_netmask, mask)
    if isinstance(theirs, tuple):  # both fail; the struct.error of requests is ours' OverflowError
        assert isinstance(ours, tuple)
    else:
        assert ours == theirs


@pytest.mark.parametrize(
    ("ip", "net"),
    [
        ("203.0.1.1", "203.0.1.0/24"),
        ("203.0.2.1", "203.0.1.0/24"),
        ("x", "1.0.0.0/8"),
        ("1.1.1.1", "1.0.0.0"),
    ],
)
def test_address_in_network(ip: str, net: str) -> None:
    same("address_in_network", ip, net)


@pytest.mark.parametrize(
    "value", ["1.2.3.4", "1.2.3", "::1", "", "x", "198.0.0.0/8", "198.0.0.0/0", "198.0.0.0/33"]
)
def test_ip_predicates(value: str) -> None:
    same("is_ipv4_address", value)
    same("is_valid_cidr", value)


# --------------------------------------------------------------------------------------
# Environment-dependent functions
# --------------------------------------------------------------------------------------

ENVS = [
    {},
    {"http_proxy": "http://hp:1", "NO_PROXY": "skip.test,198.0.0.0/8"},
    {"HTTPS_PROXY": "http://sp:2", "ALL_PROXY": "socks5://ap:3", "no_proxy": "*"},
    {"all_proxy": "socks5://ap:3", "no_proxy": ".skip.test:8080"},
]
URLS = [
    "http://a.test/",
    "https://a.test/",
    "http://x.skip.test:8080/",
    "http://skip.test/",
    "http://198.1.2.3/",
    "http://[::1]/",
    "http:///nohost",
]


@pytest.fixture(autouse=True)
def _no_cgi(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REQUEST_METHOD", raising=False)


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("url", URLS)
def test_proxy_functions_in_environment(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], url: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for no_proxy in (None, "", "a.test"):
        same("should_bypass_proxies", url, no_proxy)
        same("get_environ_proxies", url, no_proxy)
    request = types.SimpleNamespace(url=url)
    for proxies in (None, {}, {"http": "http://mine"}, {"no_proxy": "a.test"}):
        for trust_env in (True, False):
            same("resolve_proxies", request, proxies, trust_env)
    host = url.split("/")[2].split(":")[0] if "//" in url else url
    same("proxy_bypass", host)
    same("proxy_bypass_environment", host)
    same("getproxies")
    same("getproxies_environment")


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize(
    "proxies",
    [
        None,
        {},
        {"http": "P1", "all": "PA"},
        {"https://a.test": "PH", "all://a.test": "PAH"},
        {"all": "PA"},
    ],
)
def test_select_proxy(url: str, proxies: dict[str, str] | None) -> None:
    same("select_proxy", url, proxies)


@pytest.mark.parametrize(
    "url",
    [
        "http://a.test/",
        "http://b.test:99/",
        "http://example.com:@127.0.0.1/",
        "http://example.com\\@127.0.0.1/",
        "http://example.com#@127.0.0.1/",
        "http://example.com?@127.0.0.1/",
        "file:///x",
        b"http://a.test/",
    ],
)
@pytest.mark.parametrize(
    "content",
    [
        "machine a.test login u password p\nmachine 127.0.0.1 login r password rp",
        "machine example.com login wrong password w\ndefault login d password dp",
        "machine a.test",
        "machine a.test login onlyuser",
        "machine",
    ],
)
def test_get_netrc_auth(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: str, url: str | bytes
) -> None:
    path = tmp_path / "netrc"
    path.write_text(content)
    monkeypatch.setenv("NETRC", str(path))
    same("get_netrc_auth", url)
    same("get_netrc_auth", url, True)


def test_set_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for mod in (T, R):
        monkeypatch.setenv("TETHER_FACADE_VAR", "old")
        with mod.set_environ("TETHER_FACADE_VAR", "new"):
            assert os.environ["TETHER_FACADE_VAR"] == "new"
        assert os.environ["TETHER_FACADE_VAR"] == "old"
        monkeypatch.delenv("TETHER_FACADE_VAR")
        with mod.set_environ("TETHER_FACADE_VAR", "x"):
            pass
        assert "TETHER_FACADE_VAR" not in os.environ


def test_extract_zipped_paths_and_atomic_open(tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("d/ca.pem", b"PEM")
    for path in (str(archive), f"{archive}/missing", "/nonexistent/a/b", str(tmp_path)):
        same("extract_zipped_paths", path)
    ours = T.extract_zipped_paths(f"{archive}/d/ca.pem")
    theirs = R.extract_zipped_paths(f"{archive}/d/ca.pem")
    try:
        assert Path(ours).read_bytes() == Path(theirs).read_bytes() == b"PEM"
        assert Path(ours).suffix == Path(theirs).suffix == ".pem"
        assert os.path.dirname(ours) == os.path.dirname(theirs)
    finally:
        os.unlink(ours)
        os.unlink(theirs)
    for mod, name in ((T, "t.bin"), (R, "r.bin")):
        with mod.atomic_open(str(tmp_path / name)) as handle:
            handle.write(b"data")
    assert (tmp_path / "t.bin").read_bytes() == (tmp_path / "r.bin").read_bytes()


# --------------------------------------------------------------------------------------
# Deprecated decoders, streaming decode, default headers, cookies
# --------------------------------------------------------------------------------------


def warnings_of(fn: Callable[..., Any], *args: Any) -> tuple[Any, list[tuple[type[Warning], str]]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn(*args)
    return result, [(w.category, str(w.message)) for w in caught]


@pytest.mark.parametrize(
    "content",
    [
        '<meta charset="utf-8">',
        '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">',
        '<?xml version="1.0" encoding="latin-1"?>',
        "no declaration",
    ],
)
def test_get_encodings_from_content_warns_like_requests(content: str) -> None:
    ours = warnings_of(T.get_encodings_from_content, content)
    theirs = warnings_of(R.get_encodings_from_content, content)
    assert ours == theirs
    assert len(ours[1]) == 1 and ours[1][0][0] is DeprecationWarning


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"\xc3\xa9", "text/plain; charset=utf-8"),
        (b"\xc3\xa9", "text/plain"),
        (b"\xc3\xa9", "application/json"),
        (b"\xe9", "text/html; charset=utf-8"),
        (b"", None),
    ],
)
def test_get_unicode_from_response_warns_like_requests(
    content: bytes, content_type: str | None
) -> None:
    def response(mod: Any) -> Any:
        headers = mod.CaseInsensitiveDict()
        if content_type is not None:
            headers["content-type"] = content_type
        return types.SimpleNamespace(content=content, headers=headers, encoding=None)

    ours = warnings_of(T.get_unicode_from_response, response(T))
    theirs = warnings_of(R.get_unicode_from_response, response(R))
    assert ours == theirs
    assert len(ours[1]) == 1 and ours[1][0][0] is DeprecationWarning


@pytest.mark.parametrize("encoding", [None, "utf-8", "latin-1", "utf-16"])
def test_stream_decode_response_unicode(encoding: str | None) -> None:
    text = "h\u00e9llo w\u00f6rld \u00ff"
    raw = text.encode(encoding or "utf-8")
    chunks = [raw[i : i + 3] for i in range(0, len(raw), 3)]
    r = types.SimpleNamespace(encoding=encoding)
    ours = T.stream_decode_response_unicode(iter(chunks), r)
    theirs = R.stream_decode_response_unicode(iter(chunks), r)
    assert list(ours) == list(theirs)


def test_stream_decode_reads_encoding_lazily() -> None:
    r = types.SimpleNamespace(encoding=None)
    gen = T.stream_decode_response_unicode(iter([b"\xc3", b"\xa9"]), r)
    r.encoding = "utf-8"  # set after the call, before iteration (as requests allows)
    assert "".join(gen) == "\u00e9"


def test_default_headers_and_user_agent() -> None:
    ours, theirs = T.default_headers(), R.default_headers()
    assert isinstance(ours, T.CaseInsensitiveDict)
    assert list(ours.keys()) == list(theirs.keys())
    for key in theirs:
        if key != "User-Agent":
            assert ours[key] == theirs[key]
    assert ours["User-Agent"] == T.default_user_agent() == f"python-tether/{__tether_version__}"
    assert T.default_user_agent("custom") == f"custom/{__tether_version__}"
    assert R.default_user_agent("custom") == f"custom/{requests.__version__}"  # type: ignore[attr-defined]


def test_cookie_helpers() -> None:
    for mod in (T, R):
        jar = mod.cookiejar_from_dict({"a": "1", "b": "2"})
        assert mod.dict_from_cookiejar(jar) == {"a": "1", "b": "2"}
        plain = http.cookiejar.CookieJar()
        result = mod.add_dict_to_cookiejar(plain, {"c": "3"})
        assert mod.dict_from_cookiejar(result) == {"c": "3"}
    assert T.dict_from_cookiejar(T.cookiejar_from_dict({"k": "v"})) == R.dict_from_cookiejar(
        R.cookiejar_from_dict({"k": "v"})
    )


def test_codecs_module_shared() -> None:
    # A sanity anchor for SHARED_OBJECTS: modules are the very same objects.
    assert T.codecs is codecs


@pytest.mark.parametrize("bypass", [True, False])
def test_patched_proxy_bypass_reaches_the_session(
    monkeypatch: pytest.MonkeyPatch, bypass: bool
) -> None:
    # The patch point works end to end, as requests.utils.proxy_bypass does for requests.
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.test:3128")
    results = []
    for facade, session in ((T, tether.Session()), (R, requests.Session())):
        monkeypatch.setattr(facade, "proxy_bypass", lambda host: bypass)
        settings = session.merge_environment_settings("http://x.test/", {}, False, None, None)
        results.append(settings["proxies"].get("http"))
    assert results[0] == results[1] == (None if bypass else "http://proxy.test:3128")
