"""The UI-thread lag probe in the real app: a blocked UI thread must show up in it."""

from __future__ import annotations

import asyncio
import time

import pytest
import trio
from textual.pilot import Pilot

from aiway_tui.core.pipeline import Pipeline
from aiway_tui.measure.lag_probe import DEFAULT_PERIOD_S, UiLagProbe
from aiway_tui.scenarios.catalogue import get_scenario
from aiway_tui.session.runner import SessionOptions, run_session
from aiway_tui.ui.chat_app import ChatApp
from aiway_tui.ui.host import run_as_guest

OPTIONS = SessionOptions(handle_signals=False)
BLOCK_S = 0.200


def _block_the_ui_thread() -> None:
    time.sleep(BLOCK_S)  # deliberately: this is the stall the probe must see


@pytest.mark.trio(run=run_as_guest)
async def test_a_blocked_ui_thread_shows_in_the_lag_probe() -> None:
    scenario = get_scenario("rapid-tokens")
    config = scenario.config.with_overrides(message_count=120_000, message_delay_us=10)  # ~1.2 s

    def block_mid_run(app: ChatApp, pipeline: Pipeline, pilot: Pilot[object]) -> None:
        # Mid-stream, after frames have been painted: the run's own start-up (a full
        # collection over whatever heap earlier tests left) may take longer than 0.25 s.
        loop = asyncio.get_running_loop()

        def when_painting() -> None:
            if pipeline.statistics().frames >= 2:
                loop.call_later(0.25, _block_the_ui_thread)
            else:
                loop.call_later(0.01, when_painting)

        when_painting()

    report = await run_session(scenario, config, OPTIONS, on_ready=block_mid_run)
    r = report.results
    assert report.ending == "completed"
    # The block starts anywhere within a probe period, so at least that much shows.
    assert r["ui_lag_max_ms"] >= (BLOCK_S - DEFAULT_PERIOD_S) * 1000
    assert report.latency["ui_lag"].count >= 0.8 / DEFAULT_PERIOD_S
    # The stall also shows as one long gap between frames.
    assert r["frame_gap_max_ms"] >= BLOCK_S * 1000 * 0.95


@pytest.mark.trio(run=run_as_guest)
async def test_the_probe_runs_on_the_asyncio_host_and_stops_with_its_task() -> None:
    probe = UiLagProbe(period_s=0.005)
    with trio.move_on_after(0.2):
        await probe.run()
    firings = probe.stats.firings
    assert probe.host == "asyncio"
    assert firings >= 10
    await trio.sleep(0.05)
    assert probe.stats.firings == firings  # the call_later chain was cancelled


async def test_without_an_asyncio_loop_the_probe_times_trio() -> None:
    probe = UiLagProbe(period_s=0.005)
    with trio.move_on_after(0.1):
        await probe.run()
    assert probe.host == "trio"
    assert probe.stats.firings >= 5


@pytest.mark.trio(run=run_as_guest)
async def test_each_firing_samples_and_a_failing_sample_fails_the_probe_task() -> None:
    calls = 0

    def sample() -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError("no /proc")

    probe = UiLagProbe(period_s=0.005, on_fire=sample)
    with pytest.raises(OSError, match="no /proc"):
        await probe.run()
    assert calls == probe.stats.firings == 3
    await trio.sleep(0.03)
    assert calls == 3  # the chain stopped at the failure
