"""Keystroke latency: each key from its press to the first render that shows it.

The complaint chat TUI users make most is typing that lags while a reply
streams. A key is pressed (by the typist, into the driver's input path, as a
terminal's bytes would be) at a perf-counter time; the input box reports the
value each render drew; the first render whose value holds that key at its
place ends the key's latency. A key drawn as another character counts as out
of order; one never drawn is left pending (not echoed).

Thread-safe where it has to be: keys are pressed on the typist's thread (a
terminal's input arrives on the driver's thread too), renders happen on the
UI thread; a deque's append and popleft are atomic.
"""

from __future__ import annotations

import threading
from collections import deque

from .latency import LatencyRecorder


class KeystrokeProbe:
    """What was typed, what was echoed, and how long each echo took."""

    def __init__(self) -> None:
        self.latency = LatencyRecorder()
        self.pressed = 0
        self.echoed = 0
        self.out_of_order = 0
        self._pending: deque[tuple[str, float]] = deque()
        self._shown = 0
        """Characters of the current line already echoed."""
        self._clearing = False
        self.typist_active = False
        """A typist reports its own presses; keys from the terminal are then its echo."""
        self.idle = threading.Event()
        """Set while no key waits for its echo (and no clear for its empty line)."""
        self.idle.set()

    @property
    def pending(self) -> int:
        return len(self._pending)

    def press(self, char: str, at: float) -> None:
        """``char`` was pressed at perf-counter time ``at`` (call before feeding it)."""
        self.idle.clear()
        self.pressed += 1
        self._pending.append((char, at))

    def key_event(self, char: str, at: float) -> None:
        """A person's key reached the input box, parsed by the driver at ``at``."""
        if not self.typist_active:
            self.press(char, at)

    def clear_line(self) -> None:
        """The line is about to be cleared: the next empty render starts a new one.

        Keys still pending then are never shown: they stay counted as not echoed.
        """
        self.idle.clear()
        self._clearing = True

    def rendered(self, value: str, now: float) -> None:
        """A render of the input box drew ``value`` at perf-counter time ``now``."""
        if self._clearing:
            if value:
                return
            self._clearing = False
            self._shown = 0
            self._pending.clear()
        pending = self._pending
        shown = self._shown
        while pending and shown < len(value):
            char, at = pending.popleft()
            if value[shown] == char:
                self.latency.record(now - at)
                self.echoed += 1
            else:
                self.out_of_order += 1
            shown += 1
        self._shown = shown
        if not pending and not self._clearing:
            self.idle.set()

    @property
    def not_echoed(self) -> int:
        return self.pressed - self.echoed - self.out_of_order

    def results(self) -> dict[str, float]:
        """The report's figures (empty when no key was pressed)."""
        if not self.pressed:
            return {}
        summary = self.latency.summary()
        return {
            "keys_pressed": self.pressed,
            "keys_echoed": self.echoed,
            "keys_out_of_order": self.out_of_order,
            "keys_not_echoed": self.not_echoed,
            "input_p50_ms": summary.p50_ms,
            "input_p99_ms": summary.p99_ms,
            "input_max_ms": summary.max_ms,
        }
