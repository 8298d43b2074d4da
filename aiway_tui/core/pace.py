"""Live control of a run's pace: pause, resume and the token rate.

The demo's keys change a run while it streams. Pause stops the consumer, so
the bounded channel fills and the conductor blocks on send: backpressure,
visible, with nothing lost. The conductor reads this object at each wake-up
(never per token) and re-bases its schedule whenever it changes, so after a
resume or a rate change it does not burst to "catch up" with tokens that
were never due at the new pace; tokens already in flight during a pause
keep their real (long) latency.
"""

from __future__ import annotations

import trio

RATE_STEPS: tuple[float, ...] = (
    1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, 0,
)  # fmt: skip
"""Token rates the ``+``/``-`` keys step through, in tokens/s; 0 is "as fast as possible"."""


def rate_of(delay_us: float) -> float:
    """Tokens per second for a delay between tokens (0: unpaced)."""
    return 1e6 / delay_us if delay_us > 0 else 0.0


def describe_rate(delay_us: float) -> str:
    rate = rate_of(delay_us)
    return "max" if rate == 0 else f"{rate:,.0f}/s"


class Pace:
    """A pause switch and a delay between tokens, changed from the UI."""

    def __init__(self, delay_us: float) -> None:
        self.delay_us = delay_us
        self.paused = False
        self.version = 0
        """Bumped on every change, so the conductor knows to re-base its schedule."""
        self._resumed = trio.Event()
        self._resumed.set()

    def pause(self) -> None:
        if not self.paused:
            self.paused = True
            self._resumed = trio.Event()
            self.version += 1

    def resume(self) -> None:
        if self.paused:
            self.paused = False
            self._resumed.set()
            self.version += 1

    def toggle(self) -> bool:
        """Pause or resume; returns whether it is paused now."""
        if self.paused:
            self.resume()
        else:
            self.pause()
        return self.paused

    def set_delay_us(self, delay_us: float) -> None:
        if delay_us != self.delay_us:
            self.delay_us = delay_us
            self.version += 1

    def step(self, direction: int) -> float:
        """Move one step up (``+1``) or down (``-1``) the rate ladder; returns the new delay."""
        rate = rate_of(self.delay_us)
        steps = list(RATE_STEPS)
        here = len(steps) - 1 if rate == 0 else min(range(len(steps) - 1), key=lambda i: abs(steps[i] - rate))
        target = steps[max(0, min(len(steps) - 1, here + direction))]
        self.set_delay_us(1e6 / target if target > 0 else 0.0)
        return self.delay_us

    async def wait_resumed(self) -> None:
        await self._resumed.wait()
