"""pytest plugin: ``pytest --tether-as-requests`` makes ``import requests`` resolve to tether.

Registered through the ``pytest11`` entry point, so it is loaded in every pytest run where
tether is installed; it does nothing unless the option is given.

Theory of operation. The switch (:func:`tether.install_as_requests`) has to be installed
before anything imports requests, and in a pytest run that includes *other plugins*:
requests-mock and betamax register pytest plugins that import requests when pytest loads
them, before any ``conftest.py`` or hook such as ``pytest_configure`` runs. So this plugin
acts at the earliest point it can: when pytest registers it, through the
``pytest_addoption`` call every plugin receives then. The command line is not parsed yet at
that point, so the plugin parses the arguments pytest will parse (``PYTEST_ADDOPTS``, the
ini file's ``addopts``, the command line) for its own option. ``pytest -p tether
--tether-as-requests`` loads this plugin before every auto-loaded plugin, so the switch
is always in place first; without ``-p tether`` the order of plugin loading decides, and
if another plugin imported requests first the run stops with a usage error saying so.
pytest-xdist workers parse the same arguments, so each worker installs the switch too.
``pytest -p tether.as_requests`` (importing the one-line module as a plugin) is
equivalent.
"""

from __future__ import annotations

import os
import shlex

import pytest

from ._alias import RequestsAlreadyImportedError, install_as_requests, is_installed

_OPTION = "--tether-as-requests"


def _asked_for(parser: pytest.Parser, config: pytest.Config | None) -> bool:
    """Whether the run was started with ``--tether-as-requests``, before pytest parses it."""
    if config is None:
        return False
    if getattr(config.option, "tether_as_requests", False):
        return True  # set already (a config built from a dict of options)
    args: list[str] = shlex.split(os.environ.get("PYTEST_ADDOPTS", ""))
    try:
        args += [str(arg) for arg in config.getini("addopts")]
    except ValueError:  # "addopts" not declared yet: pytest is not parsing its ini file
        pass
    args += [str(arg) for arg in config.invocation_params.args]
    if _OPTION not in args:
        return False
    try:
        namespace = parser.parse_known_args(args)
    except pytest.UsageError:
        return False  # malformed arguments: pytest reports them itself, later
    return bool(getattr(namespace, "tether_as_requests", False))


def _install() -> None:
    try:
        install_as_requests()
    except RequestsAlreadyImportedError as exc:
        raise pytest.UsageError(
            f"{_OPTION}: {exc} (here, a plugin that pytest loaded before tether's imported it)"
        ) from None


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    group = parser.getgroup("tether")
    group.addoption(
        _OPTION,
        action="store_true",
        default=False,
        help="make `import requests` (and requests.*) resolve to tether for this test run; "
        "use with `-p tether` so that it precedes plugins that import requests",
    )
    config = pluginmanager.get_plugin("pytestconfig")
    if _asked_for(parser, config):
        _install()


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    # The option may reach pytest in a way the early look did not see (a pytest.main()
    # call with a preset Config); conftest files are imported right after this hook.
    if early_config.known_args_namespace.tether_as_requests:
        _install()


def pytest_report_header(config: pytest.Config) -> str | None:
    if config.getoption("tether_as_requests"):
        state = "installed" if is_installed() else "NOT installed"
        return f"tether: `import requests` resolves to tether (switch {state})"
    return None
