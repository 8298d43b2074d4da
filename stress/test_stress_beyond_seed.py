"""Beyond the seed's five: conversations, mixed load, chaos, network, CPU.

Each runs the real Textual app headless, sized to a few seconds, and asserts
every criterion of its scenario plus what that scenario is about.
"""

from __future__ import annotations

import pytest

from aiway_tui.report.run_report import RunReport, render_text
from aiway_tui.scenarios.catalogue import get_scenario
from aiway_tui.session.runner import SessionOptions
from aiway_tui.testing import assert_criteria, run_judged
from aiway_tui.ui.host import run_as_guest

pytestmark = pytest.mark.trio(run=run_as_guest)

OPTIONS = SessionOptions(handle_signals=False)


async def run_scenario(name: str) -> RunReport:
    report, cpu_floor = await run_judged(get_scenario(name), None, OPTIONS)
    print(render_text(report))
    if cpu_floor is not None:
        print(f"CPU reference: a bare Trio guest making the same wake-ups, {cpu_floor:.2f} %")
    assert_criteria(report, cpu_floor)
    assert report.ending == "completed"
    return report


async def test_stress_concurrent_conversations() -> None:
    report = await run_scenario("conversations")
    r = report.results
    assert r["conversations"] == r["conversations_intact"] == 4
    assert r["streams_intact"] == 16


async def test_stress_mixed_load() -> None:
    report = await run_scenario("mixed-load")
    r = report.results
    assert r["tokens_received"] == 200_000
    # The mix's expected 128.5 chars a token, give or take the draw.
    assert 110 < r["chars_received"] / r["tokens_received"] < 150


async def test_stress_chaos_every_fault_accounted_for() -> None:
    report = await run_scenario("chaos")
    r = report.results
    assert r["faults_injected"] == r["faults_detected"] == 6
    assert r["faults_unaccounted"] == 0
    assert r["streams_failed_unfaulted"] == 0
    assert r["streams_intact"] == 12 - 4
    assert r["duration_s"] < report.config["time_limit_s"]


async def test_stress_network_simulation() -> None:
    report = await run_scenario("network")
    r = report.results
    assert r["network_delay_mean_ms"] >= 20
    assert 0 < r["network_share_pct"] <= 100
    assert report.latency["delivery"].p50_ms >= 20  # delivery latency includes the network


async def test_stress_cpu_idle_ui() -> None:
    """It was ~10 % when the painter woke at 30 fps for nothing."""
    report = await run_scenario("cpu-idle")
    assert report.results["tokens_received"] == 1


async def test_stress_cpu_realistic_streaming() -> None:
    """250 tokens at 50 tok/s, at most 20 frames a second, held to a multiple
    of a bare Trio guest waking every 20 ms (``testing.CPU_BUDGETS``)."""
    report = await run_scenario("cpu-streaming")
    r = report.results
    assert r["tokens_received"] == r["tokens_sent"] == 250
    assert (r["lost"], r["duplicated"], r["reordered"], r["streams_failed"]) == (0, 0, 0, 0)
    # At most a frame a beat (50 ms): a frame every 2-3 tokens; the frames at
    # the stream's two ends can make one beat more than its duration holds.
    assert 12 <= r["fps"] <= 20 * 1.05
