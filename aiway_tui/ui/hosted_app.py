"""A Textual app on the host loop, seen from the Trio guest: when it is up,
when it ended, and whether it crashed.

Both session runners (one scenario, the demo) start their app this way; a
crash of the app is kept for the report and still ends the run in order.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import trio
from textual.app import App
from textual.pilot import Pilot

from .compat import app_exception
from .host import HostBridge


class HostedApp:
    def __init__(
        self, bridge: HostBridge, app: App[Any], *, headless: bool, size: tuple[int, int] | None
    ) -> None:
        self.bridge = bridge
        self.ready = trio.Event()
        """Set once the app is up (its pilot is given), or has ended before it was."""
        self.pilot: Pilot[object] | None = None
        self.exit_at: float | None = None
        self.crash: Exception | None = None
        """What ended the app, if it crashed (raised out of ``run_async``, or was caught by Textual)."""
        self._app = app
        self.task = bridge.start(app.run_async(headless=headless, size=size, auto_pilot=self._autopilot))

    async def _autopilot(self, pilot: Pilot[object]) -> None:
        self.pilot = pilot
        self.bridge.token.run_sync_soon(self.ready.set)

    @property
    def running(self) -> bool:
        return not self.task.done()

    async def watch(self, on_exit: Callable[[], None]) -> None:
        """Wait for the app to end, note when and how, then call ``on_exit``."""
        try:
            await self.bridge.wait(self.task)
        except Exception as exc:  # the app crashed: still an orderly end, with a report
            self.crash = exc
        else:
            self.crash = app_exception(self._app)
        finally:
            self.exit_at = time.perf_counter()
            self.ready.set()
            on_exit()
