"""The consumer task: drains the channel into the tracker, and on to the painter.

A slow consumer (``consumer_delay_us`` per message) cannot sleep per message:
any sleep here lasts at least ~1 ms. It accrues the debt instead and pays it
in sleeps of at least 1 ms, keeping the overshoot as credit, so that the
average rate is the one asked for.
"""

from __future__ import annotations

import trio

from .protocol import Item
from .tracker import Inbox, MessageTracker

_MIN_SLEEP_S = 0.001


class Consumer:
    def __init__(self, tracker: MessageTracker, inbox: Inbox, delay_us: float = 0.0) -> None:
        self.tracker = tracker
        self.inbox = inbox
        self.delay_s = delay_us / 1e6
        self.stalled_s = 0.0
        self.done = trio.Event()

    async def run(self, receive_channel: trio.MemoryReceiveChannel[Item]) -> None:
        tracker = self.tracker
        inbox = self.inbox
        record = tracker.record
        clock = trio.current_time
        delay = self.delay_s
        debt = 0.0
        try:
            async with receive_channel:
                if delay <= 0:
                    async for item in receive_channel:
                        record(item, clock(), inbox)
                    return
                async for item in receive_channel:
                    record(item, clock(), inbox)
                    debt += delay * len(item)
                    if debt >= _MIN_SLEEP_S:
                        started = clock()
                        await trio.sleep(debt)
                        slept = clock() - started
                        self.stalled_s += slept
                        debt -= slept
        finally:
            self.done.set()
