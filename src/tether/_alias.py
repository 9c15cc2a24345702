"""The ``requests`` -> tether switch behind :func:`tether.install_as_requests`.

Libraries built on requests (mocking libraries, requests-toolbelt, OAuth clients, caches,
CLIs) ``import requests`` themselves, so ``import tether as requests`` in the program does not
reach them. This module makes the name ``requests`` itself mean tether for the whole process:
``requests`` is the module ``tether`` and ``requests.X`` is the module ``tether.X``, for every
``X``, at any depth (``requests.packages.urllib3.util.retry`` is ``urllib3.util.retry``,
through ``tether.packages``).

Theory of operation. Two things make the names resolve:

* at install time, every ``tether`` module already in ``sys.modules`` is entered again
  under its ``requests`` name (so ``import requests.__version__`` finds the module and does
  not rebind the ``tether.__version__`` string to it, as a first import of a submodule
  would: the import system sets each newly loaded submodule as an attribute of its parent);
* one finder at the front of ``sys.meta_path`` answers for ``requests`` and every
  ``requests.*`` name imported later: its loader imports the ``tether`` module of the same
  name (executing it once, under that name, if it was not loaded yet) and puts it in
  ``sys.modules`` in place of the placeholder the import system created. The finder must
  come before the path-based finder, which would otherwise find ``tether``'s files through
  ``tether.__path__`` and execute them a second time as ``requests.X`` (distinct classes,
  so ``isinstance`` and ``mock.patch`` would silently stop working across the two names).

Real requests, if installed, is never imported afterwards. If it was imported *before*
the switch, libraries have already bound its classes and functions, and two HTTP stacks
would run side by side; installing then raises :class:`RequestsAlreadyImportedError`
naming the modules that hold it, rather than leaving a half-switched process. Installing
twice is harmless. The finder costs unrelated imports one ``str.startswith``.
"""

from __future__ import annotations

import sys
import threading
from types import ModuleType
from typing import cast

from ._modalias import ModuleAliasFinder

__all__ = ["RequestsAlreadyImportedError", "install_as_requests", "is_installed"]

_ALIAS = "requests"
_TARGET = __name__.rpartition(".")[0]  # "tether"

_lock = threading.Lock()


class RequestsAlreadyImportedError(RuntimeError):
    """``install_as_requests()`` was called after the real requests had been imported."""


def _target_name(alias: str) -> str | None:
    """``requests.adapters`` -> ``tether.adapters``; ``None`` for names outside ``requests``
    (``requests_toolbelt`` is its own package)."""
    if alias == _ALIAS:
        return _TARGET
    if alias.startswith(_ALIAS) and alias[len(_ALIAS)] == ".":
        return _TARGET + alias[len(_ALIAS) :]
    return None


class _RequestsAliasImporter(ModuleAliasFinder):
    """Finder and loader for ``requests`` and ``requests.*``: each loads as tether's module."""

    # Marks an installed instance, so that installing again does not add a second one.
    _tether_requests_alias = True

    def target_of(self, alias: str) -> str | None:
        if not alias.startswith(_ALIAS):
            return None
        return _target_name(alias)


def _installed_finder() -> bool:
    return any(getattr(finder, "_tether_requests_alias", False) for finder in sys.meta_path)


def is_installed() -> bool:
    """Whether ``requests`` currently resolves to tether in this process."""
    return _installed_finder() and sys.modules.get(_ALIAS) is sys.modules[_TARGET]


def _loaded() -> list[tuple[str, ModuleType | None]]:
    """A snapshot of ``sys.modules``, whose values may be ``None`` (a blocked import)."""
    return list(cast("dict[str, ModuleType | None]", sys.modules).items())


def _is_requests_name(name: object) -> bool:
    return isinstance(name, str) and (name == _ALIAS or name.startswith(_ALIAS + "."))


def _holders() -> list[str]:
    """Names of loaded modules (other than requests' own) that bound the real requests, one
    of its submodules, or something defined there as a global: the imports that came too
    early. Only run on the way to an error."""
    found = []
    origin: object
    for name, module in _loaded():
        if module is None or _is_requests_name(name):
            continue
        namespace = getattr(module, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        for value in list(namespace.values()):
            if isinstance(value, ModuleType):
                origin = value.__name__
            elif isinstance(value, type) or callable(value):
                origin = getattr(value, "__module__", None)
            else:
                continue
            if _is_requests_name(origin):
                found.append(name)
                break
    return sorted(found)


def _foreign_requests() -> ModuleType | None:
    """The real requests (or a leftover submodule of it) if one is loaded, else ``None``."""
    top = sys.modules.get(_ALIAS)
    candidates = [(_ALIAS, top), *_loaded()]
    for name, module in candidates:
        if module is None or not _is_requests_name(name):
            continue
        if name.startswith(_ALIAS + ".packages."):
            continue  # urllib3/idna/charset_normalizer modules, under either name
        own = getattr(module, "__name__", "")
        if own != _TARGET and not own.startswith(_TARGET + "."):
            return module
    return None


def _check_not_imported() -> None:
    current = _foreign_requests()
    if current is None:
        return
    holders = _holders()
    held = ""
    if holders:
        more = ", ..." if len(holders) > 8 else ""
        held = f"; modules already bound to it: {', '.join(holders[:8])}{more}"
    where = getattr(current, "__file__", None) or repr(current)
    raise RequestsAlreadyImportedError(
        f"the real requests ({where}) was imported before tether.install_as_requests()"
        f"{held}. Install the switch before anything imports requests: call "
        "tether.install_as_requests() or `import tether.as_requests` first; under pytest, "
        "run `pytest -p tether --tether-as-requests`."
    )


def install_as_requests() -> None:
    """Make ``import requests`` and every ``requests.*`` module resolve to tether, process-wide.

    Call it once, before importing any library that uses requests (responses,
    requests-mock, requests-toolbelt, requests-oauthlib, CacheControl, betamax, ...)::

        import tether
        tether.install_as_requests()

        import responses  # its `import requests` now gets tether

    Afterwards ``requests`` *is* ``tether`` (``requests.adapters.HTTPAdapter is
    tether.adapters.HTTPAdapter``), so ``mock.patch("requests.Session.send")`` patches
    tether and no module runs twice under two names. Calling it again does nothing.

    :raises RequestsAlreadyImportedError: the real requests was imported first (the
        message names the modules that hold it); nothing is changed then.
    """
    with _lock:
        _check_not_imported()
        if not _installed_finder():
            # Before the path-based finder (and tether.packages' finder, which it relies on).
            sys.meta_path.insert(0, _RequestsAliasImporter())
        prefix = _TARGET + "."
        for name, module in _loaded():
            if module is not None and (name == _TARGET or name.startswith(prefix)):
                alias = _ALIAS + name[len(_TARGET) :]
                # A ``None`` entry (an import blocked on purpose, or a failed probe) yields
                # to tether's module; any real module there was rejected above.
                if sys.modules.get(alias) is None:
                    sys.modules[alias] = module
