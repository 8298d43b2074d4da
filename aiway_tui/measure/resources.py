"""Process resources, sampled with psutil while a run goes on.

CPU is measured from the process's CPU-time counters between samples, so the
average is exact over the run, not an average of noisy instants.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import psutil

_MB = 1024 * 1024
_MIN_CPU_SPAN_S = 0.05


def growth_mb(start_mb: float, peak_mb: float) -> float:
    """Memory growth as the report and the live readers give it: the peak over the start."""
    return max(0.0, peak_mb - start_mb)


@dataclass(frozen=True, slots=True)
class ResourceSample:
    at_s: float
    rss_mb: float
    cpu_percent: float


@dataclass(frozen=True, slots=True)
class ResourceSummary:
    rss_start_mb: float
    rss_peak_mb: float
    rss_end_mb: float
    cpu_avg_percent: float
    cpu_max_percent: float
    threads_start: int
    threads_end: int
    fds_start: int
    fds_end: int
    samples: int

    @property
    def memory_growth_mb(self) -> float:
        return growth_mb(self.rss_start_mb, self.rss_peak_mb)


@dataclass(frozen=True, slots=True)
class ResourceStatistics:
    """What the sampler has seen so far, without sampling again (cheap: for live readers)."""

    latest: ResourceSample | None
    rss_start_mb: float
    rss_peak_mb: float
    samples: int

    @property
    def rss_mb(self) -> float:
        return self.latest.rss_mb if self.latest is not None else self.rss_start_mb

    @property
    def cpu_percent(self) -> float:
        return self.latest.cpu_percent if self.latest is not None else 0.0

    @property
    def memory_growth_mb(self) -> float:
        return growth_mb(self.rss_start_mb, self.rss_peak_mb)


def _fds(process: psutil.Process) -> int:
    try:
        return int(process.num_fds())
    except (AttributeError, psutil.Error):  # not on every platform
        return 0


class ResourceSampler:
    """Samples RSS and CPU at each ``tick`` (the UI lag probe's timer), keeping only running figures."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.latest: ResourceSample | None = None
        self.observers: list[Callable[[ResourceSample], None]] = []
        """Called with each periodic sample (time series, progress line)."""
        self._start()

    def _start(self) -> None:
        process = self.process
        self._t0 = time.perf_counter()
        self._cpu0 = sum(process.cpu_times()[:2])
        self._last_t = self._t0
        self._last_cpu = self._cpu0
        self.rss_start_mb = process.memory_info().rss / _MB
        self.rss_peak_mb = self.rss_start_mb
        self.rss_end_mb = self.rss_start_mb
        self.cpu_max_percent = 0.0
        self.threads_start = process.num_threads()
        self.fds_start = _fds(process)
        self.samples = 0
        self.latest = None

    def restart(self) -> None:
        """Start measuring afresh (after the app is up, so it is not counted as growth)."""
        self._start()

    def sample(self) -> ResourceSample:
        process = self.process
        now = time.perf_counter()
        cpu = sum(process.cpu_times()[:2])
        rss = process.memory_info().rss / _MB
        span = now - self._last_t
        if span >= _MIN_CPU_SPAN_S:
            percent = 100.0 * (cpu - self._last_cpu) / span
            self._last_t, self._last_cpu = now, cpu
            self.cpu_max_percent = max(self.cpu_max_percent, percent)
        else:
            # CPU-time counters tick every 10 ms: over a shorter span one
            # tick reads as hundreds of percent. Keep accruing instead.
            percent = self.latest.cpu_percent if self.latest is not None else 0.0
        self.rss_peak_mb = max(self.rss_peak_mb, rss)
        self.rss_end_mb = rss
        self.samples += 1
        self.latest = ResourceSample(now - self._t0, rss, percent)
        return self.latest

    def tick(self) -> None:
        """One periodic sample, handed to the observers (called by the UI lag probe's timer)."""
        latest = self.sample()
        for observer in self.observers:
            observer(latest)

    def statistics(self) -> ResourceStatistics:
        return ResourceStatistics(self.latest, self.rss_start_mb, self.rss_peak_mb, self.samples)

    def summary(self) -> ResourceSummary:
        # A failing probe is reported as its task's failure; the figures so far stand.
        with contextlib.suppress(Exception):
            self.sample()
        process = self.process
        span = time.perf_counter() - self._t0
        cpu = sum(process.cpu_times()[:2])
        cpu_avg = 100.0 * (cpu - self._cpu0) / span if span > 0 else 0.0
        return ResourceSummary(
            rss_start_mb=self.rss_start_mb,
            rss_peak_mb=self.rss_peak_mb,
            rss_end_mb=self.rss_end_mb,
            cpu_avg_percent=cpu_avg,
            cpu_max_percent=self.cpu_max_percent,
            threads_start=self.threads_start,
            threads_end=process.num_threads(),
            fds_start=self.fds_start,
            fds_end=_fds(process),
            samples=self.samples,
        )
