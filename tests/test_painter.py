"""The frame inbox coalesces and bounds; the painter paints once per frame."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import trio
import trio.testing

from aiway_tui.latency import LatencyRecorder
from aiway_tui.painter import Frame, FrameInbox, Painter, TextChunk
from aiway_tui.protocol import ConductorState, State, StreamEnd, StreamStart


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
    assert painter.frames == len([f for f in surface.frames if f is not None])
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
