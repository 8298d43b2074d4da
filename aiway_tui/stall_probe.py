"""The longest stretch on the UI thread without a Trio checkpoint: the floor under quit latency.

Trio runs as a guest on the thread Textual runs on, so a quit key can take
effect no sooner than the thread gets back to Trio. Two things can hold it:

- a Trio task step that does not reach a checkpoint (timed per step, with the
  coroutine chain that ran, so the culprit is named);
- the host loop (Textual's layout, render, event handling) keeping Trio's
  next tick waiting: Trio says how long it means to wait before its I/O wait
  (``before_io_wait``), and we time how late it got the thread back
  (``after_io_wait``). An early wake-up by I/O hides a stall that began
  before it, so this figure is a lower bound; at our frame rates Trio wakes
  at least every ~33 ms, so longer stalls are seen.

It is a Trio ``Instrument``: add it at run time with
``trio.lowlevel.add_instrument`` (it costs two clock reads per task step).
It also keeps the set of tasks spawned while it is installed and not yet
exited: after a quit, that set must be empty.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from types import CoroutineType
from typing import Any

import trio

HOST = "host loop (Textual work between Trio ticks)"


@dataclass(frozen=True, slots=True)
class Stall:
    """The longest stretch seen, in milliseconds, and what held the thread."""

    trio_step_ms: float
    trio_step_culprit: str
    host_ms: float

    @property
    def longest_ms(self) -> float:
        return max(self.trio_step_ms, self.host_ms)

    @property
    def culprit(self) -> str:
        if self.trio_step_ms >= self.host_ms:
            return f"Trio task step in {self.trio_step_culprit or '?'}"
        return HOST

    def as_dict(self) -> dict[str, Any]:
        return {
            "longest_ms": self.longest_ms,
            "culprit": self.culprit,
            "trio_step_ms": self.trio_step_ms,
            "trio_step_culprit": self.trio_step_culprit,
            "host_ms": self.host_ms,
        }


def coroutine_chain(task: trio.lowlevel.Task, depth: int = 4) -> str:
    """``Pipeline._task > MockConductor.run > ...``: who a task is, below its wrappers."""
    names: list[str] = []
    coro: Any = task.coro
    while coro is not None and len(names) < depth:
        code = getattr(coro, "cr_code", None) or getattr(coro, "ag_code", None)
        if code is None:
            break
        names.append(code.co_qualname)
        coro = coro.cr_await if isinstance(coro, CoroutineType) else None
    return " > ".join(names) or task.name


class StallProbe(trio.abc.Instrument):
    """Times Trio task steps and the host's hold on the thread between Trio ticks."""

    def __init__(self) -> None:
        self.live_tasks: set[trio.lowlevel.Task] = set()
        """Tasks spawned since this probe was installed that have not exited."""
        self._step_started = math.inf  # installed mid-step: that first step is not timed
        self._wake_due = math.inf
        self.reset()

    def reset(self) -> None:
        """Start a new measuring window (the live-task set is kept)."""
        self._longest_step = 0.0
        self._culprit = ""
        self._longest_host = 0.0

    def snapshot(self) -> Stall:
        return Stall(self._longest_step * 1000.0, self._culprit, self._longest_host * 1000.0)

    # Instrument hooks: keep them cheap, they run on every step.

    def before_task_step(self, task: trio.lowlevel.Task) -> None:
        self._step_started = time.perf_counter()

    def after_task_step(self, task: trio.lowlevel.Task) -> None:
        spent = time.perf_counter() - self._step_started
        if spent > self._longest_step:
            self._longest_step = spent
            self._culprit = coroutine_chain(task)

    def before_io_wait(self, timeout: float) -> None:
        self._wake_due = time.perf_counter() + timeout

    def after_io_wait(self, timeout: float) -> None:
        late = time.perf_counter() - self._wake_due
        if late > self._longest_host:
            self._longest_host = late

    def task_spawned(self, task: trio.lowlevel.Task) -> None:
        self.live_tasks.add(task)

    def task_exited(self, task: trio.lowlevel.Task) -> None:
        self.live_tasks.discard(task)
