"""CPU by phase: while the app idles (nothing streaming), and while it streams.

The run-wide average also holds the app's first frames and the final
teardown, a fixed cost of some tens of milliseconds that swamps a 2 % budget
over a few seconds. The CPU scenarios judge the phase they are about: idle
from ``settle_s`` after the start until the first stream (``idle_s``), and
streaming from then until the last message was received.
"""

from __future__ import annotations

import time

import psutil
import trio

SETTLE_S = 0.5
"""Time given to the app's first frames before the idle phase is measured."""

MIN_PHASE_S = 0.5
"""Shortest phase given a CPU figure."""


class PhaseCpu:
    def __init__(self, idle_s: float) -> None:
        self.idle_s = idle_s
        self.process = psutil.Process()
        self.idle_percent: float | None = None
        self.stream_percent: float | None = None

    def _read(self) -> tuple[float, float]:
        return time.perf_counter(), sum(self.process.cpu_times()[:2])

    @staticmethod
    def _percent(a: tuple[float, float], b: tuple[float, float]) -> float | None:
        """CPU share between two readings; ``None`` over a span too short to tell
        (the counters tick every 10 ms: one tick over 3 ms would read 300 %)."""
        span = b[0] - a[0]
        return 100.0 * (b[1] - a[1]) / span if span >= MIN_PHASE_S else None

    async def run(self, stream_done: trio.Event) -> None:
        started = trio.current_time()
        if self.idle_s > 0:
            await trio.sleep(min(SETTLE_S, self.idle_s / 2))
            idle_from = self._read()
            await trio.sleep_until(started + self.idle_s)
            stream_from = self._read()
            self.idle_percent = self._percent(idle_from, stream_from)
        else:
            stream_from = self._read()
        await stream_done.wait()
        self.stream_percent = self._percent(stream_from, self._read())

    def results(self) -> dict[str, float]:
        out: dict[str, float] = {}
        if self.idle_percent is not None:
            out["cpu_idle_percent"] = self.idle_percent
        if self.stream_percent is not None:
            out["cpu_stream_percent"] = self.stream_percent
        return out
