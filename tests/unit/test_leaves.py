"""The small public modules: status codes, hooks, certs, packages aliasing, help, compat,
and the type aliases of ``tether._types``. Most tests compare with requests 2.34 (the
oracle) on the same inputs."""

from __future__ import annotations

import importlib
import io
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import certifi
import pytest
import requests
import requests.certs
import requests.compat
import requests.help
import requests.hooks
import requests.packages
import requests.status_codes
import urllib3
from urllib3._version import __version__ as urllib3_version

import tether.certs
import tether.compat
import tether.help
import tether.hooks
import tether.packages
import tether.status_codes
from tether.__version__ import __tether_version__
from tether.__version__ import __version__ as tether_api_version
from tether.structures import LookupDict

SRC = Path(tether.status_codes.__file__).resolve().parents[1]


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter that imports tether from this checkout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def run_module(module: str) -> subprocess.CompletedProcess[str]:
    return run_python(f"import runpy; runpy.run_module({module!r}, run_name='__main__')")


# -- status_codes -------------------------------------------------------------------------

codes = tether.status_codes.codes

ALIASES = [
    (code, alias) for code, aliases in requests.status_codes._codes.items() for alias in aliases
]


def test_codes_table_equals_requests() -> None:
    # Same statuses, same names per status, same order (order decides shared names).
    assert list(tether.status_codes._codes.items()) == list(requests.status_codes._codes.items())


@pytest.mark.parametrize(("code", "alias"), ALIASES, ids=[f"{c}-{a}" for c, a in ALIASES])
def test_every_requests_alias(code: int, alias: str) -> None:
    assert alias in tether.status_codes._codes[code]
    for name in {alias, alias.upper()}:
        expected = getattr(requests.codes, name, None)
        assert getattr(codes, name, None) == expected
        assert codes[name] == requests.codes[name]


def test_codes_has_exactly_requests_attributes() -> None:
    assert vars(codes) == vars(requests.codes)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("ok", 200),
        ("OK", 200),
        ("okay", 200),
        ("\\o/", 200),
        ("\u2713", 200),
        ("teapot", 418),
        ("I_AM_A_TEAPOT", 418),
        ("temporary_redirect", 307),
        ("uri_too_long", 414),  # shared with 122; the later status wins
        ("precondition", 428),  # shared with 412
        ("-O-", 404),
        ("/o\\", 500),
        ("too_early", 425),
    ],
)
def test_lookup_examples(name: str, code: int) -> None:
    assert codes[name] == code == requests.codes[name]
    assert getattr(codes, name) == code


@pytest.mark.parametrize("name", ["\\O/", "/O\\", "\\O-", "no_such_status"])
def test_names_without_a_status(name: str) -> None:
    assert codes[name] is None is requests.codes[name]
    assert codes.get(name, "default") == "default"
    with pytest.raises(AttributeError):
        getattr(codes, name)


def test_codes_object() -> None:
    assert isinstance(codes, LookupDict)
    assert codes.name == "status_codes"
    assert repr(codes) == repr(requests.codes) == "<lookup 'status_codes'>"
    assert len(codes) == len(requests.codes) == 0  # entries are attributes, as in requests


def test_top_level_codes_is_the_status_codes_object() -> None:
    import tether

    assert tether.codes is codes


# -- hooks ------------------------------------------------------------------------------

# The hooks are exercised with plain values as the data (dispatch_hook does not look at it),
# so call both implementations untyped.
tether_dispatch: Any = tether.hooks.dispatch_hook
requests_dispatch: Any = requests.hooks.dispatch_hook


def test_hooks_constants() -> None:
    assert tether.hooks.HOOKS == requests.hooks.HOOKS == ["response"]


def test_default_hooks_are_fresh() -> None:
    first, second = tether.hooks.default_hooks(), tether.hooks.default_hooks()
    assert first == {"response": []}
    assert dict(requests.hooks.default_hooks()) == {"response": []}
    assert first["response"] is not second["response"]


def test_default_hooks_follow_HOOKS(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tether.hooks, "HOOKS", ["response", "custom"])
    assert tether.hooks.default_hooks() == {"response": [], "custom": []}


class Recorder:
    """Hooks that log their calls; ``make`` builds a hooks mapping for one case."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, dict[str, Any]]] = []

    def add_one(self, data: Any, **kwargs: Any) -> Any:
        self.calls.append(("add_one", data, kwargs))
        return data + 1

    def double(self, data: Any, **kwargs: Any) -> Any:
        self.calls.append(("double", data, kwargs))
        return data * 2

    def observe(self, data: Any, **kwargs: Any) -> None:
        self.calls.append(("observe", data, kwargs))


class CallableObject:
    def __init__(self, log: Recorder) -> None:
        self.log = log

    def __call__(self, data: Any, **kwargs: Any) -> Any:
        self.log.calls.append(("object", data, kwargs))
        return data + 100


class FalsyCallable(CallableObject):
    def __len__(self) -> int:
        return 0  # falsy: skipped like an empty list


HOOK_CASES: dict[str, Callable[[Recorder], Any]] = {
    "none": lambda r: None,
    "empty-dict": lambda r: {},
    "other-event-only": lambda r: {"other": [r.add_one]},
    "empty-list": lambda r: {"response": []},
    "none-value": lambda r: {"response": None},
    "single-callable": lambda r: {"response": r.add_one},
    "list-in-order": lambda r: {"response": [r.add_one, r.double]},
    "list-other-order": lambda r: {"response": [r.double, r.add_one]},
    "tuple": lambda r: {"response": (r.add_one, r.double)},
    "generator": lambda r: {"response": (h for h in [r.double, r.add_one])},
    "returning-none-keeps-data": lambda r: {"response": [r.observe, r.add_one, r.observe]},
    "callable-object": lambda r: {"response": CallableObject(r)},
    "callable-object-in-list": lambda r: {"response": [CallableObject(r), r.double]},
    "falsy-callable": lambda r: {"response": FalsyCallable(r)},
}


@pytest.mark.parametrize("case", HOOK_CASES)
@pytest.mark.parametrize(
    "kwargs", [{}, {"timeout": 3, "verify": False}], ids=["no-kwargs", "kwargs"]
)
def test_dispatch_hook_like_requests(case: str, kwargs: dict[str, Any]) -> None:
    mine, theirs = Recorder(), Recorder()
    got = tether_dispatch("response", HOOK_CASES[case](mine), 1, **kwargs)
    want = requests_dispatch("response", HOOK_CASES[case](theirs), 1, **kwargs)
    assert got == want
    assert mine.calls == theirs.calls


def test_dispatch_hook_other_event() -> None:
    log = Recorder()
    assert tether_dispatch("custom", {"custom": log.double, "response": log.add_one}, 5) == 10
    assert [name for name, _, _ in log.calls] == ["double"]


def test_dispatch_hook_passes_the_same_object_when_no_hook_returns() -> None:
    data = object()
    assert tether_dispatch("response", {"response": [lambda d: None]}, data) is data


def test_dispatch_hook_errors_propagate() -> None:
    def boom(data: Any) -> None:
        raise LookupError("from hook")

    with pytest.raises(LookupError, match="from hook"):
        tether_dispatch("response", {"response": boom}, 1)


def test_dispatch_hook_non_callable_entry_fails_like_requests() -> None:
    with pytest.raises(TypeError):
        requests_dispatch("response", {"response": [1]}, 1)
    with pytest.raises(TypeError):
        tether_dispatch("response", {"response": [1]}, 1)


# -- certs --------------------------------------------------------------------------------


def test_where_is_certifi_bundle() -> None:
    assert tether.certs.where() == certifi.where() == vars(requests.certs)["where"]()
    assert os.path.isfile(tether.certs.where())


def test_certs_main_prints_the_bundle_path() -> None:
    result = run_module("tether.certs")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == certifi.where()


# -- packages -----------------------------------------------------------------------------

ALIASED_MODULES = [
    ("urllib3", "urllib3"),
    ("urllib3.fields", "urllib3.fields"),
    ("urllib3.filepost", "urllib3.filepost"),
    ("urllib3.poolmanager", "urllib3.poolmanager"),
    ("urllib3.connection", "urllib3.connection"),
    ("urllib3.connectionpool", "urllib3.connectionpool"),
    ("urllib3.response", "urllib3.response"),
    ("urllib3.exceptions", "urllib3.exceptions"),
    ("urllib3._collections", "urllib3._collections"),
    ("urllib3.util", "urllib3.util"),
    ("urllib3.util.timeout", "urllib3.util.timeout"),
    ("urllib3.util.retry", "urllib3.util.retry"),
    ("urllib3.util.url", "urllib3.util.url"),
    ("urllib3.util.ssl_", "urllib3.util.ssl_"),
    ("urllib3.contrib", "urllib3.contrib"),
    ("urllib3.contrib.socks", "urllib3.contrib.socks"),
    ("idna", "idna"),
    ("idna.core", "idna.core"),
    ("idna.codec", "idna.codec"),
    ("chardet", "charset_normalizer"),
    ("chardet.api", "charset_normalizer.api"),
    ("charset_normalizer", "charset_normalizer"),
    ("charset_normalizer.models", "charset_normalizer.models"),
]


@pytest.mark.parametrize(("alias", "real"), ALIASED_MODULES, ids=[a for a, _ in ALIASED_MODULES])
def test_packages_alias_is_the_real_module(alias: str, real: str) -> None:
    if real == "urllib3.contrib.socks":
        pytest.importorskip("socks")
    module = importlib.import_module(f"tether.packages.{alias}")
    assert module is importlib.import_module(real)
    assert sys.modules[f"tether.packages.{alias}"] is module
    assert module.__name__ == real  # the real module, not a copy renamed


@pytest.mark.parametrize(
    ("statement", "name", "expected"),
    [
        ("import tether.packages.urllib3.util.retry as m", "m", lambda: urllib3.util.retry),
        (
            "from tether.packages.urllib3.poolmanager import PoolManager as m",
            "m",
            lambda: urllib3.PoolManager,
        ),
        (
            "from tether.packages.urllib3.util.retry import Retry as m",
            "m",
            lambda: urllib3.util.Retry,
        ),
        (
            "from tether.packages.urllib3.util.timeout import Timeout as m",
            "m",
            lambda: urllib3.Timeout,
        ),
        (
            "from tether.packages.urllib3.fields import RequestField as m",
            "m",
            lambda: urllib3.fields.RequestField,
        ),
        ("from tether.packages.urllib3 import exceptions as m", "m", lambda: urllib3.exceptions),
        ("from tether.packages import urllib3 as m", "m", lambda: urllib3),
        (
            "from tether.packages import chardet as m",
            "m",
            lambda: importlib.import_module("charset_normalizer"),
        ),
        ("from tether.packages import idna as m", "m", lambda: importlib.import_module("idna")),
        (
            "import tether.packages.idna.core as m",
            "m",
            lambda: importlib.import_module("idna.core"),
        ),
    ],
)
def test_packages_import_statements(statement: str, name: str, expected: Callable[[], Any]) -> None:
    namespace: dict[str, Any] = {}
    exec(statement, namespace)
    assert namespace[name] is expected()


def test_packages_attributes() -> None:
    import charset_normalizer
    import idna

    assert tether.packages.urllib3 is urllib3
    assert tether.packages.idna is idna
    assert tether.packages.chardet is charset_normalizer
    assert tether.packages.urllib3.util.retry.Retry is urllib3.util.retry.Retry
    assert {"urllib3", "idna", "chardet"} <= set(dir(tether.packages))


def test_packages_cover_every_requests_alias() -> None:
    # Whatever requests.packages registered (it aliases what is imported at the time),
    # tether.packages gives the same module object under the same name.
    aliases = [name for name in list(sys.modules) if name.startswith("requests.packages.")]
    assert aliases
    for name in aliases:
        mine = importlib.import_module("tether." + name[len("requests.") :])
        assert mine is sys.modules[name], name


@pytest.mark.parametrize("alias", ["urllib3.no_such_module", "idna.nope.deeper", "no_such_package"])
def test_packages_missing_module(alias: str) -> None:
    with pytest.raises(ModuleNotFoundError) as info:
        importlib.import_module(f"tether.packages.{alias}")
    assert info.value.name is not None
    assert info.value.name.startswith("tether.packages.")
    assert f"tether.packages.{alias}" not in sys.modules


def test_packages_unknown_attribute() -> None:
    with pytest.raises(AttributeError):
        _ = tether.packages.no_such_package  # type: ignore[attr-defined]


def test_packages_finder_installed_once() -> None:
    def finders() -> int:
        return sum(1 for f in sys.meta_path if getattr(f, "_tether_packages_alias", False))

    assert finders() == 1
    importlib.reload(tether.packages)
    assert finders() == 1
    assert tether.packages.urllib3 is urllib3


def test_packages_late_imports_are_identical_in_a_fresh_interpreter() -> None:
    # requests aliases only modules imported before it; tether also aliases later ones.
    result = run_python(
        """
        import sys
        import tether.packages
        assert "idna.codec" not in sys.modules
        import tether.packages.idna.codec as alias
        import idna.codec as real
        assert alias is real, (alias, real)
        from tether.packages.chardet import cli
        import charset_normalizer.cli
        assert cli is charset_normalizer.cli
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_charset_normalizer_is_imported_lazily() -> None:
    result = run_python(
        """
        import sys
        import tether, tether.packages, tether.compat
        print("charset_normalizer" in sys.modules)
        tether.packages.chardet
        print("charset_normalizer" in sys.modules)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


# -- help ---------------------------------------------------------------------------------


def test_help_keys_include_requests_keys() -> None:
    mine, theirs = tether.help.info(), requests.help.info()
    assert set(theirs) <= set(mine)
    for key, value in theirs.items():
        if isinstance(value, dict):
            assert set(mine[key]) == set(value), key
    assert set(mine) - set(theirs) == {"tether"}


@pytest.mark.parametrize(
    "key",
    [
        "platform",
        "implementation",
        "system_ssl",
        "urllib3",
        "idna",
        "charset_normalizer",
        "chardet",
    ],
)
def test_help_values_match_requests(key: str) -> None:
    assert tether.help.info()[key] == requests.help.info()[key]


def test_help_tether_specific_values() -> None:
    info = tether.help.info()
    assert info["tether"] == {"version": __tether_version__}
    assert info["requests"] == {"version": tether_api_version}
    assert info["using_pyopenssl"] is False
    assert info["using_charset_normalizer"] is True


def test_help_optional_packages() -> None:
    info = tether.help.info()
    try:
        import cryptography
    except ImportError:
        assert info["cryptography"] == {"version": ""}
    else:
        assert info["cryptography"] == {"version": cryptography.__version__}
    try:
        import OpenSSL  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        assert (
            info["pyOpenSSL"]
            == requests.help.info()["pyOpenSSL"]
            == {"version": None, "openssl_version": ""}
        )


@pytest.mark.parametrize(
    ("implementation", "pypy"),
    [
        ("CPython", None),
        ("PyPy", SimpleNamespace(major=7, minor=3, micro=15, releaselevel="final")),
        ("PyPy", SimpleNamespace(major=7, minor=4, micro=0, releaselevel="beta")),
        ("Jython", None),
        ("IronPython", None),
        ("GraalVM", None),
    ],
)
def test_help_implementation_like_requests(
    monkeypatch: pytest.MonkeyPatch, implementation: str, pypy: SimpleNamespace | None
) -> None:
    import platform

    monkeypatch.setattr(platform, "python_implementation", lambda: implementation)
    if pypy is not None:
        monkeypatch.setattr(sys, "pypy_version_info", pypy, raising=False)
    requests_implementation: Any = requests.help._implementation
    assert tether.help._implementation() == requests_implementation()


def test_help_platform_failure_like_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    import platform

    def fail() -> str:
        raise OSError("no uname")

    monkeypatch.setattr(platform, "system", fail)
    assert (
        tether.help.info()["platform"]
        == requests.help.info()["platform"]
        == {
            "system": "Unknown",
            "release": "Unknown",
        }
    )


def test_help_main_prints_info_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    tether.help.main()
    out = capsys.readouterr().out
    assert json.loads(out) == tether.help.info()
    assert out == json.dumps(tether.help.info(), sort_keys=True, indent=2) + "\n"


def test_help_module_entry_point() -> None:
    result = run_module("tether.help")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == tether.help.info()


# -- compat -------------------------------------------------------------------------------

#: requests.compat names that tether fixes by design (see tether.compat's docstring).
COMPAT_DELIBERATE = {"json", "JSONDecodeError", "has_simplejson", "chardet"}
COMPAT_NAMES = sorted(
    name
    for name in dir(requests.compat)
    if not name.startswith("__") and name not in {"annotations", "importlib", "sys"}
)


@pytest.mark.parametrize("name", COMPAT_NAMES)
def test_compat_name_like_requests(name: str) -> None:
    assert hasattr(tether.compat, name)
    want, got = getattr(requests.compat, name), getattr(tether.compat, name)
    if name in COMPAT_DELIBERATE or name == "_resolve_char_detection":
        return
    if isinstance(want, (bool, str, tuple, int)):
        assert got == want
    else:
        assert got is want


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("is_py2", False),
        ("is_py3", True),
        ("is_urllib3_1", False),
        ("has_simplejson", False),
        ("builtin_str", str),
        ("str", str),
        ("bytes", bytes),
        ("basestring", (str, bytes)),
        ("numeric_types", (int, float)),
        ("integer_types", (int,)),
        ("json", json),
        ("JSONDecodeError", json.JSONDecodeError),
        ("StringIO", io.StringIO),
        ("urllib3_version", urllib3_version),
    ],
)
def test_compat_values(name: str, expected: Any) -> None:
    got = getattr(tether.compat, name)
    assert got == expected
    assert type(got) is type(expected)


def test_compat_chardet_is_charset_normalizer() -> None:
    import charset_normalizer

    assert tether.compat.chardet is charset_normalizer
    assert tether.compat._resolve_char_detection() is charset_normalizer
    assert "chardet" in dir(tether.compat)
    assert "chardet" in tether.compat.__all__


def test_compat_chardet_none_without_charset_normalizer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "charset_normalizer", None)  # makes the import fail
    assert tether.compat._resolve_char_detection() is None


def test_compat_unknown_attribute() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = tether.compat.no_such_name  # type: ignore[attr-defined]


def test_compat_star_import() -> None:
    namespace: dict[str, Any] = {}
    exec("from tether.compat import *", namespace)
    assert {"urlparse", "quote", "chardet", "Mapping", "cookielib"} <= set(namespace)


# -- _types (static: checked with mypy) ---------------------------------------------------

#: Aliases whose requests version must be assignable to tether's (tether accepts at least
#: what requests accepts). Aliases that name requests' own classes are covered by VALUES.
SUBSET_ALIASES = [
    "UriType",
    "ParamsType",
    "KVDataType",
    "RawDataType",
    "StreamDataType",
    "EncodableDataType",
    "DataType",
    "BodyType",
    "HeadersType",
    "FilesType",
    "TimeoutType",
    "ProxiesType",
    "VerifyType",
    "CertType",
    "JsonType",
]

#: (alias, expression): values users pass that must type-check ...
ACCEPTED = [
    ("ParamsType", '{"a": ["b", "c"]}'),
    ("ParamsType", '{"n": 1, "f": 2.5}'),
    ("ParamsType", '[("a", 1), ("b", None)]'),
    ("ParamsType", '"a=b"'),
    ("ParamsType", 'b"a=b"'),
    ("DataType", 'bytearray(b"x")'),
    ("DataType", 'memoryview(b"x")'),
    ("DataType", "io.BytesIO()"),
    ("DataType", 'iter([b"a", b"b"])'),
    ("DataType", '{"a": "b"}'),
    ("FilesType", '{"f": ("name.txt", io.BytesIO(), "text/plain", {"X-A": "b"})}'),
    ("FilesType", '{"f": b"data"}'),
    ("FilesType", '[("f", ("n", "content"))]'),
    ("HeadersType", '{"Accept": "a", "X-Bytes": b"b"}'),
    ("AuthType", '("user", "pass")'),
    ("AuthType", '(b"user", b"pass")'),
    ("AuthType", "lambda r: r"),
    ("CookiesType", '{"a": "b"}'),
    ("CookiesType", "http.cookiejar.CookieJar()"),
    ("TimeoutType", "3"),
    ("TimeoutType", "(3.05, None)"),
    ("TimeoutType", "urllib3.Timeout(connect=1.0)"),
    ("ProxiesType", '{"https": "http://127.0.0.1:3128", "http": None}'),
    ("VerifyType", '"/path/to/ca.pem"'),
    ("CertType", '("cert.pem", "key.pem")'),
    ("JsonType", '{"a": [1, 2.5, None, True, {"b": "c"}]}'),
    ("HooksInputType", '{"response": print}'),
    ("HooksInputType", '{"response": [print, print]}'),
]

#: ... and values that must not (proof that the check is not vacuous).
REJECTED = [
    ("VerifyType", "3"),
    ("CertType", '("a", "b", "c")'),
    ("TimeoutType", '"3"'),
    ("HeadersType", '{"Accept": 3}'),
    ("JsonType", "object()"),
]


def _mypy_snippet() -> tuple[str, set[int]]:
    lines = [
        "from __future__ import annotations",
        "import http.cookiejar",
        "import io",
        "import urllib3",
        "from requests import _types as rt",
        "from tether import _types as tt",
    ]
    for alias in SUBSET_ALIASES:
        lines.append(f"def widen_{alias}(x: rt.{alias}) -> tt.{alias}: return x")
    for number, (alias, expression) in enumerate(ACCEPTED):
        lines.append(f"ok_{number}: tt.{alias} = {expression}")
    rejected_lines: set[int] = set()
    for number, (alias, expression) in enumerate(REJECTED):
        lines.append(f"bad_{number}: tt.{alias} = {expression}")
        rejected_lines.add(len(lines))  # 1-based line number of the line just added
    return "\n".join(lines) + "\n", rejected_lines


@pytest.mark.slow
def test_type_aliases_with_mypy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    api = pytest.importorskip("mypy.api")
    source, rejected = _mypy_snippet()
    path = tmp_path / "check_types.py"
    path.write_text(source)
    monkeypatch.setenv("MYPYPATH", str(SRC))
    stdout, stderr, _ = api.run(
        [
            str(path),
            "--config-file=",
            "--strict",
            "--follow-imports=silent",
            "--no-error-summary",
            "--show-error-codes",
            f"--cache-dir={tmp_path / 'cache'}",
        ]
    )
    errors: dict[int, str] = {}
    for line in stdout.splitlines():
        head, _, message = line.partition(": error: ")
        if message and head.startswith(str(path)):
            errors[int(head.rsplit(":", 1)[1])] = message
    assert set(errors) == rejected, f"{stdout}\n{stderr}\n{source}"
