"""A CPU reference measured beside a run: a bare Trio guest making the same wake-ups.

A CPU percentage measures the machine as much as the code: on a shared or
slower machine every figure moves, by up to 2x between hours here. What the
code costs is the ratio of its CPU to a reference measured on the same
machine in the same minute. On these machines a wake-up is what costs (a
Trio guest's sleep is three thread hand-offs), so the reference is a Trio
guest that does nothing but sleep as often as the scenario wakes: the floor
no implementation of that schedule gets under.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import trio

REFERENCE_S = 1.5
"""How long one floor measurement sleeps: enough wake-ups to read CPU time to
a few per cent at a 100 ms period."""


async def wake_floor_percent(period_s: float, wakes: int) -> float:
    """CPU percent of this process while its Trio run only sleeps ``wakes`` times ``period_s``.

    Run it as a guest of an otherwise idle asyncio loop (``run_as_guest``), as
    the app's runs are hosted, and while nothing else in the process works.
    """
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(wakes):
        await trio.sleep(period_s)
    return 100.0 * (time.process_time() - cpu) / (time.perf_counter() - started)


@dataclass(frozen=True, slots=True)
class CpuBudget:
    """A scenario's CPU held as a multiple of the wake floor at ``period_s``.

    ``ratio`` is what the code may cost over a bare guest making its wake-ups;
    it is set from measured runs with room for noise, and still fails a real
    regression (rapid-tokens unpaced, or a painter waking at 30 fps when idle,
    cost 5-10x what it does now).
    """

    metric: str
    period_s: float
    ratio: float

    async def measure_floor(self, duration_s: float = REFERENCE_S) -> float:
        return await wake_floor_percent(self.period_s, max(1, round(duration_s / self.period_s)))

    def check(self, value: float, floor: float) -> str | None:
        """``None`` if ``value`` is within budget of ``floor``; else why not."""
        bound = self.ratio * floor
        if value <= bound:
            return None
        return (
            f"{self.metric} = {value:.2f} %, more than {self.ratio:g} x {floor:.2f} % "
            f"(a bare Trio guest waking every {self.period_s * 1000:g} ms, measured beside it)"
        )
