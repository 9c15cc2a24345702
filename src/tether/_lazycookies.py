"""The cookie machinery, loaded when a program first needs it rather than by ``import tether``.

``http.cookiejar`` (which imports ``urllib.request``, ``urllib.error`` and ``urllib.response``),
``copy`` and tether's ``_cookies``/``_cookiecache`` take about 4.5 ms to import, next to
about 60 ms for ``import urllib3``. Every ``Session`` owns a jar, so most programs load them soon anyway, but a
program that only imports tether (a command line tool answering ``--help``, a library that
imports it at module level) should not pay for them.

How the modules that use them stay exactly as fast once loaded:

* Each module that names cookie objects at run time (``sessions``, ``models``, ``adapters``,
  ``auth``, ``cookies``, ``_hops``) declares those names with :func:`module_names` instead of
  importing them (type checkers still see the import, under ``TYPE_CHECKING``). :func:`load`
  binds them as ordinary module globals, so the functions that use them look them up as they
  always did, and a name a program replaced before the load (``mod.name = fake``) is kept.
  Until then the module's ``__getattr__`` (PEP 562) loads the machinery the first time the
  name is read from outside: ``tether.cookies.RequestsCookieJar``, ``from tether.sessions
  import cookielib``, and the ``getattr`` with which ``monkeypatch.setattr`` or
  ``mock.patch`` saves the value it replaces.
* Each method whose code names one of those globals is registered with :func:`defer_methods`:
  until the load, its class holds a stand-in function that loads the machinery, puts
  the method back and hands it over. ``Session()`` (its ``__init__``), ``Request.prepare()``
  (``PreparedRequest.prepare_cookies``), ``Response.cookies`` and the rest load it this way.
  :func:`load` puts every method back, so after the first ``Session`` the classes hold their
  plain functions again and a request runs the same code, with no check, as if the machinery
  had been imported eagerly.

Only the standard library is imported here; ``_cookies`` is imported by :func:`load`.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["defer_methods", "is_loaded", "load", "module_names"]

# Serialises the load (and registrations against it). Re-entrant, so that a load reached
# again on the same thread while one runs cannot deadlock.
_LOCK = threading.RLock()

# The loaded objects by name (None until the load), the namespaces that bind some of them
# and the stand-ins to remove.
_objects: dict[str, Any] | None = None
_namespaces: list[tuple[dict[str, Any], tuple[str, ...]]] = []
_stand_ins: list[_StandIn] = []


def _import_machinery() -> dict[str, Any]:
    """Every name a module may declare, imported."""
    import copy
    from http import cookiejar

    from . import _cookiecache, _cookies

    objects: dict[str, Any] = {name: getattr(_cookies, name) for name in _cookies.__all__}
    objects.update(
        _cookiecache=_cookiecache,
        cookielib=cookiejar,
        Cookie=cookiejar.Cookie,
        CookieJar=cookiejar.CookieJar,
        CookiePolicy=cookiejar.CookiePolicy,
        copy=copy,
    )
    return objects


def _bind(namespace: dict[str, Any], names: tuple[str, ...], objects: dict[str, Any]) -> None:
    for name in names:
        # A value already there was put by the program (``mod.name = replacement``): kept.
        namespace.setdefault(name, objects[name])


def is_loaded() -> bool:
    """Whether :func:`load` has run."""
    return _objects is not None


def load() -> None:
    """Import the cookie machinery and bind it everywhere it was declared (once)."""
    global _objects
    if _objects is not None:
        return
    with _LOCK:
        if _objects is not None:
            return
        objects = _import_machinery()
        for namespace, names in _namespaces:
            _bind(namespace, names, objects)
        for stand_in in _stand_ins:
            stand_in.restore()
        # Set last: a thread that sees it set finds every name bound.
        _objects = objects


def module_names(
    namespace: dict[str, Any], *names: str
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Declare ``names`` as globals of the module whose ``globals()`` is ``namespace``, bound
    by :func:`load`. Returns the module's ``__getattr__`` and ``__dir__`` (PEP 562).

    ``__getattr__`` loads the machinery for one of ``names``, and also when asked for
    ``__all__``: a module without one is then star-imported with every name bound.
    Everything else raises ``AttributeError``; a module with lazy names of its own asks for
    those first and falls back to this one.
    """
    declared = frozenset(names)
    with _LOCK:
        _namespaces.append((namespace, names))
        if _objects is not None:
            _bind(namespace, names, _objects)
    module = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        if name in declared or name == "__all__":
            load()
            if name in namespace:
                return namespace[name]
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*namespace, *declared})

    return __getattr__, __dir__


class _StandIn:
    """Where a deferred method (or property) sits until the load: ``stand_in`` is a real
    function (or property) that loads the machinery, puts ``attribute`` back on ``owner``
    (the load does that for every stand-in; a stand-in put back later, by ``mock.patch`` on
    exit say, does it on its next use) and then does what ``attribute`` does. Being a plain
    function, it looks like the method to ``inspect`` and to ``mock.patch(...,
    autospec=True)``, and is found through ``super()`` and special-method look-ups
    (``__init__``) like any method."""

    __slots__ = ("attribute", "name", "owner", "stand_in")

    def __init__(self, owner: type, name: str, attribute: Any) -> None:
        self.owner = owner
        self.name = name
        self.attribute = attribute
        self.stand_in = self._make()

    def restore(self) -> None:
        # Only when the stand-in is still there: a replacement set meanwhile is kept.
        if self.owner.__dict__.get(self.name) is self.stand_in:
            setattr(self.owner, self.name, self.attribute)

    def _ready(self) -> None:
        load()
        self.restore()

    def _make(self) -> Any:
        ready = self._ready
        if isinstance(self.attribute, property):
            prop = self.attribute

            def fget(instance: Any) -> Any:
                ready()
                return prop.__get__(instance, type(instance))

            def fset(instance: Any, value: Any) -> None:
                ready()
                prop.__set__(instance, value)

            def fdel(instance: Any) -> None:
                ready()
                prop.__delete__(instance)

            return property(fget, fset, fdel, prop.__doc__)

        function = self.attribute

        @functools.wraps(function)
        def stand_in(*args: Any, **kwargs: Any) -> Any:
            ready()
            return function(*args, **kwargs)

        return stand_in


def defer_methods(owner: type, *names: str) -> None:
    """Replace each method (or property) of ``owner`` named in ``names``, defined in its class
    body, by a stand-in that loads the machinery on first use, unless it is loaded."""
    with _LOCK:
        for name in names:
            deferred = _StandIn(owner, name, owner.__dict__[name])
            if _objects is None:  # (a module imported after the load needs no stand-in)
                setattr(owner, name, deferred.stand_in)
            _stand_ins.append(deferred)
