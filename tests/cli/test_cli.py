"""The ``tether`` command line, end to end: a real subprocess against loopback servers.

Each test runs ``python -m tether ...`` (one runs the installed ``tether`` script) with its
own config directory (``TETHER_CONFIG_DIR``) and working directory, and checks what a script
would see: the exit status, standard output byte for byte, and one clear line on standard
error. Servers: pytest-httpbin (plain and TLS), the raw-socket ``stall_server`` for timeouts,
and the pproxy process for ``--proxy``.
"""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import socket
import stat
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.proxy import ProxyProcess
from tests.support.servers import RawServer


@dataclass
class Run:
    """``cli(*args, stdin=b"", cwd=None, env=None)`` runs ``python -m tether *args``."""

    workdir: Path
    config: Path

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        environment = dict(os.environ, TETHER_CONFIG_DIR=str(self.config))
        environment.update(extra or {})
        return environment

    def __call__(
        self,
        *args: str,
        stdin: bytes = b"",
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        command: list[str] | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [*(command or [sys.executable, "-m", "tether"]), *args],
            input=stdin,
            capture_output=True,
            cwd=cwd or self.workdir,
            env=self.env(env),
            timeout=30,
            check=False,
        )


@pytest.fixture
def cli(tmp_path: Path) -> Run:
    workdir = tmp_path / "work"
    workdir.mkdir()
    return Run(workdir=workdir, config=tmp_path / "config")


def _json(result: subprocess.CompletedProcess[bytes]) -> Any:
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def _one_error_line(result: subprocess.CompletedProcess[bytes]) -> str:
    """The single ``tether: error: ...`` line; never a traceback."""
    text = result.stderr.decode()
    assert "Traceback" not in text
    lines = text.splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("tether: error: "), text
    return lines[0]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- building requests -------------------------------------------------------------------


def test_query_items_and_headers(cli: Run, httpbin: Any) -> None:
    body = _json(cli(f"{httpbin.url}/get", "q==tether", "page==2", "-H", "X-One: 1", "X-Two:2"))
    assert body["args"] == {"q": "tether", "page": "2"}
    assert body["headers"]["X-One"] == "1"
    assert body["headers"]["X-Two"] == "2"
    assert body["headers"]["User-Agent"].startswith("python-tether/")


def test_empty_header_value_removes_a_default_header(cli: Run, httpbin: Any) -> None:
    body = _json(cli(f"{httpbin.url}/headers", "-H", "Accept:"))
    assert "Accept" not in body["headers"]


def test_form_fields_make_a_post(cli: Run, httpbin: Any) -> None:
    body = _json(cli(f"{httpbin.url}/post", "name=ann", "city=Lyon"))
    assert body["form"] == {"name": "ann", "city": "Lyon"}
    assert body["headers"]["Content-Type"] == "application/x-www-form-urlencoded"


def test_raw_json_items_make_a_json_body(cli: Run, httpbin: Any) -> None:
    body = _json(cli("PUT", f"{httpbin.url}/put", "name=pen", "price:=1.5", 'tags:=["a","b"]'))
    assert body["json"] == {"name": "pen", "price": 1.5, "tags": ["a", "b"]}
    assert body["headers"]["Accept"].startswith("application/json")


def test_json_flag_sends_string_fields_as_json(cli: Run, httpbin: Any) -> None:
    body = _json(cli("--json", f"{httpbin.url}/post", "a=b"))
    assert body["json"] == {"a": "b"}


def test_lowercase_method_and_localhost_shorthand(cli: Run, httpbin: Any) -> None:
    port = httpbin.url.rsplit(":", 1)[1]
    body = _json(cli("delete", f":{port}/delete", "x==1"))
    assert body["args"] == {"x": "1"}
    assert body["url"].startswith("http://localhost:")


def test_file_upload_is_multipart(cli: Run, httpbin: Any) -> None:
    (cli.workdir / "notes.txt").write_text("hello upload")
    body = _json(cli(f"{httpbin.url}/post", "doc@notes.txt", "kind=text"))
    assert body["files"] == {"doc": "hello upload"}
    assert body["form"] == {"kind": "text"}
    assert body["headers"]["Content-Type"].startswith("multipart/form-data; boundary=")


def test_raw_body_from_stdin(cli: Run, httpbin: Any) -> None:
    body = _json(cli("--raw", "@-", f"{httpbin.url}/post", stdin=b"\x00\x01 raw bytes"))
    assert body["data"] == "\x00\x01 raw bytes"


@pytest.mark.parametrize(
    ("auth_type", "path", "expected"),
    [
        ("basic", "basic-auth/ann/s3cret", 0),
        ("digest", "digest-auth/auth/ann/s3cret", 0),
        ("basic", "basic-auth/ann/other", 4),
    ],
)
def test_auth(cli: Run, httpbin: Any, auth_type: str, path: str, expected: int) -> None:
    result = cli("--auth", "ann:s3cret", "--auth-type", auth_type, f"{httpbin.url}/{path}")
    assert result.returncode == expected, result.stderr.decode()
    if expected == 0:
        assert json.loads(result.stdout) == {"authenticated": True, "user": "ann"}


def test_proxy_is_used(cli: Run, httpbin: Any, proxy_server: ProxyProcess) -> None:
    body = _json(cli("--proxy", proxy_server.http_url, f"{httpbin.url}/get"))
    assert body["url"].endswith("/get")
    # The same request through a proxy that is not listening fails as a proxy error.
    result = cli("--proxy", f"http://127.0.0.1:{_closed_port()}", f"{httpbin.url}/get")
    assert result.returncode == 6
    assert "proxy" in _one_error_line(result)


# -- output ---------------------------------------------------------------------------------


def test_piped_body_is_byte_exact(cli: Run, httpbin: Any) -> None:
    import tether

    url = f"{httpbin.url}/bytes/70000?seed=7"
    result = cli(url)
    assert result.returncode == 0
    assert result.stdout == tether.get(url, timeout=10).content
    assert result.stderr == b""


def test_verbose_prints_both_header_blocks_to_stderr(cli: Run, httpbin: Any) -> None:
    result = cli("-v", f"{httpbin.url}/redirect/1", "-H", "X-Trace: on")
    assert result.returncode == 0
    err = result.stderr.decode()
    assert "> GET /redirect/1 HTTP/1.1" in err
    assert "< HTTP/1.1 302 FOUND" in err
    assert "> GET /get HTTP/1.1" in err
    assert "> X-Trace: on" in err
    assert "< HTTP/1.1 200 OK" in err
    assert json.loads(result.stdout)["url"].endswith("/get")  # stdout is the body only


def test_head_prints_no_body(cli: Run, httpbin: Any) -> None:
    result = cli("HEAD", f"{httpbin.url}/get")
    assert (result.returncode, result.stdout) == (0, b"")


def test_output_streams_to_a_file_without_progress_when_piped(cli: Run, httpbin: Any) -> None:
    result = cli("-o", "out.bin", f"{httpbin.url}/bytes/100000?seed=3")
    assert result.returncode == 0, result.stderr
    target = cli.workdir / "out.bin"
    assert target.stat().st_size == 100000
    assert result.stdout == b""
    assert result.stderr.decode() == f"tether: saved 100000 bytes to {Path('out.bin')}\n"
    assert [p.name for p in cli.workdir.iterdir()] == ["out.bin"]  # no .part left


def test_download_names_the_file_safely(cli: Run, httpbin: Any) -> None:
    hostile = 'attachment; filename="../../evil.txt"'
    url = f"{httpbin.url}/response-headers?Content-Disposition={hostile}"
    result = cli("--download", url)
    assert result.returncode == 0, result.stderr
    workdir: Path = cli.workdir
    assert sorted(p.name for p in workdir.iterdir()) == ["evil.txt"]
    assert not (workdir.parent / "evil.txt").exists()
    # A second download never overwrites the first.
    assert cli("--download", url).returncode == 0
    assert sorted(p.name for p in workdir.iterdir()) == ["evil.txt", "evil.txt-1"]


def test_download_of_an_error_page_writes_no_file(cli: Run, httpbin: Any) -> None:
    result = cli("-o", "page.html", f"{httpbin.url}/status/404")
    assert result.returncode == 4
    assert list(cli.workdir.iterdir()) == []
    assert result.stderr.decode().strip() == "tether: HTTP 404 NOT FOUND"


def _on_terminal(cli: Run, stream: str, *args: str) -> tuple[int, str, bytes]:
    """Run with ``stream`` ("stdout" or "stderr") on a pseudo-terminal; the other is piped."""
    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the child side is closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    env = cli.env()
    proc = subprocess.run(
        [sys.executable, "-m", "tether", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave if stream == "stdout" else subprocess.PIPE,
        stderr=slave if stream == "stderr" else subprocess.PIPE,
        cwd=cli.workdir,
        env=env,
        timeout=30,
        check=False,
    )
    os.close(slave)
    reader.join(5)
    os.close(master)
    other = proc.stderr if stream == "stdout" else proc.stdout
    return proc.returncode, b"".join(chunks).decode().replace("\r\n", "\n"), other


def test_progress_bar_on_a_terminal(cli: Run, httpbin: Any) -> None:
    code, shown, _ = _on_terminal(cli, "stderr", "-o", "big.bin", f"{httpbin.url}/bytes/100000")
    assert code == 0
    assert "[##############################] 100%" in shown
    assert "saved 100000 bytes" in shown


def test_terminal_shows_text_and_hides_binary(cli: Run, httpbin: Any) -> None:
    code, shown, _ = _on_terminal(cli, "stdout", f"{httpbin.url}/get", "a==1")
    assert code == 0
    assert '"args": {\n    "a": "1"\n  }' in shown  # JSON, indented
    code, shown, err = _on_terminal(cli, "stdout", f"{httpbin.url}/bytes/5000?seed=1")
    assert (code, shown) == (0, "")
    assert err == b"tether: binary body not shown; use --output FILE to save it\n"


# -- sessions on disk -------------------------------------------------------------------------


def test_session_keeps_cookies_and_headers_between_runs(cli: Run, httpbin: Any) -> None:
    first = cli("--session", "work", f"{httpbin.url}/cookies/set?sid=abc", "-H", "X-Token: t0k")
    assert _json(first) == {"cookies": {"sid": "abc"}}

    files = list(cli.config.rglob("*.json"))
    assert len(files) == 1
    assert files[0].parent.name == f"127.0.0.1_{httpbin.port}"
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    document = json.loads(files[0].read_text())  # JSON, never pickle
    assert document["format"] == "tether-session"

    headers = _json(cli("--session", "work", f"{httpbin.url}/headers"))["headers"]
    assert headers["Cookie"] == "sid=abc"
    assert headers["X-Token"] == "t0k"

    # A session is kept per host: the same name for another host starts empty.
    other = _json(cli("--session", "work", f"http://localhost:{httpbin.port}/headers"))
    assert "Cookie" not in other["headers"]
    assert "X-Token" not in other["headers"]


def test_session_by_path_and_hostile_file(cli: Run, httpbin: Any) -> None:
    path = cli.workdir / "mine.json"
    assert cli("--session", str(path), f"{httpbin.url}/cookies/set?a=1").returncode == 0
    assert json.loads(path.read_text())["format"] == "tether-session"

    path.write_text('{"format": "tether-session", "version": 999')
    result = cli("--session", str(path), f"{httpbin.url}/get")
    assert result.returncode == 1
    assert "cannot load session file" in _one_error_line(result)


# -- exit codes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "options", "expected"),
    [
        ("status/200", (), 0),
        ("redirect/2", (), 0),  # followed
        ("redirect/2", ("--no-follow",), 3),
        ("status/304", (), 3),
        ("status/404", (), 4),
        ("status/500", (), 5),
        ("redirect/4", ("--max-redirects", "2"), 8),
    ],
)
def test_exit_status(
    cli: Run, httpbin: Any, path: str, options: tuple[str, ...], expected: int
) -> None:
    result = cli(*options, f"{httpbin.url}/{path}")
    assert result.returncode == expected, result.stderr.decode()
    assert b"Traceback" not in result.stderr


def test_unfollowed_redirect_note_names_the_target(cli: Run, httpbin: Any) -> None:
    result = cli("--no-follow", f"{httpbin.url}/redirect-to?url=/get&status_code=307")
    assert result.returncode == 3
    assert result.stderr.decode().strip() == "tether: HTTP 307 TEMPORARY REDIRECT -> /get"
    assert cli("-q", "--no-follow", f"{httpbin.url}/redirect/1").stderr == b""


def test_connection_refused_is_exit_6(cli: Run) -> None:
    result = cli(f"http://127.0.0.1:{_closed_port()}/")
    assert result.returncode == 6
    line = _one_error_line(result)
    assert "connection to 127.0.0.1:" in line and "refused" in line.lower()


def test_timeout_is_exit_7(cli: Run, stall_server: RawServer) -> None:
    result = cli("--timeout", "0.3", stall_server.url_for("/slow"))
    assert result.returncode == 7
    assert "timed out after 0.3 s" in _one_error_line(result)


def test_too_many_redirects_message(cli: Run, httpbin: Any) -> None:
    result = cli("--max-redirects", "1", f"{httpbin.url}/redirect/3")
    assert result.returncode == 8
    assert _one_error_line(result) == "tether: error: too many redirects (more than 1)"


def test_tls_verification(cli: Run, httpbin_secure: Any) -> None:
    from pytest_httpbin import certs  # type: ignore[import-untyped]  # ships no types

    url = f"{httpbin_secure.url}/get"
    untrusted = cli(url)
    assert untrusted.returncode == 6
    assert "certificate verify failed" in _one_error_line(untrusted)
    assert _json(cli("--ca-bundle", certs.where(), url))["url"] == url
    insecure = cli("--no-verify", url)
    assert insecure.returncode == 0
    assert insecure.stderr == b""  # urllib3's InsecureRequestWarning is not repeated


@pytest.mark.parametrize("args", [(), ("--no-such-option", "http://127.0.0.1:1/")])
def test_usage_errors_are_exit_2(cli: Run, args: tuple[str, ...]) -> None:
    # More usage errors are checked in-process in test_parsing.py.
    result = cli(*args)
    assert result.returncode == 2, result.stderr.decode()
    assert b"Traceback" not in result.stderr
    assert result.stderr.startswith(b"usage: tether")


# -- help, version, demo, the console script -------------------------------------------------


def test_help_lists_examples_and_exit_codes(cli: Run) -> None:
    result = cli("--help")
    assert result.returncode == 0
    text = result.stdout.decode()
    assert "examples:" in text and "tether POST :8000/login" in text
    assert "exit codes:" in text and "7 timeout" in text


def test_version(cli: Run) -> None:
    result = cli("--version")
    assert result.returncode == 0
    assert result.stdout.decode().startswith("tether ")


def test_demo_runs_and_exits_0(cli: Run) -> None:
    result = cli("demo")
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    out = result.stdout.decode()
    assert "every step behaved as described" in out
    assert re.search(r"session\.get: +1 connection\(s\)", out), out
    assert "Session.load(path).get('/me'): 200, logged_in=True" in out
    assert result.stderr == b""


def test_console_script(cli: Run, httpbin: Any) -> None:
    script = shutil.which("tether", path=os.path.dirname(sys.executable))
    if script is None:
        pytest.skip("the tether console script is not installed next to this interpreter")
    assert _json(cli(f"{httpbin.url}/get", "a==1", command=[script]))["args"] == {"a": "1"}
