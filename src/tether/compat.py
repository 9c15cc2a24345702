"""The names ``requests.compat`` exports, for code that imports them from there. They once
papered over Python 2/3 and urllib3 1/2 differences; tether runs on Python 3 and urllib3 2
only, so the flags are constants and the rest are plain re-exports of the standard library.

Two deliberate differences from requests: ``json`` is always the standard library's (tether
never uses simplejson, so ``has_simplejson`` is ``False`` and ``JSONDecodeError`` is
``json.JSONDecodeError``), and ``chardet`` is ``charset_normalizer``, the one detector tether
uses, even when the ``chardet`` package happens to be installed. ``chardet`` is imported on
first access: charset_normalizer takes several milliseconds to import.
"""

from __future__ import annotations

import importlib
import json
import sys

# Re-exported as they are (collections, io, http, urllib): the redundant ``as`` aliases mark
# them as re-exports for mypy and ruff.
from builtins import bytes as bytes
from builtins import str as str
from collections import OrderedDict as OrderedDict
from collections.abc import Callable as Callable
from collections.abc import Mapping as Mapping
from collections.abc import MutableMapping as MutableMapping
from http import cookiejar as cookielib
from http.cookies import Morsel as Morsel
from io import StringIO as StringIO
from json import JSONDecodeError as JSONDecodeError
from types import ModuleType
from typing import TYPE_CHECKING
from urllib.parse import quote as quote
from urllib.parse import quote_plus as quote_plus
from urllib.parse import unquote as unquote
from urllib.parse import unquote_plus as unquote_plus
from urllib.parse import urldefrag as urldefrag
from urllib.parse import urlencode as urlencode
from urllib.parse import urljoin as urljoin
from urllib.parse import urlparse as urlparse
from urllib.parse import urlsplit as urlsplit
from urllib.parse import urlunparse as urlunparse
from urllib.request import getproxies as getproxies
from urllib.request import getproxies_environment as getproxies_environment
from urllib.request import parse_http_list as parse_http_list
from urllib.request import proxy_bypass as proxy_bypass
from urllib.request import (  # type: ignore[attr-defined]  # exists at runtime, missing from typeshed
    proxy_bypass_environment as proxy_bypass_environment,
)

from urllib3._version import __version__ as urllib3_version

__all__ = [
    "Callable",
    "JSONDecodeError",
    "Mapping",
    "ModuleType",
    "Morsel",
    "MutableMapping",
    "OrderedDict",
    "StringIO",
    "basestring",
    "builtin_str",
    "bytes",
    "chardet",
    "cookielib",
    "getproxies",
    "getproxies_environment",
    "has_simplejson",
    "integer_types",
    "is_py2",
    "is_py3",
    "is_urllib3_1",
    "json",
    "numeric_types",
    "parse_http_list",
    "proxy_bypass",
    "proxy_bypass_environment",
    "quote",
    "quote_plus",
    "str",
    "unquote",
    "unquote_plus",
    "urldefrag",
    "urlencode",
    "urljoin",
    "urllib3_version",
    "urlparse",
    "urlsplit",
    "urlunparse",
]

# -- Interpreter and dependency flags (constants: Python 3 and urllib3 2 are required) ----

_ver = sys.version_info

#: Python 2.x?
is_py2 = False
#: Python 3.x?
is_py3 = True
#: tether never uses simplejson, even when it is installed.
has_simplejson = False
#: urllib3 1.x is not supported (the dependency is ``urllib3>=2,<3``).
is_urllib3_1 = False

# -- Type groups -----------------------------------------------------------------------

builtin_str = str
basestring = (str, bytes)
numeric_types = (int, float)
integer_types = (int,)


# -- Character detection -------------------------------------------------------------------


def _resolve_char_detection() -> ModuleType | None:
    """Return the character-detection module tether uses (``charset_normalizer``), or
    ``None`` if it cannot be imported."""
    try:
        return importlib.import_module("charset_normalizer")
    except ImportError:
        return None


if TYPE_CHECKING:
    chardet: ModuleType | None
else:

    def __getattr__(name: str) -> object:
        # PEP 562: ``chardet`` is resolved (and cached as a real global) on first access.
        if name == "chardet":
            module = _resolve_char_detection()
            globals()["chardet"] = module
            return module
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*globals(), "chardet"})
