"""The scenario catalogue: the seed's five, with every criterion it stated.

Each scenario keeps the seed's parameters and success criteria (source
"seed"), adds the seed's performance baselines where they apply (source
"baseline": its original printed them and never asserted them), and our
own integrity criteria (source "ours": nothing lost, duplicated, reordered).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..core.config import ConfigError, RunConfig
from ..core.faults import FaultSpec
from ..core.mix import TokenMix
from ..core.network import NetworkProfile
from .criteria import Criterion
from .input_criteria import KEYSTROKE_CRITERIA


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


def _load_criteria(
    throughput: int, seconds: int, memory_mb: int, memory_label: str, *, errors_from_seed: bool
) -> tuple[Criterion, ...]:
    """The seed's three load tests state the same five things, with their own figures."""
    return (
        _all_received("All {message_count:,} messages received"),
        Criterion(
            f"Throughput > {throughput:,} msg/s".replace(",000 ", "K "), "tokens_per_s", ">", throughput
        ),
        Criterion("Zero errors", "errors", "==", 0, "seed" if errors_from_seed else "ours"),
        Criterion(f"Completes in < {seconds} seconds", "duration_s", "<", seconds),
        Criterion(
            memory_label, "memory_growth_mb", "<", memory_mb, "baseline" if errors_from_seed else "seed"
        ),
        _QUIT,
        *_INTEGRITY,
    )


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        name="1m-short",
        title="1M Short Messages",
        purpose="Maximum throughput with minimal payload.",
        config=RunConfig(message_count=1_000_000, message_size=10, time_limit_s=60),
        criteria=_load_criteria(10_000, 60, 100, "Memory growth < 100 MB", errors_from_seed=True),
        seed_test="test_stress_1m_short_messages",
    ),
    Scenario(
        name="1m-medium",
        title="1M Medium Messages",
        purpose="Buffer management and moderate payload handling (~100 MB of text).",
        config=RunConfig(message_count=1_000_000, message_size=100, time_limit_s=120),
        criteria=_load_criteria(5_000, 120, 500, "Memory growth < 500 MB", errors_from_seed=False),
        seed_test="test_stress_1m_medium_messages",
    ),
    Scenario(
        name="1k-long",
        title="1K Long Messages",
        purpose="Memory pressure with large payloads (10K chars each, ~10 MB).",
        config=RunConfig(message_count=1_000, message_size=10_000, time_limit_s=60),
        criteria=_load_criteria(
            100, 60, 100, "Memory usage bounded (growth < 100 MB)", errors_from_seed=False
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
            Criterion("Average CPU < 20% (paced)", "cpu_avg_percent", "<", 20, "baseline"),
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

_ALL_TOKENS = Criterion(
    "All {message_count:,} tokens received", "tokens_received", "==", "message_count", "ours"
)
_INTACT_CONVERSATIONS = Criterion(
    "Every conversation verified separately", "conversations_intact", "==", "conversations", "ours"
)
_ON_TIME = Criterion("Completed within its deadline", "completed", "==", 1, "ours")


def _every_conversation(*specific: Criterion) -> tuple[Criterion, ...]:
    """All tokens, every conversation verified on its own, on time, intact: plus what the scenario adds."""
    return (_ALL_TOKENS, _INTACT_CONVERSATIONS, *specific, _ON_TIME, *_INTEGRITY)


BEYOND_SEED: tuple[Scenario, ...] = (
    Scenario(
        name="conversations",
        title="Concurrent Conversations",
        purpose="4 conversations streaming at once, interleaved in one channel, each verified.",
        config=RunConfig(
            message_count=400_000, message_size=10, streams=16, conversations=4, time_limit_s=30
        ),
        criteria=_every_conversation(
            Criterion("Throughput > 10K tok/s", "tokens_per_s", ">", 10_000, "ours"),
            Criterion("Zero errors", "errors", "==", 0, "ours"),
        ),
        seed_test="",
    ),
    Scenario(
        name="mixed-load",
        title="Mixed Load",
        purpose="Short, medium and long tokens (5/100/2000 chars) interleaved by a seeded mix.",
        config=RunConfig(
            message_count=200_000,
            streams=9,
            conversations=3,
            mix=TokenMix((5, 100, 2_000), (70.0, 25.0, 5.0)),
            time_limit_s=30,
        ),
        criteria=_every_conversation(
            Criterion("Memory growth < 100 MB", "memory_growth_mb", "<", 100, "ours"),
            Criterion("Zero errors", "errors", "==", 0, "ours"),
        ),
        seed_test="",
    ),
    Scenario(
        name="chaos",
        title="Error Injection",
        purpose="Seeded faults: stream errors, a conductor raise, a silent stream, consumer stalls.",
        config=RunConfig(
            message_count=60_000,
            message_size=10,
            message_delay_us=20,
            streams=12,
            conversations=3,
            faults=FaultSpec(
                stream_errors=2,
                conductor_raises=1,
                silent_streams=1,
                consumer_stalls=2,
                stall_ms=150,
                idle_timeout_s=0.5,
            ),
            time_limit_s=20,
        ),
        criteria=(
            Criterion("Every planned fault injected", "faults_not_fired", "==", 0, "ours"),
            Criterion(
                "Every injected fault detected, by kind and stream", "faults_unaccounted", "==", 0, "ours"
            ),
            Criterion("Every other stream intact", "streams_failed_unfaulted", "==", 0, "ours"),
            Criterion("Ends within its deadline (no hang)", "completed", "==", 1, "ours"),
            Criterion("Zero lost", "lost", "==", 0, "ours"),
            Criterion("Zero duplicated", "duplicated", "==", 0, "ours"),
            Criterion("Zero reordered", "reordered", "==", 0, "ours"),
        ),
        seed_test="",
    ),
    Scenario(
        name="network",
        title="Network Simulation",
        purpose="20 ms latency, 5 ms mean jitter, a 50 ms quiet spell every 250 ms (bursts).",
        config=RunConfig(
            message_count=20_000,
            message_size=10,
            message_delay_us=200,
            streams=4,
            conversations=2,
            network=NetworkProfile(latency_ms=20, jitter_ms=5, burst_every_ms=250, burst_hold_ms=50),
            time_limit_s=20,
        ),
        criteria=_every_conversation(
            Criterion("Network delay applied (mean >= 20 ms)", "network_delay_mean_ms", ">=", 20, "ours"),
            Criterion("Bursts happened", "network_packets_held_for_burst", ">", 0, "ours"),
            # Network p99 (~80 ms) + a 50 ms quiet spell + catching up after it, on a shared machine.
            Criterion("p99 delivery latency < 400 ms", "delivery_p99_ms", "<", 400, "ours"),
        ),
        seed_test="",
    ),
    Scenario(
        name="cpu-idle",
        title="CPU: Idle UI",
        purpose="The app up for 5 s, nothing streaming (judged after 0.5 s to settle), then one token.",
        config=RunConfig(message_count=1, message_size=5, idle_s=5, time_limit_s=20),
        criteria=(
            Criterion("Average CPU while idle < 2%", "cpu_idle_percent", "<", 2, "ours"),
            _ON_TIME,
            *_INTEGRITY,
        ),
        seed_test="",
    ),
    Scenario(
        name="cpu-streaming",
        title="CPU: Realistic Streaming",
        purpose=(
            "250 tokens at 50 tokens/s (5 s) after 1 s idle, as a real assistant reply arrives, "
            "redrawn at most 20 times a second."
        ),
        # 20 fps: a redraw gathers 50 ms of text, as aichat's stream renderer does.
        # At 50 tok/s that is a frame every third token; 30 fps (every second
        # token) costs about half a point more CPU here (`make bench` prints both).
        config=RunConfig(
            message_count=250, message_size=5, message_delay_us=20_000, idle_s=1, fps=20, time_limit_s=20
        ),
        criteria=(
            _ALL_TOKENS,
            Criterion("Average CPU while streaming < 5%", "cpu_stream_percent", "<", 5, "ours"),
            _ON_TIME,
            *_INTEGRITY,
        ),
        seed_test="",
    ),
)

_GROWTH = tuple(
    Criterion(
        f"Late tenths' {what} within 1.2x of the early tenths'", f"session_{name}_growth", "<=", 1.2, "ours"
    )
    for name, what in (
        ("paint", "paint (pooled mean)"),
        ("render", "render (pooled mean)"),
        ("cpu", "CPU"),
        ("rss", "RSS"),
        ("delivery", "delivery (pooled mean)"),
        ("input", "keystroke latency (pooled mean)"),
    )
)

CHAT: tuple[Scenario, ...] = (
    Scenario(
        name="typing",
        title="Typing While a Reply Streams",
        purpose=(
            "A typist at 15 keys/s into the input box (keys through the driver's input path) "
            "while a reply streams at 100K tokens/s; each key timed to the render that shows it."
        ),
        config=RunConfig(
            message_count=800_000, message_delay_us=10, tokens="words", typist_cps=15, time_limit_s=60
        ),
        criteria=(
            _ALL_TOKENS,
            Criterion("Streams at > 90K tok/s meanwhile", "tokens_per_s", ">", 90_000, "ours"),
            *KEYSTROKE_CRITERIA,
            _ON_TIME,
            *_INTEGRITY,
        ),
        seed_test="",
    ),
    Scenario(
        name="long-session",
        title="Long Session",
        purpose=(
            "2,000 replies in a row (10M tokens at 100K tokens/s), a user message before each, "
            "the typist on: is the last tenth as fast as the first?"
        ),
        config=RunConfig(
            message_count=10_000_000,
            streams=2_000,
            message_delay_us=10,
            tokens="words",
            typist_cps=15,
            session_tenths=True,
            time_limit_s=900,
        ),
        criteria=(
            _ALL_TOKENS,
            Criterion("Every tenth measured", "session_tenths", "==", 10, "ours"),
            *_GROWTH,
            Criterion("RSS bounded (growth < 100 MB)", "memory_growth_mb", "<", 100, "ours"),
            *KEYSTROKE_CRITERIA,
            _ON_TIME,
            *_INTEGRITY,
        ),
        seed_test="",
    ),
)

SCENARIOS = SCENARIOS + BEYOND_SEED + CHAT

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
