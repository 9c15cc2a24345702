"""What ``import tether`` loads, checked structurally in a fresh interpreter.

``import tether`` must cost little more than ``import urllib3`` (benchmarks/run.py --cases
import). These tests pin the modules it defers until a program uses them, so an eager
import added later fails here rather than only slowing the benchmark, and they check that
each deferred name is still found where requests has it. No timing is asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Modules ``import tether`` must not load, and what loads them when they are needed.
DEFERRED = {
    # The standard library.
    "dataclasses": "nothing on tether's import path uses it",
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
}

_TIMEOUT = 60


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
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
