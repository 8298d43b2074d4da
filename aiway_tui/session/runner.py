"""A scenario run with the real Textual app: same lifetime for app and pipeline.

This is a Trio function, run as a guest of the asyncio loop that hosts the
app (``host.run_as_guest``), in the CLI and in pytest-trio tests alike. The
app is started on the host loop; the pipeline runs here; whichever ends first
ends the other, and this function returns only after both have finished.

The view under test is ours (the transcript in ``ChatApp``) or a target's
(``SessionOptions.target``): its widget in ``ChatApp`` in place of the
transcript, or its own app (the whole-app form), fed per frame or per token.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.pilot import Pilot

from ..core.conductor import MockConductor
from ..core.config import RunConfig
from ..core.painter import Surface
from ..core.pipeline import Pipeline
from ..report.run_report import RunReport
from ..scenarios.catalogue import Scenario
from ..targets.builtin import BUILTINS, TranscriptTarget
from ..targets.protocol import TargetSource
from ..targets.resolve import resolve_target
from ..targets.surface import TargetSurface
from ..ui.chat_app import ChatApp
from ..ui.chat_input import ChatInput
from ..ui.host import HostBridge
from .hosting import HostedSession, SessionOptions
from .input_wiring import wire_input, wire_tenths

__all__ = ["SessionOptions", "run_session", "status_line"]

DEFAULT_OPTIONS = SessionOptions()

OnReady = Callable[[Any, Pipeline, Pilot[object]], object]
"""Called with the app (a ``ChatApp`` unless the target brought its own), the pipeline and a pilot."""


def status_line(pipeline: Pipeline) -> str:
    """The live counts under the transcript."""
    stats = pipeline.statistics()
    t = stats.tracker
    return (
        f"{t.tokens:,}/{pipeline.config.message_count:,} tok · {stats.mean_tokens_per_s:,.0f}/s · "
        f"buffer {stats.buffer_used}/{stats.buffer_capacity} · lost {t.lost} "
        f"dup {t.duplicated} reord {t.reordered} · {stats.frames} frames · {stats.elapsed_s:.1f}s"
    )


class _View:
    """The app on screen and the surface the painter paints on, for one run."""

    def __init__(
        self,
        scenario: Scenario,
        config: RunConfig,
        options: SessionOptions,
        bridge: HostBridge,
        status_text: Callable[[], str],
        quit_handler: Callable[[str], None],
    ) -> None:
        source: TargetSource | None = None if options.target is None else resolve_target(options.target)
        title = f"aiway-tui · {scenario.title}"
        self.name = "transcript" if source is None else source.name
        self.chat: ChatApp | None = None
        self.surface: Surface
        if source is None or source is BUILTINS["transcript"]:
            self.chat = ChatApp(
                title=title, scrollback=config.scrollback, status_text=status_text, quit_handler=quit_handler
            )
            self.app: App[Any] = self.chat
            if options.feed == "per-frame":
                self.surface = self.chat  # ours, as it always was: the fastest path
            else:
                target = TranscriptTarget(self.chat.transcript)
                self.surface = TargetSurface(self.name, target, bridge, self.chat, self.chat.show_status)
            return
        built = source.build(config.scrollback)
        if built.app is None:
            self.chat = ChatApp(
                title=f"{title} · {source.name}",
                scrollback=config.scrollback,
                view=built.target.widget,
                status_text=status_text,
                quit_handler=quit_handler,
            )
            self.app = self.chat
            self.surface = TargetSurface(source.name, built.target, bridge, self.chat, self.chat.show_status)
        else:
            self.app = built.app
            self.surface = TargetSurface(source.name, built.target, bridge, built.app)


async def run_session(
    scenario: Scenario,
    config: RunConfig | None = None,
    options: SessionOptions = DEFAULT_OPTIONS,
    *,
    on_ready: OnReady | None = None,
    on_quit: Callable[[Pipeline], None] | None = None,
    conductor: MockConductor | None = None,
) -> RunReport:
    """Run ``scenario`` in the real app; return its report once both have ended.

    ``on_ready`` (tests, quit-latency trials) is called in the Trio run once
    the app is up, before the stream starts. ``on_quit`` (quit-latency trials)
    is called with the pipeline when the chat app's quit reaches it, before it
    is told to quit. ``conductor`` replaces the mock conductor ``config`` makes
    (one with a schedule of its own: the bench's history, then a probe). A target
    spec that cannot be used raises ``TargetError`` here, before anything starts.
    """
    config = config or scenario.config
    bridge = HostBridge()

    # The app comes first (the pipeline paints on it); these read the pipeline only once both run.
    def quit_pipeline(reason: str) -> None:
        if on_quit is not None:
            on_quit(pipeline)
        bridge.token.run_sync_soon(pipeline.request_quit, reason)

    view = _View(scenario, config, options, bridge, lambda: status_line(pipeline), quit_pipeline)
    app, chat = view.app, view.chat
    # A target is given until the deadline to show the rest: how far behind it fell is the figure.
    pipeline = Pipeline(
        config,
        view.surface,
        feed=options.feed,
        probes=options.probes,
        drain_timeout_s=None if view.surface is chat else math.inf,
        conductor=conductor,
    )
    pipeline.gc_release_deferred = True  # the quit ends at the app's exit: no full collection before it
    quit_key_at: list[float] = []

    def quit_run(reason: str) -> None:
        if chat is not None:
            chat.request_quit(reason)  # times the quit from here, then the handler below
            return
        if not quit_key_at:
            quit_key_at.append(time.perf_counter())
        quit_pipeline(reason)

    if chat is not None:
        chat.message_handler = wire_input(chat, chat.input_box, chat.transcript, pipeline, bridge)
        wire_tenths(chat.transcript, pipeline)
    size = None if not options.headless else (config.width, config.height)

    def app_ended() -> None:
        crash = session.hosted.crash
        if crash is None:
            pipeline.request_quit("app exited")
        else:  # an error in a render or a handler: Textual has ended the app
            pipeline.fail("app", crash)

    session = HostedSession(bridge, app, options, size=size, on_quit=quit_run, on_exit=app_ended)

    def stream_done() -> None:
        if options.interactive:
            app.notify("Stream complete: press q to quit and see the report.", timeout=30)
        elif chat is not None:
            # The quit key's own path, timed (Ctrl+C's, if the typist is in the input box).
            chat.simulate_key("ctrl+c" if isinstance(chat.focused, ChatInput) else "q")
        else:
            quit_run("quit")

    failure: BaseException | None = None
    try:
        async with session.up():
            if session.running:
                if on_ready is not None and session.hosted.pilot is not None:
                    on_ready(app, pipeline, session.hosted.pilot)
                failure = await session.run_pipeline(pipeline, stream_done)
    finally:
        pipeline.gc_hold.release()
    key_at = chat.quit_key_at if chat is not None else (quit_key_at[0] if quit_key_at else None)
    return session.report(scenario, pipeline, quit_key_at=key_at, failure=failure, target=view.name)
