"""Run one scenario with requests and with tether and compare what the servers received.

`run_both(scenario, *servers)` calls ``scenario(lib)`` once with the ``requests`` module and
once with ``tether`` against the *same* servers (so URLs and ports are equal) and returns,
for each library, an `Outcome`: what the scenario returned (or the name of the exception it
raised) and, per server, the requests that arrived during that run in a comparable form
(`Seen`: method, target, headers, body). ``User-Agent`` is left out, as the one header
that differs by design; ``Host`` is kept, since both runs use the same servers.

requests is a test-only oracle; tether never imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest

from tests.support.servers import RawRequest, RawServer

__all__ = ["LIBRARIES", "Outcome", "Seen", "library", "run_both", "seen"]

#: Header names whose values differ between the two libraries by design.
_DIFFERING = frozenset((b"user-agent",))


@dataclass(frozen=True)
class Seen:
    """One request as a server saw it, minus what differs by design."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    def has(self, name: str) -> bool:
        return self.header(name) is not None


def seen(request: RawRequest) -> Seen:
    return Seen(
        request.method,
        request.target,
        tuple(
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in request.headers
            if name.lower() not in _DIFFERING
        ),
        request.body,
    )


@dataclass
class Outcome:
    """What one library's run returned (or raised) and what each server saw."""

    result: Any
    error: str | None
    requests: list[list[Seen]]

    def at(self, server: int) -> list[Seen]:
        return self.requests[server]


def library(name: str) -> ModuleType:
    if name == "requests":
        module: ModuleType = pytest.importorskip("requests")
        return module
    import tether

    return tether


#: Parametrize ids / names for tests that run against each library in turn.
LIBRARIES = ("requests", "tether")


def run_both(scenario: Callable[[ModuleType], Any], *servers: RawServer) -> tuple[Outcome, Outcome]:
    """``(requests_outcome, tether_outcome)`` of ``scenario`` against ``servers``."""
    outcomes: list[Outcome] = []
    for name in LIBRARIES:
        lib = library(name)
        marks = [len(server.requests) for server in servers]
        result: Any = None
        error: str | None = None
        try:
            result = scenario(lib)
        except Exception as exc:  # the comparison is about which exception, by name
            error = type(exc).__name__
        received = [
            [seen(r) for r in server.requests[mark:]]
            for server, mark in zip(servers, marks, strict=True)
        ]
        outcomes.append(Outcome(result, error, received))
    return outcomes[0], outcomes[1]
