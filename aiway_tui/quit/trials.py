"""Quit-latency trials, in process: quit the real app under load, many times, and time each stage.

One trial is one ``run_session`` (the real Textual app, headless, with its
Trio pipeline as a guest: same lifetime). It streams for a random, seeded
time, optionally waits for its moment (buffer full, a frame in flight), then
presses ``q`` through the app's own key path (Pilot). Stages:

    press -> key handled -> root scope cancelled -> every Trio task finished -> app exited

A trial is a Trio function, so it runs in a fresh ``run_as_guest`` (the CLI:
one guest run per trial) or several to one guest run (the pytest-trio test).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import trio
from textual.pilot import Pilot

from ..core.config import RunConfig
from ..core.pipeline import Pipeline
from ..measure.stall_probe import Stall, StallProbe
from ..report.run_report import RunReport
from ..scenarios.catalogue import Scenario
from ..session.runner import SessionOptions, run_session
from ..ui.chat_app import ChatApp
from ..ui.driving import press, wait_for
from ..ui.host import run_as_guest
from .moments import where_now
from .plan import TrialPlan, TrialResult, run_plans
from .report import P99_TARGET_MS, QuitMode

MOMENT_TIMEOUT_S = 3.0
"""How long a trial waits for its moment's condition before pressing anyway."""

INTERACTIVE = SessionOptions(interactive=True)
"""Headless; the stream keeps painting until the key is pressed, however early it completes."""

STAGES = ("press_to_key", "key_to_cancel", "cancel_to_tasks_done", "tasks_done_to_app_exit", "total")
STAGE_LABELS = {
    "press_to_key": "press -> key handled",
    "key_to_cancel": "key -> scope cancelled",
    "cancel_to_tasks_done": "cancel -> tasks done",
    "tasks_done_to_app_exit": "tasks done -> app exit",
    "total": "press -> app exit",
}


@dataclass(frozen=True, slots=True)
class QuitTrial(TrialResult):
    """One quit in process, stage by stage (milliseconds), and whether it was clean."""

    stall: Stall
    """The longest stretch while streaming (stream start -> press): the floor."""
    quit_stall: Stall
    """The longest stretch during the quit (press -> app exit): what delayed this one."""
    ending: str
    tokens_received: int

    @property
    def total_ms(self) -> float:
        return float(self.stages_ms.get("total", float("nan")))

    def as_dict(self) -> dict[str, Any]:
        return {
            **TrialResult.as_dict(self),
            "stall": self.stall.as_dict(),
            "quit_stall": self.quit_stall.as_dict(),
            "ending": self.ending,
            "tokens_received": self.tokens_received,
        }


class _Driver:
    """The person at the keyboard: waits, then presses ``q``; notes what it saw."""

    def __init__(self, plan: TrialPlan, probe: StallProbe) -> None:
        self.plan = plan
        self.probe = probe
        self.pressed_at: float | None = None
        self.where: tuple[str, ...] = ()
        self.stall = Stall()
        self.pipeline: Pipeline | None = None

    def attach(self, pipeline: Pipeline, pilot: Pilot[object], nursery: trio.Nursery) -> None:
        self.pipeline = pipeline
        nursery.start_soon(self.run, pipeline, pilot)

    def observe_quit(self, pipeline: Pipeline) -> None:
        """Where the pipeline was when the quit reached it (the first quit only)."""
        if not self.where:
            self.where = where_now(pipeline)

    async def run(self, pipeline: Pipeline, pilot: Pilot[object]) -> None:
        await wait_for(lambda: pipeline.tracker.tokens > 0 or pipeline.consumer.done.is_set())
        self.probe.reset()
        await trio.sleep(self.plan.wait_s)
        ready = self.plan.moment.ready
        if ready is not None:
            with trio.move_on_after(MOMENT_TIMEOUT_S):
                await wait_for(lambda: ready(pipeline), period=0.001)
        self.stall = self.probe.snapshot()
        self.probe.reset()
        self.pressed_at = time.perf_counter()
        await press(pilot, "q")


def _stages(driver: _Driver, report: RunReport, app_key_at: float | None) -> dict[str, float]:
    timing = report.quit
    stages: dict[str, float] = {}
    if driver.pressed_at is not None and app_key_at is not None:
        stages["press_to_key"] = (app_key_at - driver.pressed_at) * 1000.0
    for name, value in (
        ("key_to_cancel", timing.key_to_cancel_ms),
        ("cancel_to_tasks_done", timing.cancel_to_tasks_done_ms),
        ("tasks_done_to_app_exit", timing.tasks_done_to_app_exit_ms),
    ):
        if value is not None:
            stages[name] = value
    if "press_to_key" in stages and timing.total_ms is not None:
        stages["total"] = stages["press_to_key"] + timing.total_ms
    return stages


async def run_trial(scenario: Scenario, plan: TrialPlan, options: SessionOptions = INTERACTIVE) -> QuitTrial:
    """One trial in the current Trio run: start, stream, press ``q``, time every stage."""
    config = plan.moment.config(scenario.config)
    probe = StallProbe()
    driver = _Driver(plan, probe)
    apps: list[ChatApp] = []
    trio.lowlevel.add_instrument(probe)
    try:
        with probe.sampling():
            report, quit_stall = await _run_driven(scenario, config, options, driver, apps)
        left = sorted({task.name for task in probe.live_tasks})
    finally:
        trio.lowlevel.remove_instrument(probe)
    key_at = apps[0].quit_key_at if apps else None
    return QuitTrial(
        index=plan.index,
        moment=plan.moment.name,
        wait_s=plan.wait_s,
        where=driver.where or (("not pressed",) if driver.pressed_at is None else ("?",)),
        stages_ms=_stages(driver, report, key_at),
        stall=driver.stall,
        quit_stall=quit_stall,
        ending=report.ending,
        tokens_received=int(report.results["tokens_received"]),
        problems=_problems(report, driver.pipeline, left, driver.pressed_at),
    )


async def _run_driven(
    scenario: Scenario, config: RunConfig, options: SessionOptions, driver: _Driver, apps: list[ChatApp]
) -> tuple[RunReport, Stall]:
    """The session, with the driver at the keyboard; and the stall seen during the quit."""
    async with trio.open_nursery() as nursery:

        def on_ready(app: ChatApp, pipeline: Pipeline, pilot: Pilot[object]) -> None:
            apps.append(app)
            driver.attach(pipeline, pilot, nursery)

        report = await run_session(scenario, config, options, on_ready=on_ready, on_quit=driver.observe_quit)
        # Taken in the step that built the report: that step has not ended, so it is not counted.
        quit_stall = driver.probe.snapshot()
        nursery.cancel_scope.cancel()  # a press still waiting on the exited app's screen
    return report, quit_stall


def _problems(
    report: RunReport, pipeline: Pipeline | None, left: list[str], pressed_at: float | None
) -> tuple[str, ...]:
    found: list[str] = []
    if pressed_at is None:
        found.append("the key was never pressed")
    if report.ending == "completed":
        found.append("the stream completed before the key: not a quit under load")
    elif report.ending != "quit":
        found.append(f"ended {report.ending!r}, not by the quit key")
    if report.failure is not None:
        found.append(f"failure: {report.failure}")
    if left:
        found.append(f"Trio tasks left running: {', '.join(left)}")
    if pipeline is not None:
        if pipeline.running:
            found.append(f"pipeline tasks without cleanup: {', '.join(sorted(pipeline.running))}")
        if not pipeline.consumer.done.is_set():
            found.append("the consumer's cleanup did not run")
    if report.results.get("tokens_unaccounted", 0) != 0:
        found.append(f"{report.results['tokens_unaccounted']:.0f} tokens unaccounted for")
    if report.quit.total_ms is None:
        found.append("a quit stage was not seen")
    return tuple(found)


def run_trials(
    scenario: Scenario,
    plans: list[TrialPlan],
    options: SessionOptions = INTERACTIVE,
    on_trial: Callable[[QuitTrial], None] | None = None,
) -> list[QuitTrial]:
    """Each trial in its own fresh guest run (its own asyncio loop and Trio run)."""
    return run_plans(
        plans,
        lambda plan: run_as_guest(run_trial, scenario, plan, options),
        on_trial,
        stop_after=lambda trial: trial.ending == "interrupted",
    )


IN_PROCESS = QuitMode(
    name="in process",
    stage_labels=STAGE_LABELS,
    total_stage="total",
    p99_label=f"p99 quit < {P99_TARGET_MS:g} ms in process, under load (press -> app exit)",
)
