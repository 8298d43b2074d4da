"""Regenerate the README's screenshots: the demo, headless, saves them itself (the ``s`` key).

Usage: .venv/bin/python -m aiway_tui.devtools.take_screenshots
(writes assets/start-screen.svg and assets/run-screen.svg)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import trio
from textual.pilot import Pilot

from aiway_tui.scenarios.catalogue import SCENARIOS
from aiway_tui.session.demo import run_demo
from aiway_tui.session.runner import SessionOptions
from aiway_tui.testing import press, wait_for
from aiway_tui.ui.demo_app import SCREENSHOT_DIR_ENV, DemoApp
from aiway_tui.ui.host import run_as_guest
from aiway_tui.ui.screens import RunScreen, StartScreen

ASSETS = Path(__file__).resolve().parent.parent / "assets"


async def main() -> None:
    configs = {
        s.name: s.config.with_overrides(streams=8, conversations=2, message_count=4_000_000)
        if s.name == "rapid-tokens"
        else s.config
        for s in SCENARIOS
    }

    async def drive(app: DemoApp, pilot: Pilot[object]) -> None:
        await wait_for(lambda: isinstance(app.screen, StartScreen))
        await trio.sleep(0.5)
        await press(pilot, "s")
        await wait_for(lambda: len(app.screenshots) == 1)
        await press(pilot, "down", "down", "down", "enter")
        await wait_for(lambda: isinstance(app.screen, RunScreen) and app.pipeline is not None)
        await trio.sleep(6.0)
        await press(pilot, "s")
        await wait_for(lambda: len(app.screenshots) == 2)
        await press(pilot, "q")

    async with trio.open_nursery() as nursery:
        result = await run_demo(
            SCENARIOS,
            configs,
            None,
            SessionOptions(handle_signals=False, interactive=True),
            size=(140, 40),
            on_ready=lambda app, pilot: nursery.start_soon(drive, app, pilot),
        )
    for source, name in zip(result.screenshots, ("start-screen.svg", "run-screen.svg"), strict=True):
        shutil.copyfile(source, ASSETS / name)
        print(f"wrote {ASSETS / name}")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        os.environ[SCREENSHOT_DIR_ENV] = folder
        run_as_guest(main)
