"""The demo behind ``python -m tether demo``: one Session against an embedded loopback server.

It starts a small threaded HTTP server on 127.0.0.1 (an ephemeral port), then walks a single
Session through what tether is for and prints a short report. Nothing leaves the machine.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO
from urllib.parse import parse_qs, urlsplit


class _DemoHandler(BaseHTTPRequestHandler):
    """Endpoints: /echo, /login (sets a cookie, redirects), /me, /slow, /bytes/N."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server: _DemoServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> None:
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        self._send(status, json.dumps(payload).encode(), hdrs)

    def do_GET(self) -> None:
        self.server.record(self)
        url = urlsplit(self.path)
        if url.path == "/echo":
            self._json({"headers": dict(self.headers.items()), "query": parse_qs(url.query)})
        elif url.path == "/login":
            self._send(
                302, b"", {"Location": "/me", "Set-Cookie": "session=s3cr3t; Path=/; HttpOnly"}
            )
        elif url.path == "/me":
            cookie = self.headers.get("Cookie", "")
            self._json({"logged_in": "session=s3cr3t" in cookie, "cookie": cookie})
        elif url.path == "/slow":
            time.sleep(1.0)
            self._json({"slow": True})
        elif url.path.startswith("/bytes/"):
            size = int(url.path.rsplit("/", 1)[1])
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            block = b"\x00" * 65536
            remaining = size
            while remaining:
                n = min(remaining, len(block))
                self.wfile.write(block[:n])
                remaining -= n
        else:
            self._json({"error": "not found"}, status=404)


class _DemoServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _DemoHandler)
        self.connections: set[tuple[str, int]] = set()
        self._lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (the timeout step) closes its end; that is expected here.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)

    def record(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.connections.add(handler.client_address)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


def run(out: TextIO | None = None) -> int:
    """Run the demo and print its report to ``out`` (stdout by default); return 0 on success."""
    import tether

    stream = out if out is not None else sys.stdout

    def say(text: str = "") -> None:
        print(text, file=stream)

    def step(title: str, fn: Callable[[], None]) -> None:
        say(f"\n== {title}")
        fn()

    server = _DemoServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    say(f"tether {tether.__tether_version__} demo (requests API {tether.__version__})")
    say(f"embedded server: {server.url} (loopback only)")

    seen_hooks: list[str] = []

    def log_hook(response: tether.Response, **kwargs: Any) -> None:
        seen_hooks.append(
            f"{response.request.method} {urlsplit(response.url).path} -> {response.status_code}"
        )

    session = tether.Session(
        base_url=server.url,
        headers={"X-Client": "tether-demo"},
        auth=("demo", "pa55"),
        timeout=0.5,
        hooks={"response": log_hook},
    )
    try:

        def defaults() -> None:
            echoed = session.get("/echo", params={"q": "one"}).json()
            headers = echoed["headers"]
            say(f"  User-Agent     {headers.get('User-Agent')}")
            say(f"  X-Client       {headers.get('X-Client')}   (session header)")
            say(f"  Authorization  {headers.get('Authorization')}   (session auth)")
            say(f"  query          {echoed['query']}")

        def cookies() -> None:
            r = session.get("/login")
            say(
                f"  GET /login -> {[h.status_code for h in r.history]} then {r.status_code} at {urlsplit(r.url).path}"
            )
            say(f"  cookie set by the 302 and sent after it: logged_in={r.json()['logged_in']}")
            say(f"  session jar now holds: {session.cookies.get_dict()}")

        def pooling() -> None:
            server.connections.clear()
            n = 50
            start = time.perf_counter()
            for _ in range(n):
                session.get("/echo")
            per = (time.perf_counter() - start) / n * 1000
            say(
                f"  {n} requests over {len(server.connections)} connection(s), {per:.2f} ms per request"
            )

        def timeout() -> None:
            start = time.perf_counter()
            try:
                session.get("/slow")
                say("  unexpected: /slow answered within the session timeout")
            except tether.Timeout as error:
                took = time.perf_counter() - start
                say(f"  session timeout=0.5 applied: {type(error).__name__} after {took:.2f} s")

        def download() -> None:
            size = 8 * 1024 * 1024
            with session.get(f"/bytes/{size}", stream=True) as r:
                got = 0
                width = 30
                interactive = stream.isatty()
                last_quarter = 0
                for chunk in r.iter_content(256 * 1024):
                    got += len(chunk)
                    done = int(width * got / size)
                    bar = f"  [{'#' * done}{'.' * (width - done)}] {got // 1024:>6} KiB"
                    if interactive:
                        stream.write("\r" + bar)
                        stream.flush()
                    elif got * 4 // size > last_quarter:
                        last_quarter = got * 4 // size
                        say(bar)
            if interactive:
                say("")
            say(f"  streamed {got} bytes in 256 KiB chunks")

        def hooks() -> None:
            say(f"  the response hook saw {len(seen_hooks)} responses; last three:")
            for line in seen_hooks[-3:]:
                say(f"    {line}")

        step("1. Session defaults applied to every request", defaults)
        step("2. Cookies persist across a redirect", cookies)
        step("3. Connection pooling", pooling)
        step("4. The session's timeout really applies", timeout)
        step("5. Streamed download", download)
        step("6. Response hooks", hooks)
    finally:
        session.close()
        server.shutdown()
        server.server_close()
    say("\ndemo finished: all steps ran against 127.0.0.1 only.")
    return 0
