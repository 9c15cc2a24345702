"""Private modules a module imports on first use rather than when it is imported.

``import tether`` loads what a plain request goes through. The modules that only redirects
(``_redirects``), errors (``_errors``), credentials (``auth``) or body decoding beyond
``.content`` (``_decoding``) need are bound, in the modules that call them, to a
:class:`LazyModule` instead. The first attribute read through it imports the module and
rebinds the global to the module itself, so from then on the callers run exactly the code
an eager ``from . import _errors`` gives them: a module global holding the module.

Names requests has at module level that come from such a module (``models.HTTPBasicAuth``,
``sessions._basic_auth_str``, ...) are bound by :func:`bound`: the module's PEP 562
``__getattr__`` calls it on first access from outside, and the rare paths that use the name
(credentials in a proxy URL, an ``auth=(user, password)`` pair) call it instead of naming the
global, so a value the program assigned first (``models.HTTPBasicAuth = Mine``) is what they
use, as in requests.

Only ``importlib`` is imported here, which ``import tether`` loads anyway.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["LazyModule", "bound"]


class LazyModule:
    """Stands in for the module ``name`` as the global ``alias`` of ``namespace`` until the
    first attribute read, which imports the module and puts it in the stand-in's place."""

    __slots__ = ("_alias", "_name", "_namespace")

    def __init__(self, namespace: dict[str, Any], alias: str, name: str) -> None:
        self._namespace = namespace
        self._alias = alias
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        module = importlib.import_module(self._name)
        if self._namespace.get(self._alias) is self:
            # Only the stand-in is replaced: a value the program put there is kept.
            self._namespace[self._alias] = module
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<module {self._name!r} (imported on first use)>"


def bound(namespace: dict[str, Any], name: str, module: str) -> Any:
    """``namespace[name]``, first bound to ``module``'s attribute of the same name when the
    module (``globals()`` of some tether module) has no such global yet."""
    try:
        return namespace[name]
    except KeyError:
        value = getattr(importlib.import_module(module), name)
        return namespace.setdefault(name, value)
