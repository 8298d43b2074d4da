"""The scenario catalogue: the seed's five, with every criterion it stated.

Each scenario keeps the seed's parameters and success criteria (source
"seed"), adds the seed's performance baselines where they apply (source
"baseline": its original printed them and never asserted them), and our
own integrity criteria (source "ours": nothing lost, duplicated, reordered).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .config import ConfigError, RunConfig
from .criteria import Criterion


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    title: str
    purpose: str
    config: RunConfig
    criteria: tuple[Criterion, ...]
    seed_test: str

    @property
    def expected_duration_s(self) -> float:
        """A rough guess for the catalogue: the schedule, or the time limit's scale."""
        c = self.config
        paced = c.message_count * c.message_delay_us / 1e6
        slow = c.message_count * c.consumer_delay_us / 1e6
        return max(paced, slow, 1.0)


_INTEGRITY = (
    Criterion("Zero lost", "lost", "==", 0, "ours"),
    Criterion("Zero duplicated", "duplicated", "==", 0, "ours"),
    Criterion("Zero reordered", "reordered", "==", 0, "ours"),
    Criterion("Every stream verified (count + CRC-32)", "streams_failed", "==", 0, "ours"),
)


def _all_received(label: str) -> Criterion:
    return Criterion(label, "tokens_received", "==", "message_count")


_QUIT = Criterion("Quit handled in < 1s", "quit_latency_ms", "<", 1000, "baseline")

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        name="1m-short",
        title="1M Short Messages",
        purpose="Maximum throughput with minimal payload.",
        config=RunConfig(message_count=1_000_000, message_size=10, time_limit_s=60),
        criteria=(
            _all_received("All {message_count:,} messages received"),
            Criterion("Throughput > 10K msg/s", "tokens_per_s", ">", 10_000),
            Criterion("Zero errors", "errors", "==", 0),
            Criterion("Completes in < 60 seconds", "duration_s", "<", 60),
            Criterion("Memory growth < 100 MB", "memory_growth_mb", "<", 100, "baseline"),
            _QUIT,
            *_INTEGRITY,
        ),
        seed_test="test_stress_1m_short_messages",
    ),
    Scenario(
        name="1m-medium",
        title="1M Medium Messages",
        purpose="Buffer management and moderate payload handling (~100 MB of text).",
        config=RunConfig(message_count=1_000_000, message_size=100, time_limit_s=120),
        criteria=(
            _all_received("All {message_count:,} messages received"),
            Criterion("Memory growth < 500 MB", "memory_growth_mb", "<", 500),
            Criterion("Throughput > 5K msg/s", "tokens_per_s", ">", 5_000),
            Criterion("Completes in < 120 seconds", "duration_s", "<", 120),
            Criterion("Zero errors", "errors", "==", 0, "ours"),
            _QUIT,
            *_INTEGRITY,
        ),
        seed_test="test_stress_1m_medium_messages",
    ),
    Scenario(
        name="1k-long",
        title="1K Long Messages",
        purpose="Memory pressure with large payloads (10K chars each, ~10 MB).",
        config=RunConfig(message_count=1_000, message_size=10_000, time_limit_s=60),
        criteria=(
            _all_received("All {message_count:,} messages received"),
            Criterion("Memory usage bounded (growth < 100 MB)", "memory_growth_mb", "<", 100),
            Criterion("Throughput > 100 msg/s", "tokens_per_s", ">", 100),
            Criterion("Completes in < 60 seconds", "duration_s", "<", 60),
            Criterion("Zero errors", "errors", "==", 0, "ours"),
            _QUIT,
            *_INTEGRITY,
        ),
        seed_test="test_stress_1k_long_messages",
    ),
    Scenario(
        name="rapid-tokens",
        title="Rapid Token Streaming",
        purpose="Real-time streaming at 100K tokens/s (10 us apart), paced by schedule.",
        config=RunConfig(message_count=1_000_000, message_size=5, message_delay_us=10, time_limit_s=60),
        criteria=(
            _all_received("All {message_count:,} tokens received"),
            Criterion("Stream completes in < 60s", "duration_s", "<", 60),
            Criterion("Quit handled in < 1s", "quit_latency_ms", "<", 1000),
            Criterion("Zero errors", "errors", "==", 0),
            Criterion("p99 delivery latency < 100 ms", "delivery_p99_ms", "<", 100, "baseline"),
            *_INTEGRITY,
        ),
        seed_test="test_stress_rapid_token_streaming",
    ),
    Scenario(
        name="backpressure",
        title="Backpressure and Message Loss Detection",
        purpose="A small buffer (100) and a slow consumer (100 us per message): no loss.",
        config=RunConfig(
            message_count=100_000,
            message_size=10,
            batch_size=1,
            buffer=100,
            consumer_delay_us=100,
            time_limit_s=60,
        ),
        criteria=(
            Criterion("All messages accounted for", "tokens_unaccounted", "==", 0),
            Criterion("Message loss < 1%", "loss_pct", "<", 1),
            Criterion("No panics or deadlocks (completed in time)", "completed", "==", 1),
            Criterion("Backpressure engaged (buffer reached capacity)", "buffer_saturated", "==", 1, "ours"),
            Criterion(
                "System recovers gracefully (stream verified after saturation)", "streams_failed", "==", 0
            ),
            _all_received("All messages received"),
            _QUIT,
            Criterion("Zero lost", "lost", "==", 0, "ours"),
            Criterion("Zero duplicated", "duplicated", "==", 0, "ours"),
            Criterion("Zero reordered", "reordered", "==", 0, "ours"),
        ),
        seed_test="test_stress_backpressure_handling",
    ),
)

_BY_NAME = {s.name: s for s in SCENARIOS}


def scenario_names() -> tuple[str, ...]:
    return tuple(_BY_NAME)


def get_scenario(name: str) -> Scenario:
    try:
        return _BY_NAME[name]
    except KeyError:
        close = difflib.get_close_matches(name, _BY_NAME, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"unknown scenario {name!r}{hint}; known: {', '.join(_BY_NAME)}") from None
