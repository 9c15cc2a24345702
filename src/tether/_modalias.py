"""One import-system finder that makes a module name an alias of another module.

``tether.packages.*`` (aliases of urllib3, idna and charset_normalizer) and the opt-in
``requests`` -> ``tether`` switch both need the same thing: when code imports an alias, the
*real* module object is what gets bound, never a second copy executed under the alias name.

Theory of operation. A finder placed at the front of ``sys.meta_path`` answers only for names
its subclass maps (``target_of`` returns the real name, or ``None``). Its loader creates no
module of its own: ``exec_module`` imports the real module and replaces the placeholder the
import system put in ``sys.modules``; the import system then binds whatever ``sys.modules``
holds under the alias, so the import statement gets the real module. The finder must come
before the path-based finder, which could otherwise find the files again and execute them a
second time under the alias (distinct classes, so ``isinstance`` and ``mock.patch`` would
silently stop working across the two names). Unrelated imports pay one ``target_of`` call.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType

__all__ = ["ModuleAliasFinder"]


class ModuleAliasFinder(MetaPathFinder, Loader):
    """Finder and loader for a family of alias names; subclasses define ``target_of``."""

    def target_of(self, alias: str) -> str | None:
        """The real module name behind ``alias``, or ``None`` if this finder does not own it."""
        raise NotImplementedError

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if self.target_of(fullname) is None:
            return None
        return ModuleSpec(fullname, self)

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return None  # a placeholder, replaced by exec_module

    def exec_module(self, module: ModuleType) -> None:
        alias = module.__name__
        real_name = self.target_of(alias)
        assert real_name is not None  # find_spec answers only for these names
        try:
            real = importlib.import_module(real_name)
        except ModuleNotFoundError as exc:
            if exc.name != real_name:
                raise
            # Report the name that was asked for (``except ImportError`` probes of optional
            # submodules read it), as a missing module normally would.
            raise ModuleNotFoundError(f"No module named {alias!r}", name=alias) from None
        # The import system reads the module back from sys.modules after exec_module, so
        # the import statement binds the real module and the placeholder is dropped.
        sys.modules[alias] = real
