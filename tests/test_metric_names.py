"""Every criterion names a metric the report produces: the catalogue's, and a file's before it runs."""

from __future__ import annotations

import pytest

from aiway_tui.core.config import RunConfig
from aiway_tui.core.faults import FaultSpec
from aiway_tui.core.network import NetworkProfile
from aiway_tui.report.metric_names import metric_names, unknown_metrics
from aiway_tui.scenarios.catalogue import SCENARIOS, Scenario
from aiway_tui.scenarios.criteria import Criterion
from aiway_tui.session.runner import SessionOptions, run_session
from aiway_tui.ui.host import run_as_guest


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_every_built_in_criterion_names_a_metric_the_report_produces(scenario: Scenario) -> None:
    assert unknown_metrics(scenario.criteria) == []


def test_a_typo_is_caught_with_the_nearest_names() -> None:
    (problem,) = unknown_metrics([Criterion("Fast", "tokens_per_sec", ">", 1)])
    assert problem.startswith("criteria #1 ('Fast'): metric 'tokens_per_sec' is not a metric")
    assert "did you mean 'tokens_per_s'" in problem


def test_the_names_are_those_of_a_real_run_with_every_part() -> None:
    """The names come from a report built over a pipeline that never ran; a real run with
    the same parts (painter, probes, network, faults, conversations, an idle phase, a quit)
    must produce no name outside them, and every one of them."""
    config = RunConfig(
        message_count=1500,
        message_delay_us=1000,
        streams=4,
        conversations=2,
        idle_s=1.2,
        time_limit_s=20,
        network=NetworkProfile(latency_ms=1.0, burst_every_ms=50.0, burst_hold_ms=5.0),
        faults=FaultSpec(stream_errors=1, consumer_stalls=1, stall_ms=20),
    )
    scenario = Scenario("all-parts", "all parts", "every part", config, (), seed_test="")
    report = run_as_guest(run_session, scenario, config, SessionOptions(handle_signals=False))
    assert report.ending == "completed"
    assert set(report.results) == metric_names()
