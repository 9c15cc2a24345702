"""A one-line text progress bar for downloads, shared by the command line and the demo.

The bar redraws itself in place with a carriage return, so it is only meant for a terminal:
callers decide (usually with ``stream.isatty()``) whether to show it at all. It knows the
total size when the server sent ``Content-Length`` and otherwise shows bytes and speed only.
Redraws are throttled to a few per second so that a fast local download does not spend its
time writing to the terminal.
"""

from __future__ import annotations

import time
from typing import TextIO

__all__ = ["ProgressBar", "human_size"]

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def human_size(n: float) -> str:
    """``1536`` -> ``'1.5 KiB'``: a byte count in binary units, one decimal above bytes."""
    unit = 0
    while n >= 1024 and unit < len(_UNITS) - 1:
        n /= 1024
        unit += 1
    return f"{int(n)} B" if unit == 0 else f"{n:.1f} {_UNITS[unit]}"


class ProgressBar:
    """Draw ``[#####.....]  42%  4.2 MiB / 10.0 MiB  31.0 MiB/s`` on ``stream``.

    Call `update` with the size of each chunk as it arrives and `finish` once at the end
    (it draws the final state and moves to the next line).
    """

    def __init__(
        self,
        stream: TextIO,
        total: int | None,
        *,
        width: int = 30,
        interval: float = 0.1,
        prefix: str = "",
    ) -> None:
        self.stream = stream
        self.prefix = prefix
        self.total = total if total and total > 0 else None
        self.width = width
        self.interval = interval
        self.done = 0
        self._start = time.perf_counter()
        self._last_draw = 0.0

    def update(self, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        if now - self._last_draw >= self.interval:
            self._last_draw = now
            self._draw(now)

    def finish(self) -> None:
        self._draw(time.perf_counter())
        self.stream.write("\n")
        self.stream.flush()

    def render(self, now: float) -> str:
        """The bar's text at time ``now`` (a `time.perf_counter` value)."""
        elapsed = max(now - self._start, 1e-6)
        speed = f"{human_size(self.done / elapsed)}/s"
        if self.total is None:
            return f"{human_size(self.done)}  {speed}"
        fraction = min(self.done / self.total, 1.0)
        filled = int(self.width * fraction)
        bar = "#" * filled + "." * (self.width - filled)
        return (
            f"[{bar}] {fraction:4.0%}  {human_size(self.done)} / {human_size(self.total)}  {speed}"
        )

    def _draw(self, now: float) -> None:
        # Pad with spaces so a shorter line fully covers the previous one.
        self.stream.write("\r" + self.prefix + self.render(now).ljust(self.width + 40))
        self.stream.flush()
