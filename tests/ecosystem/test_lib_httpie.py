"""HTTPie's command line on tether.

Each test runs ``http`` in a fresh interpreter whose first action is
``tether.install_as_requests()``, then ``runpy.run_module("httpie")``, the way a user would
put tether under an installed CLI. HTTPie mounts its own ``HTTPAdapter`` subclass
(``ssl_context`` through ``init_poolmanager``/``proxy_manager_for``, ``cert_verify``),
prints the exchange from ``response.raw._original_response``, uploads through
requests-toolbelt, keeps sessions in a ``RequestsCookieJar`` and downloads by streaming
``response.raw``. The servers are loopback servers of this test process. This module is
also run under ``--tether-as-requests`` (see conftest.py), which the subprocesses do not
depend on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Protocol

import pytest

from tests.support.fixtures import RawServerFactory
from tests.support.servers import Connection, RawRequest, RawServer, echo_handler, http_response

_RUN_HTTPIE = """
import sys
import tether
tether.install_as_requests()
import runpy
try:
    runpy.run_module("httpie", run_name="__main__", alter_sys=True)
finally:
    names = {
        name: getattr(module, "__name__", "")
        for name, module in list(sys.modules.items())
        if name == "requests" or name.startswith("requests.")
    }
    ours = ("tether", "urllib3", "idna", "charset_normalizer")
    foreign = sorted(name for name, real in names.items() if not real.startswith(ours))
    is_tether = sys.modules.get("requests") is tether
    sys.stderr.write(f"[switch] requests is tether: {is_tether}; foreign: {foreign}\\n")
"""

_SWITCH_OK = "[switch] requests is tether: True; foreign: []"


class Httpie(Protocol):
    def __call__(self, *args: str, expect_status: int = 0) -> str: ...


@pytest.fixture
def http(tmp_path: Path) -> Httpie:
    config_dir = tmp_path / "httpie-config"
    config_dir.mkdir()
    # No background update check (it would reach the internet).
    (config_dir / "config.json").write_text(json.dumps({"disable_update_warnings": True}))
    env = dict(os.environ, HTTPIE_CONFIG_DIR=str(config_dir), HOME=str(tmp_path))

    def run(*args: str, expect_status: int = 0) -> str:
        done = subprocess.run(
            [sys.executable, "-c", _RUN_HTTPIE, "--ignore-stdin", "--pretty=none", *args],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert _SWITCH_OK in done.stderr, done.stderr
        assert done.returncode == expect_status, f"{done.stdout}\n{done.stderr}"
        return done.stdout

    return run


@pytest.fixture
def echo(raw_server: RawServerFactory) -> RawServer:
    return raw_server(echo_handler)


def test_get_prints_both_messages(http: Httpie, echo: RawServer) -> None:
    out = http("--print=HhBb", "GET", echo.url_for("/items"), "q==search term", "X-Api:k1")
    # The request head as HTTPie prepared it, and the response head HTTPie reads from
    # raw._original_response (HTTP version, status line, headers in order).
    assert "GET /items?q=search+term HTTP/1.1" in out
    assert "X-Api: k1" in out
    assert "User-Agent: HTTPie/" in out
    assert "HTTP/1.1 200 OK" in out
    assert "Content-Type: application/json" in out
    (received,) = echo.requests
    assert received.target == "/items?q=search+term"
    assert received.header("X-Api") == b"k1"


def test_json_and_form_bodies(http: Httpie, echo: RawServer, tmp_path: Path) -> None:
    http("POST", echo.url_for("/json"), "name=ada", "age:=36", "tags:=[1,2]")
    sent = echo.requests[-1]
    assert json.loads(sent.body) == {"name": "ada", "age": 36, "tags": [1, 2]}
    assert sent.header("Content-Type") == b"application/json"

    upload = tmp_path / "notes.txt"
    upload.write_bytes(b"file contents\n")
    http("--form", "POST", echo.url_for("/form"), "field=value", f"doc@{upload}")
    sent = echo.requests[-1]
    assert (sent.header("Content-Type") or b"").startswith(b"multipart/form-data; boundary=")
    assert b'name="doc"; filename="notes.txt"' in sent.body
    assert b"file contents\n" in sent.body and b"value" in sent.body


def test_chunked_upload(http: Httpie, echo: RawServer) -> None:
    http("--chunked", "POST", echo.url_for("/chunks"), "a=1")
    sent = echo.requests[-1]
    assert sent.header("Transfer-Encoding") == b"chunked"
    assert sent.chunks is not None and json.loads(sent.body) == {"a": "1"}


def test_download_streams_to_a_file(
    http: Httpie, raw_server: RawServerFactory, tmp_path: Path
) -> None:
    payload = bytes(range(256)) * 400

    def handler(request: RawRequest, conn: Connection) -> bytes:
        return http_response(200, payload, [("Content-Type", "application/octet-stream")])

    server = raw_server(handler)
    target = tmp_path / "out.bin"
    http("--download", "--output", str(target), server.url_for("/file.bin"))
    assert target.read_bytes() == payload


def test_https_with_a_ca_bundle(http: Httpie, raw_server: RawServerFactory, ca_bundle: str) -> None:
    server = raw_server(echo_handler, tls=True)
    out = http(f"--verify={ca_bundle}", "--print=hb", server.url_for("/secure"))
    assert "HTTP/1.1 200 OK" in out and '"/secure"' in out
    # Without the CA the certificate is refused (exit status 1, an SSL error).
    http(server.url_for("/secure"), expect_status=1)


def test_session_keeps_cookies_and_auth(http: Httpie, raw_server: RawServerFactory) -> None:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.path == "/login":
            return http_response(200, b"in", [("Set-Cookie", "sid=s3cr3t; Path=/")])
        cookie = (request.header("Cookie") or b"").decode()
        auth = (request.header("Authorization") or b"").decode()
        return http_response(200, json.dumps({"cookie": cookie, "auth": auth}).encode())

    server = raw_server(handler)
    http("--session=user1", "--auth=ada:pw", server.url_for("/login"))
    out = http("--session=user1", server.url_for("/me"))
    body = json.loads(out)
    assert body["cookie"] == "sid=s3cr3t"
    assert body["auth"].startswith("Basic ")


def test_follow_redirects_and_check_status(http: Httpie, raw_server: RawServerFactory) -> None:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.path == "/old":
            return http_response(302, headers=[("Location", "/new")])
        if request.path == "/missing":
            return http_response(404, b"nope")
        return http_response(200, b"arrived")

    server = raw_server(handler)
    out = http("--follow", "--all", "--print=hb", server.url_for("/old"))
    assert out.index("HTTP/1.1 302 Found") < out.index("HTTP/1.1 200 OK")
    assert "arrived" in out
    # --check-status maps a 4xx to exit status 4.
    http("--check-status", server.url_for("/missing"), expect_status=4)
