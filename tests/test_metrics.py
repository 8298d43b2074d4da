"""The metric registry names exactly what a run reports, and every criterion names a metric."""

from __future__ import annotations

import dataclasses

import pytest

from aiway_tui.cli.main import main
from aiway_tui.core.faults import FaultSpec
from aiway_tui.core.network import NetworkProfile
from aiway_tui.quit.report import build_quit_report
from aiway_tui.quit.under_load import run_with_quit_under_load
from aiway_tui.report.schema import RESULT_KEYS, check_report
from aiway_tui.scenarios.catalogue import SCENARIOS, Scenario, get_scenario
from aiway_tui.scenarios.metrics import (
    BLACK_BOX_METRICS,
    QUIT_METRICS,
    RUN_METRICS,
    black_box_metric_names,
    compared_metrics,
    metric,
    run_metric_names,
    unknown_metric_message,
)
from aiway_tui.session.runner import SessionOptions, run_session
from aiway_tui.ui.host import run_as_guest


def test_each_metric_is_registered_once() -> None:
    names = [m.name for m in (*RUN_METRICS, *QUIT_METRICS)]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_every_catalogue_criterion_names_a_run_metric(scenario: Scenario) -> None:
    known = run_metric_names()
    assert [c.metric for c in scenario.criteria if c.metric not in known] == []


def test_quit_latency_criteria_name_quit_metrics() -> None:
    report = build_quit_report(
        mode="in-process",
        scenario=get_scenario("rapid-tokens"),
        moment="streaming",
        seed=0,
        trials_asked=1,
        trials=[],
        stage_labels={"total": "press -> app exit"},
        total_stage="total",
        p99_stage="total",
        p99_label="p99",
    )
    assert {c.metric for c in report.criteria} == {m.name for m in QUIT_METRICS}


def test_an_unknown_name_gets_the_nearest_known_ones() -> None:
    assert "tokens_per_s" in unknown_metric_message("token_per_s", run_metric_names())
    assert "list --metrics" in unknown_metric_message("zzzz", run_metric_names())


def test_compare_judges_every_directional_figure_and_no_other() -> None:
    judged = {m.name for m in compared_metrics()}
    assert {"tokens_per_s", "lost", "delivery_p99_ms", "cpu_avg_percent"} <= judged
    assert "tokens_sent" not in judged  # a count with no better direction
    assert metric("tokens_per_s").better == "higher"


@pytest.mark.trio(run=run_as_guest)
async def test_a_run_with_every_feature_reports_exactly_the_registered_metrics() -> None:
    """Faults, network, conversations, idle phase, probes, the typist, the session's
    tenths, the app and the quit trial: every figure appears."""
    chaos = get_scenario("chaos")
    config = dataclasses.replace(
        chaos.config,
        message_count=4_000,
        streams=8,
        conversations=2,
        message_delay_us=200,  # a stream phase long enough for its own CPU figure
        idle_s=1.2,
        network=NetworkProfile(latency_ms=1, jitter_ms=1, burst_every_ms=50, burst_hold_ms=5),
        faults=FaultSpec(
            stream_errors=1, silent_streams=1, consumer_stalls=1, stall_ms=10, idle_timeout_s=0.3
        ),
        time_limit_s=30,
        typist_cps=15.0,
        session_tenths=True,
    )
    options = SessionOptions(handle_signals=False)
    report = await run_session(chaos, config, options)
    report = await run_with_quit_under_load(chaos, config, options, report)  # as `aiway-tui run` does
    assert set(report.results) == run_metric_names()
    assert check_report(report.as_dict()) == []


def test_the_schemas_contract_keys_are_registered_metrics() -> None:
    assert set(RESULT_KEYS) <= run_metric_names()


def test_list_metrics_prints_every_run_metric(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--metrics"]) == 0
    runs, black_box = capsys.readouterr().out.split("\n\n")
    assert {line.split()[0] for line in runs.splitlines()[1:]} == run_metric_names()
    assert {line.split()[0] for line in black_box.splitlines()[1:]} == black_box_metric_names()


def test_each_black_box_metric_is_registered_once() -> None:
    names = [m.name for m in BLACK_BOX_METRICS]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    judged = {m.name for m in compared_metrics(black_box=True)}
    assert {"delivery_p99_ms", "keystroke_p99_ms", "quit_to_exit_ms", "cpu_avg_percent"} <= judged
    assert "tokens_sent" not in judged
