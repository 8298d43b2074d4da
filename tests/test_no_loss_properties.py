"""Proof of no loss: random configurations, exact delivery, checked against an independent oracle.

Every example runs the real conductor -> bounded Trio channel -> consumer ->
tracker. The oracle recomputes what each stream must have carried (its
length, and the CRC-32 of its text in order) from the token pool alone, so a
tracker that agreed with a broken conductor would still fail here.
"""

from __future__ import annotations

import zlib

import trio
import trio.testing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiway_tui.core.config import RunConfig
from aiway_tui.core.pipeline import Ending, Pipeline
from aiway_tui.core.reply_text import ReplyCutter, reply_pool
from aiway_tui.scenarios.catalogue import get_scenario
from aiway_tui.session.runner import SessionOptions, run_session
from aiway_tui.ui.host import run_as_guest

from .conftest import run_pipeline


@st.composite
def configs(
    draw: st.DrawFn, max_count: int = 3000, max_delay_us: float = 500.0, max_consumer_delay_us: float = 2000.0
) -> RunConfig:
    count = draw(st.integers(1, max_count))
    return RunConfig(
        message_count=count,
        message_size=draw(st.integers(1, 40)),
        message_delay_us=draw(st.one_of(st.just(0.0), st.floats(0.5, max_delay_us))),
        batch_size=draw(st.integers(0, 64)),
        buffer=draw(st.integers(0, 64)),
        streams=draw(st.integers(1, min(count, 20))),
        consumer_delay_us=draw(st.one_of(st.just(0.0), st.floats(0.5, max_consumer_delay_us))),
        fps=draw(st.integers(10, 240)),
        time_limit_s=3600.0,
        seed=draw(st.integers(0, 1000)),
    )


def expected_streams(config: RunConfig) -> list[tuple[int, int]]:
    """(tokens, CRC-32) each stream must deliver: the oracle."""
    pool = reply_pool(config.seed)
    base, extra = divmod(config.message_count, config.streams)
    streams = []
    for stream in range(config.streams):
        length = base + (1 if stream < extra else 0)
        text = ReplyCutter(pool, stream, config.seed).reply("fixed", length, config.message_size)
        streams.append((length, zlib.crc32(text.encode())))
    return streams


def assert_exact_delivery(pipeline: Pipeline) -> None:
    config = pipeline.config
    conductor = pipeline.conductor
    tracker = pipeline.tracker
    assert pipeline.ending is Ending.COMPLETED
    assert conductor.tokens_sent == tracker.tokens == config.message_count
    assert conductor.messages_sent == tracker.messages
    assert conductor.items_sent == tracker.items
    assert tracker.chars == config.message_count * config.message_size
    assert (tracker.lost, tracker.duplicated, tracker.reordered, tracker.corrupted_streams) == (0, 0, 0, 0)
    assert pipeline.tokens_in_flight_at_end == 0
    assert pipeline.peak_buffer <= config.buffer
    got = [(tracker.streams[s].tokens, tracker.streams[s].checksum) for s in range(config.streams)]
    assert got == expected_streams(config)
    assert tracker.streams_intact == config.streams


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_every_token_arrives_once_in_order_intact_on_virtual_time(config: RunConfig) -> None:
    # Pacing and the slow consumer on Trio's autojump clock: any schedule, no waiting.
    clock = trio.testing.MockClock(autojump_threshold=0)
    assert_exact_delivery(trio.run(run_pipeline, config, clock=clock))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs(max_count=2000, max_delay_us=20.0, max_consumer_delay_us=20.0))
def test_every_token_arrives_once_in_order_intact_on_real_time(config: RunConfig) -> None:
    assert_exact_delivery(trio.run(run_pipeline, config))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs(max_count=5000, max_delay_us=20.0, max_consumer_delay_us=20.0))
def test_every_token_arrives_and_is_painted_in_the_real_app(config: RunConfig) -> None:
    scenario = get_scenario("1m-short")
    report = run_as_guest(run_session, scenario, config, SessionOptions(handle_signals=False))
    r = report.results
    assert report.ending == "completed"
    assert r["tokens_sent"] == r["tokens_received"] == r["tokens_painted"] == config.message_count
    assert (r["messages_sent"], r["items_sent"]) == (r["messages_received"], r["items_received"])
    assert (r["lost"], r["duplicated"], r["reordered"], r["corrupted_streams"]) == (0, 0, 0, 0)
    assert r["streams_intact"] == config.streams
