"""A painter surface that breaks on a planned frame, for the painter-raise fault.

It wraps the real surface (the painter never knows), so the fault plan, a
config value, needs nothing from the painter.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ..measure.latency import LatencyRecorder
from .faults import InjectedFault
from .painter import Frame, Surface


class FaultySurface:
    """A surface that paints through to the real one and raises on a planned frame."""

    def __init__(self, surface: Surface, raise_at_frame: int) -> None:
        self.surface = surface
        self.raise_at_frame = raise_at_frame
        self.frames = 0
        self.raised = 0

    @property
    def render_time(self) -> LatencyRecorder:
        return self.surface.render_time

    def paint(self, frame: Frame | None, delivered: Callable[[int, float], None]) -> Awaitable[None] | None:
        if frame is not None:
            self.frames += 1
            if self.frames == self.raise_at_frame:
                self.raised += 1
                raise InjectedFault(f"painter raised at frame {self.frames}")
        return self.surface.paint(frame, delivered)
