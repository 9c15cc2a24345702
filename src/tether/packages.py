"""``requests.packages`` once vendored urllib3, idna and chardet; it now aliases the installed
packages, and code still imports them from there (``from requests.packages.urllib3.util.retry
import Retry``, ``requests.packages.urllib3.disable_warnings()``). This module gives the same
names under ``tether.packages``: ``urllib3``, ``idna``, and ``chardet`` (which, as in
requests, is ``charset_normalizer``; ``charset_normalizer`` works under its own name too).

Every alias *is* the real module, submodules included::

    tether.packages.urllib3.util.retry is urllib3.util.retry
    sys.modules["tether.packages.urllib3.poolmanager"] is urllib3.poolmanager

Theory of operation. requests copies the ``sys.modules`` entries that exist when it is
imported, so a submodule imported later (``urllib3.contrib.socks``) is loaded a second time
as a distinct module under the alias, and its classes no longer match urllib3's. tether
instead sets ``__path__`` (so Python treats this module as a package) and installs one
finder at the front of ``sys.meta_path`` that answers only for names under
``tether.packages.``. Its loader imports the real module and puts it in ``sys.modules`` in
place of the placeholder the import system created (the import system then returns the
module found in ``sys.modules``), so any submodule, imported at any time, is the real one.
Nothing is imported eagerly except urllib3, which tether imports anyway; ``idna`` and
``chardet`` are imported on first use. The finder and the ``sys.modules`` entries are this
module's only side effects; the finder costs other imports one ``str.startswith``.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING

import urllib3

from ._modalias import ModuleAliasFinder

if TYPE_CHECKING:
    import charset_normalizer as chardet
    import charset_normalizer as charset_normalizer
    import idna as idna

__all__ = ["chardet", "idna", "urllib3"]

#: The aliased names and the real top-level packages they stand for.
_TARGETS: dict[str, str] = {
    "urllib3": "urllib3",
    "idna": "idna",
    "chardet": "charset_normalizer",
    "charset_normalizer": "charset_normalizer",
}

_PREFIX = __name__ + "."

# A package needs ``__path__`` for ``import tether.packages.x`` to reach sys.meta_path.
# It is empty: the path-based finder never finds anything here; only the finder below does.
__path__: list[str] = []


def _real_name(alias: str) -> str | None:
    """``tether.packages.chardet.api`` -> ``charset_normalizer.api``; ``None`` if ``alias``
    is not under one of the aliased packages."""
    head, dot, rest = alias[len(_PREFIX) :].partition(".")
    target = _TARGETS.get(head)
    if target is None:
        return None
    return target + dot + rest


class _AliasImporter(ModuleAliasFinder):
    """Finder and loader for ``tether.packages.*``: each alias loads as the real module."""

    # Marks an installed instance, so that reloading this module does not add a second one.
    _tether_packages_alias = True

    def target_of(self, alias: str) -> str | None:
        if not alias.startswith(_PREFIX):
            return None
        return _real_name(alias)


def _install() -> None:
    if not any(getattr(finder, "_tether_packages_alias", False) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AliasImporter())  # before the path-based finder
    sys.modules[_PREFIX + "urllib3"] = urllib3


_install()


if not TYPE_CHECKING:

    def __getattr__(name: str) -> ModuleType:
        # PEP 562: ``tether.packages.idna`` / ``.chardet`` import on first access.
        if name in _TARGETS:
            module = importlib.import_module(_PREFIX + name)
            globals()[name] = module
            return module
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*globals(), *_TARGETS})
