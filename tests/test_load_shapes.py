"""Concurrent conversations, mixed load and the simulated network: shape and determinism."""

from __future__ import annotations

import statistics

import pytest
import trio
import trio.testing

from aiway_tui.core.config import ConfigError, RunConfig
from aiway_tui.core.mix import StreamMix, TokenMix
from aiway_tui.core.network import DelayPlan, NetworkProfile
from aiway_tui.core.pipeline import Ending, Pipeline
from aiway_tui.core.protocol import StreamStart, item_tokens
from aiway_tui.core.tracker import MessageTracker, NullInbox

from .conftest import collect


async def test_conversations_stream_at_once_and_each_is_verified(
    autojump_clock: trio.testing.MockClock,
) -> None:
    config = RunConfig(message_count=6_000, message_size=4, message_delay_us=100, streams=6, conversations=3)
    items = await collect(config)
    starts = [m for item in items for m in item if isinstance(m, StreamStart)]
    assert {(s.stream, s.conversation) for s in starts} == {(s, s % 3) for s in range(6)}
    order = [m.stream for item in items for m in item_tokens(item)]
    first_switch = next(i for i in range(1, len(order)) if order[i] != order[i - 1])
    assert first_switch < 1_000 < len(order) - 1  # interleaved, not one reply after another
    assert len(set(order[:1_000])) == 3
    tracker = MessageTracker()
    for item in items:
        tracker.record(item, 0.0, NullInbox())
    assert tracker.streams_intact == 6
    assert (tracker.lost, tracker.duplicated, tracker.reordered) == (0, 0, 0)


async def test_a_seeded_mix_interleaves_sizes_the_same_way_every_time() -> None:
    mix = TokenMix((3, 50, 700), (60.0, 30.0, 10.0))
    config = RunConfig(message_count=3_000, streams=3, conversations=3, mix=mix, seed=4)
    first = [m for item in await collect(config) for m in item_tokens(item)]
    again = [m for item in await collect(config) for m in item_tokens(item)]
    other = [m for item in await collect(config.with_overrides(seed=5)) for m in item_tokens(item)]
    key = sorted((t.stream, t.seq, t.text) for t in first)
    assert key == sorted((t.stream, t.seq, t.text) for t in again)
    assert key != sorted((t.stream, t.seq, t.text) for t in other)
    sizes = [len(t.text) for t in first]
    assert set(sizes) == {3, 50, 700}
    assert 0.5 < sizes.count(3) / len(sizes) < 0.7
    assert StreamMix(mix, 4, 1).next_classes(50) == StreamMix(mix, 4, 1).next_classes(50)


def test_mix_and_network_values_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"mix\.sizes has 2 entries but mix\.weights has 1"):
        RunConfig(mix=TokenMix((1, 2), (1.0,)))
    with pytest.raises(ConfigError, match=r"mix\.weights must not all be zero"):
        RunConfig(mix=TokenMix((1,), (0.0,)))
    with pytest.raises(ConfigError, match=r"network\.latency_ms"):
        RunConfig(network=NetworkProfile(latency_ms=-1))
    with pytest.raises(ConfigError, match="burst_hold_ms"):
        RunConfig(network=NetworkProfile(burst_every_ms=10, burst_hold_ms=10))


def test_network_delays_are_seeded_ordered_and_bursty() -> None:
    profile = NetworkProfile(latency_ms=20, jitter_ms=5, burst_every_ms=100, burst_hold_ms=30)
    arrivals = [i / 1000 for i in range(2_000)]
    plan = DelayPlan(profile, seed=1)
    releases = [plan.release_time(a) for a in arrivals]
    again = DelayPlan(profile, seed=1)
    assert releases == [again.release_time(a) for a in arrivals]
    other = DelayPlan(profile, seed=2)
    assert releases != [other.release_time(a) for a in arrivals]
    assert releases == sorted(releases)  # one ordered link: nothing overtakes
    delays = [r - a for r, a in zip(releases, arrivals, strict=True)]
    assert min(delays) >= 0.020
    assert 0.025 < statistics.mean(delays) < 0.060
    phases = {round((r % 0.1) * 1000) for r in releases}
    assert not any(70 < p < 100 for p in phases)  # nothing leaves during a quiet spell
    assert 0.2 < plan.held_for_burst / len(arrivals) < 0.45


async def test_the_network_stage_delivers_everything_late_by_its_plan() -> None:
    profile = NetworkProfile(latency_ms=15, jitter_ms=2)
    config = RunConfig(message_count=2_000, message_size=6, message_delay_us=500, streams=2, network=profile)
    pipeline = Pipeline(config)
    with trio.fail_after(10):
        assert await pipeline.run() is Ending.COMPLETED
    assert pipeline.network is not None
    assert pipeline.tracker.tokens == 2_000
    assert pipeline.tracker.streams_intact == 2
    assert pipeline.network.tokens_held == 0
    assert pipeline.network.delay.summary().min_ms >= 15
    assert pipeline.tracker.channel_latency.summary().p50_ms >= 15


async def test_a_quit_mid_stream_accounts_for_what_was_on_the_network() -> None:
    profile = NetworkProfile(latency_ms=50, jitter_ms=10)
    config = RunConfig(message_count=50_000, message_size=6, message_delay_us=100, network=profile)
    pipeline = Pipeline(config)

    async def quit_soon() -> None:
        await trio.sleep(0.5)
        pipeline.request_quit()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(quit_soon)
        assert await pipeline.run() is Ending.QUIT
    sent, received = pipeline.conductor.tokens_sent, pipeline.tracker.tokens
    assert 0 < received < sent < 50_000
    assert sent - received == pipeline.tokens_in_flight_at_end
