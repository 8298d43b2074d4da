"""Views for the target tests, importable as ``views:NAME`` (tests/ is on sys.path) or by file path."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.strip import Strip
from textual.widgets import Header, Log, Static

from aiway_tui.targets import Target, WidgetTarget
from aiway_tui.targets.adapter import AfterRefresh

RENDER_DELAY_S = 0.060
"""How late ``LateLog`` shows what it is given: its render completes that much after the append."""


class LateLog(Log):
    """A ``Log`` that shows each append ``RENDER_DELAY_S`` after it is given, without blocking the loop."""

    def __init__(self) -> None:
        super().__init__(max_lines=500)
        self.given = 0
        self.shown = 0

    def append(self, text: str) -> None:
        self.given += 1
        self.set_timer(RENDER_DELAY_S, partial(self._show, text))

    def _show(self, text: str) -> None:
        self.write(text)
        self.shown += 1


class LateTarget(WidgetTarget):
    """Honest: delivery is reported once the late text is shown and rendered."""

    def __init__(self) -> None:
        log = LateLog()
        super().__init__(log)
        self.after_refresh = AfterRefresh(log, lambda: log.shown >= log.given)

    def when_rendered(self, callback: Callable[[], None]) -> None:
        self.after_refresh.add(callback)


class DeliveredAtTheCall(LateTarget):
    """Dishonest: claims delivery when the text is handed over, before it is shown."""

    def when_rendered(self, callback: Callable[[], None]) -> None:
        callback()


class RaisingView(Static):
    """Breaks on its third append."""

    def __init__(self) -> None:
        super().__init__("")
        self.appends = 0

    def append(self, text: str) -> None:
        self.appends += 1
        if self.appends == 3:
            raise ValueError("the view broke")


class NeverRenders(WidgetTarget):
    """Takes every append, never says it is on screen."""

    def __init__(self) -> None:
        super().__init__(Log())

    def when_rendered(self, callback: Callable[[], None]) -> None:
        pass


class AsyncView(Static):
    """An async ``append`` (awaited on the host loop, as ``Markdown.append`` is)."""

    def __init__(self) -> None:
        super().__init__("", markup=False)
        self.text = ""

    async def append(self, text: str) -> None:
        self.text = (self.text + text)[-2000:]
        self.update(self.text)


class MyChatApp(App[None]):
    """A user's whole app: its own CSS, a header, and the view under test among its widgets."""

    CSS = "#chat { border: round green; height: 1fr; }"
    TITLE = "my chat"
    mounted: ClassVar[list[MyChatApp]] = []

    def __init__(self) -> None:
        super().__init__()
        self.log_view = Log(id="chat", max_lines=1000)

    def compose(self) -> ComposeResult:
        yield Header()
        yield self.log_view

    def on_mount(self) -> None:
        MyChatApp.mounted.append(self)


def my_chat_app() -> tuple[App[Any], Target]:
    """The whole-app form: the app and its target."""
    app = MyChatApp()
    return app, WidgetTarget(app.log_view)


NOT_A_VIEW = 42


class BreaksInRender(Log):
    """Takes appends, then raises when the compositor draws it (a render error, caught by Textual)."""

    def render_line(self, y: int) -> Strip:
        if self.line_count > 1:
            raise ValueError("the render broke")
        return super().render_line(y)
