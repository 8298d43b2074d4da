"""How late a periodic timer on the UI thread fires: the "poll never blocks" probe.

Textual runs on the asyncio loop, and our Trio tasks run as its guest on the
same thread. Anything that holds that thread (a slow paint, a long loop
without a checkpoint) delays every key press and every frame. A
``loop.call_later`` chain sees exactly that: each firing records how far past
its due time it ran, then schedules the next one a period later.
"""

from __future__ import annotations

import asyncio

import trio

from .latency import Distribution, LatencyRecorder

DEFAULT_PERIOD_S = 0.025


class TimerLag:
    """Lateness of a periodic timer: one record per firing, from its due time.

    Kept apart from any loop so the statistic can be checked against known
    firing times.
    """

    __slots__ = ("firings", "lateness", "period_s")

    def __init__(self, period_s: float) -> None:
        self.period_s = period_s
        self.lateness = LatencyRecorder()
        self.firings = 0

    def fired(self, due: float, now: float) -> float:
        """Record one firing; return when the next one is due.

        The next is due a period after *now*, not after *due*: a 200 ms stall
        is one late firing of ~200 ms, not a burst of catch-up firings.
        """
        self.firings += 1
        self.lateness.record(max(0.0, now - due))
        return now + self.period_s

    def summary(self) -> Distribution:
        return self.lateness.summary()


class UiLagProbe:
    """A ``call_later`` chain on the asyncio host loop, measuring its own lateness.

    Runs as a Trio task (``run``) so it shares the pipeline's lifetime; under
    plain ``trio.run`` (no asyncio loop) it measures Trio's timer instead,
    which runs on the same thread as everything else there.
    """

    def __init__(self, period_s: float = DEFAULT_PERIOD_S) -> None:
        self.stats = TimerLag(period_s)
        self._handle: asyncio.TimerHandle | None = None
        self.host = "none"

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start the chain on ``loop`` (from the loop's own thread)."""
        self.host = "asyncio"
        clock = loop.time
        period = self.stats.period_s

        def tick(due: float) -> None:
            next_due = self.stats.fired(due, clock())
            self._handle = loop.call_at(next_due, tick, next_due)

        first = clock() + period
        self._handle = loop.call_at(first, tick, first)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    async def run(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            await self._run_on_trio()
            return
        self.start(loop)
        try:
            await trio.sleep_forever()
        finally:
            self.stop()

    async def _run_on_trio(self) -> None:
        self.host = "trio"
        period = self.stats.period_s
        due = trio.current_time() + period
        while True:
            await trio.sleep_until(due)
            due = self.stats.fired(due, trio.current_time())

    def summary(self) -> Distribution:
        return self.stats.summary()
