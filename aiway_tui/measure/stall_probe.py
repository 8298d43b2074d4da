"""The longest stretch on the UI thread without a Trio checkpoint: the floor under quit latency.

Trio runs as a guest on the thread Textual runs on, so a quit key can take
effect no sooner than the thread gets back to Trio. Two things can hold it:

- a Trio task step that does not reach a checkpoint (timed per step, with the
  coroutine chain of the task, so the task is named);
- the host loop (Textual's layout, render, event handling) keeping Trio's
  next tick waiting: Trio says how long it means to wait before its I/O wait
  (``before_io_wait``), and we time how late it got the thread back
  (``after_io_wait``). An early wake-up by I/O hides a stall that began
  before it, so this figure is a lower bound; while tokens stream, the
  painter and the conductor wake Trio at least once a frame, so longer
  stalls are seen (an idle painter sleeps up to 0.5 s).

To name *what* held the thread, a watchdog thread looks every 2 ms; once a
stretch passes 5 ms it samples the UI thread's Python stack every 2 ms
(the way a sampling profiler does); the stretch recorded as the longest is
named by the stack most of its busy samples found (one sample landing as the
stretch ends names the wrong code), or called idle when most samples found the
thread idle in ``select``: not busy at all, but waiting on the OS (on a
loaded machine, the wake-up itself came late).

It is a Trio ``Instrument``: add it at run time with
``trio.lowlevel.add_instrument`` (it costs two clock reads per task step, and
the watchdog takes the GIL briefly every 2 ms while sampling is on). It also
keeps the set of tasks spawned while it is installed and not yet exited:
after a quit, that set must be empty.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import CoroutineType, FrameType
from typing import Any

import trio

HOST = "host loop (Textual work between Trio ticks)"
IDLE = "the OS: the UI thread sat idle in select while Trio was due (a late wake-up: CPU contention)"
WATCH_PERIOD_S = 0.002
SAMPLE_AFTER_S = 0.005
_SKIPPED_MODULES = ("asyncio.", "selectors", "threading", "trio._core", "contextvars")
_STACK_DEPTH = 4


@dataclass(frozen=True, slots=True)
class Stall:
    """The longest stretch seen, in milliseconds, and what held the thread (``Stall()``: none yet)."""

    trio_step_ms: float = 0.0
    trio_step_culprit: str = ""
    host_ms: float = 0.0
    sampled_ms: float = 0.0
    sampled_stack: str = ""
    """Innermost frames of the UI thread, sampled deep into the longest stretch."""

    @property
    def longest_ms(self) -> float:
        return max(self.trio_step_ms, self.host_ms)

    @property
    def culprit(self) -> str:
        if self.trio_step_ms >= self.host_ms:
            who = f"Trio task step in {self.trio_step_culprit or '?'}"
        elif self.sampled_stack == IDLE:
            return IDLE
        else:
            who = HOST
        return f"{who}; sampled at {self.sampled_stack}" if self.sampled_stack else who

    def as_dict(self) -> dict[str, Any]:
        return {"longest_ms": self.longest_ms, "culprit": self.culprit, **dataclasses.asdict(self)}


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


def describe_stack(frame: FrameType | None, depth: int = _STACK_DEPTH) -> str:
    """``textual.screen:Screen._refresh_layout < ...``: the innermost frames that say something."""
    if frame is not None and str(frame.f_globals.get("__name__", "")) == "selectors":
        return IDLE
    names: list[str] = []
    while frame is not None and len(names) < depth:
        module = str(frame.f_globals.get("__name__", "?"))
        if not module.startswith(_SKIPPED_MODULES):
            names.append(f"{module}:{frame.f_code.co_qualname}")
        frame = frame.f_back
    return " < ".join(names)


class StallProbe(trio.abc.Instrument):
    """Times Trio task steps and the host's hold on the thread between Trio ticks."""

    def __init__(self) -> None:
        self.live_tasks: set[trio.lowlevel.Task] = set()
        """Tasks spawned since this probe was installed that have not exited."""
        self._step_started = math.inf  # installed mid-step: that first step is not timed
        self._in_step = False
        self._wake_due = math.inf
        self.reset()

    def reset(self) -> None:
        """Start a new measuring window (the live-task set is kept)."""
        self._longest_step = 0.0
        self._culprit = ""
        self._longest_host = 0.0
        self._step_sample: tuple[float, str] = (0.0, "")
        self._host_sample: tuple[float, str] = (0.0, "")
        self._current: tuple[float, float, str, int, int] = (math.nan, 0.0, "", 0, 0)
        """The watchdog's view of the stretch in progress: its start, how long it had been held
        at the last sample, the stack most busy samples found, and how many samples were busy
        and idle."""

    def snapshot(self) -> Stall:
        """The longest stretches that have ended (one still in progress is not counted)."""
        step_is_longest = self._longest_step >= self._longest_host
        held, stack = self._step_sample if step_is_longest else self._host_sample
        return Stall(
            self._longest_step * 1000.0, self._culprit, self._longest_host * 1000.0, held * 1000.0, stack
        )

    def _sample_of(self, since: float) -> tuple[float, str]:
        """What held the thread in the stretch that began at ``since``: busy where, or idle."""
        started, held, stack, busy, idle = self._current
        if started != since:
            return (0.0, "")
        return (held, IDLE if idle > busy else stack)

    @contextmanager
    def sampling(self) -> Iterator[None]:
        """Sample the calling thread's stack during long stretches, until the block ends."""
        stop = threading.Event()
        watchdog = threading.Thread(
            target=self._watch, args=(threading.get_ident(), stop), name="stall-probe", daemon=True
        )
        watchdog.start()
        try:
            yield
        finally:
            stop.set()
            watchdog.join()

    def _watch(self, ui_thread: int, stop: threading.Event) -> None:
        seen: dict[str, int] = {}
        """Busy samples of the stretch in progress, by stack."""
        while not stop.wait(WATCH_PERIOD_S):
            since = self._step_started if self._in_step else self._wake_due
            held = time.perf_counter() - since
            if held < SAMPLE_AFTER_S:
                continue
            stack = describe_stack(sys._current_frames().get(ui_thread))
            if since != (self._step_started if self._in_step else self._wake_due):
                continue  # that stretch ended while we looked
            started, _, busy_stack, busy, idle = self._current
            if started != since:
                busy_stack, busy, idle = "", 0, 0
                seen.clear()
            if stack == IDLE:
                self._current = (since, held, busy_stack, busy, idle + 1)
            else:
                seen[stack] = seen.get(stack, 0) + 1
                self._current = (since, held, max(seen, key=seen.__getitem__), busy + 1, idle)

    # Instrument hooks: keep them cheap, they run on every step.

    def before_task_step(self, task: trio.lowlevel.Task) -> None:
        self._step_started = time.perf_counter()
        self._in_step = True

    def after_task_step(self, task: trio.lowlevel.Task) -> None:
        self._in_step = False
        spent = time.perf_counter() - self._step_started
        if spent > self._longest_step:
            self._longest_step = spent
            self._culprit = coroutine_chain(task)
            self._step_sample = self._sample_of(self._step_started)

    def before_io_wait(self, timeout: float) -> None:
        self._wake_due = time.perf_counter() + timeout

    def after_io_wait(self, timeout: float) -> None:
        late = time.perf_counter() - self._wake_due
        if late > self._longest_host:
            self._longest_host = late
            self._host_sample = self._sample_of(self._wake_due)
        self._wake_due = math.inf

    def task_spawned(self, task: trio.lowlevel.Task) -> None:
        self.live_tasks.add(task)

    def task_exited(self, task: trio.lowlevel.Task) -> None:
        self.live_tasks.discard(task)
