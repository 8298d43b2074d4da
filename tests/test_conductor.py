"""The mock conductor: exact counts, deterministic text, pacing by schedule."""

from __future__ import annotations

import itertools
import zlib

import pytest
import trio
import trio.testing

from aiway_tui.core.conductor import PACE_QUANTUM_S, MockConductor, stream_lengths, token_pool
from aiway_tui.core.config import RunConfig
from aiway_tui.core.protocol import Item, State, StreamEnd, StreamStart, Token
from aiway_tui.testing import conduct

from .conftest import collect


def tokens_of(items: list[Item]) -> list[Token]:
    return [m for item in items for m in item if isinstance(m, Token)]


def test_token_pool_is_exact_and_deterministic() -> None:
    for size in (1, 5, 10, 100, 10_000):
        pool = token_pool(size, seed=3)
        assert all(len(text) == size for text in pool)
        assert pool == token_pool(size, seed=3)
        assert len(set(pool)) > 1
    assert token_pool(10, seed=1) != token_pool(10, seed=2)


def test_stream_lengths_split_evenly() -> None:
    assert stream_lengths(RunConfig(message_count=10, streams=3)) == [4, 3, 3]
    assert sum(stream_lengths(RunConfig(message_count=1001, streams=7))) == 1001


async def test_every_stream_is_framed_and_checksummed() -> None:
    config = RunConfig(message_count=1000, message_size=7, streams=3, batch_size=16)
    items = await collect(config)
    starts = [m for item in items for m in item if isinstance(m, StreamStart)]
    ends = [m for item in items for m in item if isinstance(m, StreamEnd)]
    assert [s.expected_tokens for s in starts] == [334, 333, 333]
    assert [e.token_count for e in ends] == [334, 333, 333]
    for end in ends:
        text = "".join(t.text for t in tokens_of(items) if t.stream == end.stream)
        assert zlib.crc32(text.encode()) == end.checksum
    assert any(isinstance(m, State) for item in items for m in item)


@pytest.mark.parametrize(("batch", "cap"), [(1, 1), (16, 16), (0, 1024)])
async def test_batch_size_bounds_items(batch: int, cap: int) -> None:
    config = RunConfig(message_count=5000, message_size=10, batch_size=batch)
    items = await collect(config)
    token_items = [item for item in items if isinstance(item[0], Token)]
    assert max(len(item) for item in token_items) == cap
    assert [t.seq for t in tokens_of(items)] == list(range(5000))


async def test_adaptive_cap_keeps_items_small_for_long_tokens() -> None:
    config = RunConfig(message_count=100, message_size=10_000)
    items = await collect(config)
    assert max(len(item) for item in items if isinstance(item[0], Token)) == 6


async def test_paced_by_schedule_not_by_sleep(mock_clock: trio.testing.MockClock) -> None:
    """10 us apart is 100K tokens/s. With timers that fire only every millisecond
    (as epoll's do), the stream still keeps its schedule: each wake-up sends
    every token already due, in one item."""
    config = RunConfig(message_count=3000, message_size=5, message_delay_us=10)
    start = trio.current_time()
    items: list[Item] = []

    async def coarse_timer() -> None:
        while True:
            await trio.testing.wait_all_tasks_blocked()
            mock_clock.jump(0.001)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(coarse_timer)
        items = await collect(config)
        nursery.cancel_scope.cancel()
    elapsed = trio.current_time() - start
    tokens = tokens_of(items)
    token_items = [item for item in items if isinstance(item[0], Token)]
    assert 0.030 <= elapsed <= 0.030 + PACE_QUANTUM_S
    assert [t.scheduled - tokens[0].scheduled for t in tokens[:3]] == pytest.approx([0, 1e-5, 2e-5])
    assert len(token_items) <= 0.030 / PACE_QUANTUM_S + 2
    assert max(len(item) for item in token_items) == round(PACE_QUANTUM_S / 10e-6)


async def test_a_fast_stream_wakes_once_a_quantum(autojump_clock: trio.testing.MockClock) -> None:
    """Exact timers, 100K tok/s: still one wake-up (one item) per quantum, not one per token."""
    times: list[float] = []
    _, items = await conduct(RunConfig(message_count=2000, message_size=5, message_delay_us=10), times)
    sent_at = [t for t, item in zip(times, items, strict=True) if isinstance(item[0], Token)]
    gaps = [b - a for a, b in itertools.pairwise(sent_at)]
    assert len(sent_at) == 1 + 0.020 / PACE_QUANTUM_S
    assert min(gaps) == pytest.approx(PACE_QUANTUM_S)


async def test_a_slow_stream_keeps_its_schedule_to_the_token(autojump_clock: trio.testing.MockClock) -> None:
    times: list[float] = []
    _, items = await conduct(RunConfig(message_count=20, message_size=5, message_delay_us=20_000), times)
    late = [
        t - m.scheduled for t, item in zip(times, items, strict=True) for m in item if isinstance(m, Token)
    ]
    assert len(late) == 20
    assert max(late) == pytest.approx(0.0, abs=1e-9)


async def test_backpressure_blocks_instead_of_dropping() -> None:
    config = RunConfig(message_count=500, message_size=3, batch_size=1, buffer=2)
    conductor = MockConductor(config)
    send, receive = trio.open_memory_channel[Item](config.buffer)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(conductor.run, send)
        await trio.testing.wait_all_tasks_blocked()
        assert send.statistics().current_buffer_used == 2
        blocked_at = conductor.tokens_sent
        received = 0
        async with receive:
            async for item in receive:
                received += sum(isinstance(m, Token) for m in item)
    assert blocked_at < 3
    assert received == 500
