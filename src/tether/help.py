"""What a bug report needs, as ``tether.help.info()`` and ``python -m tether.help``.

``python -m tether.help`` prints, as JSON, the platform, the Python implementation, the
OpenSSL version, and the versions of tether and of the packages it runs on. The keys are
those of ``requests.help.info()``, plus ``"tether"``; the ``"requests"`` key carries the
requests API level tether implements.

tether never injects pyOpenSSL into urllib3 and never uses the ``chardet`` package, so
``using_pyopenssl`` is always ``False`` and ``using_charset_normalizer`` always ``True``;
the pyOpenSSL and cryptography versions are still reported when those packages are
installed.
"""

from __future__ import annotations

import json
import platform
import ssl
import sys
from types import ModuleType
from typing import Any

import idna
import urllib3 as urllib3  # bound here as in requests.help
from urllib3._version import __version__ as _urllib3_version

from .__version__ import __tether_version__
from .__version__ import __version__ as requests_version

try:
    import charset_normalizer
except ImportError:  # pragma: no cover - a declared dependency
    charset_normalizer = None  # type: ignore[assignment]

__all__ = ["info", "main"]

# The module names requests.help binds. tether does not use the chardet package or
# urllib3's pyOpenSSL support, so these stay None; pyOpenSSL and cryptography are looked up
# by ``info()`` only, for the report.
chardet: ModuleType | None = None
pyopenssl: ModuleType | None = None
OpenSSL: ModuleType | None = None
cryptography: ModuleType | None = None


def _implementation() -> dict[str, str]:
    """The Python implementation's name and version, e.g. ``{'name': 'CPython', 'version':
    '3.11.7'}`` (PyPy reports its own version, not the Python version it implements)."""
    name = platform.python_implementation()
    if name == "PyPy":
        pypy = sys.pypy_version_info  # type: ignore[attr-defined]
        version = f"{pypy.major}.{pypy.minor}.{pypy.micro}"
        if pypy.releaselevel != "final":
            version += pypy.releaselevel
    elif name in ("CPython", "Jython", "IronPython"):
        version = platform.python_version()
    else:
        version = "Unknown"
    return {"name": name, "version": version}


def _optional_module(name: str) -> ModuleType | None:
    try:
        return __import__(name)
    except Exception:  # a broken install must not break the bug report
        return None


def info() -> dict[str, Any]:
    """A dict describing this installation (platform, Python, OpenSSL, tether and its
    dependencies), for pasting into a bug report.

    :rtype: dict
    """
    try:
        platform_info = {"system": platform.system(), "release": platform.release()}
    except OSError:
        platform_info = {"system": "Unknown", "release": "Unknown"}

    pyopenssl_info: dict[str, str | None] = {"version": None, "openssl_version": ""}
    openssl = _optional_module("OpenSSL")
    if openssl is not None:
        pyopenssl_info = {
            "version": getattr(openssl, "__version__", None),
            "openssl_version": f"{openssl.SSL.OPENSSL_VERSION_NUMBER:x}",
        }
    crypto = _optional_module("cryptography")

    return {
        "platform": platform_info,
        "implementation": _implementation(),
        "system_ssl": {"version": f"{ssl.OPENSSL_VERSION_NUMBER:x}"},
        "using_pyopenssl": False,
        "using_charset_normalizer": True,
        "pyOpenSSL": pyopenssl_info,
        "urllib3": {"version": _urllib3_version},
        "chardet": {"version": None},
        "charset_normalizer": {
            "version": getattr(charset_normalizer, "__version__", None),
        },
        "cryptography": {"version": getattr(crypto, "__version__", "")},
        "idna": {"version": getattr(idna, "__version__", "")},
        "requests": {"version": requests_version},
        "tether": {"version": __tether_version__},
    }


def main() -> None:
    """Print :func:`info` as indented JSON."""
    print(json.dumps(info(), sort_keys=True, indent=2))


if __name__ == "__main__":
    main()
