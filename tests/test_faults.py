"""Seeded error injection: the plan is deterministic, and every kind is detected and counted."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio
import trio.testing

from aiway_tui.core.config import ConfigError, RunConfig
from aiway_tui.core.faults import ConsumerStall, FaultKind, FaultSpec, StreamFault, plan_faults
from aiway_tui.core.pipeline import Ending, Pipeline
from aiway_tui.core.tracker import MessageTracker
from aiway_tui.core.watchdog import StreamWatchdog
from aiway_tui.pytest_plugin import Aiway
from aiway_tui.report.fault_accounting import fault_results
from aiway_tui.scenarios.files import load_scenario_file

from .conftest import run_pipeline

SCENARIOS = Path(__file__).parent.parent / "stress" / "scenarios"

SPEC = FaultSpec(stream_errors=2, conductor_raises=1, silent_streams=1, consumer_stalls=3, stall_ms=50)
LENGTHS = [1_000] * 10


def test_the_same_seed_gives_the_same_faults_in_the_same_places() -> None:
    plan = plan_faults(SPEC, LENGTHS, seed=42)
    assert plan == plan_faults(SPEC, LENGTHS, seed=42)
    assert plan != plan_faults(SPEC, LENGTHS, seed=43)
    assert [plan.planned(kind) for kind in FaultKind] == [2, 1, 1, 3, 0]
    streams = [f.stream for f in plan.streams]
    assert len(set(streams)) == len(streams) == 4
    assert all(0 <= f.at_token < LENGTHS[f.stream] for f in plan.streams)
    assert all(isinstance(s, ConsumerStall) and s.duration_s == 0.05 for s in plan.stalls)
    assert [s.after_tokens for s in plan.stalls] == sorted(s.after_tokens for s in plan.stalls)


def test_a_plan_never_needs_more_streams_than_the_run_has() -> None:
    with pytest.raises(ValueError, match="distinct streams"):
        plan_faults(FaultSpec(stream_errors=3), [10, 10], seed=0)
    with pytest.raises(ConfigError, match="distinct streams"):
        RunConfig(message_count=100, streams=2, faults=FaultSpec(silent_streams=3))
    with pytest.raises(ConfigError, match=r"faults\.stall_ms"):
        RunConfig(faults=FaultSpec(stall_ms=-1))
    with pytest.raises(ConfigError, match="take a consumer stall for silence"):
        RunConfig(streams=2, faults=FaultSpec(silent_streams=1, consumer_stalls=1, stall_ms=1000))


async def run_faulted(spec: FaultSpec, **overrides: object) -> Pipeline:
    fields: dict[str, object] = {"message_count": 20_000, "message_size": 8, "streams": 8, "conversations": 2}
    fields.update(overrides, faults=spec, seed=9)
    pipeline = await run_pipeline(RunConfig().with_overrides(**fields))
    assert pipeline.ending is Ending.COMPLETED
    return pipeline


@pytest.mark.parametrize(
    ("spec", "kind", "count"),
    [
        (FaultSpec(stream_errors=3), FaultKind.STREAM_ERROR, 3),
        (FaultSpec(conductor_raises=2), FaultKind.CONDUCTOR_RAISE, 2),
        (FaultSpec(silent_streams=2, idle_timeout_s=0.2), FaultKind.SILENT, 2),
        (FaultSpec(consumer_stalls=2, stall_ms=30), FaultKind.CONSUMER_STALL, 2),
    ],
)
async def test_each_fault_kind_is_detected_and_counted_exactly(
    spec: FaultSpec, kind: FaultKind, count: int, autojump_clock: trio.testing.MockClock
) -> None:
    pipeline = await run_faulted(spec)
    r = fault_results(pipeline.outcome(), pipeline.statistics(), pipeline.config.streams)
    assert r[f"faults_injected_{kind.value}"] == r[f"faults_detected_{kind.value}"] == count
    assert r["faults_injected"] == r["faults_detected"] == r["faults_planned"] == count
    assert r["faults_unaccounted"] == 0
    assert r["streams_failed_unfaulted"] == 0
    if kind is not FaultKind.CONSUMER_STALL:
        assert r["streams_faulted"] == count
        assert pipeline.tracker.streams_intact == 8 - count
    else:
        assert pipeline.tracker.streams_intact == 8


async def test_a_silent_stream_is_abandoned_and_the_run_ends_on_time() -> None:
    """Real clock: the watchdog, not the run's deadline, ends the silence."""
    spec = FaultSpec(silent_streams=1, idle_timeout_s=0.2)
    with trio.fail_after(5):
        pipeline = await run_faulted(spec, message_delay_us=50, time_limit_s=10)
    assert pipeline.watchdog is not None
    (stream, idle_for), *_ = pipeline.watchdog.timed_out.items()
    assert pipeline.conductor.streams_abandoned == {stream}
    assert 0.2 <= idle_for < 1.0
    assert pipeline.elapsed_s < 5


async def test_the_fault_plan_faults_streams_in_both_conversations_without_harming_the_rest(
    autojump_clock: trio.testing.MockClock,
) -> None:
    spec = FaultSpec(stream_errors=1, conductor_raises=1, silent_streams=1, consumer_stalls=1, stall_ms=10)
    pipeline = await run_faulted(spec, streams=12, conversations=3)
    r = fault_results(pipeline.outcome(), pipeline.statistics(), pipeline.config.streams)
    assert (r["faults_injected"], r["faults_detected"], r["faults_unaccounted"]) == (4, 4, 0)
    faulted = {f.stream for f in pipeline.conductor.faults.streams}
    for stream, track in pipeline.tracker.streams.items():
        assert track.intact is (stream not in faulted)
    assert pipeline.tracker.lost == pipeline.tracker.duplicated == pipeline.tracker.reordered == 0


def test_the_watchdog_abandons_only_streams_that_stopped() -> None:
    tracker = MessageTracker()
    for stream in range(3):
        tracker._track(stream).expected_tokens = 10
    abandoned: list[int] = []
    dog = StreamWatchdog(tracker, idle_timeout_s=1.0, on_idle=abandoned.append)
    dog.check(0.0)
    tracker.streams[0].tokens = 5  # stream 0 is still moving
    tracker.streams[2].error = "boom"  # stream 2 ended in an error: not silent
    dog.check(0.6)
    assert abandoned == []
    dog.check(1.1)
    assert abandoned == [1]
    assert dog.timed_out == {1: pytest.approx(1.1)}
    dog.check(5.0)
    assert abandoned == [1, 0]


def test_stream_faults_are_values() -> None:
    fault = StreamFault(FaultKind.SILENT, 3, 17)
    with pytest.raises(AttributeError):
        fault.stream = 4  # type: ignore[misc]


async def test_a_painter_that_raises_ends_the_app_with_a_report_that_accounts_for_it(aiway: Aiway) -> None:
    with trio.fail_after(20):
        report = await aiway.run(load_scenario_file(SCENARIOS / "chaos-painter.toml"))
    r = report.results
    assert report.ending == "failed"
    assert report.failed_task == "painter"
    assert report.failure is not None
    assert "InjectedFault" in report.failure
    assert not report.passed
    assert r["faults_injected_painter_raise"] == r["faults_detected_painter_raise"] == 1
    assert r["faults_unaccounted"] == 0
    assert r["lost"] == r["duplicated"] == r["reordered"] == 0


async def test_the_same_seed_breaks_the_same_streams_at_the_same_tokens(
    autojump_clock: trio.testing.MockClock,
) -> None:
    spec = FaultSpec(stream_errors=2, conductor_raises=1, silent_streams=1, consumer_stalls=2, stall_ms=20)

    async def outcome() -> list[tuple[int, int, int, str | None]]:
        pipeline = await run_faulted(spec)
        return sorted((s, t.tokens, t.checksum, t.error) for s, t in pipeline.tracker.streams.items())

    first = await outcome()
    assert first == await outcome()
    assert sum(1 for *_, error in first if error) == 3
