"""Items move through the channel a step at a time: no checkpoint per item, none skipped for long."""

from __future__ import annotations

import trio

from aiway_tui.core.conductor import MockConductor
from aiway_tui.core.config import RunConfig
from aiway_tui.core.consumer import Consumer
from aiway_tui.core.protocol import Item
from aiway_tui.core.step import STEP_CHARS, STEP_ITEMS, STEP_MESSAGES, Step
from aiway_tui.core.tracker import MessageTracker, NullInbox


def test_a_step_is_full_at_whichever_bound_comes_first() -> None:
    step = Step()
    assert all(step.take(1, 0) for _ in range(STEP_ITEMS))
    assert not step.take(1, 0)
    step.reset()
    assert step.take(STEP_MESSAGES, 0)
    assert not step.take(1, 0)
    step.reset()
    assert step.take(1, STEP_CHARS)
    assert not step.take(1, 1)


class _Steps(trio.abc.Instrument):
    """Counts the steps of tasks by name: how often each was resumed."""

    def __init__(self) -> None:
        self.by_name: dict[str, int] = {}

    def before_task_step(self, task: trio.lowlevel.Task) -> None:
        self.by_name[task.name] = self.by_name.get(task.name, 0) + 1


async def test_one_token_items_are_sent_a_step_between_checkpoints() -> None:
    """At batch 1 the conductor checkpoints once a step, not once an item, and a task
    beside it still runs at every one of those checkpoints."""
    tokens = 20 * STEP_ITEMS
    conductor = MockConductor(RunConfig(message_count=tokens, batch_size=1))
    steps = _Steps()
    neighbour_ran = 0
    # Room for every item: the receiver here takes one a checkpoint and never holds the conductor up.
    send, receive = trio.open_memory_channel[Item](2 * tokens)

    async def neighbour() -> None:
        nonlocal neighbour_ran
        while True:
            await trio.lowlevel.checkpoint()
            neighbour_ran += 1

    trio.lowlevel.add_instrument(steps)
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(neighbour)
            nursery.start_soon(conductor.run, send, name="conductor")
            async with receive:
                async for _ in receive:
                    pass
            nursery.cancel_scope.cancel()
    finally:
        trio.lowlevel.remove_instrument(steps)
    assert conductor.tokens_sent == tokens
    items = conductor.items_sent  # the tokens, the stream's start and its end
    assert steps.by_name["conductor"] <= items // STEP_ITEMS + 3
    assert neighbour_ran >= steps.by_name["conductor"] - 2


async def test_the_consumer_takes_what_is_ready_in_one_step() -> None:
    tokens = 5 * STEP_ITEMS
    config = RunConfig(message_count=tokens, batch_size=1)
    send, receive = trio.open_memory_channel[Item](1000)
    tracker = MessageTracker()
    consumer = Consumer(tracker, NullInbox())
    await MockConductor(config).run(send)  # every item in the channel before the consumer starts
    wake_ups = 0

    async def count_wake_ups() -> None:
        nonlocal wake_ups
        while not consumer.done.is_set():
            await trio.lowlevel.checkpoint()
            wake_ups += 1

    async with trio.open_nursery() as nursery:
        nursery.start_soon(count_wake_ups)
        nursery.start_soon(consumer.run, receive)
    assert tracker.tokens == tokens
    # One checkpoint a step, not one an item: a few wake-ups for the whole channel.
    assert wake_ups <= tokens // STEP_ITEMS + 3
