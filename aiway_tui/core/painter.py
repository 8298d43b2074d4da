"""The throttled painter: one widget update per frame, whatever the token rate.

The consumer pushes into a ``FrameInbox`` (cheap appends, bounded by what the
transcript can show); the painter task takes everything pending once per
frame and hands it to the surface in one call. Paint cost is therefore set by
the frame rate and the screen size, never by the token rate or the length of
the transcript.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple, Protocol

import trio
import trio.testing
from trio_util import periodic

from ..measure.frames import FrameTimer
from ..measure.latency import LatencyRecorder
from .beat import next_beat
from .protocol import ConductorState, Message, State, StreamEnd, StreamError, StreamStart

if TYPE_CHECKING:
    from .token_feed import TokenInbox

IDLE_REFRESH_S = 1.0
"""How often the live figures are refreshed when no text arrives."""

HOLD_PERIODS = 0.5
"""Longest a frame waits past its slot for the next arrival, in frame periods:
text is on screen at most 1.5 periods after it arrives."""

SETTLE_PERIODS = 0.1
"""Longest a frame waits, once woken, for the rest of what is arriving in the same tick, in
frame periods: a paced conductor sends a beat's tokens as several items, and a frame painted at
the first of them left the others a whole period behind (half the tokens, measured)."""


class _FrameWaiter(NamedTuple):
    """The painter, waiting in ``FrameInbox.wait_frame``."""

    slot: float
    hold_at: float
    event: trio.Event
    scope: trio.CancelScope


class TextChunk(NamedTuple):
    """Text for one stream, coalesced from consecutive tokens."""

    stream: int
    text: str


@dataclass(slots=True)
class Frame:
    """Everything received since the last frame, in order, text coalesced."""

    events: list[TextChunk | Message] = field(default_factory=list)
    tokens: int = 0
    oldest_scheduled: float = 0.0
    newest_scheduled: float = 0.0
    """Oldest scheduled time of the last run of tokens pushed: a near bound on the newest token's."""
    trimmed_chars: int = 0
    state: ConductorState | None = None


class FrameInbox:
    """Pending updates between two frames, bounded to ``max_chars`` of text.

    Text that would scroll out of the transcript before it is ever painted is
    trimmed here (and counted), so a burst of megabytes costs one bounded paint.
    """

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self._frame = Frame()
        self._chars = 0
        self._waiter: _FrameWaiter | None = None

    @property
    def pending(self) -> bool:
        return bool(self._frame.events) or self._frame.state is not None

    async def wait_frame(self, slot: float, hold_s: float, idle_s: float, settle_s: float = 0.0) -> None:
        """Return when the next frame is due, waking once for it.

        That is at the first push at or after Trio time ``slot``, once every
        other task is blocked (what the same tick brings is in the frame; at
        most ``settle_s`` later); or, if something is pending but no push
        comes at or after ``slot``, at ``slot + hold_s``; or, if nothing is
        pending at all, after ``idle_s``. A push before ``slot`` only moves
        the deadline: it wakes nobody.
        """
        now = trio.current_time()
        if self.pending and now >= slot:
            await trio.lowlevel.checkpoint()
            return
        hold_at = slot + hold_s
        waiter = _FrameWaiter(slot, hold_at, trio.Event(), trio.CancelScope())
        waiter.scope.deadline = hold_at if self.pending else now + idle_s
        self._waiter = waiter
        try:
            with waiter.scope:
                await waiter.event.wait()
        finally:
            self._waiter = None
        if waiter.event.is_set() and settle_s > 0:
            # No timer of its own: Trio wakes it as its run queue empties, in the same tick.
            with trio.move_on_after(settle_s):
                await trio.testing.wait_all_tasks_blocked()

    def _pushed(self) -> None:
        waiter = self._waiter
        if waiter is None:
            return
        if trio.current_time() >= waiter.slot:
            waiter.event.set()
        elif waiter.scope.deadline != waiter.hold_at:
            waiter.scope.deadline = waiter.hold_at

    def push_text(self, stream: int, text: str, tokens: int, oldest_scheduled: float) -> None:
        self._pushed()
        frame = self._frame
        if frame.tokens == 0:
            frame.oldest_scheduled = oldest_scheduled
        frame.newest_scheduled = max(frame.newest_scheduled, oldest_scheduled)
        frame.tokens += tokens
        events = frame.events
        last = events[-1] if events else None
        if isinstance(last, TextChunk) and last.stream == stream:
            events[-1] = TextChunk(stream, last.text + text)
        else:
            events.append(TextChunk(stream, text))
        self._chars += len(text)
        if self._chars > self.max_chars:
            self._trim()

    def push_control(self, message: Message) -> None:
        self._pushed()
        if isinstance(message, State):
            self._frame.state = message.state
        elif isinstance(message, StreamStart | StreamEnd | StreamError):
            self._frame.events.append(message)

    def _trim(self) -> None:
        excess = self._chars - self.max_chars
        events = self._frame.events
        for index, event in enumerate(events):
            if excess <= 0:
                break
            if isinstance(event, TextChunk):
                cut = min(excess, len(event.text))
                events[index] = TextChunk(event.stream, event.text[cut:])
                excess -= cut
                self._chars -= cut
                self._frame.trimmed_chars += cut

    def take(self) -> Frame | None:
        frame = self._frame
        if not frame.events and frame.state is None:
            return None
        self._frame = Frame()
        self._chars = 0
        return frame


class Surface(Protocol):
    """What the painter paints on: the Textual app, or a test double of the same shape."""

    @property
    def render_time(self) -> LatencyRecorder:
        """How long the surface took to render each time it was drawn."""
        ...

    def paint(self, frame: Frame | None, delivered: Callable[[int, float], None]) -> Awaitable[None] | None:
        """Show ``frame`` (``None``: refresh the live figures only).

        Call ``delivered(tokens, oldest_scheduled)`` once the frame's text is
        on screen, so delivery latency ends at the render, not at the update.
        A surface whose update is asynchronous (a view with async appends)
        returns an awaitable: the painter awaits it before the next frame, and
        its time is the frame's paint time.
        """
        ...


@dataclass(frozen=True, slots=True)
class PainterStatistics:
    frames: int
    fps_target: int
    achieved_fps: float
    tokens_painted: int
    """Tokens whose frame has been rendered."""
    awaiting_render: int
    chars_not_painted: int
    """Text trimmed before painting: more arrived in one frame than the scrollback holds."""
    tokens_shown_per_s: float
    """Tokens rendered per second, from the painter's start to the last render that showed
    text: the view's own rate (a view that falls behind shows it here, not in the received rate)."""


class Painter:
    """Paints at most ``fps`` frames a second, and measures each paint."""

    def __init__(self, inbox: FrameInbox | TokenInbox, surface: Surface, fps: int) -> None:
        self.inbox = inbox
        self.surface = surface
        self.fps = fps
        self.frames = 0
        self.ticks = 0
        self.paint_time = LatencyRecorder()
        self.delivery_latency = LatencyRecorder()
        self.tokens_painted = 0
        self.awaiting_render = 0
        """Tokens handed to the surface whose render has not completed yet."""
        self.trimmed_chars = 0
        self.frame_timer = FrameTimer()
        self._newest_by_oldest: dict[float, float] = {}
        """Each frame handed to the surface: its oldest -> newest scheduled time."""
        self.started_at = 0.0
        self.last_delivered_at = 0.0
        self._paint_started: float | None = None
        self._painting = trio.Lock()
        """Held while an asynchronous paint is awaited: frames reach the surface one at a time, in order."""
        self.paint_on_cancel = True
        """Whether a cancelled painter shows what is pending first (a time limit, a failure). A quit
        clears it: the app is about to close, nobody sees that frame, and it would lay out up to a
        scrollback of text inside the quit (~10 ms while flooded)."""

    def _delivered(self, tokens: int, oldest_scheduled: float) -> None:
        self.last_delivered_at = time.perf_counter()
        self.tokens_painted += tokens
        self.awaiting_render -= tokens
        now = trio.current_time()
        newest = self._newest_by_oldest.pop(oldest_scheduled, oldest_scheduled)
        # The frame's tokens were scheduled between its oldest and newest:
        # spread them over that range instead of charging all the oldest's latency.
        self.delivery_latency.record_spread(now - oldest_scheduled, now - newest, tokens)

    def paint_frame(self) -> Awaitable[None] | None:
        """Hand what is pending to the surface; an asynchronous surface's update is returned, to await
        (``_await_paint``), and its paint time recorded once it is done."""
        frame = self.inbox.take()
        self.ticks += 1
        if frame is None:
            return self.surface.paint(None, self._delivered)  # the live figures only
        if frame.tokens:
            self._newest_by_oldest[frame.oldest_scheduled] = frame.newest_scheduled
        started = time.perf_counter()
        self.awaiting_render += frame.tokens
        pending = self.surface.paint(frame, self._delivered)
        self.frames += 1
        self.trimmed_chars += frame.trimmed_chars
        self.frame_timer.mark(trio.current_time())
        if pending is None:
            self.paint_time.record(time.perf_counter() - started)
        else:
            self._paint_started = started
        return pending

    async def _await_paint(self, pending: Awaitable[None]) -> None:
        await pending
        if self._paint_started is not None:
            self.paint_time.record(time.perf_counter() - self._paint_started)
            self._paint_started = None

    async def paint(self) -> None:
        """One frame, awaited to the end of the surface's update if that is asynchronous."""
        if self._painting.locked():  # the last frame's update is still awaited: after it
            async with self._painting:
                pending = self.paint_frame()
                if pending is not None:
                    await self._await_paint(pending)
            return
        pending = self.paint_frame()  # the usual case: no schedule point for a synchronous surface
        if pending is not None:
            # Taken without a checkpoint: a cancel landing between the frame and its
            # await would drop the update unstarted (a coroutine never awaited).
            self._painting.acquire_nowait()
            try:
                await self._await_paint(pending)
            finally:
                self._painting.release()

    def _paint_last(self) -> None:
        """At cancellation: what is pending reaches a synchronous surface; an asynchronous
        update cannot be awaited any more, and is closed unstarted."""
        if self._painting.locked():
            return
        pending = self.paint_frame()
        close = getattr(pending, "close", None)
        if callable(close):
            close()

    async def run(self) -> None:
        """Paint when something arrived, never twice between two frame beats.

        An idle painter sleeps until the consumer pushes something (or the
        figures are due a refresh): no wake-ups at the frame rate for nothing.
        What arrives too soon after a frame waits for the first arrival after
        the next beat, so that a steady stream paints in the wake-ups it
        already causes (each wake-up of its own costs more than a frame here;
        a paced conductor wakes at the same beats); it waits ``HOLD_PERIODS``
        periods at most. The painter wakes once per frame: arrivals before
        the frame is due do not wake it.
        """
        self.started_at = time.perf_counter()
        inbox = self.inbox
        if not isinstance(inbox, FrameInbox):
            await self._run_per_token(inbox)
            return
        period = 1.0 / self.fps
        hold_s = HOLD_PERIODS * period
        settle_s = SETTLE_PERIODS * period
        next_frame_at = -math.inf
        try:
            while True:
                await inbox.wait_frame(next_frame_at, hold_s, IDLE_REFRESH_S, settle_s)
                next_frame_at = next_beat(trio.current_time(), period)
                await self.paint()
        except trio.Cancelled:
            if self.paint_on_cancel:  # what reached the inbox is shown before the run ends
                self._paint_last()
            raise

    async def _run_per_token(self, inbox: TokenInbox) -> None:
        """The ``per-token`` feed: each token (and control message) to the surface as it
        comes, no frame pacing, as an app's ``async for token in reply: await view.append(token)``
        does: the host loop renders when the view is caught up (or while an async append waits)."""
        while True:
            await inbox.wait(IDLE_REFRESH_S)
            if not inbox.pending:
                await self.paint()  # the live figures only
                continue
            while inbox.pending:
                await self.paint()

    async def drain(self) -> None:
        """Paint what is pending now and wait until the screen has shown it."""
        while True:
            await self.paint()
            if not self.inbox.pending:
                break
        # Renders happen on the host loop, outside Trio: poll once per frame.
        async with aclosing(periodic(1.0 / self.fps)) as ticks:
            async for _ in ticks:
                if self.awaiting_render <= 0:
                    break

    @property
    def achieved_fps(self) -> float:
        return self.frame_timer.achieved_fps

    def statistics(self) -> PainterStatistics:
        return PainterStatistics(
            self.frames,
            self.fps,
            self.achieved_fps,
            self.tokens_painted,
            self.awaiting_render,
            self.trimmed_chars,
            self._shown_per_s(),
        )

    def _shown_per_s(self) -> float:
        span = self.last_delivered_at - self.started_at
        return self.tokens_painted / span if self.tokens_painted and span > 0 else 0.0
