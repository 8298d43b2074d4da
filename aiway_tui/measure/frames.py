"""Frame pacing: how many frames were painted, how evenly, at what rate.

The painter marks each frame it paints; the gaps between marks go into an
HDR histogram, so a stall (one long gap) shows in p99 and max even when the
average rate looks fine.
"""

from __future__ import annotations

from .latency import Distribution, LatencyRecorder

MIN_SPAN_S = 0.5
"""Shortest span of frames given a frame rate."""


class FrameTimer:
    """Frame count, achieved rate and the distribution of gaps between frames."""

    __slots__ = ("first_at", "frames", "gaps", "last_at")

    def __init__(self) -> None:
        self.frames = 0
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.gaps = LatencyRecorder()

    def mark(self, now: float) -> None:
        """One frame painted at ``now`` (seconds, any monotonic clock)."""
        if self.last_at is None:
            self.first_at = now
        else:
            self.gaps.record(now - self.last_at)
        self.last_at = now
        self.frames += 1

    @property
    def achieved_fps(self) -> float:
        """Frames per second between the first and the last frame; 0 below two
        frames or ``MIN_SPAN_S`` (a run's closing frame may follow the one before
        at once: two frames 4 ms apart are not 250 fps)."""
        if self.first_at is None or self.last_at is None or self.frames < 2:
            return 0.0
        span = self.last_at - self.first_at
        return (self.frames - 1) / span if span >= MIN_SPAN_S else 0.0

    def gap_summary(self) -> Distribution:
        return self.gaps.summary()
