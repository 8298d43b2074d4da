"""A long session, tenth by tenth: do its costs stay those of its first minute?

Users of Textual chat apps report CPU that climbs with history length. The
session's planned replies are cut in ten equal runs (by replies ended); for
each tenth, paint and render p99, delivery p99 and keystroke p99 (each its
own HDR histogram, fed beside the run's own), the process's CPU over the
tenth and its RSS at the end.

A 1.2x criterion on figures this noisy would flake on a shared machine, so
the comparison is made robust in three ways. Early is tenths 1-3 and late is
tenths 8-10, three tenths' samples pooled: for CPU and RSS the median of the
three tenths (one noisy tenth moves neither). For the latencies the pooled
mean, not a percentile: a cost that climbs with history moves the mean,
while a tail percentile of a few hundred samples is set by the machine's
other load, and a body percentile can sit between two kinds of frame (those
that start or end a reply cost a few ms more) and jump from one to the other
(seen: paint p90 1.6 or 5.5 ms from one tenth to the next, p50 1.3 in all;
the table shows the p99s).
And each figure has an absolute
noise floor, as ``compare`` has: the late figure passes if it is within 1.2x
of the early one or within the floor of it (``growth = late / max(early,
(early + floor) / 1.2)``, passing at <= 1.2). The floors are below what a
person notices: 2 ms of paint or render, a 60 Hz frame (17 ms) of delivery or
keystroke latency, 5 points of CPU, 5 MB of RSS.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from contextlib import aclosing
from dataclasses import dataclass, field

import psutil
import trio
from trio_util import periodic

from .latency import LatencyRecorder

TENTHS = 10
POLL_S = 0.05
RATIO = 1.2

FIGURES: tuple[tuple[str, str, float], ...] = (
    ("paint_p99_ms", "paint p99 ms", 2.0),
    ("render_p99_ms", "render p99 ms", 2.0),
    ("cpu_percent", "CPU %", 5.0),
    ("rss_mb", "RSS MB", 5.0),
    ("delivery_p99_ms", "delivery p99 ms", 17.0),
    ("input_p99_ms", "keystroke p99 ms", 17.0),
)
_POOLED = {
    "paint_p99_ms": "paint",
    "render_p99_ms": "render",
    "delivery_p99_ms": "delivery",
    "input_p99_ms": "input",
}
"""Each figure: its key, its column heading, and its noise floor (same unit)."""


@dataclass(slots=True)
class Tenth:
    paint: LatencyRecorder = field(default_factory=LatencyRecorder)
    render: LatencyRecorder = field(default_factory=LatencyRecorder)
    delivery: LatencyRecorder = field(default_factory=LatencyRecorder)
    input: LatencyRecorder = field(default_factory=LatencyRecorder)
    replies: int = 0
    seconds: float = 0.0
    cpu_percent: float = 0.0
    rss_mb: float = 0.0

    def figures(self) -> dict[str, float]:
        return {
            "paint_p99_ms": self.paint.percentile_ms(99),
            "render_p99_ms": self.render.percentile_ms(99),
            "cpu_percent": self.cpu_percent,
            "rss_mb": self.rss_mb,
            "delivery_p99_ms": self.delivery.percentile_ms(99),
            "input_p99_ms": self.input.percentile_ms(99),
            "replies": self.replies,
            "seconds": self.seconds,
            "frames": self.paint.count,
            "keys": self.input.count,
        }


class TeeRecorder(LatencyRecorder):
    """A run's recorder that also records into the current tenth's."""

    __slots__ = ("_pick",)

    def __init__(self, pick: Callable[[], LatencyRecorder]) -> None:
        super().__init__()
        self._pick = pick

    def record(self, seconds: float, count: int = 1) -> None:
        super().record(seconds, count)
        self._pick().record(seconds, count)


class SessionTenths:
    """Cuts a session in tenths by replies ended; measures each."""

    def __init__(self, replies: int, replies_done: Callable[[], int]) -> None:
        self.replies = replies
        self.replies_done = replies_done
        self.bounds = [math.ceil(replies * k / TENTHS) for k in range(1, TENTHS + 1)]
        self.tenths: list[Tenth] = [Tenth()]
        self._spare = [Tenth() for _ in range(TENTHS - 1)]
        """Made now, not mid-session: each tenth's histograms are a few hundred KB,
        which would otherwise show as RSS growing tenth by tenth."""
        self._process = psutil.Process()
        self._started = 0.0
        self._cpu = 0.0
        self._done_at_start = 0
        self._closed_all = False

    @property
    def current(self) -> Tenth:
        return self.tenths[-1]

    def tee(self, kind: str) -> TeeRecorder:
        """A recorder for the run that also feeds the current tenth's ``kind``."""
        return TeeRecorder(lambda: getattr(self.tenths[-1], kind))

    def _cpu_s(self) -> float:
        times = self._process.cpu_times()
        return times.user + times.system

    def _close(self, done: int) -> None:
        now = time.perf_counter()
        cpu = self._cpu_s()
        tenth = self.current
        tenth.seconds = now - self._started
        tenth.cpu_percent = 100.0 * (cpu - self._cpu) / max(1e-9, tenth.seconds)
        tenth.rss_mb = self._process.memory_info().rss / 2**20
        tenth.replies = done - self._done_at_start
        self._started, self._cpu, self._done_at_start = now, cpu, done

    def _poll(self) -> bool:
        """Close the tenths whose bound was reached; ``True`` once all ten are closed."""
        done = self.replies_done()
        while not self.complete and done >= self.bounds[len(self.tenths) - 1]:
            self._close(done)
            if len(self.tenths) == TENTHS:
                self._closed_all = True
                return True
            self.tenths.append(self._spare.pop(0))
        return self.complete

    async def run(self) -> None:
        """Poll the count of replies ended; close a tenth at each bound."""
        self._started = time.perf_counter()
        self._cpu = self._cpu_s()
        async with aclosing(periodic(POLL_S)) as ticks:
            async for _ in ticks:
                if self._poll():
                    break

    async def finish(self) -> None:
        """The stream is complete: close the last tenth now, not at the next poll."""
        self._poll()
        await trio.lowlevel.checkpoint()

    @property
    def complete(self) -> bool:
        return self._closed_all

    def table(self) -> list[dict[str, float]]:
        closed = self.tenths if self.complete else self.tenths[:-1]
        return [t.figures() for t in closed]

    def results(self) -> dict[str, float]:
        """``session_<figure>_growth`` per figure (late vs early, with its floor), and RSS growth."""
        rows = self.table()
        out: dict[str, float] = {"session_tenths": float(len(rows))}
        for key, _, floor in FIGURES:
            if len(rows) < TENTHS:
                out[growth_metric(key)] = math.nan
                continue
            kind = _POOLED.get(key)
            if kind is not None:
                early = _pooled(self.tenths[:3], kind).summary().mean_ms
                late = _pooled(self.tenths[-3:], kind).summary().mean_ms
            else:
                early = statistics.median(r[key] for r in rows[:3])
                late = statistics.median(r[key] for r in rows[-3:])
            out[growth_metric(key)] = late / max(early, (early + floor) / RATIO, 1e-9)
        return out


def growth_metric(key: str) -> str:
    """``paint_p99_ms`` -> ``session_paint_growth``: the figure's late/early ratio."""
    return f"session_{key.split('_')[0]}_growth"


def _pooled(tenths: list[Tenth], kind: str) -> LatencyRecorder:
    """One distribution of several tenths' samples of ``kind``."""
    pooled = LatencyRecorder()
    for tenth in tenths:
        pooled.merge(getattr(tenth, kind))
    return pooled


def render_tenths(rows: list[dict[str, float]]) -> list[str]:
    """The per-tenth table for the text report."""
    head = "".join(f"{label:>17}" for _, label, _ in FIGURES)
    lines = [f"Long session by tenths{'':<3}{'replies':>8}{'s':>7}{head}"]
    for i, row in enumerate(rows, 1):
        values = "".join(f"{row[key]:>17.2f}" for key, _, _ in FIGURES)
        lines.append(f"  tenth {i:<2}{'':<14}{row['replies']:>8.0f}{row['seconds']:>7.1f}{values}")
    return lines
