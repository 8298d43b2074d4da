"""How late a periodic timer on the UI thread fires: the "poll never blocks" probe.

Textual runs on the asyncio loop, and our Trio tasks run as its guest on the
same thread. Anything that holds that thread (a slow paint, a long loop
without a checkpoint) delays every key press and every frame. A
``loop.call_later`` chain sees exactly that: each firing records how far past
its due time it ran, then schedules the next one a period later.

Each firing also calls ``on_fire`` (the resource sampler): one wake-up for
both probes. On this kind of machine a wake-up costs more than what is done in
it, so the probes' cost is set by how many there are.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import trio

from .latency import Distribution, LatencyRecorder

DEFAULT_PERIOD_S = 0.1
"""Each firing also takes a resource sample: both probes run at about 10 Hz."""


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

    def __init__(self, period_s: float = DEFAULT_PERIOD_S, on_fire: Callable[[], None] | None = None) -> None:
        self.stats = TimerLag(period_s)
        self.on_fire = on_fire
        self._handle: asyncio.TimerHandle | None = None
        self._failure: Exception | None = None
        self.host = "none"

    def start(self, loop: asyncio.AbstractEventLoop, failed: Callable[[], None] = lambda: None) -> None:
        """Start the chain on ``loop`` (from the loop's own thread).

        If ``on_fire`` raises, the chain stops and ``failed`` is called.
        """
        self.host = "asyncio"
        clock = loop.time
        period = self.stats.period_s
        on_fire = self.on_fire

        def tick(due: float) -> None:
            next_due = self.stats.fired(due, clock())
            if on_fire is not None:
                try:
                    on_fire()
                except Exception as exc:
                    self._failure = exc
                    self._handle = None
                    failed()
                    return
            self._handle = loop.call_at(next_due, tick, next_due)

        first = clock() + period
        self._handle = loop.call_at(first, tick, first)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    async def run(self) -> None:
        """Probe until cancelled; raise here (in Trio) what ``on_fire`` raised."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            await self._run_on_trio()
            return
        failed = trio.Event()
        token = trio.lowlevel.current_trio_token()
        self.start(loop, lambda: token.run_sync_soon(failed.set))
        try:
            await failed.wait()
        finally:
            self.stop()
        assert self._failure is not None
        raise self._failure

    async def _run_on_trio(self) -> None:
        self.host = "trio"
        period = self.stats.period_s
        due = trio.current_time() + period
        while True:
            await trio.sleep_until(due)
            due = self.stats.fired(due, trio.current_time())
            if self.on_fire is not None:
                self.on_fire()

    def summary(self) -> Distribution:
        return self.stats.summary()
