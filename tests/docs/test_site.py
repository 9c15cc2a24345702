"""The documentation site builds with warnings as errors, and documents every public name.

``mkdocs build --strict`` runs once per test session (about three seconds) into a temporary
directory; a broken link, a page missing from the navigation that the navigation names, or
a docstring mkdocstrings cannot parse fails the build. The API reference test then reads
the anchors of the generated HTML: each public name of each public module must have one
(mkdocstrings gives every documented object an ``id`` equal to its dotted path).
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Modules whose every public name the API reference must cover. The compatibility facades
#: (utils, compat, packages) carry requests' names for old code and are described in prose.
REFERENCE_MODULES = (
    "tether",
    "tether.api",
    "tether.sessions",
    "tether.models",
    "tether.adapters",
    "tether.auth",
    "tether.cookies",
    "tether.exceptions",
    "tether.structures",
    "tether.status_codes",
    "tether.hooks",
    "tether.help",
    "tether.certs",
)

#: Helpers that requests' ``auth`` and ``cookies`` modules happen to import, kept there for
#: code that imports them from there; they belong to the utils facade (described in prose).
INCIDENTAL_REEXPORTS = frozenset({"to_native_string", "parse_dict_header"})


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
        check=False,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    warnings = [line for line in log.splitlines() if "WARNING" in line]
    assert warnings == [], "\n".join(warnings)
    return out


def test_site_builds_strict(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "quickstart" / "index.html").is_file()
    assert (site / "api" / "sessions" / "index.html").is_file()


def _public_names(module: ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:  # tether.auth, tether.cookies: what they define or re-export from tether
        names = [
            n
            for n, obj in vars(module).items()
            if not n.startswith("_")
            and (inspect.isclass(obj) or inspect.isfunction(obj))
            and getattr(obj, "__module__", "").startswith("tether")
        ]
    return [n for n in names if not (n.startswith("__") and n.endswith("__"))]


def _is_tethers(obj: object) -> bool:
    """Classes and functions must be tether's own to need a page; other objects always do."""
    if inspect.isclass(obj) or inspect.isfunction(obj) or inspect.ismodule(obj):
        module = obj.__name__ if inspect.ismodule(obj) else getattr(obj, "__module__", "")
        return module.startswith("tether")
    return True


def test_every_public_name_has_a_reference_entry(site: Path) -> None:
    anchors: set[str] = set()
    for page in site.rglob("*.html"):
        anchors.update(re.findall(r'id="(tether[\w.]*)"', page.read_text(encoding="utf-8")))
    modules = [importlib.import_module(name) for name in REFERENCE_MODULES]
    missing: list[str] = []
    for module in modules:
        for name in _public_names(module):
            obj = getattr(module, name)
            if not _is_tethers(obj) or name in INCIDENTAL_REEXPORTS:
                continue  # e.g. exceptions.BaseHTTPError is urllib3's, NullHandler logging's
            # Documented under any public module that exposes the same object.
            places = [
                f"{other.__name__}.{name}" for other in modules if getattr(other, name, None) is obj
            ]
            if not any(place in anchors for place in places):
                missing.append(f"{module.__name__}.{name}")
    assert missing == [], f"public names without an API reference entry: {missing}"
