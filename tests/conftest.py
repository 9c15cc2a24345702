"""Suite-wide fixtures: every test owns its environment.

The machines this suite runs on set CA-bundle variables, and a user's machine may set
proxies or ``NETRC``. tether reads all of them when ``trust_env`` is on, so each test starts
with none of them set and a ``HOME`` of its own (no stray ``~/.netrc``). A test that needs one
sets it with ``monkeypatch``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["tests.support.fixtures"]

#: Every variable tether reads (case variants included).
TETHER_ENV_VARS = (
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "NETRC",
    "NO_PROXY",
    "ALL_PROXY",
    "HTTP_PROXY",
    "HTTPS_PROXY",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    for name in list(os.environ):
        upper = name.upper()
        if upper in TETHER_ENV_VARS or upper.endswith("_PROXY"):
            monkeypatch.delenv(name, raising=False)
    home: Path = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    # Tests write ~/.netrc and expect the next request to see it at once; production code
    # re-checks the default netrc location at most once a second (tests/unit/test_environ.py
    # covers that window itself).
    import tether._environ

    monkeypatch.setattr(tether._environ, "NETRC_RECHECK_SECONDS", 0.0)
    tether._environ.clear_caches()
    # Memoised pure results (prepared URLs, cookie headers): each test starts cold, so a
    # test that watches which code path runs sees the path it asks for.
    import tether._cookiecache
    import tether._urls

    tether._urls.clear_caches()
    tether._cookiecache.clear()
    yield
