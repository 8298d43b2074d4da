"""The ``per-token`` feed: every token handed to the view on its own, as received.

Most chat apps call their widget once per token inside the receive loop; this
inbox reproduces that. Integrity is checked before it (by the tracker), and it
holds at most ``limit`` tokens: beyond that the consumer waits for the view,
the channel fills and the conductor blocks, so a slow view shows as falling
behind (delivery latency, throughput), never as loss.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import trio

from .painter import Frame, TextChunk
from .protocol import Message, State, StreamEnd, StreamError, StreamStart

BACKLOG_TOKENS = 64
"""Tokens received but not yet handed to the view before the consumer waits."""


class TokenInbox:
    """Received tokens and control messages, one frame each, in order, bounded by ``limit`` tokens."""

    per_token = True

    def __init__(self, limit: int = BACKLOG_TOKENS) -> None:
        self.limit = limit
        self._events: deque[Frame] = deque()
        self._tokens = 0
        self._arrived = trio.Event()
        self._room = trio.Event()

    @property
    def pending(self) -> bool:
        return bool(self._events)

    @property
    def full(self) -> bool:
        return self._tokens >= self.limit

    async def wait_room(self) -> None:
        """Wait until the view has taken enough for the backlog to be under ``limit``."""
        while self.full:
            self._room = trio.Event()
            await self._room.wait()

    def _add(self, frame: Frame) -> None:
        self._events.append(frame)
        self._arrived.set()

    def push_tokens(self, stream: int, texts: Sequence[str], oldest_scheduled: float) -> None:
        for text in texts:
            self._add(Frame([TextChunk(stream, text)], 1, oldest_scheduled, oldest_scheduled))
        self._tokens += len(texts)

    def push_text(self, stream: int, text: str, tokens: int, oldest_scheduled: float) -> None:
        """Text whose token boundaries are not known: one append (the tracker gives tokens)."""
        self._add(Frame([TextChunk(stream, text)], tokens, oldest_scheduled, oldest_scheduled))
        self._tokens += tokens

    def push_control(self, message: Message) -> None:
        if isinstance(message, State):
            self._add(Frame(state=message.state))
        elif isinstance(message, StreamStart | StreamEnd | StreamError):
            self._add(Frame([message]))

    def take(self) -> Frame | None:
        if not self._events:
            return None
        frame = self._events.popleft()
        self._tokens -= frame.tokens
        if not self.full:
            self._room.set()
        return frame

    async def wait(self, idle_s: float) -> None:
        """Return once something is pending, or after ``idle_s`` (the live figures' refresh)."""
        if self._events:
            await trio.lowlevel.checkpoint()
            return
        self._arrived = trio.Event()
        with trio.move_on_after(idle_s):
            await self._arrived.wait()
