"""Ecosystem tests: libraries built on requests, running on tether through the switch.

Each ``test_lib_<library>.py`` module exercises one library (responses, requests-mock,
requests-toolbelt, requests-oauthlib, CacheControl, betamax, HTTPie) against loopback
servers, *with* ``import requests`` resolving to tether. The switch changes ``sys.modules``
for the whole process, while the rest of the suite imports the real requests as an oracle;
so, in a normal run, such a module is never imported here. It is collected as one item that
runs ``pytest -p tether --tether-as-requests <module>`` in a subprocess and passes when that
run passes; a failure shows the subprocess's report (failing test ids, tracebacks, the
short summary). To work on one library, run the same command yourself::

    python -m pytest -p tether --tether-as-requests tests/ecosystem/test_lib_responses.py

In that run the switch is installed, and the module is collected and run as usual, with
the fixtures of tests/conftest.py (servers, certificates, a clean environment).

To see how a library behaves on the real requests (an oracle while debugging), set
``TETHER_ECOSYSTEM_ORACLE=1`` and run the module without the switch: it is then collected
in-process, on requests (``test_requests_is_tether`` fails, as it should).

Other modules here (``test_switch.py``, ``test_internals.py``) are ordinary in-process
tests; ``test_switch.py`` starts its own interpreters where it needs a fresh one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tether._alias import is_installed

#: Modules that must run with the switch installed.
SWITCHED_PREFIX = "test_lib_"
#: Switched modules that take more than a few seconds (each of their tests starts a CLI).
SLOW_MODULES = frozenset({"test_lib_httpie.py"})
#: Upper bound for one module's subprocess (below pytest-timeout's 60 s for the item).
SUBPROCESS_TIMEOUT = 50.0
_ROOT = Path(__file__).resolve().parents[2]


def switched_pytest_command(*args: str) -> list[str]:
    """``python -m pytest`` with the switch, as the ecosystem modules are meant to run."""
    return [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "tether",
        "--tether-as-requests",
        "-p",
        "no:cacheprovider",
        # Plugins these modules do not use cost start-up time in every subprocess.
        "-p",
        "no:hypothesispytest",
        "-p",
        "no:xdist",
        "-q",
        "-rfE",
        "--no-header",
        *args,
    ]


class SwitchedRunFailed(Exception):
    """The subprocess run of a switched module failed."""


class SwitchedModule(pytest.File):
    """A ``test_lib_*.py`` module seen from a run without the switch: one subprocess item."""

    def collect(self) -> Iterator[pytest.Item]:
        item = SwitchedRun.from_parent(self, name="under_switch")
        if self.path.name in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
        yield item


class SwitchedRun(pytest.Item):
    def runtest(self) -> None:
        env = dict(os.environ)
        # The parent run's options must not leak in (e.g. `-n auto` from PYTEST_ADDOPTS).
        env.pop("PYTEST_ADDOPTS", None)
        env.pop("PYTEST_XDIST_WORKER", None)
        command = switched_pytest_command(str(self.path.relative_to(_ROOT)))
        try:
            done = subprocess.run(
                command,
                cwd=_ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=SUBPROCESS_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            output = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else exc.stdout
            raise SwitchedRunFailed(
                f"timed out after {SUBPROCESS_TIMEOUT:.0f} s: python {' '.join(command[1:])}\n"
                f"{output or ''}"
            ) from None
        if done.returncode != 0:
            raise SwitchedRunFailed(
                f"exit status {done.returncode}: python {' '.join(command[1:])}\n"
                f"{done.stdout}\n{done.stderr}".rstrip()
            )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, SwitchedRunFailed):
            return f"switched run of {self.path.name} failed, {excinfo.value}"
        return str(super().repr_failure(excinfo, style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.path.name} under --tether-as-requests (subprocess)"


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> Any:
    if os.environ.get("TETHER_ECOSYSTEM_ORACLE"):
        return None
    if module_path.name.startswith(SWITCHED_PREFIX) and not is_installed():
        return SwitchedModule.from_parent(parent, path=module_path)
    return None
