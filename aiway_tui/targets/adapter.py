"""A plain widget as a target: one with an ``append(text)`` or ``write(text)`` method.

Most chat views are that shape. The adapter writes a reply's header and
footer as text through the same method, and learns that text is on screen
from Textual's ``call_after_refresh`` (its callbacks run once the screen
refresh that follows the update has been composited and written).
"""

from __future__ import annotations

from collections.abc import Callable

from textual.widget import Widget

from .protocol import Step, TargetError


class AfterRefresh:
    """Calls back once a screen refresh has followed the widget's updates, batching the waiters.

    One ``call_after_refresh`` is outstanding at a time, for the callbacks
    registered before it was posted (their updates were made before it, so the
    refresh it waits for shows them); later ones wait for the next. ``ready``
    says whether the widget has applied what it was given (a widget that queues
    updates, like ``MarkdownStream``): until then the batch waits another refresh.
    """

    def __init__(self, widget: Widget, ready: Callable[[], bool] | None = None) -> None:
        self.widget = widget
        self.ready = ready
        self._waiting: list[Callable[[], None]] = []
        self._batch: list[Callable[[], None]] = []

    def add(self, callback: Callable[[], None]) -> None:
        self._waiting.append(callback)
        if not self._batch:
            self._post()

    def _post(self) -> None:
        self._batch, self._waiting = self._waiting, []
        self.widget.call_after_refresh(self._refreshed)

    def _refreshed(self) -> None:
        if self.ready is not None and not self.ready():
            self.widget.call_after_refresh(self._refreshed)
            return
        batch, self._batch = self._batch, []
        for callback in batch:
            callback()
        if self._waiting:
            self._post()


def text_writer(widget: Widget) -> Callable[[str], Step] | None:
    """The widget's ``append`` or ``write`` method, if it has one."""
    for name in ("append", "write"):
        method = getattr(widget, name, None)
        if callable(method):
            return method  # type: ignore[no-any-return]
    return None


class WidgetTarget:
    """Adapts a widget with ``append(text)``/``write(text)`` to the ``Target`` protocol.

    ``write`` may return an awaitable (it is awaited on the host loop).
    """

    def __init__(self, widget: Widget, write: Callable[[str], Step] | None = None) -> None:
        writer = write or text_writer(widget)
        if writer is None:
            raise TargetError(f"{type(widget).__name__} has no append(text) or write(text) method")
        self._widget = widget
        self._write = writer
        self._after_refresh = AfterRefresh(widget)

    @property
    def widget(self) -> Widget:
        return self._widget

    def start_reply(self, stream: int, prompt: str) -> Step:
        return self._write(f"\n> {prompt}\n\n")

    def append(self, stream: int, text: str) -> Step:
        return self._write(text)

    def end_reply(self, stream: int, summary: str) -> Step:
        return self._write(f"\n{summary}\n")

    def error_reply(self, stream: int, error: str) -> Step:
        return self._write(f"\n[stream {stream} failed: {error}]\n")

    def when_rendered(self, callback: Callable[[], None]) -> None:
        self._after_refresh.add(callback)
