"""The ``requests`` -> tether switch: ``tether.install_as_requests()``, ``import
tether.as_requests`` and the pytest plugin (``-p tether --tether-as-requests``).

The switch changes ``sys.modules`` for a whole process, and this process holds the real
requests (the suite's oracle), so every check runs in a fresh interpreter: a Python
snippet that asserts and prints ``ok``, or a pytest run in a scratch directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

_TIMEOUT = 30


def _python(code: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=_TIMEOUT,
        check=False,
        cwd=cwd,
        env=env,
    )


def _ok(code: str) -> None:
    done = _python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok"), done.stdout + done.stderr


def test_every_module_is_tethers_own() -> None:
    _ok(
        """
        import sys
        import tether
        assert "tether.help" not in sys.modules  # imported only later, through the alias
        tether.install_as_requests()

        import requests
        import requests.adapters, requests.api, requests.auth, requests.certs
        import requests.compat, requests.cookies, requests.exceptions, requests.help
        import requests.hooks, requests.models, requests.packages, requests.sessions
        import requests.status_codes, requests.structures, requests.utils
        import requests._internal_utils
        from requests.__version__ import __version__, __build__

        assert requests is tether
        for name in ("adapters", "api", "auth", "certs", "compat", "cookies", "exceptions",
                     "help", "hooks", "models", "packages", "sessions", "status_codes",
                     "structures", "utils", "_internal_utils", "__version__"):
            assert sys.modules["requests." + name] is sys.modules["tether." + name], name
        assert requests.adapters.HTTPAdapter is tether.adapters.HTTPAdapter
        assert requests.help is sys.modules["tether.help"]

        # `import requests.__version__` did not rebind the package's version string.
        assert isinstance(requests.__version__, str) and requests.__version__ == __version__
        assert requests.__version__ >= "2.0.0" and not requests.__version__ < "2.0.0"
        assert isinstance(requests.__build__, int) and requests.__build__ == __build__
        assert requests.__build__ >= 0x020300

        assert requests.status_codes._codes[200][0] == "ok"
        assert requests.codes.ok == 200
        assert requests.compat.urlparse and requests.utils.super_len(b"abc") == 3
        assert requests.structures.CaseInsensitiveDict({"A": 1})["a"] == 1

        # No file of tether was executed twice (once per name).
        files = [getattr(m, "__file__", None) for m in set(sys.modules.values())]
        ours = [f for f in files if f and "tether" in f and f.endswith(".py")]
        assert len(ours) == len(set(ours)), sorted(ours)
        print("ok")
        """
    )


def test_packages_and_urllib3_submodules() -> None:
    _ok(
        """
        import tether.as_requests
        import sys
        import urllib3, urllib3.util.retry, urllib3.contrib.socks, charset_normalizer, idna
        import requests
        from requests.packages.urllib3.util.retry import Retry
        from requests.packages.urllib3 import fields, filepost, poolmanager, connection
        from requests.packages.urllib3 import _collections
        from requests.packages.urllib3.util import timeout
        from requests.packages.urllib3.contrib import socks
        import requests.packages.urllib3.contrib.socks as socks2
        from requests.packages.urllib3._collections import HTTPHeaderDict
        from requests.packages.urllib3 import HTTPResponse

        assert Retry is urllib3.util.retry.Retry
        assert requests.packages.urllib3 is urllib3
        assert fields is urllib3.fields and filepost is urllib3.filepost
        assert poolmanager is urllib3.poolmanager and connection is urllib3.connection
        assert timeout is urllib3.util.timeout and _collections is urllib3._collections
        assert socks is socks2 is urllib3.contrib.socks
        assert HTTPHeaderDict is urllib3.HTTPHeaderDict and HTTPResponse is urllib3.HTTPResponse
        assert requests.packages.chardet is charset_normalizer
        assert requests.packages.idna is idna
        assert requests.adapters.MaxRetryError is urllib3.exceptions.MaxRetryError
        print("ok")
        """
    )


def test_patching_through_either_name() -> None:
    _ok(
        """
        import tether
        tether.install_as_requests()
        from unittest import mock
        import requests

        original = tether.adapters.HTTPAdapter.send
        fake = requests.Response()
        fake.status_code = 299
        with mock.patch("requests.adapters.HTTPAdapter.send", return_value=fake) as send:
            assert tether.adapters.HTTPAdapter.send is send
            r = tether.get("http://127.0.0.1:9/never-sent")
        assert r is fake and send.call_count == 1
        assert tether.adapters.HTTPAdapter.send is original

        with mock.patch("requests.sessions.get_netrc_auth", return_value=("u", "p")):
            prepared = tether.Session().prepare_request(tether.Request("GET", "http://h.invalid/"))
        assert prepared.headers["Authorization"] == "Basic dTpw"
        print("ok")
        """
    )


def test_missing_submodules_and_probes() -> None:
    _ok(
        """
        import importlib.util
        import tether
        tether.install_as_requests()
        try:
            import requests.no_such_module
        except ModuleNotFoundError as exc:
            assert exc.name == "requests.no_such_module", exc.name
        else:
            raise AssertionError("imported a module that does not exist")
        try:
            import requests.models.sub  # a module, not a package
        except ModuleNotFoundError:
            pass
        else:
            raise AssertionError("imported below a module")
        assert importlib.util.find_spec("requests") is not None
        import requests_toolbelt  # a package whose name starts with "requests" is its own
        assert requests_toolbelt.__name__ == "requests_toolbelt"
        print("ok")
        """
    )


def test_installing_twice_and_over_a_blocked_import() -> None:
    _ok(
        """
        import sys
        sys.modules["requests"] = None  # a test that hid requests
        import tether
        tether.install_as_requests()
        tether.install_as_requests()
        finders = [f for f in sys.meta_path if getattr(f, "_tether_requests_alias", False)]
        assert len(finders) == 1
        assert sys.meta_path[0] is finders[0]
        import requests
        assert requests is tether
        assert tether._alias.is_installed()
        print("ok")
        """
    )


def test_real_requests_imported_first_is_refused() -> None:
    done = _python(
        """
        import sys
        import requests_mock  # imports the real requests
        import requests
        import tether
        try:
            tether.install_as_requests()
        except tether.RequestsAlreadyImportedError as exc:
            print(exc)
        assert sys.modules["requests"] is requests  # nothing was changed
        assert not any(getattr(f, "_tether_requests_alias", False) for f in sys.meta_path)
        assert not tether._alias.is_installed()
        """
    )
    assert done.returncode == 0, done.stderr
    message = done.stdout
    assert "was imported before tether.install_as_requests()" in message
    assert "requests_mock.adapter" in message  # names who holds the real requests
    assert "pytest -p tether --tether-as-requests" in message


def test_pickled_objects_round_trip() -> None:
    _ok(
        """
        import pickle
        import tether.as_requests
        import requests
        s = pickle.loads(pickle.dumps(requests.Session()))
        assert isinstance(s, requests.Session)
        assert isinstance(s.adapters["https://"], requests.adapters.HTTPAdapter)
        print("ok")
        """
    )


# -- the pytest plugin --------------------------------------------------------------------

_IDENTITY_TEST = """
import sys
import requests
import tether

def test_identity():
    assert requests is tether
    assert sys.modules["requests.adapters"] is tether.adapters
"""

_FIXTURE_TEST = """
import requests
import tether

def test_requests_mock_fixture(requests_mock):
    requests_mock.get("http://api.invalid/x", text="mocked")
    assert tether.get("http://api.invalid/x").text == "mocked"
    assert requests is tether
"""

_INERT_TEST = """
import sys
import tether

def test_inert():
    assert sys.modules.get("requests") is not tether
    assert not tether._alias.is_installed()
"""


def _pytest(
    tmp_path: Path, *args: str, files: dict[str, str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    run_env = dict(os.environ)
    run_env.pop("PYTEST_ADDOPTS", None)
    run_env.update(env or {})
    # Plugins that only cost start-up time here are left out (the machine may be busy).
    quiet = ["-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:httpbin"]
    if "-n" not in args:
        quiet += ["-p", "no:xdist", "-p", "no:xdist.looponfail"]
    return subprocess.run(
        [sys.executable, "-m", "pytest", *quiet, *args],
        capture_output=True,
        text=True,
        timeout=_TIMEOUT,
        check=False,
        cwd=tmp_path,
        env=run_env,
    )


def test_plugin_is_inert_without_the_option(tmp_path: Path) -> None:
    done = _pytest(tmp_path, "-p", "tether", files={"test_inert.py": _INERT_TEST})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tether:" not in done.stdout


def test_plugin_installs_the_switch_before_other_plugins(tmp_path: Path) -> None:
    done = _pytest(
        tmp_path,
        "-p",
        "tether",
        "--tether-as-requests",
        files={"test_identity.py": _IDENTITY_TEST, "test_fixture.py": _FIXTURE_TEST},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
    assert "switch installed" in done.stdout  # the report header says so


def test_plugin_option_from_addopts(tmp_path: Path) -> None:
    files = {"test_identity.py": _IDENTITY_TEST}
    done = _pytest(tmp_path, files=files, env={"PYTEST_ADDOPTS": "-p tether --tether-as-requests"})
    assert done.returncode == 0, done.stdout + done.stderr
    files["pytest.ini"] = "[pytest]\naddopts = -p tether.as_requests\n"
    done = _pytest(tmp_path, files=files)
    assert done.returncode == 0, done.stdout + done.stderr


def test_plugin_refuses_when_requests_came_first(tmp_path: Path) -> None:
    # requests-mock's plugin, loaded first with -p, imports the real requests.
    done = _pytest(
        tmp_path,
        "-p",
        "requests_mock",
        "--tether-as-requests",
        files={"test_identity.py": _IDENTITY_TEST},
    )
    assert done.returncode == 4, done.stdout + done.stderr  # a usage error, no test ran
    output = done.stdout + done.stderr
    assert "--tether-as-requests: the real requests" in output
    assert "requests_mock" in output


@pytest.mark.slow
def test_plugin_under_xdist(tmp_path: Path) -> None:
    pytest.importorskip("xdist")
    files = {"test_identity.py": _IDENTITY_TEST, "test_fixture.py": _FIXTURE_TEST}
    done = _pytest(tmp_path, "-p", "tether", "--tether-as-requests", "-n", "2", files=files)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
