"""The garbage collector held off a run's full collections, from its start until the app has exited.

A full (oldest-generation) collection walks every tracked object. Tokens are
named tuples, which the collector never untracks, so with the channel full
(256 items of 1,024 tokens) one full collection is a pause of 30-150 ms on
the thread that paints and handles keys: the worst stretches of a quit.
What earlier runs left is collected before the run and frozen out of the
collector's reach; during the run the young generations are still
collected (short pauses: what a stream makes and drops is freed by
reference counting anyway), but the oldest one waits until the run and the
app have ended, when a pause no longer delays anything a person sees.

The youngest generation's threshold is raised too: at CPython's 700 tracked
allocations, building one item of 1,024 tokens starts a collection that
scans tokens which reference counting frees a moment later (1,600 young
collections in a 10-second rapid-tokens run, about 4 % of its CPU). At
``YOUNG_THRESHOLD`` a whole item and its channel neighbours are made and
freed between collections, and each collection stays near a millisecond.
"""

from __future__ import annotations

import gc

_NEVER = 1_000_000_000
"""An oldest-generation threshold no run reaches."""

YOUNG_THRESHOLD = 10_000
"""Tracked allocations (net of frees) between young collections during a run."""


class GcHold:
    def __init__(self) -> None:
        self._saved: tuple[int, int, int] | None = None

    @property
    def held(self) -> bool:
        return self._saved is not None

    def hold(self) -> None:
        """Collect what exists, freeze it, and stop automatic full collections."""
        if self._saved is not None:
            return
        gc.collect()
        gc.freeze()
        young, middle, _ = self._saved = gc.get_threshold()
        gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, _NEVER)

    def release(self) -> None:
        """Give the collector back its thresholds and the frozen objects."""
        if self._saved is None:
            return
        gc.set_threshold(*self._saved)
        self._saved = None
        gc.unfreeze()
