"""CPU and RSS of the app's whole process tree (a wrapper shell and its children included), sampled."""

from __future__ import annotations

from dataclasses import dataclass, field

import psutil
import trio

SAMPLE_S = 0.1


@dataclass(slots=True)
class TreeSampler:
    pid: int
    samples: int = 0
    rss_first_mb: float | None = None
    rss_last_mb: float = 0.0
    rss_peak_mb: float = 0.0
    cpu_s: float = 0.0
    cpu_first_s: float = 0.0
    """CPU time at the first sample: what start-up cost is not the run's."""
    started_at: float = 0.0
    ended_at: float = 0.0
    peak_processes: int = 0
    stopped: bool = False
    """Sampling ended (at the quit keys): an app tearing down is not the run's CPU or memory."""
    _cpu_by_pid: dict[int, float] = field(default_factory=dict)

    def sample(self) -> None:
        if self.stopped:
            return
        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        rss = 0
        measured = 0
        for proc in procs:
            try:
                with proc.oneshot():
                    times = proc.cpu_times()
                    rss += proc.memory_info().rss
                self._cpu_by_pid[proc.pid] = times.user + times.system
                measured += 1
            except psutil.Error:
                continue
        if not measured:  # every process gone between the listing and the reading (an exit)
            return
        mb = rss / 2**20
        if self.rss_first_mb is None:
            self.rss_first_mb = mb
        self.rss_last_mb = mb
        self.rss_peak_mb = max(self.rss_peak_mb, mb)
        self.peak_processes = max(self.peak_processes, len(procs))
        self.cpu_s = sum(self._cpu_by_pid.values())
        if self.samples == 0:
            self.cpu_first_s = self.cpu_s
            self.started_at = trio.current_time()
        self.samples += 1

    async def run(self) -> None:
        while not self.stopped:
            self.sample()
            self.ended_at = trio.current_time()
            await trio.sleep(SAMPLE_S)

    def stop(self) -> None:
        """A last sample, then no more: the figures run from the start-up to the quit keys."""
        self.sample()
        self.ended_at = trio.current_time()
        self.stopped = True

    def rebase(self) -> None:
        """Count from now: the app's start-up (imports, first layout) is not what the run measures."""
        self.samples = 0
        self.rss_first_mb = None
        self.sample()

    @property
    def cpu_avg_percent(self) -> float:
        wall = self.ended_at - self.started_at
        return 100.0 * (self.cpu_s - self.cpu_first_s) / wall if wall > 0 else 0.0

    @property
    def rss_growth_mb(self) -> float:
        return self.rss_last_mb - (self.rss_first_mb or 0.0)
