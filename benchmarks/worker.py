"""One measurement in a fresh process: ``worker.py CASE CLIENT BASE_URL [options]``.

Prints one JSON object: ``{"ok": true, "metrics": {...}}`` or ``{"ok": false, "error": ...}``.
A fresh process per measurement keeps clients from sharing imports, caches or heap, and makes
``ru_maxrss`` (the process's peak resident set) a clean measure of a case's peak memory: the
harness records how much the peak grew during the timed operation alone.

CPU time is `time.process_time()` of this process (every thread of it), so the server's
work, done in another process, is not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import threading
import time
import traceback
from collections.abc import Callable

from clients import ClientUnavailable, make_client

MiB = 1 << 20


def _peak_mib() -> float:
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / MiB


def _per_request(run: Callable[[], object], n: int) -> dict[str, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        run()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"cpu_us_per_req": cpu / n * 1e6, "req_per_s": n / wall}


def _transfer(run: Callable[[], int], size: int) -> dict[str, float]:
    before = _peak_mib()
    wall = time.perf_counter()
    got = run()
    wall = time.perf_counter() - wall
    if got < size:
        raise AssertionError(f"expected at least {size} bytes, got {got}")
    return {"mib_per_s": size / MiB / wall, "peak_growth_mib": _peak_mib() - before}


def run_case(args: argparse.Namespace) -> dict[str, float]:
    client = make_client(args.client)
    base = args.base.rstrip("/")
    try:
        if args.case == "small":
            url = base + "/small"
            for _ in range(args.warmup):
                body = client.get(url)
            if len(body) != 100:
                raise AssertionError(f"/small returned {len(body)} bytes")
            return _per_request(lambda: client.get(url), args.n)

        if args.case == "cookie":
            url = base + "/cookie"
            client.get(url)  # receives the cookie
            for _ in range(args.warmup):
                body = client.get(url)
            if body != b"cookie=1":
                raise AssertionError(f"cookie did not round-trip: {body!r}")
            return _per_request(lambda: client.get(url), args.n)

        if args.case in ("content", "iter_content"):
            client.get(base + "/small")  # connect before measuring
            url = f"{base}/bytes/{args.size}"
            if args.case == "content":
                return _transfer(lambda: client.content_length(url), args.size)
            return _transfer(lambda: client.stream_length(url, 65536), args.size)

        if args.case == "upload":
            client.get(base + "/small")
            size = os.path.getsize(args.file)

            def upload() -> int:
                return int(client.upload(base + "/upload", args.file))

            return _transfer(upload, size)

        if args.case == "threads":
            url = base + "/small"
            client.get(url)
            barrier = threading.Barrier(args.threads + 1)
            failures: list[BaseException] = []

            def work() -> None:
                barrier.wait()
                try:
                    for _ in range(args.n):
                        if len(client.get(url)) != 100:
                            raise AssertionError("short /small body")
                except BaseException as exc:  # reported below
                    failures.append(exc)

            threads = [threading.Thread(target=work) for _ in range(args.threads)]
            for thread in threads:
                thread.start()
            cpu, wall = time.process_time(), time.perf_counter()
            barrier.wait()
            for thread in threads:
                thread.join()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            if failures:
                raise failures[0]
            total = args.n * args.threads
            return {"req_per_s": total / wall, "cpu_us_per_req": cpu / total * 1e6}

        raise ValueError(f"unknown case {args.case!r}")
    finally:
        client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("case")
    parser.add_argument("client")
    parser.add_argument("base")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--size", type=int, default=100 * MiB)
    parser.add_argument("--file", default="")
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    try:
        result: dict[str, object] = {"ok": True, "metrics": run_case(args)}
    except ClientUnavailable as exc:
        result = {"ok": False, "error": str(exc)}
    except Exception as exc:
        result = {
            "ok": False,
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(),
        }
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
