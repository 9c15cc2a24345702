"""Cookie jars and helpers, under the names of ``requests.cookies``.

The implementation lives in ``tether._cookies``; this module only re-exports it.
:class:`RequestsCookieJar` is an ``http.cookiejar.CookieJar`` with a dict interface, safe
to share between threads, and uses :class:`TetherCookiePolicy` unless told otherwise
(host-only cookies stay on their host; received cookies holding control characters are
refused).
"""

from __future__ import annotations

import calendar as calendar
import threading as threading
import time as time
from collections.abc import MutableMapping as MutableMapping
from typing import TYPE_CHECKING
from urllib.parse import urlparse as urlparse
from urllib.parse import urlunparse as urlunparse

from . import _lazycookies
from ._internal_utils import to_native_string as to_native_string

if TYPE_CHECKING:
    import copy as copy
    from http import cookiejar as cookielib  # noqa: F401  (requests.cookies.cookielib is used by callers)
    from http.cookiejar import Cookie as Cookie
    from http.cookiejar import CookieJar as CookieJar
    from http.cookiejar import CookiePolicy as CookiePolicy
    from http.cookies import Morsel as Morsel

    # Re-exported names (the ``X as X`` form marks them as exports). Like requests.cookies,
    # the module has no ``__all__``.
    from ._cookies import CookieConflictError as CookieConflictError
    from ._cookies import MockRequest as MockRequest
    from ._cookies import MockResponse as MockResponse
    from ._cookies import RequestsCookieJar as RequestsCookieJar
    from ._cookies import TetherCookiePolicy as TetherCookiePolicy
    from ._cookies import _copy_cookie_jar as _copy_cookie_jar
    from ._cookies import cookiejar_from_dict as cookiejar_from_dict
    from ._cookies import create_cookie as create_cookie
    from ._cookies import extract_cookies_to_jar as extract_cookies_to_jar
    from ._cookies import get_cookie_header as get_cookie_header
    from ._cookies import merge_cookies as merge_cookies
    from ._cookies import morsel_to_cookie as morsel_to_cookie
    from ._cookies import remove_cookie_by_name as remove_cookie_by_name
else:
    # Everything from http.cookiejar, copy and tether._cookies is bound when the cookie
    # machinery loads: on first access to one of these names, or with the first Session
    # (see _lazycookies). ``from tether.cookies import *`` loads it too.
    _cookie_attribute, _cookie_dir = _lazycookies.module_names(
        globals(),
        "copy",
        "cookielib",
        "Cookie",
        "CookieJar",
        "CookiePolicy",
        "CookieConflictError",
        "MockRequest",
        "MockResponse",
        "RequestsCookieJar",
        "TetherCookiePolicy",
        "_copy_cookie_jar",
        "cookiejar_from_dict",
        "create_cookie",
        "extract_cookies_to_jar",
        "get_cookie_header",
        "merge_cookies",
        "morsel_to_cookie",
        "remove_cookie_by_name",
    )

    def __getattr__(name: str) -> object:
        # PEP 562: ``Morsel`` (``http.cookies``, ~1 ms to import) is bound on first access.
        if name == "Morsel":
            from http.cookies import Morsel

            globals()["Morsel"] = Morsel
            return Morsel
        return _cookie_attribute(name)

    def __dir__() -> list[str]:
        return sorted({*_cookie_dir(), "Morsel"})
