"""A scenario run with the real Textual app: same lifetime for app and pipeline.

This is a Trio function, run as a guest of the asyncio loop that hosts the
app (``host.run_as_guest``), in the CLI and in pytest-trio tests alike. The
app is started on the host loop; the pipeline runs here; whichever ends first
ends the other, and this function returns only after both have finished.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from dataclasses import dataclass

import trio
from textual.pilot import Pilot

from ..core.config import RunConfig
from ..core.pipeline import Pipeline
from ..report.run_report import RunReport, build_report
from ..scenarios.catalogue import Scenario
from ..ui.chat_app import ChatApp
from ..ui.chat_input import ChatInput
from ..ui.compat import app_context
from ..ui.host import HostBridge
from ..ui.hosted_app import HostedApp
from .input_wiring import wire_input, wire_tenths

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True, slots=True)
class SessionOptions:
    headless: bool = True
    """Textual's headless driver: full layout and compositing, no terminal I/O."""
    interactive: bool = False
    """Keep painting after the stream completes, until the user quits."""
    handle_signals: bool = True
    """Route SIGINT and SIGTERM to the quit path (only in the main thread)."""


def status_line(pipeline: Pipeline) -> Callable[[], str]:
    """The live counts under the transcript."""
    config = pipeline.config

    def text() -> str:
        stats = pipeline.statistics()
        t = stats.tracker
        return (
            f"{t.tokens:,}/{config.message_count:,} tok · {stats.mean_tokens_per_s:,.0f}/s · "
            f"buffer {stats.buffer_used}/{stats.buffer_capacity} · lost {t.lost} "
            f"dup {t.duplicated} reord {t.reordered} · {stats.frames} frames · {stats.elapsed_s:.1f}s"
        )

    return text


async def run_session(
    scenario: Scenario,
    config: RunConfig | None = None,
    options: SessionOptions = SessionOptions(),
    *,
    on_ready: Callable[[ChatApp, Pipeline, Pilot[object]], object] | None = None,
) -> RunReport:
    """Run ``scenario`` in the real app; return its report once both have ended.

    ``on_ready`` (tests, quit-latency trials) is called in the Trio run once
    the app is up, before the stream starts.
    """
    config = config or scenario.config
    bridge = HostBridge()
    app = ChatApp(title=f"aiway-tui · {scenario.title}", scrollback=config.scrollback)
    pipeline = Pipeline(config, app)
    app.status_text = status_line(pipeline)
    app.quit_handler = lambda reason: bridge.token.run_sync_soon(pipeline.request_quit, reason)
    app.message_handler = wire_input(app, app.input_box, app.transcript, pipeline, bridge)
    wire_tenths(app.transcript, pipeline)
    size = None if not options.headless else (config.width, config.height)
    hosted = HostedApp(bridge, app, headless=options.headless, size=size)
    failure: BaseException | None = None
    undo_signals: list[Callable[[], None]] = []

    def stream_done() -> None:
        if options.interactive:
            app.notify("Stream complete: press q to quit and see the report.", timeout=30)
        else:
            app.simulate_key("ctrl+c" if isinstance(app.focused, ChatInput) else "q")

    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(hosted.watch, lambda: pipeline.request_quit("app exited"))
            if options.handle_signals:  # before the app is up: a signal during start-up still quits in order
                for signum in _SIGNALS:
                    undo_signals.append(bridge.add_signal_handler(signum, _quit_on(app, signum.name)))
            await hosted.ready.wait()
            if hosted.running:
                if on_ready is not None and hosted.pilot is not None:
                    on_ready(app, pipeline, hosted.pilot)
                with app_context(app):  # Textual's context vars, for widget calls from Trio tasks
                    try:
                        await pipeline.run(stream_done)
                    except Exception as exc:
                        failure = exc
            if hosted.running:
                app.exit()
    finally:
        for undo in undo_signals:
            undo()
    return build_report(
        scenario,
        pipeline,
        quit_key_at=app.quit_key_at,
        app_exit_at=hosted.exit_at,
        failure=failure or hosted.crash,
    )


def _quit_on(app: ChatApp, reason: str) -> Callable[[], None]:
    def handler() -> None:
        app.request_quit(reason)

    return handler
