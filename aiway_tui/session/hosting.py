"""One Textual app on the asyncio host loop, for a Trio session: the part every session shares.

``run``, ``demo``, ``quit-latency`` and ``bench`` all run here: the app is
started on the host loop, the quit signals are routed to the session's quit
path (before the app is up: a signal during start-up still quits in order),
each pipeline runs with Textual's context set, and the app is asked to exit
and awaited before the signals are put back and the report is built.
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import trio
from textual.app import App

from ..core.feed import Feed
from ..core.pipeline import Pipeline
from ..report.run_report import RunReport, build_report
from ..scenarios.catalogue import Scenario
from ..ui.compat import app_context, stop_reading_input
from ..ui.host import HostBridge
from ..ui.hosted_app import HostedApp

QUIT_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""The signals that end a session through its quit path (the one list of them)."""


@dataclass(frozen=True, slots=True)
class SessionOptions:
    headless: bool = True
    """Textual's headless driver: full layout and compositing, no terminal I/O."""
    interactive: bool = False
    """Keep painting after the stream completes, until the user quits."""
    handle_signals: bool = True
    """Route the quit signals to the quit path (only in the main thread)."""
    probes: bool = True
    """Run the resource sampler and the UI lag probe (off: to measure what measuring costs)."""
    target: str | Any | None = None
    """The view under test: a spec for ``resolve_target`` (built-in name, ``module:attr``,
    ``file.py:attr``), a ``TargetSource``, a ``Target`` class, widget class or factory;
    ``None``: our transcript."""
    feed: Feed = "per-frame"
    """``per-frame``: through the throttled painter; ``per-token``: one append per token."""


class HostedSession:
    """An app on the host loop and the quit path into whichever pipeline is running."""

    def __init__(
        self,
        bridge: HostBridge,
        app: App[Any],
        options: SessionOptions,
        *,
        size: tuple[int, int] | None,
        on_quit: Callable[[str], None],
        on_exit: Callable[[], None],
    ) -> None:
        """``on_quit(reason)``: the one quit path (signals call it); ``on_exit``: the app has ended."""
        self.bridge = bridge
        self.app = app
        self.options = options
        self.hosted = HostedApp(bridge, app, headless=options.headless, size=size)
        self._quit = on_quit
        self._on_exit = on_exit

    @property
    def running(self) -> bool:
        return self.hosted.running

    @asynccontextmanager
    async def up(self) -> AsyncIterator[HostedSession]:
        """The app, started and up (or already ended); on leaving: asked to exit, awaited, signals undone."""
        undo_signals: list[Callable[[], None]] = []
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self.hosted.watch, self._on_exit)
                if self.options.handle_signals:
                    for signum in QUIT_SIGNALS:
                        undo_signals.append(
                            self.bridge.add_signal_handler(signum, self._quit_on(signum.name))
                        )
                await self.hosted.ready.wait()
                yield self
                if self.hosted.running:
                    self.app.exit()
        finally:
            for undo in undo_signals:
                undo()

    def _quit_on(self, reason: str) -> Callable[[], None]:
        def handler() -> None:
            if reason == "SIGHUP":  # the terminal is gone: nothing left to read
                stop_reading_input(self.app)
            self._quit(reason)

        return handler

    async def run_pipeline(
        self, pipeline: Pipeline, on_stream_done: Callable[[], None] | None
    ) -> BaseException | None:
        """Run ``pipeline`` to its end with Textual's context set (widget calls from Trio tasks);
        a failure is returned for the report, never raised."""
        with app_context(self.app):
            try:
                await pipeline.run(on_stream_done)
            except Exception as exc:
                return exc
        return None

    def report(
        self,
        scenario: Scenario,
        pipeline: Pipeline,
        *,
        quit_key_at: float | None,
        failure: BaseException | None,
        target: str,
        final: bool = True,
    ) -> RunReport:
        """The run's report; ``final``: the app's exit and crash belong to this run."""
        return build_report(
            scenario,
            pipeline,
            quit_key_at=quit_key_at if final else None,
            app_exit_at=self.hosted.exit_at if final else None,
            failure=(failure or self.hosted.crash) if final else failure,
            target=target,
            feed=pipeline.feed,
        )
