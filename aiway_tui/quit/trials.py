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

import random
import time
from collections.abc import Callable, Iterator
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
from .moments import Moment, where_now
from .report import P99_TARGET_MS, QuitLatencyReport, build_quit_report

WAIT_RANGE_S = (0.05, 0.6)
"""How long a trial streams before the key is pressed, drawn uniformly."""
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
class TrialPlan:
    index: int
    moment: Moment
    wait_s: float


def plan_trials(
    moments: tuple[Moment, ...], trials: int, seed: int, wait_range_s: tuple[float, float] = WAIT_RANGE_S
) -> Iterator[TrialPlan]:
    """Moments in turn, each trial with its own seeded wait."""
    rng = random.Random(seed)
    for index in range(trials):
        yield TrialPlan(index, moments[index % len(moments)], rng.uniform(*wait_range_s))


@dataclass(frozen=True, slots=True)
class QuitTrial:
    """One quit, stage by stage (milliseconds), and whether it was clean."""

    index: int
    moment: str
    wait_s: float
    where: tuple[str, ...]
    stages_ms: dict[str, float]
    stall: Stall
    """The longest stretch while streaming (stream start -> press): the floor."""
    quit_stall: Stall
    """The longest stretch during the quit (press -> app exit): what delayed this one."""
    ending: str
    tokens_received: int
    problems: tuple[str, ...]
    """Why the quit was not clean (empty: it was)."""

    @property
    def clean(self) -> bool:
        return not self.problems

    @property
    def total_ms(self) -> float:
        return self.stages_ms.get("total", float("nan"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "moment": self.moment,
            "wait_s": self.wait_s,
            "where": list(self.where),
            "stages_ms": self.stages_ms,
            "stall": self.stall.as_dict(),
            "quit_stall": self.quit_stall.as_dict(),
            "ending": self.ending,
            "tokens_received": self.tokens_received,
            "clean": self.clean,
            "problems": list(self.problems),
        }


class _Driver:
    """The person at the keyboard: waits, then presses ``q``; notes what it saw."""

    def __init__(self, plan: TrialPlan, probe: StallProbe) -> None:
        self.plan = plan
        self.probe = probe
        self.pressed_at: float | None = None
        self.where: tuple[str, ...] = ()
        self.stall = Stall(0.0, "", 0.0)
        self.pipeline: Pipeline | None = None

    def attach(self, app: ChatApp, pipeline: Pipeline, pilot: Pilot[object], nursery: trio.Nursery) -> None:
        self.pipeline = pipeline
        handle_quit = app.quit_handler

        def observe_then_quit(reason: str) -> None:
            if not self.where:
                self.where = where_now(pipeline)
            if handle_quit is not None:
                handle_quit(reason)

        app.quit_handler = observe_then_quit
        nursery.start_soon(self.run, pipeline, pilot)

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
            driver.attach(app, pipeline, pilot, nursery)

        report = await run_session(scenario, config, options, on_ready=on_ready)
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
    done: list[QuitTrial] = []
    for plan in plans:
        trial = run_as_guest(run_trial, scenario, plan, options)
        done.append(trial)
        if on_trial is not None:
            on_trial(trial)
        if trial.ending == "interrupted":
            break
    return done


def build_in_process_report(
    scenario: Scenario,
    moment: str,
    seed: int,
    trials_asked: int,
    trials: list[QuitTrial],
    warmup: int = 0,
) -> QuitLatencyReport:
    return build_quit_report(
        mode="in process",
        scenario=scenario,
        moment=moment,
        seed=seed,
        trials_asked=trials_asked,
        trials=trials,
        stage_labels=STAGE_LABELS,
        total_stage="total",
        p99_stage="total",
        warmup=warmup,
        p99_label=f"p99 quit < {P99_TARGET_MS:g} ms in process, under load (press -> app exit)",
    )
