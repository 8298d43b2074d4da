"""One run's structured concurrency: conductor -> channel -> consumer -> painter.

Everything lives in one root cancel scope. The run ends in exactly one way:
the stream completed (and, if asked, the quit key was pressed), a quit was
requested (key, signal, the UI exiting), the deadline passed, or a task
failed. Whatever the ending, every task unwinds through its ``finally`` and
the counts stay readable for the report.
"""

from __future__ import annotations

import enum
import time
import traceback
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import trio

from ..measure.keystrokes import KeystrokeProbe
from ..measure.lag_probe import UiLagProbe
from ..measure.latency import Distribution
from ..measure.phase_cpu import PhaseCpu
from ..measure.resources import ResourceSampler, ResourceStatistics, ResourceSummary
from ..measure.session_tenths import SessionTenths
from .conductor import ConductorStatistics, MockConductor
from .config import RunConfig
from .consumer import Consumer, ConsumerStatistics
from .faults import ConsumerStall, FaultKind, FaultPlan
from .faulty_surface import FaultySurface
from .feed import Feed
from .gc_hold import GcHold
from .network import SimulatedNetwork
from .pace import Pace
from .painter import FrameInbox, Painter, PainterStatistics, Surface
from .protocol import Item, tokens_in
from .token_feed import TokenInbox
from .tracker import Inbox, MessageTracker, NullInbox, TrackerStatistics
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


@dataclass(frozen=True, slots=True)
class PipelineStatistics:
    """One reading of a run's counters, as ``trio.MemoryChannelStatistics`` is of a channel.

    Cheap enough to take ten times a second: the live readers (stats panel,
    samples, status line, progress) and the report all read these, never the
    parts' attributes.
    """

    at: float
    """``time.perf_counter()`` when read."""
    elapsed_s: float
    """Since the run started, up to the stream's completion (or the end)."""
    idle_phase_s: float
    """The part of ``elapsed_s`` before the first stream started (a scenario's idle phase)."""
    buffer_used: int
    buffer_capacity: int
    peak_buffer: int
    tokens_in_flight_at_end: int
    """Sent but still in the channel or the network when the run ended (quit, deadline)."""
    ending: Ending | None
    conductor: ConductorStatistics
    tracker: TrackerStatistics
    consumer: ConsumerStatistics
    painter: PainterStatistics | None
    resources: ResourceStatistics

    @property
    def frames(self) -> int:
        return self.painter.frames if self.painter is not None else 0

    @property
    def streaming_s(self) -> float:
        """The time the stream ran: ``elapsed_s`` without the idle phase."""
        return max(0.0, self.elapsed_s - self.idle_phase_s)

    @property
    def mean_tokens_per_s(self) -> float:
        """Over the time the stream ran (an idle phase is not streaming time)."""
        return self.tracker.tokens / self.streaming_s if self.streaming_s > 0 else 0.0


@dataclass(frozen=True, slots=True)
class StreamOutcome:
    intact: bool
    error: str | None


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """How each stream and each planned fault ended, both sides of the account (for the report)."""

    streams: Mapping[int, StreamOutcome]
    """Every stream the receiver saw."""
    faults_fired: Mapping[FaultKind, frozenset[int]]
    """Streams each stream fault struck: the injector's side."""
    streams_timed_out: frozenset[int]
    """Streams the watchdog gave up on."""
    streams_abandoned: frozenset[int]
    plan: FaultPlan
    stalls_planned: tuple[ConsumerStall, ...]
    """The consumer's stalls, in the order it takes them."""
    painter_raised: int
    network_held_for_burst: int | None
    """Packets the simulated network held back to make bursts (``None``: no network)."""
    phase_cpu: Mapping[str, float]
    """CPU while idle and while streaming, where the run had both phases."""
    failed_task: str | None
    failure: BaseException | None
    quit_reason: str | None
    quit_cancelled_at: float | None
    """When the root scope was cancelled for a quit (``perf_counter``)."""
    finished_at: float | None
    """When every task had finished."""
    cancelled_tasks: frozenset[str]
    """Tasks still running when the root scope was cancelled."""
    probes: bool


class Pipeline:
    """The parts of one run and the root cancel scope that holds them."""

    def __init__(
        self,
        config: RunConfig,
        surface: Surface | None = None,
        *,
        feed: Feed = "per-frame",
        pace: Pace | None = None,
        probes: bool = True,
        drain_timeout_s: float | None = None,
        conductor: MockConductor | None = None,
    ) -> None:
        """``feed`` says how text reaches ``surface``; ``pace`` (the demo) lets the
        user change the schedule and pause the consumer live; ``drain_timeout_s`` is
        how long a completed stream waits for the surface to show the rest (``None``:
        ``_DRAIN_TIMEOUT_S``; a target is given until the deadline); ``conductor``: one
        that gets its replies elsewhere (``demo --connect``), in place of the mock's own."""
        self.config = config
        self.feed: Feed = feed
        self.drain_timeout_s = _DRAIN_TIMEOUT_S if drain_timeout_s is None else drain_timeout_s
        self.conductor = conductor if conductor is not None else MockConductor(config, pace)
        if conductor is not None and pace is not None:
            conductor.pace = pace
        token_inbox = TokenInbox() if surface is not None and feed == "per-token" else None
        self.tracker = MessageTracker(token_inbox)
        self.inbox: Inbox
        self.painter: Painter | None = None
        faults = self.conductor.faults
        self.faulty_surface: FaultySurface | None = None
        if surface is not None and faults.painter_raise_at_frame:
            surface = self.faulty_surface = FaultySurface(surface, faults.painter_raise_at_frame)
        if surface is not None and token_inbox is not None:
            self.painter = Painter(token_inbox, surface, config.fps)
            self.inbox = token_inbox
        elif surface is not None:
            frame_inbox = FrameInbox(max_chars=config.scrollback * config.width)
            self.painter = Painter(frame_inbox, surface, config.fps)
            self.inbox = frame_inbox
        else:
            self.inbox = NullInbox()
        self.consumer = Consumer(
            self.tracker,
            self.inbox,
            config.consumer_delay_us,
            faults.stalls,
            pace=pace,
            backlog=token_inbox,
        )
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
        self.probes = probes
        """Run the resource sampler and the UI lag probe (off: to measure what measuring costs)."""
        self.gc_hold = GcHold()
        """No full collection from the run's start to its end (``core.gc_hold``)."""
        self.gc_release_deferred = False
        """Set by the session: it releases ``gc_hold`` once the app has exited too."""
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
        self._tokens_in_flight = 0
        self._left_in_channels: list[Item] = []
        """Items still in the channels when the run ended, counted when first asked for."""
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
        if self.painter is not None:
            self.painter.paint_on_cancel = False
        self.root.cancel()

    def fail(self, part: str, exc: BaseException) -> None:
        """End the run as failed in ``part``, from outside its tasks (the app crashed in a
        render or a handler): every task unwinds, the counts are kept, as for a quit."""
        if self.failed_task is None:
            self.failed_task = part
            self.failure = exc
            self.failure_traceback = "".join(traceback.format_exception(exc))
        self.ending = Ending.FAILED
        self.request_quit("failed")

    @property
    def tokens_in_flight_at_end(self) -> int:
        """Tokens sent but still in the channel or the network when the run ended (quit, deadline).

        The items are taken out of the channels as the run ends, and their tokens counted at the
        first read (the report, once the app has exited): a full channel holds 256K tokens, and
        counting them inside a quit would add milliseconds to it for a figure nobody sees yet.
        """
        if self._left_in_channels:
            left, self._left_in_channels = self._left_in_channels, []
            self._tokens_in_flight += sum(map(tokens_in, left))
        return self._tokens_in_flight

    @property
    def elapsed_s(self) -> float:
        end = self.stream_done_at or self.finished_at or time.perf_counter()
        return max(0.0, end - self.started_at)

    @property
    def idle_phase_s(self) -> float:
        """How long the run idled before its first stream started (``idle_s``, as measured)."""
        since = self.conductor.streaming_since
        if since is None:
            return min(self.elapsed_s, self.config.idle_s)
        return max(0.0, since - self.started_at)

    @property
    def streaming_s(self) -> float:
        """The time the stream ran: from its start to the last message received."""
        return max(0.0, self.elapsed_s - self.idle_phase_s)

    def buffer_used(self) -> int:
        if self._send is None:
            return 0
        return self._send.statistics().current_buffer_used

    def statistics(self) -> PipelineStatistics:
        channel = self._send.statistics() if self._send is not None else None
        running = channel is not None and self.finished_at is None
        return PipelineStatistics(
            at=time.perf_counter(),
            elapsed_s=self.elapsed_s,
            idle_phase_s=self.idle_phase_s,
            buffer_used=channel.current_buffer_used if channel is not None else 0,
            buffer_capacity=self.config.buffer,
            peak_buffer=channel.peak_buffer_used if running and channel is not None else self.peak_buffer,
            tokens_in_flight_at_end=self.tokens_in_flight_at_end,
            ending=self.ending,
            conductor=self.conductor.statistics(),
            tracker=self.tracker.statistics(),
            consumer=self.consumer.statistics(),
            painter=self.painter.statistics() if self.painter is not None else None,
            resources=self.sampler.statistics(),
        )

    def latency(self, *names: str) -> dict[str, Distribution]:
        """The latency distributions this run records, by the report's names (all, or ``names``).

        Each costs a walk over its histogram's buckets (~0.5 ms): a live reader
        asks only for the ones it shows.
        """
        recorders: dict[str, Callable[[], Distribution]] = {"channel": self.tracker.channel_latency.summary}
        if self.probes:
            recorders["ui_lag"] = self.lag_probe.summary
        painter = self.painter
        if painter is not None:
            recorders["delivery"] = painter.delivery_latency.summary
            recorders["paint"] = painter.paint_time.summary
            recorders["render"] = painter.surface.render_time.summary
            recorders["frame_gap"] = painter.frame_timer.gap_summary
        if self.network is not None:
            recorders["network"] = self.network.delay.summary
        return {name: summary() for name, summary in recorders.items() if not names or name in names}

    def resource_summary(self) -> ResourceSummary:
        """The run's resource figures, sampled once more now (for the report, not for live readers)."""
        return self.sampler.summary()

    def outcome(self) -> RunOutcome:
        conductor = self.conductor
        watchdog = self.watchdog
        return RunOutcome(
            streams={s: StreamOutcome(t.intact, t.error) for s, t in self.tracker.streams.items()},
            faults_fired={kind: frozenset(streams) for kind, streams in conductor.faults_fired.items()},
            streams_timed_out=frozenset(watchdog.timed_out if watchdog is not None else ()),
            streams_abandoned=frozenset(conductor.streams_abandoned),
            plan=conductor.faults,
            stalls_planned=tuple(self.consumer.stalls),
            painter_raised=self.faulty_surface.raised if self.faulty_surface is not None else 0,
            network_held_for_burst=_held_for_burst(self.network),
            phase_cpu=self.phase_cpu.results(),
            failed_task=self.failed_task,
            failure=self.failure,
            quit_reason=self.quit_reason,
            quit_cancelled_at=self.quit_cancelled_at,
            finished_at=self.finished_at,
            cancelled_tasks=frozenset(self.cancelled_tasks),
            probes=self.probes,
        )

    # The run.

    async def _task(self, name: str, fn: Callable[..., Awaitable[None]], *args: object) -> None:
        self.running.add(name)
        try:
            await fn(*args)
        except trio.Cancelled:
            self.cancelled_tasks.add(name)
            raise
        except BaseException as exc:
            if _only_cancelled(exc):  # a task with a nursery of its own (lanes, the network), cancelled
                self.cancelled_tasks.add(name)
                raise
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
        self.gc_hold.hold()
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
                        with trio.move_on_after(self.drain_timeout_s):
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
            if not self.gc_release_deferred:
                self.gc_hold.release()
            self.peak_buffer = send.statistics().peak_buffer_used
            self._left_in_channels = _drain(receive)
            if self.network is not None:
                self._tokens_in_flight += self.network.tokens_held
            if self._link is not None:
                self._left_in_channels += _drain(self._link)
            if self.ending is None:
                if deadline.cancelled_caught:
                    self.ending = Ending.TIMED_OUT
                elif self.stream_done_at is not None and self.quit_reason in (None, "quit"):
                    self.ending = Ending.COMPLETED
                elif self.quit_reason in ("SIGINT", "SIGTERM", "SIGHUP"):
                    self.ending = Ending.INTERRUPTED
                else:
                    self.ending = Ending.QUIT
        return self.ending


def _held_for_burst(network: SimulatedNetwork | None) -> int | None:
    if network is None:
        return None
    return network.plan.held_for_burst if network.plan is not None else 0


def _only_cancelled(exc: BaseException) -> bool:
    """A group of nothing but ``trio.Cancelled``: what a cancelled nursery of several tasks raises."""
    if not isinstance(exc, BaseExceptionGroup):
        return False
    _, rest = exc.split(trio.Cancelled)
    return rest is None


def _drain(receive: trio.MemoryReceiveChannel[Item]) -> list[Item]:
    """Take (and keep) the items left in the channel, then close it."""
    items: list[Item] = []
    with receive:
        while True:
            try:
                items.append(receive.receive_nowait())
            except (trio.WouldBlock, trio.EndOfChannel):
                return items
