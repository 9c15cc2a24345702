"""What ``trust_env`` reads from the file system: netrc credentials (parsed once per file
version, not once per request), the CA-bundle environment variables, and the two file helpers
requests' ``utils`` exposes for CA bundles (``extract_zipped_paths``, ``atomic_open``). This
is the only tether module that opens files for configuration; proxy variables are read by
``_proxies``.

Theory of operation
-------------------
*netrc* (requests 2.34 semantics). The file is ``$NETRC`` when that variable is set (even to
an unusable value: then there is no netrc), else the first of ``~/.netrc`` and ``~/_netrc``
that exists. The host is ``urlparse(url).hostname`` — the parse that decides where the
request goes, so ``http://example.com:@127.0.0.1/`` (or ``\\@``) looks up ``127.0.0.1``
(CVE-2024-47081, catalogue case 05); ports never take part. An entry with neither login,
account nor password gives no credentials (requests #7205, case 06); the user name is the
login, or the account when the login is empty; a missing password is ``""``. A file that does
not parse gives no credentials unless ``raise_errors``.

*Cache.* Python's ``netrc`` module tokenises the whole file in pure Python. The parsed host
table is kept per path together with the file's ``(st_mtime_ns, st_size, st_ino,
st_ctime_ns)``; each call costs one ``stat()``, and any change to the file (rewritten,
replaced by rename, touched) makes the next call parse it again. Parse errors are cached
the same way; I/O errors are not (a permission change alone does not alter the mtime).

*Redirects* (catalogue case 07, tether's decision in §5). netrc's ``default`` entry matches any
host. ``netrc_auth_for_host(url, allow_default=False)`` only honours an exact ``machine``
entry, so the session can refuse to send the ``default`` credentials to another origin.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from io import BufferedWriter
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from ._proxies import encoded_name, getenv, raw_environ

if TYPE_CHECKING:
    from netrc import NetrcParseError

__all__ = [
    "NETRC_FILES",
    "atomic_open",
    "ca_bundle_from_env",
    "extract_zipped_paths",
    "get_netrc_auth",
    "netrc_auth_for_host",
    "netrc_path",
]

NETRC_FILES = (".netrc", "_netrc")

# --------------------------------------------------------------------------------------
# netrc
# --------------------------------------------------------------------------------------

# (login, account, password) as netrc.netrc.hosts holds them (None for missing fields < 3.11)
_Entry = tuple[str, "str | None", "str | None"]
_FileKey = tuple[int, int, int, int]

# path -> (file key, host table or the parse error). Unlocked: entries are replaced whole,
# and two threads parsing the same file at once store equal values.
_netrc_cache: dict[str, tuple[_FileKey, dict[str, _Entry] | NetrcParseError]] = {}
_NETRC_CACHE_MAX = 8


# expanduser() reads these variables (POSIX: HOME, else the password database; Windows:
# USERPROFILE, else HOMEDRIVE+HOMEPATH); the expanded default paths are cached per their values.
_HOME_VARIABLES = ("USERPROFILE", "HOMEDRIVE", "HOMEPATH") if os.name == "nt" else ("HOME",)


_NETRC_KEY = encoded_name("NETRC")
_HOME_KEYS = tuple(encoded_name(name) for name in _HOME_VARIABLES)


@lru_cache(maxsize=8)
def _default_netrc_paths(home: tuple[object, ...]) -> tuple[str, ...]:
    """``~/.netrc`` and ``~/_netrc`` expanded; ``home`` (the variables' values) is the key."""
    return tuple(os.path.expanduser(f"~/{name}") for name in NETRC_FILES)


def _netrc_location() -> tuple[str, os.stat_result] | None:
    """The netrc file in use and its ``stat()``, or None."""
    data = raw_environ()
    if data is not None:
        # The usual case, read straight from os.environ's store (see _proxies.getenv);
        # the home variables' raw values are as good a cache key as decoded ones.
        override = getenv("NETRC") if _NETRC_KEY in data else None
        home: tuple[object, ...] = tuple(map(data.get, _HOME_KEYS))
    else:
        override = getenv("NETRC")
        home = tuple(getenv(name) for name in _HOME_VARIABLES)
    if override is not None:
        # An explicit file: stat it on every call (a rewrite is noticed at once).
        return _first_existing((os.path.expanduser(override),))
    candidates = _default_netrc_paths(home)
    # ~/.netrc and ~/_netrc: a stat() per request is a system call on the hot path for a
    # file that almost never changes, so the answer is kept for NETRC_RECHECK_SECONDS.
    # A new, changed or removed file is noticed within that time.
    now = time.monotonic()
    recent = _recent.get(candidates)
    if recent is not None and now - recent[0] < NETRC_RECHECK_SECONDS:
        return recent[1]
    found = _first_existing(candidates)
    if len(_recent) >= 8:
        _recent.clear()
    _recent[candidates] = (now, found)
    return found


#: How long the location (and stat) of the default netrc file is trusted, in seconds.
NETRC_RECHECK_SECONDS = 1.0
_recent: dict[tuple[str, ...], tuple[float, tuple[str, os.stat_result] | None]] = {}


def _first_existing(candidates: tuple[str, ...]) -> tuple[str, os.stat_result] | None:
    for location in candidates:
        try:
            # requests tests os.path.exists(); stat() answers that and gives the cache key.
            return location, os.stat(location)
        except (OSError, ValueError):
            continue
    return None


def clear_caches() -> None:
    """Forget the netrc location and parse caches (tests that rewrite ~/.netrc call this)."""
    _recent.clear()
    _netrc_cache.clear()


def netrc_path() -> str | None:
    """The path of the netrc file tether would read (``$NETRC``, ``~/.netrc``, ``~/_netrc``)."""
    found = _netrc_location()
    return None if found is None else found[0]


def _netrc_hosts(path: str, st: os.stat_result) -> dict[str, _Entry]:
    """The parsed host table of ``path``; raises NetrcParseError or OSError."""
    key: _FileKey = (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)
    cached = _netrc_cache.get(path)
    if cached is not None and cached[0] == key:
        hosts = cached[1]
    else:
        import netrc  # only needed when a netrc file exists

        try:
            hosts = dict(netrc.netrc(path).hosts)
        except netrc.NetrcParseError as exc:
            hosts = exc
        if len(_netrc_cache) >= _NETRC_CACHE_MAX:
            _netrc_cache.clear()
        _netrc_cache[path] = (key, hosts)
    if isinstance(hosts, Exception):
        raise hosts.with_traceback(None)
    return hosts


def netrc_auth_for_host(
    url: str, *, allow_default: bool, raise_errors: bool = False
) -> tuple[str, str] | None:
    """netrc credentials for the host of ``url`` (see the module docstring).

    With ``allow_default=False`` only a ``machine`` entry naming the host applies, never the
    ``default`` entry. (Python's netrc stores ``default`` under the name ``"default"``, so a
    host literally called ``default`` is refused too.)
    """
    found = _netrc_location()
    if found is None:
        return None
    path, st = found
    host = urlparse(url).hostname
    if host is None:
        return None
    import netrc  # cheap once imported by _netrc_hosts

    try:
        hosts = _netrc_hosts(path, st)
    except (netrc.NetrcParseError, OSError):
        if raise_errors:
            raise
        return None
    entry = hosts.get(host) if host != "default" else None
    if entry is None and allow_default:
        entry = hosts.get("default")
    if entry is None:
        return None
    login, account, password = entry
    if not (login or account or password):
        return None
    return (login or account or "", password or "")


def get_netrc_auth(url: str | bytes, raise_errors: bool = False) -> tuple[str, str] | None:
    """Return the (user, password) netrc gives for ``url``'s host, or None.

    requests 2.34's ``get_netrc_auth``: bytes URLs are decoded as UTF-8, the ``default``
    entry applies to hosts without an entry of their own, and parse or I/O errors are only
    raised when ``raise_errors`` is true.
    """
    if isinstance(url, bytes):
        url = url.decode("utf-8")
    return netrc_auth_for_host(url, allow_default=True, raise_errors=raise_errors)


# --------------------------------------------------------------------------------------
# CA bundle
# --------------------------------------------------------------------------------------


def ca_bundle_from_env() -> str | None:
    """``REQUESTS_CA_BUNDLE``, else ``CURL_CA_BUNDLE``, else None.

    Empty values are skipped: ``CURL_CA_BUNDLE=""`` must never turn into ``verify=""``, which
    is false and would disable certificate checks (requests #6074, catalogue case 21).
    """
    data = raw_environ()
    if data is not None and _CA_KEYS[0] not in data and _CA_KEYS[1] not in data:
        return None  # neither is set (the usual case), known without decoding anything
    return getenv("REQUESTS_CA_BUNDLE") or getenv("CURL_CA_BUNDLE") or None


_CA_KEYS = (encoded_name("REQUESTS_CA_BUNDLE"), encoded_name("CURL_CA_BUNDLE"))


# A member's extension is kept on the extracted file (some loaders look at it); anything that
# is not a plain short extension is dropped so no path separator can reach mkstemp.
_SAFE_SUFFIX = r"\.[A-Za-z0-9_-]{1,16}\Z"  # compiled by ``re`` on first use


def extract_zipped_paths(path: str) -> str:
    """Return ``path``, or a readable copy of it when it names a file inside a zip archive.

    A CA bundle shipped in a zipapp cannot be handed to OpenSSL by its in-archive path, so
    the member is copied to a new file made by ``tempfile.mkstemp`` (random name, created
    exclusively, mode 0600), a fresh one per call. requests < 2.33 reused a predictable
    ``<tempdir>/<name>`` that another local user could plant (CVE-2026-25645, case 47).
    Paths that exist, are not in a zip, or name no member are returned unchanged.
    """
    if os.path.exists(path):
        return path
    archive, member = os.path.split(path)
    while archive and not os.path.exists(archive):
        archive, prefix = os.path.split(archive)
        if not prefix:
            # split() stopped making progress (a root or a UNC share): not in an archive.
            break
        member = f"{prefix}/{member}"

    import zipfile  # rarely needed; zipfile pulls in bz2/lzma

    if not zipfile.is_zipfile(archive):
        return path
    with zipfile.ZipFile(archive) as zip_file:
        if member not in zip_file.namelist():
            return path
        data = zip_file.read(member)

    import tempfile

    suffix = os.path.splitext(member.rsplit("/", 1)[-1])[1]
    if not re.match(_SAFE_SUFFIX, suffix):
        suffix = ""
    fd, extracted_path = tempfile.mkstemp(suffix=suffix)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return extracted_path


@contextmanager
def atomic_open(filename: str) -> Iterator[BufferedWriter]:
    """Write a file atomically: yield a binary handle on a temporary file in the same
    directory, and rename it over ``filename`` only when the block succeeds."""
    import tempfile

    fd, tmp_name = tempfile.mkstemp(dir=os.path.dirname(filename))
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.replace(tmp_name, filename)
    except BaseException:
        os.remove(tmp_name)
        raise
