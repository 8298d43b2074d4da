"""The painter's surface for a target: frames become the target's calls, in order.

Each event of a frame is one call (``start_reply``, ``append``, ``end_reply``,
``error_reply``). A call that returns an awaitable is run on the asyncio host
loop (with Textual's context) and awaited before the next one, so the
painter's next frame waits for it too: an async view's cost is in the paint
time and in the delivery latency, and what arrives meanwhile is coalesced (the
``per-frame`` feed) or held back (``per-token``). Once the frame's calls are
done, ``when_rendered`` says when the screen shows them: delivery ends there.
"""

from __future__ import annotations

import contextvars
import inspect
import time
from collections.abc import Awaitable, Callable, Coroutine, Generator, Sequence
from functools import partial
from typing import Any

from textual.app import App
from textual.geometry import Region
from textual.strip import Strip

from ..core.painter import Frame, TextChunk
from ..core.protocol import Message, StreamEnd, StreamError, StreamStart
from ..measure.latency import LatencyRecorder
from ..ui.compat import app_context
from ..ui.host import HostBridge
from ..ui.transcript import reply_summary
from .builtin import TranscriptTarget
from .protocol import Step, Target


class TargetFailed(RuntimeError):
    """The target raised: the run ends in the orderly failure path, naming it."""


class TargetSurface:
    """A ``Surface`` that drives ``target``; ``status`` (the host app's status line) follows each frame."""

    def __init__(
        self,
        name: str,
        target: Target,
        bridge: HostBridge,
        app: App[Any],
        status: Callable[[Frame | None], None] | None = None,
    ) -> None:
        self.name = name
        self.target = target
        self.bridge = bridge
        self.status = status
        with app_context(app):
            self.context = contextvars.copy_context()
        if isinstance(target, TranscriptTarget):
            self._render_time = target.view.render_time  # timed in its own render_lines
        else:
            self._render_time = LatencyRecorder()
            _time_renders(target, self._render_time)

    @property
    def render_time(self) -> LatencyRecorder:
        return self._render_time

    def paint(self, frame: Frame | None, delivered: Callable[[int, float], None]) -> Awaitable[None] | None:
        if frame is None:
            if self.status is not None:
                self.status(None)
            return None
        events = frame.events
        for index, event in enumerate(events):
            step = self._call(event)
            if step is not None:
                return _AsyncPaint(
                    step, partial(self._finish_async, step, events[index + 1 :], frame, delivered)
                )
        self._done(frame, delivered)
        return None

    async def _finish_async(
        self,
        step: Awaitable[None],
        rest: Sequence[TextChunk | Message],
        frame: Frame,
        delivered: Callable[[int, float], None],
    ) -> None:
        await self._on_host(step)
        for event in rest:
            more = self._call(event)
            if more is not None:
                await self._on_host(more)
        self._done(frame, delivered)

    def _done(self, frame: Frame, delivered: Callable[[int, float], None]) -> None:
        if frame.tokens:
            tokens, oldest = frame.tokens, frame.oldest_scheduled
            self._guard("when_rendered", self.target.when_rendered, lambda: delivered(tokens, oldest))
        if self.status is not None:
            self.status(frame)

    def _call(self, event: TextChunk | Message) -> Step:
        target = self.target
        if isinstance(event, TextChunk):
            return self._guard("append", target.append, event.stream, event.text)
        if isinstance(event, StreamStart):
            return self._guard("start_reply", target.start_reply, event.stream, event.prompt)
        if isinstance(event, StreamEnd):
            return self._guard("end_reply", target.end_reply, event.stream, reply_summary(event))
        if isinstance(event, StreamError):
            return self._guard("error_reply", target.error_reply, event.stream, event.error)
        return None

    def _guard(self, what: str, method: Callable[..., object], *args: object) -> Step:
        """Call the target; what it returns counts only if awaitable (``Log.write`` returns the log)."""
        try:
            result = method(*args)
            return result if inspect.isawaitable(result) else None
        except Exception as exc:
            raise TargetFailed(f"target {self.name} raised in {what}: {type(exc).__name__}: {exc}") from exc

    async def _on_host(self, step: Awaitable[None]) -> None:
        """Await ``step`` on the asyncio loop (Textual's async APIs live there)."""
        coro: Coroutine[Any, Any, None] = step if isinstance(step, Coroutine) else _awaiting(step)
        try:
            await self.bridge.call(coro, self.context)
        except Exception as exc:
            raise TargetFailed(f"target {self.name} raised: {type(exc).__name__}: {exc}") from exc


class _AsyncPaint:
    """The rest of a frame once a call returned an awaitable: awaited by the painter, or
    closed unstarted (the run ended first), closing that call's coroutine with it."""

    def __init__(self, step: Awaitable[None], finish: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self.step = step
        self.finish = finish

    def __await__(self) -> Generator[Any, None, None]:
        return self.finish().__await__()

    def close(self) -> None:
        if isinstance(self.step, Coroutine):
            self.step.close()


async def _awaiting(step: Awaitable[None]) -> None:
    await step


def _time_renders(target: Target, recorder: LatencyRecorder) -> None:
    """Time the target widget's ``render_lines`` (what Textual calls to draw it)."""
    widget = target.widget
    render_lines = widget.render_lines

    def timed(crop: Region) -> list[Strip]:
        started = time.perf_counter()
        try:
            return render_lines(crop)
        finally:
            recorder.record(time.perf_counter() - started)

    widget.render_lines = timed  # type: ignore[method-assign]
