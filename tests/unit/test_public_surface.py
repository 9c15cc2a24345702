"""tether's public surface, compared with the installed requests 2.34 as an oracle.

For each public module of requests and its tether twin (``requests`` / ``tether``,
``requests.X`` / ``tether.X``):

* every public name of the requests module (and a few private names that third-party code
  uses) exists in the tether module, and re-exports are the same objects (a class
  re-exported by ``sessions`` *is* the class of ``models``);
* constants have equal values, and objects requests takes from the standard library or
  urllib3 are the very same objects (or, for functions, have the same signature);
* every function has requests' parameters: same names, kinds and defaults, in the same
  order (tether may add keyword-only parameters that have defaults);
* every class requests defines has, in tether, every public member (methods with the same
  signatures, properties as properties, static and class methods as such), the dunder
  methods requests defines, the same hashability, and the instance attributes a
  freshly-built object has;
* exception classes have the same MRO, by class name.

Names that requests binds only to implement or annotate its own modules (``os``, ``re``,
``typing.Any``, ``TYPE_CHECKING``, loop variables left in ``requests.packages``...) are not
part of the surface and are listed below. Each module, class and function is its own test
id, so a module that does not exist yet fails only its own tests.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from requests.__version__ import __version__ as requests_version

SUBMODULES = (
    "",
    "api",
    "sessions",
    "models",
    "adapters",
    "auth",
    "cookies",
    "exceptions",
    "hooks",
    "status_codes",
    "structures",
    "utils",
    "compat",
    "packages",
    "certs",
    "help",
    "__version__",
    "_internal_utils",
)

_VERSION_NAMES = (
    "__title__",
    "__description__",
    "__url__",
    "__version__",
    "__build__",
    "__author__",
    "__author_email__",
    "__license__",
    "__copyright__",
    "__cake__",
)

#: Private names that third-party code imports; required to exist (values not compared).
PRIVATE_NAMES: dict[str, tuple[str, ...]] = {
    "": _VERSION_NAMES,
    "__version__": _VERSION_NAMES,
    "status_codes": ("_codes",),
    "auth": ("_basic_auth_str",),
    "utils": ("_parse_content_type_header",),
    "compat": ("_resolve_char_detection",),
    "_internal_utils": (
        "_VALID_HEADER_NAME_RE_BYTE",
        "_VALID_HEADER_NAME_RE_STR",
        "_VALID_HEADER_VALUE_RE_BYTE",
        "_VALID_HEADER_VALUE_RE_STR",
    ),
}

#: Private class members that third-party code calls.
PRIVATE_MEMBERS: dict[str, tuple[str, ...]] = {
    "RequestEncodingMixin": ("_encode_params", "_encode_files"),
    "PreparedRequest": ("_encode_params", "_encode_files"),
    "RequestsCookieJar": ("_find", "_find_no_duplicates"),
}

#: Members requests defines whose behaviour tether gets without defining them.
EXEMPT_MEMBERS = frozenset(
    {
        # Only re-implements default attribute lookup (raises AttributeError), for type
        # checkers.
        ("LookupDict", "__getattr__"),
        # A body-less stub (returns None) declared so type checkers know the mixin's host
        # class has send(); the host class provides the real one.
        ("SessionRedirectMixin", "send"),
    }
)

#: (function, parameter) defaults that differ by design: tether's User-Agent names tether.
DELIBERATE_DEFAULTS = frozenset({("default_user_agent", "name")})

#: Names in requests' namespaces that exist only for its annotations.
ANNOTATION_ONLY = frozenset({"annotations", "TYPE_CHECKING", "Generator", "Iterable", "Iterator"})

#: Loop variables requests.packages leaves behind.
LEFTOVERS = frozenset(
    {
        ("packages", "mod"),
        ("packages", "package"),
        ("packages", "target"),
        ("packages", "imported_mod"),
    }
)

#: Third-party packages whose modules are API when a requests module binds them.
API_PACKAGES = frozenset({"urllib3", "idna", "charset_normalizer", "chardet", "certifi"})

#: Standard-library modules that are API under these names.
API_STDLIB_MODULES = frozenset({("compat", "json"), ("*", "cookielib"), ("models", "complexjson")})

#: Values that depend on optional packages installed next to requests (simplejson, chardet,
#: pyOpenSSL), or that differ by design: tether always uses the standard json module and
#: charset_normalizer, and its version numbers are its own. Only their existence is checked.
ENVIRONMENT_DEPENDENT = frozenset(
    {
        ("", "chardet_version"),
        ("compat", "has_simplejson"),
        ("compat", "json"),
        ("compat", "JSONDecodeError"),
        ("compat", "chardet"),
        ("exceptions", "CompatJSONDecodeError"),
        ("models", "complexjson"),
        ("models", "JSONDecodeError"),
        ("models", "chardet"),
        ("packages", "chardet"),
        ("help", "chardet"),
        ("help", "pyopenssl"),
        ("help", "OpenSSL"),
        ("help", "cryptography"),
        ("help", "requests_version"),
    }
)

#: Instance attributes that are private but read or written by third-party code
#: (response fakes set ``_content``; pickling uses the adapter's pool settings).
PRIVATE_INSTANCE_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "Response": ("_content", "_content_consumed", "_next"),
    "PreparedRequest": ("_cookies", "_body_position"),
    "HTTPAdapter": ("_pool_connections", "_pool_maxsize", "_pool_block"),
}

#: Dunder names that every class has or that describe the class object itself.
_IGNORED_DUNDERS = frozenset(
    {
        "__annotations__",
        "__dict__",
        "__doc__",
        "__module__",
        "__weakref__",
        "__abstractmethods__",
        "__orig_bases__",
        "__parameters__",
        "__qualname__",
        "__hash__",  # compared separately (hashable or not)
        "__static_attributes__",
        "__firstlineno__",
        "__annotate_func__",
        "__annotations_cache__",
        "_abc_impl",
    }
)

_CONSTANT_TYPES = (int, float, str, bytes, bool, type(None), tuple, list, frozenset, set, dict)


# -- Helpers ------------------------------------------------------------------------------


def _requests_name(sub: str) -> str:
    return f"requests.{sub}" if sub else "requests"


def _tether_name(sub: str) -> str:
    return f"tether.{sub}" if sub else "tether"


def _to_tether(module_name: str) -> str:
    assert module_name == "requests" or module_name.startswith("requests.")
    return "tether" + module_name[len("requests") :]


def _import_tether(name: str) -> types.ModuleType:
    try:
        return importlib.import_module(name)
    except Exception as exc:  # a module someone is still writing
        pytest.fail(f"cannot import {name}: {type(exc).__name__}: {exc}")


def _is_requests_object(value: Any) -> bool:
    module = getattr(value, "__module__", None)
    return isinstance(module, str) and (module == "requests" or module.startswith("requests."))


def _is_incidental(sub: str, name: str, value: Any) -> bool:
    """True for names requests binds only to implement or annotate its module."""
    if name in ANNOTATION_ONLY or (sub, name) in LEFTOVERS:
        return True
    if getattr(value, "__module__", None) in ("typing", "typing_extensions"):
        return True  # Any, cast, overload, Final, Literal, TypeVar, Generic
    if isinstance(value, types.ModuleType):
        if value.__name__ == "requests" or value.__name__.startswith("requests."):
            return False  # a submodule: ``requests.utils`` is API
        if value.__name__.partition(".")[0] in API_PACKAGES:
            return False
        return (sub, name) not in API_STDLIB_MODULES and ("*", name) not in API_STDLIB_MODULES
    return False


def _required_names(sub: str) -> list[str]:
    module = importlib.import_module(_requests_name(sub))
    names = [
        name
        for name in dir(module)
        if not name.startswith("_") and not _is_incidental(sub, name, getattr(module, name))
    ]
    return names + [name for name in PRIVATE_NAMES.get(sub, ()) if hasattr(module, name)]


def _same_default(a: Any, b: Any) -> bool:
    if a is b:
        return True
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:
        return False


def _signature_problems(expected: Callable[..., Any], actual: Any) -> list[str]:
    """requests' parameters must be tether's: positional ones in order with the same names,
    kinds and defaults; keyword-only ones by name with the same defaults; ``*args`` and
    ``**kwargs`` present in both or neither. tether may add keyword-only parameters with
    defaults."""
    try:
        want = inspect.signature(expected)
    except (TypeError, ValueError):
        return []  # a builtin without a signature: nothing to compare
    if not callable(actual):
        return [f"{actual!r} is not callable"]
    try:
        got = inspect.signature(actual)
    except (TypeError, ValueError) as exc:
        return [f"no signature: {exc}"]

    P = inspect.Parameter
    problems: list[str] = []
    positional_kinds = (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)
    want_pos = [p for p in want.parameters.values() if p.kind in positional_kinds]
    got_pos = [p for p in got.parameters.values() if p.kind in positional_kinds]
    if [(p.name, p.kind) for p in want_pos] != [(p.name, p.kind) for p in got_pos]:
        problems.append(f"positional parameters {want_pos} != {got_pos}")
    else:
        for w, g in zip(want_pos, got_pos, strict=True):
            deliberate = (getattr(expected, "__name__", None), w.name) in DELIBERATE_DEFAULTS
            if not deliberate and not _same_default(w.default, g.default):
                problems.append(f"default of {w.name!r}: {w.default!r} != {g.default!r}")

    want_kw = {p.name: p for p in want.parameters.values() if p.kind is P.KEYWORD_ONLY}
    got_kw = {p.name: p for p in got.parameters.values() if p.kind is P.KEYWORD_ONLY}
    for name, w in want_kw.items():
        if name not in got_kw:
            problems.append(f"missing keyword-only parameter {name!r}")
        elif not _same_default(w.default, got_kw[name].default):
            problems.append(f"default of {name!r}: {w.default!r} != {got_kw[name].default!r}")
    for name, g in got_kw.items():
        if name not in want_kw and g.default is P.empty:
            problems.append(f"extra keyword-only parameter {name!r} has no default")

    for kind in (P.VAR_POSITIONAL, P.VAR_KEYWORD):
        has_want = any(p.kind is kind for p in want.parameters.values())
        has_got = any(p.kind is kind for p in got.parameters.values())
        if has_want != has_got:
            problems.append(f"{kind.description} parameter: requests {has_want}, tether {has_got}")
    return problems


def _tether_counterpart(obj: Any) -> Any:
    """The tether object that stands for requests-defined ``obj`` (class or function)."""
    module = _import_tether(_to_tether(obj.__module__))
    target: Any = module
    for part in obj.__qualname__.split("."):
        target = getattr(target, part, None)
        if target is None:
            pytest.fail(f"{module.__name__} has no {obj.__qualname__}")
    return target


def _compare_value(sub: str, name: str, want: Any, got: Any) -> list[str]:
    where = f"{_tether_name(sub)}.{name}"
    if isinstance(want, types.ModuleType):
        if want.__name__.startswith("requests"):
            expected_name = _to_tether(want.__name__)
            if not isinstance(got, types.ModuleType) or got.__name__ != expected_name:
                return [f"{where} is {got!r}, expected module {expected_name}"]
            return []
        return [] if got is want else [f"{where} is {got!r}, expected {want!r}"]
    if isinstance(want, type):
        if _is_requests_object(want):
            expected = _tether_counterpart(want)
            return [] if got is expected else [f"{where} is {got!r}, expected {expected!r}"]
        return [] if got is want else [f"{where} is {got!r}, expected {want!r} itself"]
    if callable(want):
        if got is want:
            return []
        return [f"{where}: {p}" for p in _signature_problems(want, got)]
    if _is_requests_object(type(want)):
        expected_type = _tether_counterpart(type(want))
        if type(got) is not expected_type:
            return [f"{where} is a {type(got)!r}, expected {expected_type!r}"]
        return []
    if isinstance(want, _CONSTANT_TYPES):
        if not _same_default(want, got):
            return [f"{where} == {got!r}, requests has {want!r}"]
        return []
    return []


# -- Parameter tables (built from requests at collection time) ----------------------------


def _functions() -> Iterator[Any]:
    for sub in SUBMODULES:
        module = importlib.import_module(_requests_name(sub))
        for name in _required_names(sub):
            value = getattr(module, name)
            if isinstance(value, (types.FunctionType, types.BuiltinFunctionType)):
                yield pytest.param(sub, name, id=f"{_tether_name(sub)}.{name}")


def _requests_classes() -> list[type]:
    seen: dict[tuple[str, str], type] = {}
    for sub in SUBMODULES:
        module = importlib.import_module(_requests_name(sub))
        for name in _required_names(sub):
            value = getattr(module, name)
            if isinstance(value, type) and _is_requests_object(value):
                seen.setdefault((value.__module__, value.__qualname__), value)
    return [seen[key] for key in sorted(seen)]


REQUESTS_CLASSES = _requests_classes()


def _class_id(cls: type) -> str:
    return f"{_to_tether(cls.__module__)}.{cls.__qualname__}"


# -- Module namespaces ------------------------------------------------------------------


@pytest.mark.parametrize("sub", SUBMODULES, ids=_tether_name)
def test_module_has_every_requests_name(sub: str) -> None:
    module = _import_tether(_tether_name(sub))
    missing = [name for name in _required_names(sub) if not hasattr(module, name)]
    assert not missing, f"{_tether_name(sub)} lacks {missing}"


@pytest.mark.parametrize("sub", SUBMODULES, ids=_tether_name)
def test_module_values_match(sub: str) -> None:
    want_module = importlib.import_module(_requests_name(sub))
    got_module = _import_tether(_tether_name(sub))
    problems: list[str] = []
    for name in _required_names(sub):
        if name.startswith("_") or (sub, name) in ENVIRONMENT_DEPENDENT:
            continue
        if not hasattr(got_module, name):
            continue  # reported by test_module_has_every_requests_name
        want = getattr(want_module, name)
        if isinstance(want, (types.FunctionType, types.BuiltinFunctionType)):
            continue  # signatures: test_function_signature
        problems += _compare_value(sub, name, want, getattr(got_module, name))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("sub", "name"), list(_functions()))
def test_function_signature(sub: str, name: str) -> None:
    want = getattr(importlib.import_module(_requests_name(sub)), name)
    module = _import_tether(_tether_name(sub))
    if not hasattr(module, name):
        pytest.fail(f"{_tether_name(sub)} has no {name}")
    got = getattr(module, name)
    if got is want:
        return
    problems = _signature_problems(want, got)
    assert not problems, "\n".join(problems)


# -- Classes ------------------------------------------------------------------------------


def _defining_class(cls: type, name: str) -> type | None:
    for klass in cls.__mro__:
        if name in vars(klass):
            return klass
    return None


def _member_problems(want_cls: type, got_cls: type, name: str) -> list[str]:
    if not hasattr(got_cls, name):
        return [f"missing {name!r}"]
    owner = _defining_class(want_cls, name)
    if owner is None or not _is_requests_object(owner):
        return []  # inherited from the standard library or urllib3: existence is enough
    want_static = inspect.getattr_static(want_cls, name)
    got_static = inspect.getattr_static(got_cls, name)
    if isinstance(want_static, property):
        if not isinstance(got_static, (property, functools.cached_property)):
            return [f"{name!r} is a property in requests, {type(got_static).__name__} in tether"]
        return []
    for kind in (staticmethod, classmethod):
        if isinstance(want_static, kind) and not isinstance(got_static, kind):
            return [
                f"{name!r} is a {kind.__name__} in requests, {type(got_static).__name__} in tether"
            ]
    if callable(getattr(want_cls, name)):
        return [
            f"{name!r}: {p}"
            for p in _signature_problems(getattr(want_cls, name), getattr(got_cls, name))
        ]
    return []


@pytest.mark.parametrize("want_cls", REQUESTS_CLASSES, ids=_class_id)
def test_class_members(want_cls: type) -> None:
    got_cls = _tether_counterpart(want_cls)
    assert isinstance(got_cls, type), f"{_class_id(want_cls)} is not a class"
    problems: list[str] = []

    names = {name for name in dir(want_cls) if not name.startswith("_")}
    names.update(PRIVATE_MEMBERS.get(want_cls.__name__, ()))
    # Dunders requests' own classes define (context managers, pickling, __bool__, ...).
    for klass in want_cls.__mro__:
        if _is_requests_object(klass):
            names.update(n for n in vars(klass) if n.startswith("__") and n not in _IGNORED_DUNDERS)
    for name in sorted(names):
        if (want_cls.__name__, name) not in EXEMPT_MEMBERS:
            problems += _member_problems(want_cls, got_cls, name)

    if (want_cls.__hash__ is None) != (got_cls.__hash__ is None):
        problems.append(
            f"hashable: requests {want_cls.__hash__ is not None}, tether {got_cls.__hash__ is not None}"
        )
    want_attrs = getattr(want_cls, "__attrs__", None)
    if want_attrs is not None:
        missing = set(want_attrs) - set(getattr(got_cls, "__attrs__", ()))
        if missing:
            problems.append(f"__attrs__ lacks {sorted(missing)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "want_cls",
    [cls for cls in REQUESTS_CLASSES if issubclass(cls, BaseException)],
    ids=_class_id,
)
def test_exception_mro_names(want_cls: type) -> None:
    got_cls = _tether_counterpart(want_cls)
    assert [k.__name__ for k in got_cls.__mro__] == [k.__name__ for k in want_cls.__mro__]


# -- Instance attributes ------------------------------------------------------------------

#: Classes whose fresh instances are compared: (module, class, constructor arguments).
#: Sessions and adapters are closed afterwards.
INSTANCES: list[tuple[str, str, tuple[Any, ...]]] = [
    ("models", "Request", ()),
    ("models", "PreparedRequest", ()),
    ("models", "Response", ()),
    ("sessions", "Session", ()),
    ("adapters", "BaseAdapter", ()),
    ("adapters", "HTTPAdapter", ()),
    ("auth", "HTTPBasicAuth", ("user", "pass")),
    ("auth", "HTTPProxyAuth", ("user", "pass")),
    ("auth", "HTTPDigestAuth", ("user", "pass")),
    ("cookies", "RequestsCookieJar", ()),
    ("structures", "CaseInsensitiveDict", ()),
    ("structures", "LookupDict", ()),
    ("exceptions", "RequestException", ()),
]


def _close(obj: Any) -> None:
    if type(obj).__name__ in ("Session", "HTTPAdapter"):
        obj.close()


@pytest.mark.parametrize(
    ("sub", "cls_name", "args"), INSTANCES, ids=[f"tether.{m}.{c}" for m, c, _ in INSTANCES]
)
def test_instance_attributes(sub: str, cls_name: str, args: tuple[Any, ...]) -> None:
    want_obj = getattr(importlib.import_module(_requests_name(sub)), cls_name)(*args)
    got_obj = getattr(_import_tether(_tether_name(sub)), cls_name)(*args)
    try:
        wanted = {name for name in vars(want_obj) if not name.startswith("_")}
        wanted.update(PRIVATE_INSTANCE_ATTRIBUTES.get(cls_name, ()))
        missing = sorted(name for name in wanted if not hasattr(got_obj, name))
        assert not missing, f"a new tether.{sub}.{cls_name} lacks {missing}"
    finally:
        _close(want_obj)
        _close(got_obj)


# -- The oracle itself ----------------------------------------------------------------------


def test_oracle_is_requests_2_34() -> None:
    # The tables above are read from the installed requests; they mean nothing for another
    # release.
    assert requests_version.startswith("2.34.")


@pytest.mark.parametrize(
    ("sub", "name", "value", "incidental"),
    [
        ("sessions", "os", importlib.import_module("os"), True),
        ("models", "Any", Any, True),
        ("models", "Iterator", Iterator, True),
        ("packages", "mod", "x", True),
        ("", "utils", importlib.import_module("requests.utils"), False),
        ("compat", "json", importlib.import_module("json"), False),
        ("models", "cookielib", importlib.import_module("http.cookiejar"), False),
        ("", "urllib3", importlib.import_module("urllib3"), False),
        ("sessions", "Mapping", importlib.import_module("collections.abc").Mapping, False),
        ("models", "ITER_CHUNK_SIZE", 512, False),
    ],
)
def test_incidental_names_rule(sub: str, name: str, value: Any, incidental: bool) -> None:
    # The filter that decides what is "public" must neither hide API nor demand noise.
    assert _is_incidental(sub, name, value) is incidental


@pytest.mark.parametrize(
    ("want", "got", "ok"),
    [
        (lambda a, b=1: None, lambda a, b=1: None, True),
        (lambda a, b=1: None, lambda a, b=2: None, False),
        (lambda a, b=1: None, lambda a, c=1: None, False),
        (lambda a, b=1: None, lambda a, b=1, *, extra=None: None, True),
        (lambda a, b=1: None, lambda a, b=1, *, extra: None, False),
        (lambda a, b=1: None, lambda a, b=1, c=None: None, False),
        (lambda a, **kw: None, lambda a: None, False),
        (lambda a, *, k=True: None, lambda a, *, k=True, **kw: None, False),
        (lambda a, *args, **kw: None, lambda a, *xs, **kws: None, True),
        (lambda a, b=None: None, lambda a, b=0: None, False),
    ],
)
def test_signature_rule(want: Callable[..., Any], got: Callable[..., Any], ok: bool) -> None:
    assert (not _signature_problems(want, got)) is ok
