"""The consumer task: drains the channel into the tracker, and on to the painter.

A slow consumer (``consumer_delay_us`` per message) cannot sleep per message:
any sleep here lasts at least ~1 ms. It accrues the debt instead and pays it
in sleeps of at least 1 ms, keeping the overshoot as credit, so that the
average rate is the one asked for.

Injected stalls (``stalls``, from a fault plan) stop receiving for a while
once a given number of tokens has been seen, so the channel fills behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import trio

from .faults import ConsumerStall
from .pace import Pace
from .protocol import Item, messages_in
from .step import Step
from .tracker import Inbox, MessageTracker

_MIN_SLEEP_S = 0.001


@dataclass(frozen=True, slots=True)
class ConsumerStatistics:
    stalled_s: float
    """Time spent stalled: the slow consumer's delay and injected stalls."""
    stalls_taken: tuple[float, ...]
    """Measured length of each injected stall, in seconds."""


class Backlog(Protocol):
    """A view that takes text at its own pace (the ``per-token`` feed): the consumer waits for it."""

    @property
    def full(self) -> bool: ...

    async def wait_room(self) -> None: ...


class Consumer:
    def __init__(
        self,
        tracker: MessageTracker,
        inbox: Inbox,
        delay_us: float = 0.0,
        stalls: Sequence[ConsumerStall] = (),
        *,
        pace: Pace | None = None,
        backlog: Backlog | None = None,
    ) -> None:
        self.tracker = tracker
        self.inbox = inbox
        self.delay_s = delay_us / 1e6
        self.stalled_s = 0.0
        self.done = trio.Event()
        self.stalls = sorted(stalls, key=lambda s: s.after_tokens)
        self.stalls_taken: list[float] = []
        """Measured length of each injected stall (seconds)."""
        self.pace = pace
        """While ``pace.paused`` nothing is received: the channel fills and the
        conductor blocks on send, which is backpressure made visible (the demo)."""
        self.backlog = backlog

    def statistics(self) -> ConsumerStatistics:
        return ConsumerStatistics(self.stalled_s, tuple(self.stalls_taken))

    async def _stall_if_due(self) -> None:
        while len(self.stalls_taken) < len(self.stalls):
            stall = self.stalls[len(self.stalls_taken)]
            if self.tracker.tokens < stall.after_tokens:
                return
            started = trio.current_time()
            await trio.sleep(stall.duration_s)
            self.stalls_taken.append(trio.current_time() - started)

    async def run(self, receive_channel: trio.MemoryReceiveChannel[Item]) -> None:
        tracker = self.tracker
        inbox = self.inbox
        record = tracker.record
        clock = trio.current_time
        delay = self.delay_s
        debt = 0.0
        try:
            async with receive_channel:
                if self.backlog is not None:
                    await self._run_fed(receive_channel, self.backlog)
                    return
                if self.pace is not None:
                    await self._run_paced(receive_channel, self.pace)
                    return
                if self.stalls and delay <= 0:
                    async for item in receive_channel:
                        record(item, clock(), inbox)
                        await self._stall_if_due()
                    return
                if delay <= 0:
                    async for item in receive_channel:
                        record(item, clock(), inbox)
                        self._take_ready(receive_channel, item)
                    return
                async for item in receive_channel:
                    record(item, clock(), inbox)
                    debt = await self._pay(debt + delay * messages_in(item))
                    if self.stalls:
                        await self._stall_if_due()
        finally:
            self.done.set()

    def _take_ready(self, receive_channel: trio.MemoryReceiveChannel[Item], first: Item) -> None:
        """Record what is in the channel already, up to a step, after ``first``: one
        checkpoint for all of it (the conductor sends them the same way)."""
        step = Step()
        step.take(messages_in(first), 0)
        record, clock, inbox = self.tracker.record, trio.current_time, self.inbox
        receive = receive_channel.receive_nowait
        while True:
            try:
                item = receive()
            except (trio.WouldBlock, trio.EndOfChannel):
                return
            record(item, clock(), inbox)
            if not step.take(messages_in(item), 0):
                return

    async def _pay(self, debt: float) -> float:
        """Sleep off the slow consumer's debt once it reaches 1 ms; return what is
        still owed (negative: the sleep overshot, kept as credit)."""
        if debt < _MIN_SLEEP_S:
            return debt
        started = trio.current_time()
        await trio.sleep(debt)
        slept = trio.current_time() - started
        self.stalled_s += slept
        return debt - slept

    async def _run_fed(self, receive_channel: trio.MemoryReceiveChannel[Item], backlog: Backlog) -> None:
        """The loop for a view fed token by token: after each item, wait while the view is behind.

        Everything else (pace, slow consumer, stalls) as in the other loops.
        """
        tracker = self.tracker
        clock = trio.current_time
        delay = self.delay_s
        pace = self.pace
        debt = 0.0
        async for item in receive_channel:
            if pace is not None and pace.paused:
                await pace.wait_resumed()
            tracker.record(item, clock(), self.inbox)
            if delay > 0:
                debt = await self._pay(debt + delay * messages_in(item))
            if self.stalls:
                await self._stall_if_due()
            if backlog.full:
                await backlog.wait_room()

    async def _run_paced(self, receive_channel: trio.MemoryReceiveChannel[Item], pace: Pace) -> None:
        """The same loop, stopping while paused (kept apart: the hot loop above checks nothing)."""
        tracker = self.tracker
        clock = trio.current_time
        delay = self.delay_s
        debt = 0.0
        async for item in receive_channel:
            if pace.paused:
                await pace.wait_resumed()
            tracker.record(item, clock(), self.inbox)
            if delay > 0:
                debt = await self._pay(debt + delay * messages_in(item))
