"""Latency distributions kept in HDR histograms, never as lists of samples.

A run may record millions of values; an HDR histogram holds them in a few
kilobytes at 3 significant digits. Values are recorded in microseconds.
Recording into hdrh costs several microseconds a call, a tenth of what
moving a one-token item costs here; so values are first counted by the
histogram bucket they fall in (a dict increment), and handed to hdrh in
bulk before anything reads it: the same counts, min, max and percentiles.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from hdrh.histogram import HdrHistogram

_LOWEST_US = 1
_HIGHEST_US = 3_600 * 1_000_000
_DIGITS = 3
_EXACT_BELOW = 2048
"""At 3 significant digits hdrh keeps every value below 2,048 us apart, and
above it buckets of 2**k us: ``_bucket`` gives the value each bucket keeps."""
_PENDING_MAX = 16_384
"""Buckets counted before they are handed to hdrh (about 8K cover 1 us to 100 ms)."""


def _bucket(us: int) -> int:
    shift = us.bit_length() - 11
    return us if shift <= 0 else (us >> shift) << shift


PERCENTILES = (50.0, 90.0, 95.0, 99.0, 99.9)


@dataclass(frozen=True, slots=True)
class Distribution:
    """A summary of a histogram, in milliseconds."""

    count: int
    min_ms: float
    mean_ms: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float

    def as_dict(self) -> dict[str, float]:
        """The fields in order, p99.9 named as the report prints it (``p99.9_ms``)."""
        return {name.replace("p999", "p99.9"): value for name, value in dataclasses.asdict(self).items()}


class LatencyRecorder:
    """Records durations (seconds) with a count, so one batch is one call."""

    __slots__ = ("_hist", "_pending", "_sum_us")

    def __init__(self) -> None:
        self._hist = HdrHistogram(_LOWEST_US, _HIGHEST_US, _DIGITS)
        self._pending: dict[int, int] = {}
        """Counts by bucket not yet in ``_hist``."""
        self._sum_us = 0
        """Exact sum, so the mean is exact and cheap (hdrh's walks every bucket)."""

    def record(self, seconds: float, count: int = 1) -> None:
        us = int(seconds * 1e6)
        if us < _LOWEST_US:
            us = _LOWEST_US
        elif us > _HIGHEST_US:
            us = _HIGHEST_US
        self._sum_us += us * count
        pending = self._pending
        key = us if us < _EXACT_BELOW else _bucket(us)
        pending[key] = pending.get(key, 0) + count
        if len(pending) > _PENDING_MAX:
            self._flush()

    def reset(self) -> None:
        """Forget what was recorded: a later phase of a run measured on its own."""
        self._hist.reset()
        self._pending.clear()
        self._sum_us = 0

    def _flush(self) -> HdrHistogram:
        """``_hist`` with every pending count in it."""
        hist = self._hist
        if self._pending:
            for us, count in self._pending.items():
                hist.record_value(us, count)
            self._pending.clear()
        return hist

    def record_spread(self, longest: float, shortest: float, count: int, steps: int = 8) -> None:
        """Record ``count`` values spread evenly from ``longest`` down to ``shortest``.

        For a batch whose tokens were scheduled evenly between its oldest and
        newest one: the oldest token's latency is ``longest``, the newest's
        ``shortest``. Up to ``steps`` records, the endpoints included, so
        min, max and mean stay exact for an even spread; any remainder goes
        to the longest values (never an under-report).
        """
        if count <= 1 or longest <= shortest or steps < 2:
            self.record(longest, count)
            return
        k = min(steps, count)
        base, extra = divmod(count, k)
        width = (longest - shortest) / (k - 1)
        for i in range(k):
            self.record(longest - i * width, base + (1 if i < extra else 0))

    def merge(self, other: LatencyRecorder) -> None:
        """Add every value ``other`` recorded."""
        self._flush().add(other.histogram)
        self._sum_us += other.sum_us

    @property
    def histogram(self) -> HdrHistogram:
        return self._flush()

    @property
    def sum_us(self) -> int:
        return self._sum_us

    @property
    def count(self) -> int:
        return int(self._flush().get_total_count())

    def percentile_ms(self, percentile: float) -> float:
        if self.count == 0:
            return 0.0
        return float(self._flush().get_value_at_percentile(percentile)) / 1000.0

    def summary(self) -> Distribution:
        h = self._flush()
        if self.count == 0:
            return Distribution(0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        # One walk over the buckets for all five (each lookup alone walks them all).
        at = h.get_percentile_to_value_dict(list(PERCENTILES))
        p50, p90, p95, p99, p999 = (float(at[p]) / 1000.0 for p in PERCENTILES)
        return Distribution(
            count=self.count,
            min_ms=float(h.get_min_value()) / 1000.0,
            mean_ms=self._sum_us / self.count / 1000.0,
            p50_ms=p50,
            p90_ms=p90,
            p95_ms=p95,
            p99_ms=p99,
            p999_ms=p999,
            max_ms=float(h.get_max_value()) / 1000.0,
        )
