"""The keystroke criteria: the same on every scenario a typist types into."""

from __future__ import annotations

from .criteria import Criterion

KEYSTROKE_CRITERIA = (
    Criterion("Every key echoed", "keys_not_echoed", "==", 0, "ours"),
    Criterion("Every key echoed in order", "keys_out_of_order", "==", 0, "ours"),
    Criterion("Keystroke p99 <= 50 ms (press -> echoed)", "input_p99_ms", "<=", 50, "ours"),
    Criterion("Keystroke max <= 100 ms", "input_max_ms", "<=", 100, "ours"),
)
