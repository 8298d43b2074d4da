"""The mock conductor: exact counts, deterministic text, pacing by schedule."""

from __future__ import annotations

import itertools
import math
import zlib

import pytest
import trio
import trio.testing

from aiway_tui.core.conductor import MockConductor, stream_lengths, token_pool
from aiway_tui.core.config import RunConfig
from aiway_tui.core.protocol import (
    Item,
    State,
    StreamEnd,
    StreamStart,
    Token,
    TokenRun,
    item_tokens,
    tokens_in,
)
from aiway_tui.testing import conduct

from .conftest import collect


def tokens_of(items: list[Item]) -> list[Token]:
    return [token for item in items for token in item_tokens(item)]


def token_counts(items: list[Item]) -> list[int]:
    """Tokens per item, for the items that carry tokens."""
    return [n for n in map(tokens_in, items) if n]


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
    assert max(token_counts(items)) == cap
    assert [t.seq for t in tokens_of(items)] == list(range(5000))


async def test_equal_sized_tokens_travel_as_one_run_per_item() -> None:
    """Fixed sizes: an item is one ``TokenRun`` standing for its tokens; words
    (sizes that vary) stay ``Token`` by ``Token``. Both count each token as a message."""
    config = RunConfig(message_count=3000, message_size=5)
    conductor, items = await conduct(config)
    with_runs = [item for item in items if any(isinstance(m, TokenRun) for m in item)]
    assert all(len(item) == 1 for item in with_runs)
    runs = [run for (run,) in with_runs if isinstance(run, TokenRun)]
    assert sum(run.tokens for run in runs) == 3000
    assert conductor.messages_sent == 3000 + sum(len(item) for item in items if item not in with_runs)
    assert "".join(t.text for t in tokens_of(items)) == "".join(run.text for run in runs)
    _, words = await conduct(config.with_overrides(tokens="words"))
    assert not any(isinstance(m, TokenRun) for item in words for m in item)
    assert sum(map(tokens_in, words)) == 3000


async def test_adaptive_cap_keeps_items_small_for_long_tokens() -> None:
    config = RunConfig(message_count=100, message_size=10_000)
    items = await collect(config)
    assert max(token_counts(items)) == 6


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
    counts = token_counts(items)
    beat = config.frame_period_s
    assert 0.030 <= elapsed <= 0.030 + beat
    assert [t.scheduled - tokens[0].scheduled for t in tokens[:3]] == pytest.approx([0, 1e-5, 2e-5])
    # One wake-up at each beat, each sending the beat's due tokens in full items.
    assert len(counts) <= 3000 / config.batch_cap + 0.030 / beat + 2
    assert max(counts) == config.batch_cap


async def test_a_fast_stream_wakes_once_a_beat(autojump_clock: trio.testing.MockClock) -> None:
    """Exact timers, 100K tok/s: the conductor wakes at the frame beats (the
    painter's too), not once per token; each wake-up sends what is due."""
    times: list[float] = []
    config = RunConfig(message_count=20_000, message_size=5, message_delay_us=10)
    _, items = await conduct(config, times)
    beat = config.frame_period_s
    wakes = sorted({round(t, 9) for t, item in zip(times, items, strict=True) if tokens_in(item)})
    # The stream lasts 0.2 s: its first wake-up at once, then one per beat after it.
    assert len(wakes) == 1 + math.ceil(0.200 / beat)
    assert all(abs(t / beat - round(t / beat)) < 1e-6 for t in wakes[1:])
    assert min(b - a for a, b in itertools.pairwise(wakes[1:])) == pytest.approx(beat)


async def test_a_slow_stream_keeps_its_schedule_to_the_token(autojump_clock: trio.testing.MockClock) -> None:
    """A token a frame or fewer (50 ms apart at 30 fps): each sent at its own time."""
    times: list[float] = []
    _, items = await conduct(RunConfig(message_count=20, message_size=5, message_delay_us=50_000), times)
    late = [t - m.scheduled for t, item in zip(times, items, strict=True) for m in item_tokens(item)]
    assert len(late) == 20
    assert max(late) == pytest.approx(0.0, abs=1e-9)


async def test_a_stream_of_several_tokens_a_frame_waits_at_most_a_beat(
    autojump_clock: trio.testing.MockClock,
) -> None:
    """50 tok/s at 30 fps: woken at the beats (fewer wake-ups than tokens), no token later than one beat."""
    times: list[float] = []
    config = RunConfig(message_count=50, message_size=5, message_delay_us=20_000)
    _, items = await conduct(config, times)
    late = [t - m.scheduled for t, item in zip(times, items, strict=True) for m in item_tokens(item)]
    assert len(late) == 50
    assert min(late) >= -1e-9
    assert max(late) <= config.frame_period_s + 1e-9
    wakes = {round(t, 9) for t, item in zip(times, items, strict=True) if tokens_in(item)}
    assert len(wakes) <= 1 + math.ceil(50 * 0.020 / config.frame_period_s)


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
                received += tokens_in(item)
    assert blocked_at < 3
    assert received == 500
