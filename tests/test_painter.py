"""The frame inbox coalesces and bounds; the painter paints once per frame."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import pytest
import trio
import trio.testing

from aiway_tui.core.config import RunConfig
from aiway_tui.core.painter import Frame, FrameInbox, Painter, TextChunk
from aiway_tui.core.pipeline import Ending, Pipeline
from aiway_tui.core.protocol import ConductorState, State, StreamEnd, StreamStart
from aiway_tui.measure.latency import LatencyRecorder
from aiway_tui.testing import wait_for


class RecordingSurface:
    """Stands in for the app in pure-Trio tests of frame pacing."""

    def __init__(self) -> None:
        self.frames: list[Frame | None] = []
        self.render_time = LatencyRecorder()

    def paint(self, frame: Frame | None, delivered: Callable[[int, float], None]) -> None:
        self.frames.append(frame)
        if frame is not None and frame.tokens:
            delivered(frame.tokens, frame.oldest_scheduled)


def test_inbox_coalesces_text_per_stream_in_order() -> None:
    inbox = FrameInbox(max_chars=1000)
    inbox.push_control(StreamStart(0, 0, "hi", 3))
    inbox.push_text(0, "ab", 2, 1.0)
    inbox.push_text(0, "cd", 2, 2.0)
    inbox.push_control(State(ConductorState.READY))
    inbox.push_control(StreamEnd(0, 4, 0, 1.0))
    frame = inbox.take()
    assert frame is not None
    assert frame.events == [StreamStart(0, 0, "hi", 3), TextChunk(0, "abcd"), StreamEnd(0, 4, 0, 1.0)]
    assert (frame.tokens, frame.oldest_scheduled, frame.state) == (4, 1.0, ConductorState.READY)
    assert inbox.take() is None


def test_inbox_trims_what_could_never_be_seen() -> None:
    inbox = FrameInbox(max_chars=10)
    for _ in range(100):
        inbox.push_text(0, "0123456789", 10, 0.0)
    frame = inbox.take()
    assert frame is not None
    assert frame.events == [TextChunk(0, "0123456789")]
    assert frame.trimmed_chars == 990
    assert frame.tokens == 1000


async def test_painter_paints_at_most_fps(autojump_clock: trio.testing.MockClock) -> None:
    inbox = FrameInbox(max_chars=1000)
    surface = RecordingSurface()
    painter = Painter(inbox, surface, fps=20)

    async def feed() -> None:
        for _ in range(1000):
            inbox.push_text(0, "x", 1, trio.current_time())
            await trio.sleep(0.001)

    with trio.move_on_after(1.0):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(painter.run)
            await feed()
    assert 19 <= painter.ticks <= 22
    assert painter.tokens_painted == 1000
    assert painter.delivery_latency.summary().max_ms <= 51


async def test_delivery_latency_spreads_a_frame_between_its_oldest_and_newest_token(
    autojump_clock: trio.testing.MockClock,
) -> None:
    inbox = FrameInbox(max_chars=1000)
    painter = Painter(inbox, RecordingSurface(), fps=30)
    t0 = trio.current_time()
    for i in range(31):  # one token a ms: the frame's newest is 30 ms after its oldest
        inbox.push_text(0, "x", 1, t0 + i * 0.001)
    await trio.sleep_until(t0 + 0.050)
    painter.paint_frame()  # RecordingSurface delivers at once: at t0 + 50 ms
    d = painter.delivery_latency.summary()
    assert d.count == 31
    assert d.max_ms == pytest.approx(50.0, rel=1e-3)  # the oldest token
    assert d.min_ms == pytest.approx(20.0, rel=1e-3)  # the newest token
    assert 35.0 <= d.mean_ms <= 36.0  # 31 tokens in 8 steps: the remainder goes to the longest


class _TaskSteps(trio.abc.Instrument):
    """Counts how often the task named ``name`` is woken."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.steps = 0

    def before_task_step(self, task: trio.lowlevel.Task) -> None:
        if task.name == self.name:
            self.steps += 1


async def test_a_steady_stream_wakes_the_painter_once_per_frame(
    autojump_clock: trio.testing.MockClock,
) -> None:
    """50 tok/s at 30 fps: a frame at the first token after each beat, and no wake-up between frames."""
    inbox = FrameInbox(max_chars=1000)
    painter = Painter(inbox, RecordingSurface(), fps=30)
    steps = _TaskSteps("painter")
    trio.lowlevel.add_instrument(steps)
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(painter.run, name="painter")
            for _ in range(50):
                await trio.sleep(0.020)
                inbox.push_text(0, "token", 1, trio.current_time())
            await trio.sleep(0.1)
            nursery.cancel_scope.cancel()
    finally:
        trio.lowlevel.remove_instrument(steps)
    assert painter.tokens_painted == 50
    assert 28 <= painter.frames <= 31  # 1 s of tokens: a frame a beat
    # One step to start, two per frame (woken; every other task blocked, in the same
    # tick), one to be cancelled.
    assert steps.steps <= 2 * painter.ticks + 2


async def test_a_frame_takes_everything_the_same_tick_brings(autojump_clock: trio.testing.MockClock) -> None:
    """A paced conductor sends a beat's tokens as several items, a checkpoint apart: one
    frame shows them all, not the first with the rest a period behind."""
    inbox = FrameInbox(max_chars=10_000)
    surface = RecordingSurface()
    painter = Painter(inbox, surface, fps=10)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(painter.run)
        t0 = trio.current_time()
        for beat in range(1, 4):
            await trio.sleep_until(t0 + beat * 0.1)
            for _ in range(4):
                inbox.push_text(0, "item", 1, trio.current_time())
                await trio.lowlevel.checkpoint()
        await trio.sleep(0.3)
        nursery.cancel_scope.cancel()
    assert [f.tokens for f in surface.frames if f is not None] == [4, 4, 4]
    assert painter.delivery_latency.summary().max_ms < 1.0  # each shown in the tick it came


async def test_text_held_for_a_later_arrival_is_painted_within_the_hold(
    autojump_clock: trio.testing.MockClock,
) -> None:
    inbox = FrameInbox(max_chars=1000)
    surface = RecordingSurface()
    painter = Painter(inbox, surface, fps=10)  # 100 ms frames, hold 50 ms
    async with trio.open_nursery() as nursery:
        nursery.start_soon(painter.run)
        t0 = trio.current_time()
        inbox.push_text(0, "first", 1, t0)
        await trio.sleep(0.010)
        assert painter.frames == 1
        inbox.push_text(0, "lone", 1, trio.current_time())  # too soon: held
        await trio.sleep(0.130)
        assert painter.frames == 1
        await trio.sleep(0.011)  # past the slot (t0 + 100 ms) plus the hold (50 ms)
        assert painter.frames == 2
        nursery.cancel_scope.cancel()
    frames = [f for f in surface.frames if f is not None]
    assert [e.text for f in frames for e in f.events if isinstance(e, TextChunk)] == ["first", "lone"]


async def test_an_idle_painter_refreshes_the_figures_without_painting_text(
    autojump_clock: trio.testing.MockClock,
) -> None:
    inbox = FrameInbox(max_chars=1000)
    surface = RecordingSurface()
    painter = Painter(inbox, surface, fps=30)
    with trio.move_on_after(3.5):
        await painter.run()
    assert surface.frames[:3] == [None, None, None]
    assert painter.frames == 0


@pytest.mark.parametrize(("quit_first", "painted"), [(False, ["first", "pending"]), (True, ["first"])])
async def test_a_cancelled_painter_shows_what_is_pending_unless_the_run_is_quitting(
    autojump_clock: trio.testing.MockClock, quit_first: bool, painted: list[str]
) -> None:
    """A time limit or a failure still shows the last text; a quit does not lay it out
    inside the quit, for an app about to close."""
    inbox = FrameInbox(max_chars=1000)
    surface = RecordingSurface()
    painter = Painter(inbox, surface, fps=10)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(painter.run)
        inbox.push_text(0, "first", 1, trio.current_time())
        await trio.sleep(0.010)
        inbox.push_text(0, "pending", 1, trio.current_time())  # held for the next frame
        if quit_first:
            painter.paint_on_cancel = False
        nursery.cancel_scope.cancel()
    frames = [f for f in surface.frames if f is not None]
    assert [e.text for f in frames for e in f.events if isinstance(e, TextChunk)] == painted


class AsyncSurface:
    """A surface whose update is a coroutine, as a target with async appends gives."""

    def __init__(self) -> None:
        self.render_time = LatencyRecorder()
        self.updates: list[Coroutine[Any, Any, None]] = []

    def paint(self, frame: Frame | None, delivered: Callable[[int, float], None]) -> Awaitable[None] | None:
        update = self._update()
        self.updates.append(update)
        return update

    async def _update(self) -> None:
        await trio.lowlevel.checkpoint()


async def test_an_async_update_is_started_even_when_a_cancel_lands_with_its_frame() -> None:
    """A frame's update begins before any checkpoint: a cancel then reaches it inside,
    never leaves it unstarted (a coroutine never awaited)."""
    inbox = FrameInbox(max_chars=1000)
    surface = AsyncSurface()
    painter = Painter(inbox, surface, fps=10)
    inbox.push_text(0, "text", 1, trio.current_time())
    with trio.CancelScope() as scope:
        scope.cancel()
        await painter.paint()
    assert scope.cancelled_caught
    assert len(surface.updates) == 1
    assert inspect.getcoroutinestate(surface.updates[0]) == inspect.CORO_CLOSED


async def test_a_quit_mid_stream_ends_the_run_without_a_last_paint() -> None:
    pipeline = Pipeline(RunConfig(message_count=10_000, message_delay_us=1000), RecordingSurface())
    async with trio.open_nursery() as nursery:
        nursery.start_soon(pipeline.run)
        with trio.fail_after(30):  # a busy machine starts slowly: wait for tokens, not a fixed time
            await wait_for(lambda: pipeline.tracker.tokens > 0)
        assert pipeline.painter is not None
        assert pipeline.painter.paint_on_cancel
        pipeline.request_quit()
    assert pipeline.ending is Ending.QUIT
    assert not pipeline.painter.paint_on_cancel
    assert 0 < pipeline.tracker.tokens < 10_000
