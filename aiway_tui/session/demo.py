"""The interactive demo: one app, one Trio guest run, as many runs as the user asks for.

As in ``session.run_session``, app and Trio share one lifetime: this Trio
function starts the app on the asyncio host loop and returns only after
both have ended. In between it loops: wait for the user to pick a scenario,
run a fresh ``Pipeline`` into a fresh ``RunScreen`` until the stream ends
and the user asks for something else (restart, the scenario list, another
scenario, quit), end that pipeline through its root cancel scope, repeat.
"""

from __future__ import annotations

import contextvars
import math
from collections.abc import Callable
from dataclasses import dataclass

import trio
from textual.pilot import Pilot

from ..core.conductor import MockConductor
from ..core.config import RunConfig
from ..core.pace import Pace
from ..core.painter import Surface
from ..core.pipeline import Ending, Pipeline
from ..report.run_report import RunReport
from ..scenarios.catalogue import Scenario, get_scenario
from ..targets.builtin import BUILTINS, TranscriptTarget
from ..targets.protocol import TargetError
from ..targets.resolve import resolve_target
from ..targets.surface import TargetSurface
from ..ui.compat import app_context
from ..ui.demo_app import DemoApp, DemoRequest
from ..ui.host import HostBridge
from ..ui.screens import RunScreen
from .hosting import HostedSession, SessionOptions
from .input_wiring import wire_input

INTERACTIVE = SessionOptions(headless=False, interactive=True)


@dataclass(frozen=True, slots=True)
class DemoResult:
    reports: tuple[RunReport, ...]
    """One per run, in order; the last one decides the exit code."""
    screenshots: tuple[str, ...]
    ended_by: str = "quit"
    """What ended the demo: the quit key, a signal (``SIGHUP``...), the app exiting."""


def _app_context(app: DemoApp) -> contextvars.Context:
    """A context with Textual's active app set, for app coroutines started from Trio."""
    with app_context(app):
        return contextvars.copy_context()


async def run_demo(
    scenarios: tuple[Scenario, ...],
    configs: dict[str, RunConfig],
    first: str | None = None,
    options: SessionOptions = INTERACTIVE,
    *,
    size: tuple[int, int] | None = None,
    on_ready: Callable[[DemoApp, Pilot[object]], object] | None = None,
    conductor_for: Callable[[Scenario, RunConfig], MockConductor] | None = None,
) -> DemoResult:
    """Show the catalogue (or start ``first``), run what the user picks, until quit."""
    source = None if options.target is None else resolve_target(options.target)
    if source is not None and source.whole_app:
        raise TargetError(f"target {source.name}: the demo shows a view, not a whole app")
    target_name = "transcript" if source is None else source.name
    bridge = HostBridge()
    requests_send, requests = trio.open_memory_channel[DemoRequest](math.inf)
    app = DemoApp(scenarios, configs)
    app.on_request = lambda request: bridge.token.run_sync_soon(requests_send.send_nowait, request)
    session = HostedSession(
        bridge,
        app,
        options,
        size=size,
        on_quit=app.request_quit,
        on_exit=lambda: requests_send.send_nowait(DemoRequest("quit", reason="app exited")),
    )
    failure: BaseException | None = None
    reports: list[RunReport] = []
    last: tuple[Scenario, Pipeline] | None = None

    async def one_run(scenario: Scenario) -> tuple[DemoRequest, Pipeline]:
        """Run ``scenario`` until the user asks for something else; return that request."""
        nonlocal failure
        config = configs[scenario.name]
        pace = Pace(config.message_delay_us)
        surface: Surface
        if source is None or source is BUILTINS["transcript"]:
            screen = RunScreen(scenario, config, pace)
            surface = screen
            if options.feed == "per-token":
                first_pane = TranscriptTarget(screen.panes[0].transcript)  # every conversation in the first
                surface = TargetSurface("transcript", first_pane, bridge, app, screen.show_frame)
        else:
            target = source.build(config.scrollback).target
            screen = RunScreen(scenario, config, pace, view=target.widget)
            surface = TargetSurface(source.name, target, bridge, app, screen.show_frame)
        pipeline = Pipeline(
            config,
            surface,
            feed=options.feed,
            pace=pace,
            probes=options.probes,
            conductor=conductor_for(scenario, config) if conductor_for else None,
        )
        screen.attach(pipeline)
        first_view = screen.panes[0].transcript if screen.panes else None
        screen.message_handler = wire_input(app, screen.input_box, first_view, pipeline, bridge)
        app.show_pipeline(pipeline, screen)
        await bridge.call(app.show_run(screen), _app_context(app))
        asked: list[DemoRequest] = []

        async def wait_for_request() -> None:
            request = await requests.receive()
            asked.append(request)
            crash = session.hosted.crash
            if request.reason == "app exited" and crash is not None:
                pipeline.fail("app", crash)
            else:
                pipeline.request_quit(request.reason if request.kind == "quit" else request.kind)

        def stream_done() -> None:
            app.notify(
                "Stream complete: r restarts, Escape picks another, q quits with the report.", timeout=30
            )

        async with trio.open_nursery() as nursery:
            nursery.start_soon(wait_for_request)
            failure = await session.run_pipeline(pipeline, stream_done if options.interactive else None)
            if not asked:  # the run ended by itself: deadline, failure, or not interactive
                if options.interactive and pipeline.ending is Ending.TIMED_OUT and session.running:
                    app.notify("The run hit its time limit: r restarts, q quits with the report.", timeout=30)
                else:
                    nursery.cancel_scope.cancel()
        return (asked[0] if asked else DemoRequest("quit", reason="quit")), pipeline

    async with session.up():
        if on_ready is not None and session.hosted.pilot is not None:
            on_ready(app, session.hosted.pilot)
        request = DemoRequest("start", first) if first else await requests.receive()
        current: Scenario | None = None
        while request.kind != "quit":
            if request.kind == "start" and request.scenario is not None:
                current = get_scenario(request.scenario)
            if request.kind == "menu" or current is None:
                request = await requests.receive()
                continue
            request, pipeline = await one_run(current)
            app.show_pipeline(None, None)
            if request.kind != "quit":
                reports.append(
                    session.report(
                        current, pipeline, quit_key_at=None, failure=None, target=target_name, final=False
                    )
                )
                await bridge.call(app.back_to_start(), _app_context(app))
            else:
                last = (current, pipeline)
                break
        ended_by = request.reason
    if last is not None:
        scenario, pipeline = last
        reports.append(
            session.report(
                scenario, pipeline, quit_key_at=app.quit_key_at, failure=failure, target=target_name
            )
        )
    return DemoResult(tuple(reports), tuple(str(p) for p in app.screenshots), ended_by)
