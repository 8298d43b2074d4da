"""The seed's "Quit handled in < 1 s", measured where it means it: under the scenario's load.

A measured run ends by itself: the stream completes, drains, and the quit
that follows meets an idle pipeline. So after the measured run, one quit
trial runs the same scenario again (same token shape, rate, batching,
buffer, consumer, network, streams and conversations) and presses ``q``
mid-stream, through the app's own key path, as ``aiway-tui quit-latency``
does. Its press -> app exit becomes ``quit_latency_ms``; the quit after the
drained stream is kept as ``quit_after_stream_ms``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..core.config import RunConfig
from ..report.run_report import RunReport
from ..scenarios.catalogue import Scenario
from ..scenarios.criteria import evaluate
from ..session.runner import SessionOptions
from .moments import Moment
from .plan import TrialPlan
from .trials import QuitTrial, run_trial

PRESS_AFTER_S = 0.2
"""Streaming time before the key, counted from the first token."""

TRIAL_TOKENS = 100_000_000
"""The trial's token count: so many that every scenario is still streaming at
the key (only the tokens sent before it are ever made)."""

MID_STREAM = Moment("mid-stream", "the scenario's own load, key pressed mid-stream")


def trial_config(config: RunConfig) -> RunConfig:
    """``config``, streaming long enough for the key to land mid-stream.

    The idle phase is left out (the key is pressed in the stream, where the
    load is), and so are injected faults (the load is the stream; the faults
    are what the measured run judges); the deadline is far: the key, not the
    clock, ends the trial. No typist either: it holds the input box's focus,
    where ``q`` is text.
    """
    return dataclasses.replace(config, faults=None, typist_cps=0.0, session_tenths=False).with_overrides(
        message_count=TRIAL_TOKENS, idle_s=0.0, time_limit_s=max(config.time_limit_s, 60.0)
    )


async def quit_trial(scenario: Scenario, config: RunConfig, options: SessionOptions) -> QuitTrial:
    """One quit trial of ``scenario`` at ``config``'s load, headless, in the current Trio run."""
    trial_scenario = dataclasses.replace(scenario, config=trial_config(config))
    trial_options = dataclasses.replace(options, interactive=True, headless=True)
    return await run_trial(trial_scenario, TrialPlan(0, MID_STREAM, PRESS_AFTER_S), trial_options)


def with_quit_under_load(
    report: RunReport, scenario: Scenario, config: RunConfig, trial: QuitTrial
) -> RunReport:
    """``report`` with its quit figure taken from ``trial`` and its criteria judged again.

    A trial that did not quit cleanly mid-stream gives no figure: the quit
    criterion then reads "missing" and fails, with the trial's problems shown.
    """
    results = dict(report.results)
    after_stream = results.pop("quit_latency_ms", None)
    if after_stream is not None:
        results["quit_after_stream_ms"] = after_stream
    if trial.clean and "total" in trial.stages_ms:
        results["quit_latency_ms"] = trial.stages_ms["total"]
    summary: dict[str, Any] = {
        "measured": "mid-stream, under the scenario's load: press -> app exit, through the app's key path",
        "press_after_s": trial.wait_s,
        "tokens_before_key": trial.tokens_received,
        "where": list(trial.where),
        "stages_ms": trial.stages_ms,
        "clean": trial.clean,
        "problems": list(trial.problems),
    }
    criteria = evaluate(scenario.criteria, results, config)
    return dataclasses.replace(report, results=results, criteria=criteria, quit_under_load=summary)


async def run_with_quit_under_load(
    scenario: Scenario, config: RunConfig, options: SessionOptions, report: RunReport
) -> RunReport:
    """Run the quit trial after ``report``'s run (not after a signal: the person wants out) and fold it in."""
    if report.interrupted_by is not None:
        return report
    trial = await quit_trial(scenario, config, options)
    return with_quit_under_load(report, scenario, config, trial)
