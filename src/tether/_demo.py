"""The demo behind ``python -m tether demo``: one Session against an embedded loopback server.

It starts a small threaded HTTP server on 127.0.0.1 (an ephemeral port), then walks a single
Session through what tether is for and prints a short report. Nothing leaves the machine.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO
from urllib.parse import parse_qs, urlsplit

from ._progress import ProgressBar

#: The session's timeout, and how long /slow takes to answer (longer, so the timeout fires).
_TIMEOUT = 0.4
_SLOW = 0.9
_DOWNLOAD_SIZE = 8 * 1024 * 1024


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
            time.sleep(_SLOW)
            self._json({"slow": True})
        elif url.path.startswith("/bytes/"):
            size = int(url.path.rsplit("/", 1)[1])
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            # ?pace=S spreads the body over about S seconds, so that a progress bar on a
            # terminal has something to show; without it, bytes go out as fast as they can.
            pace = float(parse_qs(url.query).get("pace", ["0"])[0])
            block = b"\x00" * 65536
            pause = min(pace * len(block) / size, 0.05) if size else 0.0
            remaining = size
            while remaining:
                n = min(remaining, len(block))
                self.wfile.write(block[:n])
                remaining -= n
                if pause:
                    time.sleep(pause)
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
    """Run the demo and print its report to ``out`` (stdout by default).

    Returns 0 when every step behaved as described, 1 otherwise (each surprise is printed).
    """
    import tether

    stream = out if out is not None else sys.stdout
    problems: list[str] = []

    def say(text: str = "") -> None:
        print(text, file=stream)

    def check(ok: bool, what: str) -> None:
        if not ok:
            problems.append(what)
            say(f"  !! unexpected: {what}")

    def step(title: str, fn: Callable[[], None]) -> None:
        say(f"\n== {title}")
        fn()

    server = _DemoServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    say(f"tether {tether.__tether_version__} demo (requests API {tether.__version__})")
    say(f"embedded server: {server.url} (loopback only)")

    seen_by_hook: list[str] = []

    def log_hook(response: tether.Response, **kwargs: Any) -> None:
        elapsed = response.elapsed.total_seconds() * 1000
        seen_by_hook.append(
            f"{response.request.method} {urlsplit(response.url).path} -> "
            f"{response.status_code} in {elapsed:.1f} ms"
        )

    session = tether.Session(
        base_url=server.url,
        headers={"X-Client": "tether-demo"},
        auth=("demo", "pa55"),
        timeout=_TIMEOUT,
        hooks={"response": log_hook},
    )
    try:

        def defaults() -> None:
            say(
                "  Session(base_url=..., headers={'X-Client': ...}, auth=('demo', ...), "
                f"timeout={_TIMEOUT})"
            )
            echoed = session.get("/echo", params={"q": "one"}).json()
            headers = echoed["headers"]
            say("  GET /echo?q=one  (relative URL, joined to base_url)")
            say(f"    User-Agent     {headers.get('User-Agent')}")
            say(f"    X-Client       {headers.get('X-Client')}   (session header)")
            say(f"    Authorization  {headers.get('Authorization')}   (session auth)")
            check(headers.get("X-Client") == "tether-demo", "the session header was not sent")
            check("Authorization" in headers, "the session auth was not sent")
            start = time.perf_counter()
            try:
                session.get("/slow")
                check(False, "/slow answered although it takes longer than the timeout")
            except tether.Timeout as error:
                took = time.perf_counter() - start
                say(
                    f"  GET /slow (the server waits {_SLOW} s): {type(error).__name__} after "
                    f"{took:.2f} s, from the session's timeout (requests ignores it)"
                )

        def cookies() -> None:
            r = session.get("/login")
            hops = " -> ".join(str(h.status_code) for h in [*r.history, r])
            say(f"  GET /login: {hops}, ending at {urlsplit(r.url).path}")
            logged_in = r.json()["logged_in"]
            say(f"  cookie set by the 302 and sent to /me after it: logged_in={logged_in}")
            say(f"  the session's jar now holds {session.cookies.get_dict()}")
            check(logged_in is True, "the cookie from the redirect was not sent on")

        def pooling() -> None:
            n = 50
            server.connections.clear()
            start = time.perf_counter()
            for _ in range(n):
                session.get("/echo")
            pooled = (time.perf_counter() - start) / n * 1000
            pooled_conns = len(server.connections)
            server.connections.clear()
            start = time.perf_counter()
            for _ in range(n):
                tether.get(f"{server.url}/echo", timeout=_TIMEOUT)
            fresh = (time.perf_counter() - start) / n * 1000
            fresh_conns = len(server.connections)
            say(
                f"  {n} x session.get:  {pooled_conns:>2} connection(s), {pooled:.2f} ms per request"
            )
            say(f"  {n} x tether.get:   {fresh_conns:>2} connection(s), {fresh:.2f} ms per request")
            say("  (the session keeps its connection open and reuses it)")
            check(pooled_conns == 1, f"the session used {pooled_conns} connections, not 1")

        def download() -> None:
            size = _DOWNLOAD_SIZE
            interactive = stream.isatty()
            pace = "?pace=0.5" if interactive else ""  # a bar worth watching on a terminal
            with session.get(f"/bytes/{size}{pace}", stream=True) as r:
                bar = ProgressBar(stream, size, prefix="  ")
                for chunk in r.iter_content(256 * 1024):
                    if interactive:
                        bar.update(len(chunk))
                    else:
                        bar.done += len(chunk)
                if interactive:
                    bar.finish()
                else:
                    say("  " + bar.render(time.perf_counter()))
            say(f"  streamed {bar.done} bytes in 256 KiB chunks; never more than one in memory")
            check(bar.done == size, f"received {bar.done} of {size} bytes")

        def hooks() -> None:
            say(f"  the session's response hook saw {len(seen_by_hook)} responses; the last three:")
            for line in seen_by_hook[-3:]:
                say(f"    {line}")
            check(len(seen_by_hook) > 50, "the hook missed responses")

        def persistence() -> None:
            _save_and_restore(session, server, say, check)

        step("1. Defaults set once on the Session apply to every request", defaults)
        step("2. Cookies persist across a redirect", cookies)
        step("3. Connection pooling", pooling)
        step("4. A streamed download with a progress bar", download)
        step("5. A response hook", hooks)
        step("6. The session saved, restored and reused", persistence)
    finally:
        session.close()
        server.shutdown()
        server.server_close()
    if problems:
        say(f"\ndemo finished with {len(problems)} unexpected result(s).")
        return 1
    say("\ndemo finished: every step behaved as described, against 127.0.0.1 only.")
    return 0


def _save_and_restore(
    session: Any,
    server: _DemoServer,
    say: Callable[[str], None],
    check: Callable[[bool, str], None],
) -> None:
    """Step 6: write the session to a JSON file, load it into a new Session, use it."""
    import tether

    if not hasattr(session, "save") or not hasattr(tether.Session, "load"):
        say("  skipped: this build of tether has no Session.save / Session.load yet")
        return
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "demo-session.json")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            session.save(path)
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        mode = stat.S_IMODE(os.stat(path).st_mode)
        say(f"  session.save(path): {len(text)} bytes of JSON, file mode {mode:o}")
        say(f"  credentials in the file: {'yes' if 'pa55' in text else 'no (not asked for)'}")
        for warning in caught:
            # The hook: a file holds data, never code, so functions are left out (and said so).
            say(f"  left out, with a warning: {str(warning.message).partition(': ')[2]}")
        restored = tether.Session.load(path)
    with restored:
        r = restored.get("/me")  # relative: the restored base_url resolves it
        me = r.json()
        say(f"  Session.load(path).get('/me'): {r.status_code}, logged_in={me['logged_in']}")
        say(
            f"  restored: header X-Client={restored.headers.get('X-Client')}, "
            f"timeout={restored.timeout}, {len(restored.cookies)} cookie(s)"
        )
        check(me["logged_in"] is True, "the restored session did not send its cookie")
        check(restored.headers.get("X-Client") == "tether-demo", "a header was not restored")
