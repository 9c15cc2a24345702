"""tether: the requests API, on a Session that applies every default it holds.

A drop-in replacement for ``requests`` 2.34 built on urllib3 2.x; switching takes one line::

    import tether as requests

Beyond requests, a :class:`Session` applies every default it holds (``timeout``
included), takes its defaults as keyword arguments (``Session(timeout=5,
base_url=..., retries=3)``), is safe to share between threads, and streams uploads
and downloads in bounded memory. The documentation in ``docs/`` lists every deliberate
difference from requests, with its reason.
"""

from __future__ import annotations

import importlib
import logging
import warnings
from logging import NullHandler
from typing import TYPE_CHECKING, Any

import urllib3  # noqa: F401  (requests exposes requests.urllib3)
from urllib3._version import __version__ as _urllib3_version
from urllib3.exceptions import DependencyWarning

from . import cookies  # noqa: F401  (tether.cookies is there after `import tether`, as in requests)
from .__version__ import (
    __author__,
    __author_email__,
    __build__,
    __cake__,
    __copyright__,
    __description__,
    __license__,
    __tether_version__,
    __title__,
    __url__,
    __version__,
)
from .api import delete, get, head, options, patch, post, put, request
from .exceptions import (
    ConnectionError,
    ConnectTimeout,
    FileModeWarning,
    HTTPError,
    JSONDecodeError,
    ReadTimeout,
    RequestException,
    RequestsDependencyWarning,
    Timeout,
    TooManyRedirects,
    URLRequired,
)
from .models import PreparedRequest, Request, Response
from .sessions import Session, session
from .status_codes import codes

if TYPE_CHECKING:
    from ._alias import RequestsAlreadyImportedError, install_as_requests

__all__ = [
    "ConnectTimeout",
    "ConnectionError",
    "DependencyWarning",
    "FileModeWarning",
    "HTTPError",
    "JSONDecodeError",
    "NullHandler",
    "PreparedRequest",
    "ReadTimeout",
    "Request",
    "RequestException",
    "RequestsAlreadyImportedError",
    "RequestsDependencyWarning",
    "Response",
    "Session",
    "Timeout",
    "TooManyRedirects",
    "URLRequired",
    "__author__",
    "__author_email__",
    "__build__",
    "__cake__",
    "__copyright__",
    "__description__",
    "__license__",
    "__tether_version__",
    "__title__",
    "__url__",
    "__version__",
    "codes",
    "delete",
    "get",
    "head",
    "install_as_requests",
    "options",
    "patch",
    "post",
    "put",
    "request",
    "session",
]


def check_compatibility(
    urllib3_version: str, chardet_version: str | None, charset_normalizer_version: str | None
) -> None:
    """Warn (``RequestsDependencyWarning``) when a dependency is outside the supported range."""
    parts = urllib3_version.split(".")
    major = int(parts[0]) if parts and parts[0].isdigit() else 0
    if major != 2:
        warnings.warn(
            f"urllib3 ({urllib3_version}) doesn't match a supported version!",
            RequestsDependencyWarning,
            stacklevel=2,
        )
    if charset_normalizer_version is None and chardet_version is None:
        warnings.warn(
            "Unable to find acceptable character detection dependency (chardet or charset_normalizer).",
            RequestsDependencyWarning,
            stacklevel=2,
        )


def _check_cryptography(cryptography_version: str) -> None:
    """Kept for parity with requests; tether never injects pyOpenSSL, so nothing to check."""


check_compatibility(_urllib3_version, None, "lazy")

# urllib3's own dependency warnings are noise for tether's users, as in requests.
warnings.simplefilter("ignore", DependencyWarning)
# FileModeWarning is shown once per location by default.
warnings.simplefilter("default", FileModeWarning, append=True)

logging.getLogger(__name__).addHandler(NullHandler())

# `tether.packages` (and its import hook for tether.packages.*) loads with the first
# `tether.packages` attribute access or `import tether.packages...` statement.
# tether.auth (as after `import requests`) loads with its first use: a plain request never
# needs it.
_LAZY_SUBMODULES = frozenset(("auth", "utils", "help", "certs", "compat", "packages", "_types"))
_LAZY_VALUES = frozenset(("chardet_version", "charset_normalizer_version"))
# The requests -> tether switch (tether._alias) loads when a program first names it.
_ALIAS_NAMES = frozenset(("RequestsAlreadyImportedError", "install_as_requests"))


def __getattr__(name: str) -> Any:
    # Submodules that `import requests` makes available as attributes, loaded on first use
    # so `import tether` stays cheap.
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _ALIAS_NAMES:
        from . import _alias

        value = globals()[name] = getattr(_alias, name)
        return value
    if name == "charset_normalizer_version":
        import charset_normalizer

        return charset_normalizer.__version__
    if name == "chardet_version":
        return None
    if name == "ssl":
        import ssl

        return ssl
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    lazy_modules = (name for name in _LAZY_SUBMODULES if not name.startswith("_"))
    return sorted({*globals(), *_ALIAS_NAMES, *lazy_modules})
