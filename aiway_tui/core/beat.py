"""The frame beat: instants on the Trio clock one frame period apart, shared by
the paced conductor and the painter.

A wake-up of a Trio guest costs more CPU than a frame's worth of tokens (a
worker thread's poll, then the hand-off back to the host loop). A paced
conductor that sends what is due at each beat, and a painter that paints at
the first arrival at or after each beat, wake in the same guest tick: one
wake-up per frame for both. Tokens sent between two beats would only have
waited for the next frame anyway. The beats are multiples of the period on
the Trio clock, so the two agree without talking to each other, and a late
wake-up does not push every later one back.
"""

from __future__ import annotations

import math

_ROUNDING = 1e-6
"""Of a period: a wake-up at a beat, read back by the clock, counts as at that beat."""


def next_beat(t: float, period: float) -> float:
    """The first beat after ``t`` (a ``t`` at a beat gives the one after it)."""
    return (math.floor(t / period + _ROUNDING) + 1) * period
