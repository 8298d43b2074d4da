"""Live pace control: the rate ladder, a rate change mid-stream, pause with backpressure."""

from __future__ import annotations

import itertools

import pytest
import trio
import trio.testing

from aiway_tui.core.conductor import MockConductor
from aiway_tui.core.config import RunConfig
from aiway_tui.core.consumer import Consumer
from aiway_tui.core.pace import Pace, describe_rate
from aiway_tui.core.protocol import Item, StreamEnd, Token, item_tokens
from aiway_tui.core.tracker import MessageTracker, NullInbox


def test_the_rate_ladder_steps_up_to_unpaced_and_down_to_1k() -> None:
    pace = Pace(10.0)  # 100K/s
    assert describe_rate(pace.step(+1)) == "200,000/s"
    pace.step(+1), pace.step(+1)
    assert pace.step(+1) == 0.0  # unpaced: "max"
    assert pace.step(+1) == 0.0
    assert describe_rate(pace.step(-1)) == "1,000,000/s"
    for _ in range(20):
        pace.step(-1)
    assert describe_rate(pace.delay_us) == "1,000/s"


def test_every_change_bumps_the_version_and_pause_toggles() -> None:
    pace = Pace(100.0)
    versions = [pace.version]
    assert pace.toggle() is True
    versions.append(pace.version)
    assert pace.toggle() is False
    versions.append(pace.version)
    pace.set_delay_us(100.0)  # no change, no bump
    pace.set_delay_us(50.0)
    versions.append(pace.version)
    assert versions == [0, 1, 2, 3]


async def test_a_rate_change_rebases_the_schedule_without_a_burst(
    autojump_clock: trio.testing.MockClock,
) -> None:
    config = RunConfig(message_count=3_000, message_size=5, message_delay_us=1_000.0, buffer=0)
    pace = Pace(config.message_delay_us)
    conductor = MockConductor(config, pace)
    send, receive = trio.open_memory_channel[Item](0)
    tokens: list[Token] = []
    changed_at = 0.0
    changed_seq = 0
    ends: list[StreamEnd] = []
    async with trio.open_nursery() as nursery:
        nursery.start_soon(conductor.run, send)
        async with receive:
            async for item in receive:
                tokens.extend(item_tokens(item))
                ends.extend(m for m in item if isinstance(m, StreamEnd))
                if len(tokens) >= 1_000 and not changed_at:
                    changed_at, changed_seq = trio.current_time(), len(tokens)
                    pace.set_delay_us(100.0)

    def gaps(part: list[Token]) -> list[float]:
        return [b.scheduled - a.scheduled for a, b in itertools.pairwise(part)]

    assert gaps(tokens[:changed_seq]) == pytest.approx([0.001] * (changed_seq - 1))
    # At most the token in flight keeps the old schedule; the rest follow the new one from now.
    rebased = tokens[changed_seq + 1 :]
    assert gaps(rebased) == pytest.approx([0.0001] * (len(rebased) - 1))
    # No token after the change was scheduled in the past: nothing to "catch up" in a burst.
    assert all(t.scheduled >= changed_at - 1e-9 for t in rebased)
    assert [t.seq for t in tokens] == list(range(3_000))
    [end] = ends
    # The stream ends within one frame beat of its last token's schedule.
    expected = changed_at + 2_000 * 0.0001 - tokens[0].scheduled
    assert end.elapsed_s == pytest.approx(expected, abs=config.frame_period_s + 1e-6)


async def test_pause_fills_the_channel_blocks_the_conductor_and_resume_loses_nothing(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # Long enough (5 s) to fill the channel while paused: items of a frame's tokens each.
    config = RunConfig(message_count=50_000, message_size=5, message_delay_us=100.0, buffer=16)
    pace = Pace(config.message_delay_us)
    conductor = MockConductor(config, pace)
    tracker = MessageTracker()
    consumer = Consumer(tracker, NullInbox())
    consumer.pace = pace
    send, receive = trio.open_memory_channel[Item](config.buffer)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(conductor.run, send)
        nursery.start_soon(consumer.run, receive)
        await trio.sleep(0.1)
        pace.pause()
        await trio.sleep(1.0)
        stats = send.statistics()
        assert stats.current_buffer_used == config.buffer
        received, sent = tracker.tokens, conductor.tokens_sent
        await trio.sleep(1.0)
        assert (tracker.tokens, conductor.tokens_sent) == (received, sent)
        assert stats.tasks_waiting_send == 1
        pace.resume()
        await consumer.done.wait()
    assert tracker.tokens == conductor.tokens_sent == config.message_count
    assert (tracker.lost, tracker.duplicated, tracker.reordered) == (0, 0, 0)
    assert tracker.streams_intact == 1
