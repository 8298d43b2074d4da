"""Rates from successive statistics readings: the one way live readers turn counts into rates.

The stats panel, the samples and the progress line each read the pipeline a
few times a second; each keeps a ``RateMeter`` and gets tokens/s and frames/s
over the interval since its own last reading.
"""

from __future__ import annotations

from dataclasses import dataclass

from .pipeline import PipelineStatistics


@dataclass(frozen=True, slots=True)
class Rates:
    tokens_per_s: float
    frames_per_s: float
    span_s: float


class RateMeter:
    def __init__(self) -> None:
        self._last: PipelineStatistics | None = None

    def update(self, stats: PipelineStatistics) -> Rates:
        """Rates since the previous ``update`` (the first: since the run started)."""
        last = self._last
        self._last = stats
        if last is None:
            span = stats.elapsed_s
            tokens, frames = stats.tracker.tokens, stats.frames
        else:
            span = stats.at - last.at
            tokens, frames = stats.tracker.tokens - last.tracker.tokens, stats.frames - last.frames
        if span <= 0:
            return Rates(0.0, 0.0, 0.0)
        return Rates(tokens / span, frames / span, span)
