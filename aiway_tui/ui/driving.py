"""Driving the real app from Trio: wait for a condition, press keys through the app's own path.

The quit-latency trials and the tests both need these; they live here, not in
``aiway_tui.testing``, so that runtime code never imports test helpers.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import aclosing

from textual.pilot import Pilot
from trio_util import periodic

from .host import HostBridge


async def wait_for(predicate: Callable[[], bool], period: float = 0.005) -> None:
    """Return once ``predicate()`` holds, checking every ``period`` seconds.

    The pipeline's counters are plain attributes (no event per item on the hot
    path), so a test that waits for progress polls them.
    """
    async with aclosing(periodic(period)) as ticks:
        async for _ in ticks:
            if predicate():
                return


async def press(pilot: Pilot[object], *keys: str) -> None:
    """Press ``keys`` through the app's own key path (Pilot runs on the host loop)."""
    await HostBridge().call(pilot.press(*keys))
