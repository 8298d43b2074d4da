"""Per-stream idle deadline: a stream that goes silent is found, reported, abandoned.

Without this, a stream that stops without ``StreamEnd`` keeps the run waiting
until its overall deadline. The watchdog looks at the tracker's counts a few
times per ``idle_timeout_s``; a started, unfinished stream whose count has
not moved for that long is recorded as timed out and handed to ``on_idle``
(the conductor's ``abandon``), so the run goes on and ends on time.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import aclosing

import trio
from trio_util import periodic

from .tracker import MessageTracker


class StreamWatchdog:
    def __init__(
        self, tracker: MessageTracker, idle_timeout_s: float, on_idle: Callable[[int], None]
    ) -> None:
        self.tracker = tracker
        self.idle_timeout_s = idle_timeout_s
        self.on_idle = on_idle
        self.timed_out: dict[int, float] = {}
        """Stream -> how long it had been idle when it was given up on (seconds)."""
        self._last: dict[int, tuple[int, float]] = {}

    def check(self, now: float) -> None:
        """One look at every open stream (public so tests can drive it without a clock)."""
        for stream, track in self.tracker.streams.items():
            if track.ended is not None or track.error is not None or stream in self.timed_out:
                self._last.pop(stream, None)
                continue
            seen = self._last.get(stream)
            if seen is None or seen[0] != track.tokens:
                self._last[stream] = (track.tokens, now)
            elif now - seen[1] >= self.idle_timeout_s:
                self.timed_out[stream] = now - seen[1]
                del self._last[stream]
                self.on_idle(stream)

    async def run(self) -> None:
        async with aclosing(periodic(self.idle_timeout_s / 4)) as ticks:
            async for _ in ticks:
                self.check(trio.current_time())
