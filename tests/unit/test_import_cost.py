"""What ``import tether`` loads, checked structurally in a fresh interpreter.

``import tether`` must cost little more than ``import urllib3`` (benchmarks/run.py --cases
import). These tests pin the modules it defers until a program uses them, so an eager
import added later fails here rather than only slowing the benchmark, and they check that
each deferred name is still found where requests has it. No timing is asserted.
"""

from __future__ import annotations

import dis
import json
import subprocess
import sys
import types
from typing import Any

import pytest

#: Modules ``import tether`` must not load, and what loads them when they are needed.
DEFERRED = {
    # The standard library.
    "dataclasses": "nothing on tether's import path uses it",
    "http.cookiejar": "the cookie machinery: the first Session, Request.prepare() or cookie name",
    "urllib.request": "imported by http.cookiejar",
    "urllib.error": "imported by urllib.request",
    "urllib.response": "imported by urllib.request",
    "copy": "the cookie machinery (tether._cookies)",
    "inspect": "imported by dataclasses",
    "ast": "imported by inspect",
    "http.cookies": "tether.cookies.Morsel / tether.compat.Morsel, on first access",
    "netrc": "the first request that looks for a netrc file that exists",
    "argparse": "the command line (python -m tether)",
    # Third-party packages.
    "socks": "the first socks:// proxy (urllib3.contrib.socks, PySocks)",
    "urllib3.contrib.socks": "the first socks:// proxy, or adapters.SOCKSProxyManager",
    "charset_normalizer": "the first body whose encoding must be guessed",
    "idna": "the first non-ASCII host name",
    "certifi": "the first HTTPS connection pool",
    # tether's own modules that a given program may never need.
    "tether._cookies": "the cookie machinery (tether._lazycookies.load)",
    "tether._cookiecache": "imported by tether._cookies",
    "tether._multipart": "the first files= request",
    "tether._persist": "Session.save / Session.load",
    "tether._cookiestxt": "Session.export_cookies / Session.import_cookies",
    "tether._cli": "python -m tether",
    "tether._demo": "python -m tether demo",
    "tether._progress": "the command line's progress bar",
    "tether._types": "type checkers only",
    "tether.utils": "tether.utils, on first access",
    "tether.compat": "tether.compat, on first access",
    "tether.help": "tether.help, on first access",
    "tether.certs": "tether.certs, on first access",
    "tether.packages": "tether.packages, on first access or import tether.packages.*",
    "tether._modalias": "imported by tether.packages and tether._alias",
    "tether._alias": "tether.install_as_requests / RequestsAlreadyImportedError, on first access",
    "tether._digest": "the first Digest challenge (HTTPDigestAuth)",
    # What a plain GET answered 200 never runs (tether._lazyimport).
    "tether._redirects": "the first redirect",
    "tether._errors": "the first error a send or a body read raises",
    "tether._decoding": "iter_content/iter_lines, an encoding guess, Session(default_encoding=)",
    "tether.auth": "tether.auth, auth=(user, password), or credentials in a proxy URL",
}

_TIMEOUT = 60


def _run(code: str, *args: str) -> str:
    """Run ``code`` (with ``args`` in sys.argv) in a fresh interpreter; return its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def loaded_by_import() -> frozenset[str]:
    """``sys.modules`` after ``import tether`` in a fresh interpreter."""
    out = _run("import sys, json, tether; print(json.dumps(sorted(sys.modules)))")
    return frozenset(json.loads(out.splitlines()[-1]))


def test_import_loads_tether_itself(loaded_by_import: frozenset[str]) -> None:
    # Guards the check below: a broken probe would see no module at all.
    assert {"tether", "tether.sessions", "tether.adapters", "urllib3"} <= loaded_by_import


@pytest.mark.parametrize("module", sorted(DEFERRED))
def test_import_defers(module: str, loaded_by_import: frozenset[str]) -> None:
    assert module not in loaded_by_import, (
        f"`import tether` loads {module}; it should wait for {DEFERRED[module]}"
    )


# Each deferred name is still where requests (and code written for it) looks for it, and is
# the very object the standard library or urllib3 defines.
_LAZY_NAMES = """
import sys
import tether
import tether.adapters, tether.cookies, tether.models
assert "http.cookies" not in sys.modules
assert "urllib3.contrib.socks" not in sys.modules

from tether.cookies import Morsel
import http.cookies
assert Morsel is http.cookies.Morsel
from tether.compat import Morsel as CompatMorsel, cookielib
import http.cookiejar
assert CompatMorsel is Morsel and cookielib is http.cookiejar
assert "Morsel" in dir(tether.cookies)

from tether.adapters import SOCKSProxyManager
import urllib3.contrib.socks
assert SOCKSProxyManager is urllib3.contrib.socks.SOCKSProxyManager
assert tether.adapters.SOCKSProxyManager is SOCKSProxyManager
assert "SOCKSProxyManager" in dir(tether.adapters)

assert tether.models.guess_filename(open(__import__("os").devnull)) == "null"
assert "tether._multipart" not in sys.modules
print("ok")
"""


def test_deferred_names_resolve_to_the_real_objects() -> None:
    pytest.importorskip("socks")
    assert _run(_LAZY_NAMES).strip() == "ok"


_MORSEL_AFTER_IMPORT = """
import sys
import tether
assert "http.cookies" not in sys.modules
jar = tether.cookies.RequestsCookieJar()
jar.set("plain", "1")
from http.cookies import SimpleCookie
cookie = SimpleCookie()
cookie.load("m=2; Path=/p; Max-Age=60")
jar.set("ignored", cookie["m"])  # a Morsel: converted, its own name kept
stored = {c.name: (c.value, c.path) for c in jar}
assert stored == {"plain": ("1", "/"), "m": ("2", "/p")}, stored
print("ok")
"""


def test_jar_recognises_a_morsel_created_after_import() -> None:
    # RequestsCookieJar.set tells a Morsel apart without tether importing http.cookies.
    assert _run(_MORSEL_AFTER_IMPORT).strip() == "ok"


_FILES_UPLOAD_PREPARES = """
import sys
import tether
assert "tether._multipart" not in sys.modules
prepared = tether.Request("POST", "http://127.0.0.1:9/", files={"f": ("a.txt", b"x")}).prepare()
assert b'filename="a.txt"' in prepared.body
assert "tether._multipart" in sys.modules
body, content_type = tether.models.RequestEncodingMixin._encode_files({"g": b"y"}, {})
assert content_type.startswith("multipart/form-data; boundary=")
print("ok")
"""


def test_multipart_loads_with_the_first_files_body() -> None:
    assert _run(_FILES_UPLOAD_PREPARES).strip() == "ok"


_SWITCH_AND_PACKAGES = """
import sys
import tether
assert "tether._alias" not in sys.modules and "tether.packages" not in sys.modules
assert {"install_as_requests", "RequestsAlreadyImportedError", "packages"} <= set(dir(tether))
install = tether.install_as_requests
from tether import _alias
assert install is _alias.install_as_requests
assert tether.RequestsAlreadyImportedError is _alias.RequestsAlreadyImportedError
namespace = {}
exec("from tether import *", namespace)
assert namespace["install_as_requests"] is install

import urllib3
import urllib3.util.retry
assert tether.packages.urllib3 is urllib3
assert sys.modules["tether.packages.urllib3"] is urllib3
print("ok")
"""

_PACKAGES_IMPORT_FIRST = """
import sys
import tether
assert "tether.packages" not in sys.modules
from tether.packages.urllib3.util.retry import Retry
import urllib3.util.retry
assert Retry is urllib3.util.retry.Retry
assert sys.modules["tether.packages.urllib3.util.retry"] is urllib3.util.retry
assert tether.packages.urllib3 is sys.modules["urllib3"]
print("ok")
"""


def test_switch_and_packages_load_on_first_use() -> None:
    assert _run(_SWITCH_AND_PACKAGES).strip() == "ok"


def test_packages_import_statement_before_any_access() -> None:
    assert _run(_PACKAGES_IMPORT_FIRST).strip() == "ok"


_DIGEST_LOADS_ON_FIRST_CHALLENGE = """
import sys
import tether
assert "tether._digest" not in sys.modules
auth = tether.auth.HTTPDigestAuth("user", "secret")
auth.init_per_thread_state()
auth._thread_local.chal = {"realm": "r", "nonce": "n", "qop": "auth"}
header = auth.build_digest_header("GET", "http://127.0.0.1:9/p")
assert header is not None and header.startswith("Digest "), header
assert "tether._digest" in sys.modules
print("ok")
"""


def test_digest_loads_with_the_first_challenge() -> None:
    assert _run(_DIGEST_LOADS_ON_FIRST_CHALLENGE).strip() == "ok"


# Patterns only bytes headers, control characters or Link headers need are compiled on
# first use; the requests names for them still give the compiled patterns.
_LAZY_PATTERNS = """
import re
import sys
import tether
from tether import _internal_utils
lazy = ("_VALID_HEADER_NAME_RE_BYTE", "_VALID_HEADER_VALUE_RE_BYTE", "_HEADER_VALIDATORS_BYTE",
        "HEADER_VALIDATORS")
assert not any(name in vars(_internal_utils) for name in lazy)
assert set(lazy) <= set(dir(_internal_utils))
from tether._internal_utils import _VALID_HEADER_NAME_RE_BYTE
assert _VALID_HEADER_NAME_RE_BYTE.pattern == rb"^[^:\\s][^:\\r\\n]*\\Z"
validators = _internal_utils.HEADER_VALIDATORS
assert validators[bytes] is _internal_utils._HEADER_VALIDATORS_BYTE
assert validators[bytes][0] is _VALID_HEADER_NAME_RE_BYTE
assert validators[str] == (_internal_utils._VALID_HEADER_NAME_RE_STR,
                           _internal_utils._VALID_HEADER_VALUE_RE_STR)
assert all(isinstance(p, re.Pattern) for pair in validators.values() for p in pair)
try:
    _internal_utils.no_such_name
except AttributeError:
    pass
else:
    raise AssertionError("no AttributeError")
print("ok")
"""


def test_bytes_header_patterns_compile_on_first_use() -> None:
    assert _run(_LAZY_PATTERNS).strip() == "ok"


# -- The cookie machinery (tether._lazycookies) ---------------------------------------------

_SESSION_LOADS_COOKIES = """
import sys
import types
import tether
from tether import _lazycookies

modules = ("http.cookiejar", "urllib.request", "copy", "tether._cookies")
assert not any(m in sys.modules for m in modules), [m for m in modules if m in sys.modules]
assert not _lazycookies.is_loaded()
# Until the load, the methods that name cookie globals are stand-ins.
assert hasattr(vars(tether.Session)["__init__"], "__wrapped__")  # a loading stand-in
s = tether.Session()
assert all(m in sys.modules for m in modules)
assert isinstance(s.cookies, tether.cookies.RequestsCookieJar)
# Afterwards every class holds its own function again: a request runs no extra code.
assert _lazycookies._stand_ins
for stand_in in _lazycookies._stand_ins:
    assert vars(stand_in.owner)[stand_in.name] is stand_in.attribute, stand_in.name
assert type(vars(tether.Session)["send"]) is types.FunctionType
assert type(vars(tether.models.Response)["cookies"]) is property
print("ok")
"""


def test_first_session_loads_the_cookie_machinery() -> None:
    assert _run(_SESSION_LOADS_COOKIES).strip() == "ok"


# Each way of reaching a cookie object before any Session exists loads the machinery and
# finds the very objects requests' module layout promises.
_COOKIE_NAME_PROBES = {
    "facade attribute": "tether.cookies.RequestsCookieJar",
    "from-import": "__import__('tether.cookies', fromlist=['create_cookie']).create_cookie",
    "sessions.cookielib": "tether.sessions.cookielib.CookieJar",
    "models.cookielib": "tether.models.cookielib.CookieJar",
    "models.get_cookie_header": "tether.models.get_cookie_header",
    "adapters.extract_cookies_to_jar": "tether.adapters.extract_cookies_to_jar",
    "auth.extract_cookies_to_jar": "tether.auth.extract_cookies_to_jar",
    "utils.dict_from_cookiejar": "tether.utils.dict_from_cookiejar",
    "compat.cookielib": "tether.compat.cookielib.CookieJar",
    "cookies.copy": "tether.cookies.copy.copy",
    "Request.prepare": "tether.Request('GET', 'http://127.0.0.1:9/', cookies={'a': '1'}).prepare()",
    "PreparedRequest.copy": "tether.PreparedRequest().copy()",
    "Response.cookies": "tether.Response().cookies",
    "Response.cookies setter": "setattr(tether.Response(), 'cookies', {})",
}

_PROBE = """
import sys
import tether
assert "http.cookiejar" not in sys.modules
{expression}
assert "http.cookiejar" in sys.modules
import http.cookiejar
from tether import _cookies
assert tether.cookies.RequestsCookieJar is _cookies.RequestsCookieJar
for module in (tether.sessions, tether.models, tether.cookies):
    assert module.cookielib is http.cookiejar
for module in (tether.sessions, tether.models, tether.cookies, tether.adapters, tether.auth):
    assert module.extract_cookies_to_jar is _cookies.extract_cookies_to_jar
assert tether.sessions.RequestsCookieJar is _cookies.RequestsCookieJar
assert tether.models.get_cookie_header is _cookies.get_cookie_header
print("ok")
"""


@pytest.mark.parametrize(
    "expression", list(_COOKIE_NAME_PROBES.values()), ids=list(_COOKIE_NAME_PROBES)
)
def test_cookie_names_load_the_machinery_on_first_use(expression: str) -> None:
    assert _run(_PROBE.format(expression=expression)).strip() == "ok"


_PREPARE_WITHOUT_SESSION = """
import sys
import http.cookiejar
import tether
jar = http.cookiejar.CookieJar()  # a plain stdlib jar: tether's machinery is not loaded
assert "tether._cookies" not in sys.modules
prepared = tether.Request("GET", "http://127.0.0.1:9/", cookies={"a": "1"}).prepare()
assert prepared.headers["Cookie"] == "a=1", prepared.headers
assert isinstance(prepared._cookies, tether.cookies.RequestsCookieJar)
other = tether.PreparedRequest()
other.prepare(method="GET", url="http://127.0.0.1:9/", cookies=jar)
assert other._cookies is jar
print("ok")
"""


def test_request_prepare_without_a_session() -> None:
    assert _run(_PREPARE_WITHOUT_SESSION).strip() == "ok"


_SUBCLASSES_BEFORE_THE_LOAD = """
import sys
import tether


class MySession(tether.Session):
    def __init__(self):
        super().__init__()  # the stand-in binds Session.__init__, not this one
        self.mine = True

    def send(self, request, **kwargs):
        return super().send(request, **kwargs)


class MyPrepared(tether.PreparedRequest):
    def prepare_cookies(self, cookies):
        super().prepare_cookies(cookies)
        self.headers["X-Mine"] = "1"


assert "tether._cookies" not in sys.modules
# An instance attribute still wins over a deferred method, as over any method.
other = tether.PreparedRequest()
other.copy = lambda: "instance"
assert other.copy() == "instance"
assert "tether._cookies" not in sys.modules
p = MyPrepared()
p.prepare(method="GET", url="http://127.0.0.1:9/", cookies={"a": "1"})
assert p.headers["Cookie"] == "a=1" and p.headers["X-Mine"] == "1"
s = MySession()
assert s.mine and isinstance(s.cookies, tether.cookies.RequestsCookieJar)
r = tether.Response()
r.cookies = {"set": "through the property"}
assert r.cookies == {"set": "through the property"}
print("ok")
"""


def test_subclasses_and_super_before_the_load() -> None:
    assert _run(_SUBCLASSES_BEFORE_THE_LOAD).strip() == "ok"


_STAR_IMPORTS = """
import sys
import tether
assert "tether._cookies" not in sys.modules
namespace = {}
exec("from tether.cookies import *", namespace)
assert namespace["RequestsCookieJar"] is tether.cookies.RequestsCookieJar
assert namespace["cookielib"] is sys.modules["http.cookiejar"]
namespace = {}
exec("from tether.auth import *", namespace)
assert namespace["extract_cookies_to_jar"] is tether.cookies.extract_cookies_to_jar
assert {"RequestsCookieJar", "cookielib", "Morsel"} <= set(dir(tether.cookies))
assert "merge_cookies" in dir(tether.sessions) and "extract_cookies_to_jar" in dir(tether.adapters)
print("ok")
"""


def test_star_imports_and_dir_list_the_cookie_names() -> None:
    # requests.cookies and requests.auth have no __all__: ``import *`` takes every name.
    assert _run(_STAR_IMPORTS).strip() == "ok"


_AS_REQUESTS = """
import sys
import tether.as_requests
import requests
assert "tether._cookies" not in sys.modules
assert requests.cookies.RequestsCookieJar is tether.cookies.RequestsCookieJar
from requests.sessions import cookielib
import http.cookiejar
assert cookielib is http.cookiejar
print("ok")
"""


def test_requests_switch_reaches_the_cookie_names() -> None:
    assert _run(_AS_REQUESTS).strip() == "ok"


# A replacement of a module-level cookie function made before the machinery loads is what
# the first request calls, whether the patch read the old value first (monkeypatch,
# mock.patch) or simply assigned; undoing it restores the original.
_PATCH_BEFORE_FIRST_SESSION = """
import sys

import pytest

import tether

url = sys.argv[1]
calls = []


def recording(jar, request, response):
    calls.append(request.url)
    return tether.cookies.extract_cookies_to_jar(jar, request, response)


assert "tether._cookies" not in sys.modules
patch = pytest.MonkeyPatch()
patch.setattr(tether.sessions, "extract_cookies_to_jar", recording)
with tether.Session() as s:
    s.get(url + "/response-headers?Set-Cookie=a%3D1", timeout=10)
    assert calls and s.cookies.get("a") == "1", (calls, dict(s.cookies))
    patch.undo()
    del calls[:]
    s.get(url + "/get", timeout=10)
    assert not calls
print("ok")
"""

_ASSIGNED_BEFORE_FIRST_SESSION = """
import sys
from unittest import mock

import tether

url = sys.argv[1]
calls = []


def recording(jar, request, response):
    calls.append(request.url)


tether.sessions.extract_cookies_to_jar = recording  # no getattr: nothing is loaded yet
assert "tether._cookies" not in sys.modules
# mock.patch.object reads the class __dict__ (the stand-in) and puts it back on exit; the
# load that happens meanwhile leaves the mock in place.
canned = tether.Response()
canned.status_code = 204
with mock.patch.object(tether.Session, "send", return_value=canned) as send:
    with tether.Session() as s:
        assert s.get(url + "/get") is canned and send.called
assert "tether._cookies" in sys.modules
assert hasattr(vars(tether.Session)["send"], "__wrapped__")  # the stand-in, put back
with tether.Session() as s:
    r = s.get(url + "/response-headers?Set-Cookie=a%3D1", timeout=10)
    assert r.status_code == 200 and calls, calls
    assert "a" not in s.cookies  # the replacement stored nothing
assert tether.sessions.extract_cookies_to_jar is recording
assert type(vars(tether.Session)["send"]).__name__ == "function"
print("ok")
"""


def test_monkeypatch_before_the_first_session_is_honoured(httpbin: Any) -> None:
    assert _run(_PATCH_BEFORE_FIRST_SESSION, httpbin.url).strip() == "ok"


def test_assignment_before_the_first_session_is_kept(httpbin: Any) -> None:
    assert _run(_ASSIGNED_BEFORE_FIRST_SESSION, httpbin.url).strip() == "ok"


_UNPICKLE_IN_FRESH_PROCESS = """
import pickle
import sys
data = bytes.fromhex(sys.argv[1])
session = pickle.loads(data)  # Session.__setstate__ loads the machinery
prepared = session.prepare_request(__import__("tether").Request("GET", "http://127.0.0.1:9/"))
assert prepared.headers["Cookie"] == "k=v", prepared.headers
print("ok")
"""


def test_session_unpickled_in_a_fresh_process() -> None:
    pickled = _run(
        "import pickle, tether; s = tether.Session(); s.cookies.set('k', 'v'); "
        "print(pickle.dumps(s).hex())"
    ).strip()
    assert _run(_UNPICKLE_IN_FRESH_PROCESS, pickled).strip() == "ok"


_CONCURRENT_FIRST_SESSIONS = """
import threading
import tether
barrier = threading.Barrier(8)
errors = []


def make():
    barrier.wait()
    try:
        with tether.Session() as s:
            s.prepare_request(tether.Request("GET", "http://127.0.0.1:9/", cookies={"a": "1"}))
    except Exception as exc:
        errors.append(exc)


threads = [threading.Thread(target=make) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert not errors, errors
print("ok")
"""


def test_concurrent_first_sessions() -> None:
    assert _run(_CONCURRENT_FIRST_SESSIONS).strip() == "ok"


#: Module-level functions that name cookie globals without being deferred, and why that is
#: safe.
_UNDEFERRED_USERS = {
    ("tether._hops", "rebuild_cookies"): "called only by SessionRedirectMixin.resolve_redirects",
}


def _global_names(code: types.CodeType) -> set[str]:
    names = {
        ins.argval
        for ins in dis.get_instructions(code)
        if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME", "STORE_GLOBAL")
    }
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def _functions_of(value: Any) -> list[types.FunctionType]:
    if isinstance(value, property):
        value = [value.fget, value.fset, value.fdel]
    elif isinstance(value, (staticmethod, classmethod)):
        value = [value.__func__]
    else:
        value = [value]
    return [f for f in value if isinstance(f, types.FunctionType)]


def test_every_user_of_a_lazy_cookie_name_loads_it() -> None:
    # A function that names a lazily bound global must not run before the load: every such
    # method is deferred (tether._lazycookies.defer_methods). Guards later edits.
    # tether registers every module; tether.auth, loaded on first use, registers itself then.
    import tether.auth  # noqa: F401
    from tether import _lazycookies

    deferred = {(s.owner, s.name) for s in _lazycookies._stand_ins}
    stand_ins = [s.stand_in for s in _lazycookies._stand_ins]
    problems = []
    for namespace, names in _lazycookies._namespaces:
        module = namespace["__name__"]
        for attr, value in list(namespace.items()):
            candidates: list[tuple[type | None, str, types.FunctionType]] = []
            if isinstance(value, types.FunctionType):
                candidates.append((None, attr, value))
            elif isinstance(value, type):
                for name, member in vars(value).items():
                    if member in stand_ins:
                        continue
                    candidates += [(value, name, f) for f in _functions_of(member)]
            for owner, name, function in candidates:
                if function.__globals__ is not namespace:
                    continue  # defined elsewhere (a re-export)
                used = _global_names(function.__code__) & set(names)
                if not used or (owner, name) in deferred:
                    continue
                if owner is None and (module, name) in _UNDEFERRED_USERS:
                    continue
                where = f"{module}.{owner.__qualname__ + '.' if owner else ''}{name}"
                problems.append(f"{where} names {sorted(used)} but is not deferred")
    assert not problems, "\n".join(problems)


# -- Modules the plain request path never runs (tether._lazyimport) --------------------------

_REQUEST_PATH_MODULES = ("tether._redirects", "tether._errors", "tether._decoding", "tether.auth")

_FIRST_USE_LOADS = """
import gzip
import socket
import sys

import tether

url = sys.argv[1]
lazy = ("tether._redirects", "tether._errors", "tether._decoding", "tether.auth")


def loaded():
    return {name for name in lazy if name in sys.modules}


with tether.Session() as s:
    for _ in range(2):
        r = s.get(url + "/get", timeout=10)
        assert r.status_code == 200 and r.json()["url"] == url + "/get", r.text
        assert r.text and r.content and not r.history
    assert loaded() == set(), loaded()

    r = s.get(url + "/gzip", timeout=10)
    assert r.headers["Content-Encoding"] == "gzip" and r.json()["gzipped"] is True
    assert loaded() == set(), loaded()
    r = s.get(url + "/gzip", timeout=10, stream=True)
    lines = list(r.iter_lines(decode_unicode=True))
    assert '"gzipped": true' in "".join(lines), lines
    assert loaded() == {"tether._decoding"}, loaded()

    r = s.get(url + "/redirect/2", timeout=10)
    assert r.status_code == 200 and len(r.history) == 2 and r.url == url + "/get", r.url
    assert r.history[0].is_redirect and s.get_redirect_target(r.history[0]) is not None
    assert "tether._redirects" in sys.modules and "tether.auth" not in sys.modules
    assert tether.sessions._redirects is sys.modules["tether._redirects"]

    r = s.get(url + "/basic-auth/user/pass", auth=("user", "pass"), timeout=10)
    assert r.status_code == 200 and r.json() == {"authenticated": True, "user": "user"}
    assert "tether.auth" in sys.modules
    assert tether.models.HTTPBasicAuth is tether.auth.HTTPBasicAuth
    assert "tether._errors" not in sys.modules

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    try:
        s.get(f"http://127.0.0.1:{port}/", timeout=10)
    except tether.ConnectionError as exc:
        assert type(exc) is tether.ConnectionError, type(exc)
    else:
        raise AssertionError("no ConnectionError")
    assert loaded() == set(lazy), loaded()
    assert tether.adapters._errors is sys.modules["tether._errors"]

    # Once loaded, the stand-ins are gone: the callers hold the modules themselves.
    from tether import _hops, _reading
    assert tether.models._decoding is sys.modules["tether._decoding"]
    assert _reading._errors.on_stream is sys.modules["tether._errors"].on_stream
    assert _reading._errors is sys.modules["tether._errors"]
    s.get(url + "/cookies/set?k=v", timeout=10)  # a redirect that rebuilds the hop's cookies
    assert _hops._redirects is sys.modules["tether._redirects"]
print("ok")
"""


def test_plain_requests_load_none_and_first_use_loads_each(httpbin: Any) -> None:
    assert _run(_FIRST_USE_LOADS, httpbin.url).strip() == "ok"


_LAZY_AUTH_NAMES = """
import sys
import tether
lazy = ("tether._redirects", "tether._errors", "tether._decoding", "tether.auth")
assert not any(name in sys.modules for name in lazy)
assert {"auth", "utils"} <= set(dir(tether))
basic = tether.auth.HTTPBasicAuth  # as after `import requests`
from tether import auth
assert basic is auth.HTTPBasicAuth and sys.modules["tether.auth"] is auth
namespace = {}
exec("from tether.auth import *", namespace)
assert namespace["HTTPDigestAuth"] is auth.HTTPDigestAuth
assert namespace["extract_cookies_to_jar"] is tether.cookies.extract_cookies_to_jar  # no __all__
assert tether.models.HTTPBasicAuth is basic
assert tether.sessions._basic_auth_str is auth._basic_auth_str
from tether.adapters import _basic_auth_str
assert _basic_auth_str is auth._basic_auth_str
assert "_basic_auth_str" in dir(tether.sessions) and "HTTPBasicAuth" in dir(tether.models)
from tether import _decoding
for name in ("guess_json_utf", "iter_slices", "stream_decode_response_unicode"):
    assert getattr(tether.models, name) is getattr(_decoding, name), name
    assert name in dir(tether.models)
from tether.models import guess_json_utf
assert guess_json_utf(b'{"a": 1}') == "utf-8"
try:
    tether.models.no_such_name
except AttributeError:
    pass
else:
    raise AssertionError("no AttributeError")
from tether import _redirects
assert tether.sessions.DEFAULT_PORTS is tether.utils.DEFAULT_PORTS is _redirects.DEFAULT_PORTS
assert tether.sessions.DEFAULT_PORTS == {"http": 80, "https": 443}
print("ok")
"""


def test_auth_and_decoding_names_are_where_requests_has_them() -> None:
    assert _run(_LAZY_AUTH_NAMES).strip() == "ok"


# Replacements made before the first use are what the rare paths call, as in requests
# (requests.models.prepare_auth names HTTPBasicAuth, the proxy paths _basic_auth_str).
_PATCHED_BEFORE_FIRST_USE = """
import sys
import tether

calls = []


class Recording:
    def __init__(self, user, password):
        calls.append((user, password))

    def __call__(self, request):
        request.headers["X-Recorded"] = "1"
        return request


def fake_basic(user, password):
    calls.append("proxy")
    return "Basic fake"


tether.models.HTTPBasicAuth = Recording  # a plain assignment: nothing was loaded
tether.adapters._basic_auth_str = fake_basic
assert "tether.auth" not in sys.modules
p = tether.Request("GET", "http://127.0.0.1:9/", auth=("u", "p")).prepare()
assert p.headers["X-Recorded"] == "1" and "Authorization" not in p.headers
adapter = tether.adapters.HTTPAdapter()
assert adapter.proxy_headers("http://u:p@127.0.0.1:3128") == {"Proxy-Authorization": "Basic fake"}
assert calls == [("u", "p"), "proxy"], calls
assert "tether.auth" not in sys.modules
s = tether.Session()
prepared = tether.Request("GET", "http://127.0.0.1:9/").prepare()
s.rebuild_proxies(prepared, {"http": "http://u:p@127.0.0.1:3128"})
assert prepared.headers["Proxy-Authorization"] == "Basic dTpw", prepared.headers
assert tether.sessions._basic_auth_str is tether.auth._basic_auth_str
print("ok")
"""


def test_replacements_before_first_use_are_honoured() -> None:
    assert _run(_PATCHED_BEFORE_FIRST_USE).strip() == "ok"


def test_error_tables_held_by_callers_match_errors() -> None:
    # adapters and _reading match exceptions against their own copies of the tuples (so that
    # matching imports nothing); tether._errors translates exactly those.
    from tether import _errors, _reading, adapters

    assert adapters._SEND_ERRORS == _errors.SEND_ERRORS
    assert _reading.STREAM_ERRORS == _errors.STREAM_ERRORS


_STAND_IN = """
import sys
import tether
from tether import _lazyimport, _reading
stand_in = vars(_reading)["_errors"]
assert type(stand_in) is _lazyimport.LazyModule and "imported on first use" in repr(stand_in)
replacement = type(sys)("replacement")
replacement.on_stream = lambda error: error
_reading._errors = replacement
assert stand_in.on_stream is sys.modules["tether._errors"].on_stream
assert _reading._errors is replacement  # a value the program put there is kept
print("ok")
"""


def test_stand_in_keeps_a_replacement() -> None:
    assert _run(_STAND_IN).strip() == "ok"


_AUTOSPEC_BEFORE_FIRST_SESSION = """
from unittest import mock
import inspect
import tether

# A deferred method is a plain function with the method's signature until the load.
assert list(inspect.signature(tether.Session.send).parameters)[:2] == ["self", "request"]
with mock.patch.object(tether.Session, "send", autospec=True) as send:
    send.return_value = "canned"
    assert tether.Session().send(tether.Request("GET", "http://127.0.0.1:1/").prepare()) == "canned"
with tether.Session() as s:  # mock put the stand-in back: its first call restores the method
    try:
        s.send(tether.Request("GET", "http://127.0.0.1:1/"))
    except ValueError as exc:
        assert "PreparedRequest" in str(exc)
    assert not hasattr(vars(tether.Session)["send"], "__wrapped__")
print("ok")
"""


def test_autospec_patch_before_the_first_session() -> None:
    assert _run(_AUTOSPEC_BEFORE_FIRST_SESSION).strip() == "ok"
