"""Client adapters: the same benchmark operations for raw urllib3, tether, requests and httpx.

Each adapter is built lazily inside a worker process, so a client that cannot be imported
(httpx not installed, tether's core not written yet) fails its own rows with a message and
leaves the others alone. Every adapter keeps one session-like object for its lifetime, the
way an application would, and every operation reads the whole response so that connections
go back to the pool.

The raw urllib3 adapter is the yardstick. It does by hand the least a client must do for
the same result: one `PoolManager` sized like requests' default adapter (10 connections
per host), `Retry(0, read=False)` as requests uses, the cookie echoed from the last
``Set-Cookie``, and a multipart upload streamed from the file with an exact Content-Length
(what a memory-bounded client should do; requests instead builds the whole body in memory).
"""

from __future__ import annotations

import importlib
import os
import uuid
from collections.abc import Iterator
from typing import Any

CHUNK = 65536
UPLOAD_READ = 1 << 20


class ClientUnavailable(Exception):
    """The client cannot be used in this environment (the message says why)."""


class Client:
    """The operations the benchmark cases use."""

    name = "client"

    def get(self, url: str) -> bytes:
        raise NotImplementedError

    def content_length(self, url: str) -> int:
        """GET and read the whole body at once (``.content``); return its length."""
        raise NotImplementedError

    def stream_length(self, url: str, chunk_size: int = CHUNK) -> int:
        """GET and consume the body in `chunk_size` pieces; return its length."""
        raise NotImplementedError

    def upload(self, url: str, path: str) -> bytes:
        """POST `path` as a multipart form file field named ``file``; return the body."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class Urllib3Client(Client):
    name = "urllib3"

    def __init__(self) -> None:
        import urllib3

        self._urllib3 = urllib3
        self.pool = urllib3.PoolManager(maxsize=10, retries=urllib3.Retry(0, read=False))
        self.cookie: str | None = None

    def get(self, url: str) -> bytes:
        headers = {"Cookie": self.cookie} if self.cookie else None
        response = self.pool.request("GET", url, headers=headers)
        set_cookie = response.headers.get("Set-Cookie")
        if set_cookie:
            self.cookie = set_cookie.split(";", 1)[0]
        return response.data

    def content_length(self, url: str) -> int:
        return len(self.pool.request("GET", url).data)

    def stream_length(self, url: str, chunk_size: int = CHUNK) -> int:
        response = self.pool.request("GET", url, preload_content=False)
        total = 0
        for chunk in response.stream(chunk_size):
            total += len(chunk)
        response.release_conn()
        return total

    def upload(self, url: str, path: str) -> bytes:
        boundary = uuid.uuid4().hex
        name = os.path.basename(path)
        head = (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        length = len(head) + os.path.getsize(path) + len(tail)

        def body() -> Iterator[bytes]:
            yield head
            with open(path, "rb") as handle:
                while block := handle.read(UPLOAD_READ):
                    yield block
            yield tail

        response = self.pool.request(
            "POST",
            url,
            body=body(),
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(length),
            },
        )
        return response.data

    def close(self) -> None:
        self.pool.clear()


class RequestsLikeClient(Client):
    """requests and anything importable as requests (tether)."""

    def __init__(self, module_name: str) -> None:
        self.name = module_name
        try:
            module: Any = importlib.import_module(module_name)
        except ImportError as exc:
            raise ClientUnavailable(f"cannot import {module_name}: {exc}") from exc
        if not hasattr(module, "Session"):
            raise ClientUnavailable(f"{module_name} has no Session yet")
        self.session: Any = module.Session()

    def get(self, url: str) -> bytes:
        content: bytes = self.session.get(url).content
        return content

    def content_length(self, url: str) -> int:
        return len(self.session.get(url).content)

    def stream_length(self, url: str, chunk_size: int = CHUNK) -> int:
        total = 0
        with self.session.get(url, stream=True) as response:
            for chunk in response.iter_content(chunk_size):
                total += len(chunk)
        return total

    def upload(self, url: str, path: str) -> bytes:
        with open(path, "rb") as handle:
            files = {"file": (os.path.basename(path), handle, "application/octet-stream")}
            content: bytes = self.session.post(url, files=files).content
        return content

    def close(self) -> None:
        self.session.close()


class HttpxClient(Client):
    name = "httpx"

    def __init__(self) -> None:
        try:
            httpx: Any = importlib.import_module("httpx")
        except ImportError as exc:
            raise ClientUnavailable(f"cannot import httpx: {exc}") from exc
        self.client: Any = httpx.Client()

    def get(self, url: str) -> bytes:
        content: bytes = self.client.get(url).content
        return content

    def content_length(self, url: str) -> int:
        return len(self.client.get(url).content)

    def stream_length(self, url: str, chunk_size: int = CHUNK) -> int:
        total = 0
        with self.client.stream("GET", url) as response:
            for chunk in response.iter_bytes(chunk_size):
                total += len(chunk)
        return total

    def upload(self, url: str, path: str) -> bytes:
        with open(path, "rb") as handle:
            files = {"file": (os.path.basename(path), handle, "application/octet-stream")}
            content: bytes = self.client.post(url, files=files).content
        return content

    def close(self) -> None:
        self.client.close()


#: Client names in column order; urllib3 first (the baseline).
CLIENT_NAMES = ("urllib3", "tether", "requests", "httpx")

#: What `import X` measures for each client.
IMPORT_MODULES = {
    "urllib3": "urllib3",
    "tether": "tether",
    "requests": "requests",
    "httpx": "httpx",
}


def make_client(name: str) -> Client:
    if name == "urllib3":
        return Urllib3Client()
    if name in ("tether", "requests"):
        return RequestsLikeClient(name)
    if name == "httpx":
        return HttpxClient()
    raise ValueError(f"unknown client {name!r}")
