"""The names ``requests.utils`` (2.34) offers, for code that imports them from there. This module
is a facade: the logic lives in tether's private modules (``_urls``, ``_headers``,
``_decoding``, ``_body``, ``_cookies``, ``_proxies``, ``_environ``) and tether's own code
never imports it. It is loaded on first use of ``tether.utils``.

Defined here, for want of a better home: ``dict_to_sequence``, ``from_key_val_list``,
``guess_filename`` and ``DEFAULT_ACCEPT_ENCODING``; ``stream_decode_response_unicode`` is a
thin wrapper keeping requests' parameter name ``r``. The other names requests' module happens
to carry (``os``, ``re``, ``quote``, ``parse_url``, ``getproxies`` …) are the same objects.

Patch point: replacing ``tether.utils.proxy_bypass`` (as requests' own tests replace
``requests.utils.proxy_bypass``) takes effect in ``should_bypass_proxies`` and everything
that calls it, sessions included; see ``tether._proxies``.

Differences from requests: ``default_user_agent()`` defaults to ``"python-tether"`` and
reports tether's version (it is what tether sends); ``proxy_bypass`` and
``proxy_bypass_environment`` read only the http/https/all/no proxy variables instead of
scanning the environment (``getproxies`` and ``getproxies_environment`` are urllib's, as in
requests, and still return every ``*_proxy`` variable).
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import re
import socket
import struct
import sys
import tempfile
import warnings
import zipfile
from builtins import bytes as bytes
from builtins import str as str
from collections import OrderedDict
from collections.abc import Generator, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, TypeVar, cast, overload
from urllib.parse import quote, unquote, urlparse, urlunparse
from urllib.request import getproxies, getproxies_environment
from urllib.request import parse_http_list as _parse_list_header  # noqa: F401 (re-export)

from urllib3.util import make_headers, parse_url

from . import certs
from ._body import rewind_body, super_len, to_key_val_list
from ._cookies import add_dict_to_cookiejar, cookiejar_from_dict, dict_from_cookiejar
from ._decoding import (
    get_encodings_from_content,
    get_unicode_from_response,
    guess_json_utf,
    iter_slices,
)
from ._decoding import stream_decode_response_unicode as _stream_decode
from ._environ import NETRC_FILES, atomic_open, extract_zipped_paths, get_netrc_auth
from ._headers import accept_encoding as _accept_encoding
from ._headers import (
    check_header_validity,
    default_headers,
    default_user_agent,
    get_encoding_from_headers,
    parse_dict_header,
    parse_header_links,
    parse_list_header,
    unquote_header_value,
)
from ._headers import parse_content_type_header as _parse_content_type_header  # noqa: F401
from ._internal_utils import _HEADER_VALIDATORS_BYTE as _HEADER_VALIDATORS_BYTE
from ._internal_utils import _HEADER_VALIDATORS_STR as _HEADER_VALIDATORS_STR
from ._internal_utils import HEADER_VALIDATORS, to_native_string
from ._proxies import (
    address_in_network,
    dotted_netmask,
    get_environ_proxies,
    is_ipv4_address,
    is_valid_cidr,
    proxy_bypass,
    proxy_bypass_environment,
    resolve_proxies,
    select_proxy,
    set_environ,
    should_bypass_proxies,
)
from ._urls import _DEFAULT_PORTS as DEFAULT_PORTS
from ._urls import (
    UNRESERVED_SET,
    get_auth_from_url,
    prepend_scheme_if_needed,
    requote_uri,
    unquote_unreserved,
    urldefragauth,
)
from .compat import integer_types, is_urllib3_1
from .exceptions import FileModeWarning, InvalidHeader, InvalidURL, UnrewindableBodyError
from .structures import CaseInsensitiveDict

if sys.platform == "win32":
    from ._proxies import proxy_bypass_registry as proxy_bypass_registry

__all__ = [
    "DEFAULT_ACCEPT_ENCODING",
    "DEFAULT_CA_BUNDLE_PATH",
    "DEFAULT_PORTS",
    "HEADER_VALIDATORS",
    "NETRC_FILES",
    "TYPE_CHECKING",
    "UNRESERVED_SET",
    "Any",
    "CaseInsensitiveDict",
    "FileModeWarning",
    "Final",
    "Generator",
    "InvalidHeader",
    "InvalidURL",
    "Iterable",
    "Mapping",
    "OrderedDict",
    "TypeVar",
    "UnrewindableBodyError",
    "add_dict_to_cookiejar",
    "address_in_network",
    "atomic_open",
    "bytes",
    "cast",
    "certs",
    "check_header_validity",
    "codecs",
    "contextlib",
    "cookiejar_from_dict",
    "default_headers",
    "default_user_agent",
    "dict_from_cookiejar",
    "dict_to_sequence",
    "dotted_netmask",
    "extract_zipped_paths",
    "from_key_val_list",
    "get_auth_from_url",
    "get_encoding_from_headers",
    "get_encodings_from_content",
    "get_environ_proxies",
    "get_netrc_auth",
    "get_unicode_from_response",
    "getproxies",
    "getproxies_environment",
    "guess_filename",
    "guess_json_utf",
    "integer_types",
    "io",
    "is_ipv4_address",
    "is_urllib3_1",
    "is_valid_cidr",
    "iter_slices",
    "make_headers",
    "os",
    "overload",
    "parse_dict_header",
    "parse_header_links",
    "parse_list_header",
    "parse_url",
    "prepend_scheme_if_needed",
    "proxy_bypass",
    "proxy_bypass_environment",
    "quote",
    "re",
    "requote_uri",
    "resolve_proxies",
    "rewind_body",
    "select_proxy",
    "set_environ",
    "should_bypass_proxies",
    "socket",
    "str",
    "stream_decode_response_unicode",
    "struct",
    "super_len",
    "sys",
    "tempfile",
    "to_key_val_list",
    "to_native_string",
    "unquote",
    "unquote_header_value",
    "unquote_unreserved",
    "urldefragauth",
    "urlparse",
    "urlunparse",
    "warnings",
    "zipfile",
]
if sys.platform == "win32":
    __all__ += ["proxy_bypass_registry"]

_KT = TypeVar("_KT")
_VT = TypeVar("_VT")

#: The default CA bundle (certifi's), as ``requests.utils.DEFAULT_CA_BUNDLE_PATH``.
DEFAULT_CA_BUNDLE_PATH: Final[str] = certs.where()

#: The ``Accept-Encoding`` value tether sends: what this process can decode.
DEFAULT_ACCEPT_ENCODING: Final[str] = _accept_encoding()
del _accept_encoding

# Null bytes, as requests.utils names them (guess_json_utf's UTF-16/32 sniffing).
_null = "\x00".encode("ascii")
_null2 = _null * 2
_null3 = _null * 3


def dict_to_sequence(d: Any) -> Any:
    """Return ``d.items()`` when ``d`` has ``items``, else ``d`` itself."""
    if hasattr(d, "items"):
        return d.items()
    return d


def from_key_val_list(value: Any) -> OrderedDict[Any, Any] | None:
    """Return ``value`` (a mapping or an iterable of 2-tuples) as an ``OrderedDict``.

    ``None`` stays ``None``; a string, bytes, bool or int raises
    ``ValueError("cannot encode objects that are not 2-tuples")``.

    ::

        >>> from_key_val_list([('key', 'val')])
        OrderedDict([('key', 'val')])
    """
    if value is None:
        return None
    if isinstance(value, (str, bytes, bool, int)):
        raise ValueError("cannot encode objects that are not 2-tuples")
    return OrderedDict(value)


def stream_decode_response_unicode(
    iterator: Iterable[bytes], r: Any
) -> Generator[str | bytes, None, None]:
    """Decode the byte chunks of ``iterator`` with ``r.encoding`` (read when iteration
    starts); with no encoding the chunks pass through unchanged."""
    yield from _stream_decode(iterator, r)


def guess_filename(obj: Any) -> str | bytes | None:
    """Return the base name of ``obj.name`` when it looks like a file name.

    Names in angle brackets (``<stdin>``, ``<fdopen>``) and non-string names give ``None``.
    """
    name = getattr(obj, "name", None)
    if name and isinstance(name, (str, bytes)) and name[0] != "<" and name[-1] != ">":
        return os.path.basename(name)
    return None
