"""One run's structured concurrency: conductor -> channel -> consumer -> painter.

Everything lives in one root cancel scope. The run ends in exactly one way:
the stream completed (and, if asked, the quit key was pressed), a quit was
requested (key, signal, the UI exiting), the deadline passed, or a task
failed. Whatever the ending, every task unwinds through its ``finally`` and
the counts stay readable for the report.
"""

from __future__ import annotations

import enum
import gc
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import Protocol

import trio

from ..measure.keystrokes import KeystrokeProbe
from ..measure.lag_probe import UiLagProbe
from ..measure.phase_cpu import PhaseCpu
from ..measure.resources import ResourceSampler
from ..measure.session_tenths import SessionTenths
from .conductor import MockConductor
from .config import RunConfig
from .consumer import Consumer
from .faulty_surface import FaultySurface
from .network import SimulatedNetwork
from .painter import FrameInbox, Painter, Surface
from .protocol import Item, Token
from .tracker import Inbox, MessageTracker, NullInbox
from .watchdog import StreamWatchdog

_DRAIN_TIMEOUT_S = 2.0
"""How long a completed run waits for its last frame to reach the screen."""


class SideTask(Protocol):
    """A task beside the pipeline's own (the typist): run until cancelled; ``finish``
    once the stream is complete, before the run ends."""

    async def run(self) -> None: ...

    async def finish(self) -> None: ...


class Ending(enum.Enum):
    COMPLETED = "completed"
    QUIT = "quit"
    INTERRUPTED = "interrupted"
    TIMED_OUT = "timed out"
    FAILED = "failed"


class Pipeline:
    """The parts of one run and the root cancel scope that holds them."""

    def __init__(self, config: RunConfig, surface: Surface | None = None) -> None:
        self.config = config
        self.conductor = MockConductor(config)
        self.tracker = MessageTracker()
        self.inbox: Inbox
        self.painter: Painter | None = None
        faults = self.conductor.faults
        self.faulty_surface: FaultySurface | None = None
        if surface is not None and faults.painter_raise_at_frame:
            surface = self.faulty_surface = FaultySurface(surface, faults.painter_raise_at_frame)
        if surface is not None:
            frame_inbox = FrameInbox(max_chars=config.scrollback * config.width)
            self.painter = Painter(frame_inbox, surface, config.fps)
            self.inbox = frame_inbox
        else:
            self.inbox = NullInbox()
        self.consumer = Consumer(self.tracker, self.inbox, config.consumer_delay_us, faults.stalls)
        self.watchdog: StreamWatchdog | None = None
        if faults.watch_idle:
            self.watchdog = StreamWatchdog(self.tracker, faults.idle_timeout_s, self.conductor.abandon)
        self.network: SimulatedNetwork | None = None
        if config.network is not None:
            self.network = SimulatedNetwork(config.network, config.seed, config.buffer)
        self.sampler = ResourceSampler()
        self.phase_cpu = PhaseCpu(config.idle_s)
        self.lag_probe = UiLagProbe(on_fire=self.sampler.tick)
        self.keystrokes = KeystrokeProbe()
        """Keys pressed into the input box and their echo (the typist's, or a person's)."""
        self.side_tasks: list[tuple[str, SideTask]] = []
        """Tasks beside the pipeline's own (the typist, the session's tenths)."""
        self.session_tenths: SessionTenths | None = None
        self.probes = True
        """Run the resource sampler and the UI lag probe (off: to measure what measuring costs)."""
        self.root = trio.CancelScope()
        self.ending: Ending | None = None
        self.quit_reason: str | None = None
        self.failed_task: str | None = None
        self.failure: BaseException | None = None
        self.failure_traceback: str | None = None
        self.running: set[str] = set()
        self.cancelled_tasks: set[str] = set()
        """Tasks that were still running when the root scope was cancelled."""
        self.peak_buffer = 0
        self.tokens_in_flight_at_end = 0
        """Tokens sent but still in the channel when the run ended (quit, deadline)."""
        self.started_at = 0.0
        self.stream_done_at: float | None = None
        self.quit_requested_at: float | None = None
        self.quit_cancelled_at: float | None = None
        self.finished_at: float | None = None
        self._send: trio.MemorySendChannel[Item] | None = None
        self._link: trio.MemoryReceiveChannel[Item] | None = None
        """The conductor's side of the simulated network, drained at the end like the channel."""

    # Control, from inside the Trio run.

    def request_quit(self, reason: str = "quit") -> None:
        """Cancel the root scope: every task unwinds, the counts are kept."""
        if self.quit_cancelled_at is None:
            self.quit_reason = reason
            self.quit_cancelled_at = time.perf_counter()
        self.root.cancel()

    @property
    def elapsed_s(self) -> float:
        end = self.stream_done_at or self.finished_at or time.perf_counter()
        return max(0.0, end - self.started_at)

    def buffer_used(self) -> int:
        if self._send is None:
            return 0
        return self._send.statistics().current_buffer_used

    # The run.

    async def _task(self, name: str, fn: Callable[..., Awaitable[None]], *args: object) -> None:
        self.running.add(name)
        try:
            await fn(*args)
        except trio.Cancelled:
            self.cancelled_tasks.add(name)
            raise
        except BaseException as exc:
            if self.failed_task is None:
                self.failed_task = name
                self.failure = exc
                self.failure_traceback = "".join(traceback.format_exception(exc))
            raise
        finally:
            self.running.discard(name)

    async def run(self, on_stream_done: Callable[[], None] | None = None) -> Ending:
        """Run to the end; ``on_stream_done`` is called once all was received.

        Without ``on_stream_done`` the run ends as soon as the stream is
        complete; with it, the painter keeps painting until something (the
        callback, a key, a signal) requests a quit.
        """
        config = self.config
        send, receive = trio.open_memory_channel[Item](config.buffer)
        self._send = send
        # What earlier runs left is collected now, and what exists is frozen out
        # of the collector's reach: a full collection mid-stream over a large heap
        # is a pause of tens of milliseconds on the thread that paints.
        gc.collect()
        gc.freeze()
        self.sampler.restart()
        self.started_at = time.perf_counter()
        try:
            with self.root, trio.move_on_after(config.time_limit_s) as deadline:
                async with trio.open_nursery() as nursery:
                    if self.network is None:
                        nursery.start_soon(self._task, "conductor", self.conductor.run, send)
                    else:
                        link_send, link_receive = trio.open_memory_channel[Item](config.buffer)
                        self._link = link_receive
                        nursery.start_soon(self._task, "conductor", self.conductor.run, link_send)
                        nursery.start_soon(
                            self._task, "network", self.network.run, link_receive.clone(), send
                        )
                    if self.watchdog is not None:
                        nursery.start_soon(self._task, "watchdog", self.watchdog.run)
                    nursery.start_soon(self._task, "phase_cpu", self.phase_cpu.run, self.consumer.done)
                    nursery.start_soon(self._task, "consumer", self.consumer.run, receive.clone())
                    if self.probes:
                        nursery.start_soon(self._task, "probes", self.lag_probe.run)
                    if self.painter is not None:
                        nursery.start_soon(self._task, "painter", self.painter.run)
                    for name, side_task in self.side_tasks:
                        nursery.start_soon(self._task, name, side_task.run)
                    await self.consumer.done.wait()
                    self.stream_done_at = time.perf_counter()
                    if self.painter is not None:
                        with trio.move_on_after(_DRAIN_TIMEOUT_S):
                            await self.painter.drain()
                    for _, side_task in self.side_tasks:
                        await side_task.finish()
                    if on_stream_done is None:
                        nursery.cancel_scope.cancel()
                    else:
                        on_stream_done()
                        await trio.sleep_forever()
        except BaseException:
            self.ending = Ending.FAILED
            raise
        finally:
            self.finished_at = time.perf_counter()
            gc.unfreeze()
            self.peak_buffer = send.statistics().peak_buffer_used
            self.tokens_in_flight_at_end = _drain(receive)
            if self.network is not None:
                self.tokens_in_flight_at_end += self.network.tokens_held
            if self._link is not None:
                self.tokens_in_flight_at_end += _drain(self._link)
            if self.ending is None:
                if deadline.cancelled_caught:
                    self.ending = Ending.TIMED_OUT
                elif self.stream_done_at is not None and self.quit_reason in (None, "quit"):
                    self.ending = Ending.COMPLETED
                elif self.quit_reason in ("SIGINT", "SIGTERM"):
                    self.ending = Ending.INTERRUPTED
                else:
                    self.ending = Ending.QUIT
        return self.ending


def _drain(receive: trio.MemoryReceiveChannel[Item]) -> int:
    """Count (and discard) the tokens left in the channel, then close it."""
    tokens = 0
    with receive:
        while True:
            try:
                item = receive.receive_nowait()
            except (trio.WouldBlock, trio.EndOfChannel):
                return tokens
            tokens += sum(1 for message in item if isinstance(message, Token))
