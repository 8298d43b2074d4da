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
import signal
from collections.abc import Callable
from dataclasses import dataclass

import trio
from textual.pilot import Pilot

from ..core.config import RunConfig
from ..core.pace import Pace
from ..core.pipeline import Ending, Pipeline
from ..report.run_report import RunReport, build_report
from ..scenarios.catalogue import Scenario, get_scenario
from ..ui.compat import app_context
from ..ui.demo_app import DemoApp, DemoRequest
from ..ui.host import HostBridge
from ..ui.hosted_app import HostedApp
from ..ui.screens import RunScreen
from .input_wiring import wire_input
from .runner import SessionOptions

_SIGNALS = (signal.SIGINT, signal.SIGTERM)

INTERACTIVE = SessionOptions(headless=False, interactive=True)


@dataclass(frozen=True, slots=True)
class DemoResult:
    reports: tuple[RunReport, ...]
    """One per run, in order; the last one decides the exit code."""
    screenshots: tuple[str, ...]


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
) -> DemoResult:
    """Show the catalogue (or start ``first``), run what the user picks, until quit."""
    bridge = HostBridge()
    requests_send, requests = trio.open_memory_channel[DemoRequest](math.inf)
    app = DemoApp(scenarios, configs)
    app.on_request = lambda request: bridge.token.run_sync_soon(requests_send.send_nowait, request)
    hosted = HostedApp(bridge, app, headless=options.headless, size=size)
    failure: BaseException | None = None
    undo_signals: list[Callable[[], None]] = []
    reports: list[RunReport] = []
    last: tuple[Scenario, Pipeline] | None = None

    async def one_run(scenario: Scenario) -> tuple[DemoRequest, Pipeline]:
        """Run ``scenario`` until the user asks for something else; return that request."""
        nonlocal failure
        config = configs[scenario.name]
        pace = Pace(config.message_delay_us)
        screen = RunScreen(scenario, config, pace)
        pipeline = Pipeline(config, screen)
        pipeline.conductor.pace = pace
        pipeline.consumer.pace = pace
        screen.attach(pipeline)
        screen.message_handler = wire_input(
            app, screen.input_box, screen.panes[0].transcript, pipeline, bridge
        )
        app.pipeline = pipeline
        app.run_screen = screen
        await bridge.call(app.show_run(screen), _app_context(app))
        asked: list[DemoRequest] = []

        async def wait_for_request() -> None:
            request = await requests.receive()
            asked.append(request)
            pipeline.request_quit(request.reason if request.kind == "quit" else request.kind)

        def stream_done() -> None:
            app.notify(
                "Stream complete: r restarts, Escape picks another, q quits with the report.", timeout=30
            )

        async with trio.open_nursery() as nursery:
            nursery.start_soon(wait_for_request)
            with app_context(app):  # Textual's context vars, for widget calls from Trio tasks
                try:
                    await pipeline.run(stream_done if options.interactive else None)
                except Exception as exc:
                    failure = exc
            if not asked:  # the run ended by itself: deadline, failure, or not interactive
                if options.interactive and pipeline.ending is Ending.TIMED_OUT and hosted.running:
                    app.notify("The run hit its time limit: r restarts, q quits with the report.", timeout=30)
                else:
                    nursery.cancel_scope.cancel()
        return (asked[0] if asked else DemoRequest("quit", reason="quit")), pipeline

    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(
                hosted.watch, lambda: requests_send.send_nowait(DemoRequest("quit", reason="app exited"))
            )
            await hosted.ready.wait()
            if options.handle_signals and hosted.running:
                for signum in _SIGNALS:
                    undo_signals.append(bridge.add_signal_handler(signum, _quit_on(app, signum.name)))
            if on_ready is not None and hosted.pilot is not None:
                on_ready(app, hosted.pilot)
            request = DemoRequest("start", first) if first else await requests.receive()
            current: Scenario | None = None
            while request.kind != "quit":
                if request.kind == "start" and request.scenario is not None:
                    current = get_scenario(request.scenario)
                if request.kind == "menu" or current is None:
                    request = await requests.receive()
                    continue
                request, pipeline = await one_run(current)
                app.pipeline = None
                if request.kind != "quit":
                    reports.append(build_report(current, pipeline, quit_key_at=None, app_exit_at=None))
                    await bridge.call(app.back_to_start(), _app_context(app))
                else:
                    last = (current, pipeline)
                    break
            if hosted.running:
                app.exit()
    finally:
        for undo in undo_signals:
            undo()
    if last is not None:
        scenario, pipeline = last
        reports.append(
            build_report(
                scenario,
                pipeline,
                quit_key_at=app.quit_key_at,
                app_exit_at=hosted.exit_at,
                failure=failure or hosted.crash,
            )
        )
    return DemoResult(tuple(reports), tuple(str(p) for p in app.screenshots))


def _quit_on(app: DemoApp, reason: str) -> Callable[[], None]:
    def handler() -> None:
        app.request_quit(reason)

    return handler
