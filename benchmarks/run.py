"""Benchmark harness: tether against raw urllib3 (and requests / httpx when installed).

``python benchmarks/run.py [--quick] [--cases small cookie ...] [--clients ...] [--json]``

Starts `server.py` in its own process, then runs every (case, client) measurement in a fresh
worker process (`worker.py`), round-robin: each round runs every case once per client, with
the client order rotated from round to round so that no client always goes first (warm
caches, CPU frequency). It prints the median of the rounds and each client's cost ratio to
raw urllib3: ``value / urllib3`` for times and memory, ``urllib3 / value`` for rates, so a
ratio above 1.00 always means "costs more than urllib3" (tether's budget is 1.15).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_SRC = HERE.parent / "src"
MiB = 1 << 20

sys.path.insert(0, str(HERE))
from clients import CLIENT_NAMES, IMPORT_MODULES  # noqa: E402  (needs the path above)


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    lower_is_better: bool
    #: Below this baseline value a ratio means nothing (e.g. ~0 MiB of memory growth).
    ratio_floor: float = 0.0


CPU = Metric("cpu_us_per_req", "client CPU µs/req", True)
RPS = Metric("req_per_s", "req/s (wall)", False)
THROUGHPUT = Metric("mib_per_s", "MiB/s", False)
PEAK = Metric("peak_growth_mib", "peak RSS growth MiB", True, ratio_floor=4.0)
IMPORT = Metric("import_ms", "import ms (fresh interpreter)", True)


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    metrics: tuple[Metric, ...]


CASES: dict[str, Case] = {
    case.name: case
    for case in (
        Case("small", "keep-alive GET /small (100 B) through one session", (CPU, RPS)),
        Case("cookie", "GET /cookie, cookie set and sent back each time", (CPU, RPS)),
        Case("content", "GET 100 MiB, read as .content", (THROUGHPUT, PEAK)),
        Case("iter_content", "GET 100 MiB, iter_content(65536)", (THROUGHPUT, PEAK)),
        Case("upload", "POST 100 MiB file as multipart (files=)", (THROUGHPUT, PEAK)),
        Case("threads", "8 threads sharing one session, GET /small", (RPS, CPU)),
        Case("import", "import the client in a fresh interpreter", (IMPORT,)),
    )
}


@dataclass(frozen=True)
class Settings:
    rounds: int
    n_small: int
    n_cookie: int
    warmup: int
    n_per_thread: int
    threads: int
    size: int


FULL = Settings(
    rounds=5, n_small=3000, n_cookie=2000, warmup=200, n_per_thread=400, threads=8, size=100 * MiB
)
QUICK = Settings(
    rounds=1, n_small=300, n_cookie=300, warmup=30, n_per_thread=40, threads=8, size=100 * MiB
)


@dataclass
class Cell:
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def median(self, key: str) -> float | None:
        values = self.samples.get(key)
        return statistics.median(values) if values else None


# -- processes -----------------------------------------------------------------------------


def worker_env() -> dict[str, str]:
    """The environment workers run in: tether from this checkout, no proxies."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    paths = [str(REPO_SRC), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    return env


@contextmanager
def bench_server(python: str) -> Iterator[str]:
    process = subprocess.Popen(
        [python, str(HERE / "server.py")], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 10)
        line = process.stdout.readline().decode() if ready else ""
        if not line.startswith("READY "):
            raise RuntimeError(f"benchmark server did not start (said {line!r})")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def run_worker(
    python: str, case: str, client: str, base: str, settings: Settings, upload_file: str
) -> dict[str, object]:
    n = {"small": settings.n_small, "cookie": settings.n_cookie}.get(case, settings.n_per_thread)
    command = [
        python, str(HERE / "worker.py"), case, client, base,
        "--n", str(n), "--warmup", str(settings.warmup), "--size", str(settings.size),
        "--threads", str(settings.threads), "--file", upload_file,
    ]  # fmt: skip
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=600, env=worker_env(), check=False
        )
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": "worker timed out"}
    lines = done.stdout.strip().splitlines()
    if not lines:
        return {"ok": False, "error": f"worker crashed: {done.stderr.strip()[-500:]}"}
    result: dict[str, object] = json.loads(lines[-1])
    return result


_IMPORT_CODE = (
    "import time; t = time.perf_counter(); import {module} as m; "
    "d = time.perf_counter() - t; import json; "
    "print(json.dumps({{'ms': d * 1000, 'ready': {check}}}))"
)


_COMPILE_CODE = (
    "import compileall, importlib.util, os; "
    "spec = importlib.util.find_spec({module!r}); "
    "compileall.compile_dir(os.path.dirname(spec.origin), quiet=1)"
)
_compiled: set[str] = set()


def run_import(python: str, client: str) -> dict[str, object]:
    module = IMPORT_MODULES[client]
    if module not in _compiled:
        # Measure what an installed package costs: pip writes bytecode at install time, but
        # a source checkout run with PYTHONDONTWRITEBYTECODE=1 would be compiled on every
        # import, which is not the cost a user pays.
        subprocess.run(
            [python, "-c", _COMPILE_CODE.format(module=module)],
            capture_output=True,
            timeout=120,
            env=worker_env(),
            check=False,
        )
        _compiled.add(module)
    check = "hasattr(m, 'Session')" if client in ("tether", "requests") else "True"
    code = _IMPORT_CODE.format(module=module, check=check)
    done = subprocess.run(
        [python, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env=worker_env(),
        check=False,
    )
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1:] or ["failed"]
        return {"ok": False, "error": f"import {module}: {reason[0]}"}
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    if not measured["ready"]:
        return {"ok": False, "error": f"{module} imports but has no Session yet"}
    return {"ok": True, "metrics": {"import_ms": measured["ms"]}}


# -- reporting -----------------------------------------------------------------------------


def ratio(metric: Metric, value: float, baseline: float | None) -> float | None:
    if baseline is None or baseline <= metric.ratio_floor or value <= 0:
        return None
    return value / baseline if metric.lower_is_better else baseline / value


def ratios(case_name: str, cells: dict[str, Cell], client: str) -> dict[str, float | None]:
    """Each metric's cost ratio to urllib3 for `client` (None where it means nothing)."""
    found: dict[str, float | None] = {}
    for metric in CASES[case_name].metrics:
        value = cells[client].median(metric.key)
        baseline = cells["urllib3"].median(metric.key) if "urllib3" in cells else None
        found[metric.key] = None if value is None else ratio(metric, value, baseline)
    return found


def format_value(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def render_table(results: dict[str, dict[str, Cell]], clients: Sequence[str]) -> str:
    header = ["case", "metric", *clients]
    rows = [header]
    notes: dict[str, str] = {}
    for case_name, cells in results.items():
        case = CASES[case_name]
        for metric in case.metrics:
            baseline = cells["urllib3"].median(metric.key) if "urllib3" in cells else None
            row = [case_name, metric.label]
            for client in clients:
                cell = cells[client]
                value = cell.median(metric.key)
                if value is None:
                    row.append("n/a")
                    if cell.errors:
                        notes.setdefault(f"{client}/{case_name}", cell.errors[0])
                    continue
                text = format_value(value)
                r = ratio(metric, value, baseline) if client != "urllib3" else None
                if r is not None:
                    text += f" ({r:.2f}x)"
                row.append(text)
            rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    if notes:
        lines.append("")
        lines.append("not measured:")
        lines.extend(f"  {key}: {message}" for key, message in notes.items())
    return "\n".join(lines)


#: The body cases and the metrics their closing note summarises.
_BODY_NOTE = (
    ("content", ".content 100 MiB", (THROUGHPUT, PEAK)),
    ("iter_content", "iter_content(65536)", (THROUGHPUT,)),
    ("upload", "multipart upload", (THROUGHPUT,)),
)


def closing_note(
    results: dict[str, dict[str, Cell]], clients: Sequence[str], body_size: int
) -> str:
    """One line per client: its body-case costs relative to urllib3 (above 1.00 is worse).

    Peak memory of ``.content`` is also given against the body size itself, and the upload's
    memory growth in MiB (a streamed upload grows by almost nothing, so no ratio).
    """
    lines: list[str] = []
    for client in clients:
        if client == "urllib3":
            continue
        parts: list[str] = []
        for case_name, label, metrics in _BODY_NOTE:
            cells = results.get(case_name)
            if cells is None or client not in cells:
                continue
            found = ratios(case_name, cells, client)
            shown = [
                f"{'speed' if m is THROUGHPUT else 'peak'} {found[m.key]:.2f}x"
                for m in metrics
                if found.get(m.key) is not None
            ]
            if case_name == "content":
                peak = cells[client].median(PEAK.key)
                if peak is not None:
                    shown.append(f"peak/body {peak * MiB / body_size:.2f}")
            if case_name == "upload":
                growth = cells[client].median(PEAK.key)
                if growth is not None:
                    shown.append(f"growth {growth:.1f} MiB")
            if shown:
                parts.append(f"{label}: {', '.join(shown)}")
        if parts:
            lines.append(f"{client} vs urllib3 (cost ratios): " + "; ".join(parts))
    return "\n".join(lines)


def versions(clients: Sequence[str]) -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in ("urllib3", "tether", "requests", "httpx"):
        if name in clients or name == "urllib3":
            try:
                found[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                found[name] = "from src/" if name == "tether" else "not installed"
    return found


# -- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="tether vs urllib3 benchmarks")
    parser.add_argument("--quick", action="store_true", help="one short round (CI smoke run)")
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--clients", nargs="+", choices=CLIENT_NAMES, default=list(CLIENT_NAMES))
    parser.add_argument("--rounds", type=int, help="override the number of rounds")
    parser.add_argument("--size-mib", type=int, help="body size of the 100 MiB cases")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--python", default=sys.executable, help="interpreter for workers")
    args = parser.parse_args(argv)

    settings = QUICK if args.quick else FULL
    if args.rounds is not None:
        settings = Settings(**{**settings.__dict__, "rounds": args.rounds})
    if args.size_mib is not None:
        settings = Settings(**{**settings.__dict__, "size": args.size_mib * MiB})
    clients = ["urllib3", *(c for c in args.clients if c != "urllib3")]
    results = {case: {client: Cell() for client in clients} for case in args.cases}
    started = time.perf_counter()

    def log(message: str) -> None:
        if not args.json:
            print(message, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="tether-bench-") as tmp:
        upload_file = ""
        if "upload" in args.cases:
            upload_file = str(Path(tmp) / "upload.bin")
            block = os.urandom(MiB)
            with open(upload_file, "wb") as handle:
                for _ in range(settings.size // MiB):
                    handle.write(block)
                handle.write(block[: settings.size % MiB])
                handle.flush()
                os.fsync(handle.fileno())  # no write-back competing with the first rounds
        with bench_server(args.python) as base:
            # One unmeasured run warms the OS caches (interpreter, modules, server).
            run_worker(args.python, "small", "urllib3", base, settings, upload_file)
            for round_index in range(settings.rounds):
                log(f"round {round_index + 1}/{settings.rounds}")
                shift = round_index % len(clients)
                order = clients[shift:] + clients[:shift]
                for case in args.cases:
                    for client in order:
                        cell = results[case][client]
                        if cell.errors and not cell.samples:
                            continue  # unavailable: do not retry every round
                        if case == "import":
                            outcome = run_import(args.python, client)
                        else:
                            outcome = run_worker(
                                args.python, case, client, base, settings, upload_file
                            )
                        if outcome.get("ok"):
                            metrics = outcome["metrics"]
                            assert isinstance(metrics, dict)
                            for key, value in metrics.items():
                                cell.samples.setdefault(key, []).append(float(value))
                        else:
                            cell.errors.append(str(outcome.get("error")))
    elapsed = time.perf_counter() - started

    if args.json:
        payload = {
            "settings": settings.__dict__,
            "versions": versions(clients),
            "elapsed_s": elapsed,
            "results": {
                case: {
                    client: {
                        "median": {k: cell.median(k) for k in cell.samples},
                        "ratio_vs_urllib3": ratios(case, cells, client),
                        "samples": cell.samples,
                        "errors": cell.errors,
                    }
                    for client, cell in cells.items()
                }
                for case, cells in results.items()
            },
        }
        print(json.dumps(payload, indent=2))
    else:
        info = ", ".join(f"{k} {v}" for k, v in versions(clients).items())
        print(f"{info}; {settings.rounds} round(s), median shown; ratio = cost vs urllib3")
        print(render_table(results, clients))
        note = closing_note(results, clients, settings.size)
        if note:
            print("\n" + note)
        print(f"\n({elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
