"""A run's "Quit handled in < 1s" comes from a quit trial mid-stream, under its own load."""

from __future__ import annotations

import pytest

from aiway_tui.quit.report import SEED_BOUND_MS
from aiway_tui.quit.under_load import run_with_quit_under_load, trial_config
from aiway_tui.report.run_report import render_text
from aiway_tui.report.schema import check_report
from aiway_tui.scenarios.catalogue import get_scenario
from aiway_tui.session.runner import SessionOptions, run_session
from aiway_tui.ui.host import run_as_guest

OPTIONS = SessionOptions(handle_signals=False)


def test_the_trial_keeps_the_load_and_streams_past_the_key() -> None:
    config = get_scenario("cpu-streaming").config
    trial = trial_config(config)
    assert trial.message_count > 1000 * config.message_count
    assert (trial.message_size, trial.message_delay_us, trial.fps) == (
        config.message_size,
        config.message_delay_us,
        config.fps,
    )
    assert trial.idle_s == 0


@pytest.mark.trio(run=run_as_guest)
async def test_a_run_reports_its_quit_mid_stream_and_judges_it() -> None:
    scenario = get_scenario("1m-short")
    config = scenario.config.with_overrides(message_count=20_000)
    drained = await run_session(scenario, config, OPTIONS)
    report = await run_with_quit_under_load(scenario, config, OPTIONS, drained)
    trial = report.quit_under_load
    assert trial is not None
    assert trial["clean"], trial["problems"]
    assert trial["where"][0] == "streaming"
    assert trial["tokens_before_key"] > 0
    r = report.results
    assert r["quit_latency_ms"] == trial["stages_ms"]["total"]  # press -> app exit, mid-stream
    assert r["quit_after_stream_ms"] == drained.results["quit_latency_ms"]
    (quit_criterion,) = [c for c in report.criteria if c.metric == "quit_latency_ms"]
    assert quit_criterion.value == r["quit_latency_ms"]
    assert quit_criterion.passed == (r["quit_latency_ms"] < SEED_BOUND_MS)
    assert r["tokens_received"] == 20_000  # the measured run's figures are its own
    text = render_text(report)
    assert "Quit latency, mid-stream under this load:" in text
    assert "Quit latency, after the stream drained:" in text
    assert check_report(report.as_dict()) == []
