"""A real forward proxy for tests: pproxy in a child process on a loopback port.

pproxy serves HTTP forward proxying (absolute-form requests), HTTP CONNECT, SOCKS4 and
SOCKS5 on one port (not SOCKS4a: it ignores the host name a 4a client sends). With
credentials it requires them on every request: pproxy otherwise remembers an authenticated
client IP for 30 days (``--auth``), which would make "missing credentials" tests pass by
accident, so it runs with ``--auth 0``. pproxy's SOCKS4 listener does not accept the
credentials form, so the authenticated proxy offers HTTP and SOCKS5 URLs only.

Quirk to know: pproxy looks up the ``Proxy-Authorization`` header case-sensitively, spelt
exactly so (as requests sends it). urllib3's ``make_headers(proxy_basic_auth=...)`` spells
it in lower case, which pproxy neither accepts nor strips.

The child is started with the current interpreter (`sys.executable -m pproxy`), waited on
until its port accepts connections, and terminated (then killed) at `stop()`.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import tempfile
import time
from types import TracebackType

__all__ = ["ProxyProcess"]

_START_TIMEOUT = 15.0
_STOP_TIMEOUT = 5.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ProxyProcess:
    """pproxy listening on ``127.0.0.1:PORT`` for http, socks4 and socks5."""

    host = "127.0.0.1"

    def __init__(self, auth: tuple[str, str] | None = None) -> None:
        self.auth = auth
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        # Closed in stop(); it must outlive start() because the child writes to it.
        self._log = tempfile.TemporaryFile()  # noqa: SIM115

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> ProxyProcess:
        last_error = ""
        for _ in range(3):  # the free port can be taken between probe and bind: retry
            self.port = _free_port()
            listen = f"http+socks4+socks5://{self.host}:{self.port}"
            if self.auth is not None:
                listen += f"#{self.auth[0]}:{self.auth[1]}"
            self._process = subprocess.Popen(
                [sys.executable, "-m", "pproxy", "--auth", "0", "-l", listen],
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
            )
            if self._wait_ready():
                return self
            last_error = self.log()
            self._terminate()
        raise RuntimeError(f"pproxy did not start: {last_error}")

    def _wait_ready(self) -> bool:
        assert self._process is not None
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return False
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return True
            except OSError:
                time.sleep(0.02)
        return False

    def _terminate(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(_STOP_TIMEOUT)

    def stop(self) -> None:
        self._terminate()
        with contextlib.suppress(OSError):
            self._log.close()

    def __enter__(self) -> ProxyProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def log(self) -> str:
        """What pproxy printed so far (for failure messages)."""
        with contextlib.suppress(OSError, ValueError):
            self._log.seek(0)
            return self._log.read().decode("utf-8", "replace")
        return ""

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # -- URLs ----------------------------------------------------------------------------

    def url(self, scheme: str = "http", *, with_auth: bool = True) -> str:
        """``scheme://[user:pass@]127.0.0.1:PORT`` (credentials only if the proxy has them)."""
        userinfo = ""
        if with_auth and self.auth is not None:
            userinfo = f"{self.auth[0]}:{self.auth[1]}@"
        return f"{scheme}://{userinfo}{self.host}:{self.port}"

    @property
    def http_url(self) -> str:
        return self.url("http")

    @property
    def socks5_url(self) -> str:
        return self.url("socks5")

    @property
    def socks5h_url(self) -> str:
        return self.url("socks5h")

    @property
    def socks4_url(self) -> str:
        if self.auth is not None:
            raise RuntimeError("pproxy's SOCKS4 listener cannot take credentials")
        return self.url("socks4")
