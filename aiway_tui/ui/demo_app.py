"""The interactive demo app: one app for many runs, driven by the demo session.

The app never runs a stream: it turns keys, clicks and palette choices into
``DemoRequest`` values for the Trio demo session (``demo_session``), which
starts and ends pipelines. So the app stays up from the first scenario to
the last, and every run still has one owner on the Trio side.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import ClassVar, Literal

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.driver import Driver
from textual.widgets import Static

from ..core.config import RunConfig
from ..core.pipeline import Pipeline
from ..report.output import Output, OutputWriteError
from ..scenarios.catalogue import Scenario
from .compat import prompt_exit
from .screens import HelpScreen, RunScreen, StartScreen

SCREENSHOT_DIR_ENV = "AIWAY_TUI_SCREENSHOTS"


def screenshot_dir() -> Path:
    """Where ``s`` saves: ``$AIWAY_TUI_SCREENSHOTS``, else ``./aiway-tui-screenshots``."""
    return Path(os.environ.get(SCREENSHOT_DIR_ENV) or Path.cwd() / "aiway-tui-screenshots")


@dataclass(frozen=True, slots=True)
class DemoRequest:
    """What the user asked for; the demo session acts on it."""

    kind: Literal["start", "restart", "menu", "quit"]
    scenario: str | None = None
    reason: str = "quit"


class ScenarioCommands(Provider):
    """The command palette lists every scenario."""

    def _scenarios(self) -> tuple[Scenario, ...]:
        app = self.app
        return app.scenarios if isinstance(app, DemoApp) else ()

    def _start(self, name: str) -> None:
        app = self.app
        if isinstance(app, DemoApp):
            app.start_scenario(name)

    async def discover(self) -> Hits:
        for scenario in self._scenarios():
            yield DiscoveryHit(
                f"Run {scenario.name}", partial(self._start, scenario.name), help=scenario.title
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for scenario in self._scenarios():
            command = f"Run {scenario.name}"
            score = matcher.match(f"{command} {scenario.title}")
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(command),
                    partial(self._start, scenario.name),
                    help=scenario.title,
                )


class DemoApp(App[None]):
    """The scenario catalogue and the runs, in one app."""

    CSS_PATH = Path(__file__).with_name("demo.tcss")
    TITLE = "aiway-tui"
    COMMANDS = App.COMMANDS | {ScenarioCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit_demo", "Quit", priority=True),
        Binding("ctrl+c", "quit_demo", "Quit", show=False, priority=True),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("s", "save_screenshot", "Shot"),
    ]

    def get_driver_class(self) -> type[Driver]:
        return prompt_exit(super().get_driver_class())

    def __init__(self, scenarios: tuple[Scenario, ...], configs: dict[str, RunConfig]) -> None:
        super().__init__()
        self.scenarios = scenarios
        self.configs = configs
        self.on_request: Callable[[DemoRequest], None] | None = None
        self.quit_key_at: float | None = None
        self.screenshots: list[Path] = []
        self.pipeline: Pipeline | None = None
        """The run in progress (set by the demo session), for the screens and tests."""
        self.run_screen: RunScreen | None = None

    def compose(self) -> ComposeResult:
        yield Static("")

    def on_mount(self) -> None:
        self.push_screen(StartScreen(self.scenarios, self.configs))

    def show_pipeline(self, pipeline: Pipeline | None, screen: RunScreen | None) -> None:
        """The run in progress and its screen (``None``: between runs)."""
        self.pipeline = pipeline
        self.run_screen = screen

    async def show_run(self, screen: RunScreen) -> None:
        """Show a run's screen, mounted, before its pipeline paints into it."""
        await self.back_to_start()
        await self.push_screen(screen)

    async def back_to_start(self) -> None:
        """Close the run screen (and anything over it): the catalogue is shown again."""
        while not isinstance(self.screen, StartScreen) and len(self.screen_stack) > 1:
            await self.pop_screen()

    def _request(self, request: DemoRequest) -> None:
        if self.on_request is not None:
            self.on_request(request)
        elif request.kind == "quit":
            self.exit()

    # What screens and signals call.

    def start_scenario(self, name: str) -> None:
        self._request(DemoRequest("start", name))

    def request_restart(self) -> None:
        self._request(DemoRequest("restart"))

    def request_menu(self) -> None:
        self._request(DemoRequest("menu"))

    def request_quit(self, reason: str) -> None:
        """The one quit path for the key, Ctrl+C and signals; times it from here."""
        if self.quit_key_at is None:
            self.quit_key_at = time.perf_counter()
        self._request(DemoRequest("quit", reason=reason))

    # Keys.

    def action_quit_demo(self) -> None:
        self.request_quit("quit")

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_save_screenshot(self) -> None:
        folder = screenshot_dir()
        stamp = time.strftime("%Y-%m-%dT%H_%M_%S") + f"_{time.time_ns() // 1000 % 1_000_000:06d}"
        path = folder / f"aiway-tui_{stamp}.svg"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            Output("screenshot", str(path)).write_text(self.export_screenshot())
        except OSError as exc:
            self.notify(f"Screenshot not saved: {exc}", severity="error", timeout=6)
            return
        except OutputWriteError as exc:
            self.notify(f"Screenshot not saved: {exc}", severity="error", timeout=6)
            return
        self.screenshots.append(path)
        self.notify(f"Screenshot saved: {path}", timeout=6)
