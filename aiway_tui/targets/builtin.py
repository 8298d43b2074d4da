"""The built-in targets: Textual's own widgets, each as a chat view would use it.

Each keeps the bounded history its widget allows (``SCROLLBACK`` says which),
sized by the run's ``scrollback`` (rows); ``transcript`` is ours.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.await_complete import AwaitComplete
from textual.content import Content
from textual.widget import MountError, Widget
from textual.widgets import Log, Markdown, RichLog, Static, TextArea
from textual.widgets.markdown import MarkdownStream

from ..ui.transcript import TranscriptView
from .adapter import AfterRefresh, WidgetTarget
from .protocol import Built, Step, Target, TargetSource

_WIDTH = 100
"""Characters per row assumed where a widget bounds by characters, not rows."""


class TranscriptTarget:
    """Our transcript, through the target protocol (the ``per-token`` feed uses it).

    Delivery ends in the transcript's own ``render_lines``: the render of the rows that show the text.
    """

    def __init__(self, view: TranscriptView) -> None:
        self.view = view

    @property
    def widget(self) -> Widget:
        return self.view

    def start_reply(self, stream: int, prompt: str) -> Step:
        self.view.start_reply(stream, prompt)
        return None

    def append(self, stream: int, text: str) -> Step:
        self.view.stream(text)
        return None

    def end_reply(self, stream: int, summary: str) -> Step:
        self.view.streaming = False
        self.view.note(summary)
        return None

    def error_reply(self, stream: int, error: str) -> Step:
        self.view.fail_reply(stream, error)
        return None

    def when_rendered(self, callback: Callable[[], None]) -> None:
        self.view.when_rendered(callback)


class StaticTarget(WidgetTarget):
    """A ``Static`` updated with the reply's visible tail (what fits in ``scrollback`` rows)."""

    def __init__(self, scrollback: int) -> None:
        self.static = Static("", markup=False, expand=True)
        super().__init__(self.static, self._write_tail)
        self.limit = scrollback * _WIDTH
        self.text = ""

    def _write_tail(self, text: str) -> Step:
        self.text = (self.text + text)[-self.limit :]
        self.static.update(Content(self.text))
        return None


class TextAreaTarget(WidgetTarget):
    """A read-only ``TextArea``; lines beyond ``scrollback`` are deleted from the top."""

    def __init__(self, scrollback: int) -> None:
        self.area = TextArea(read_only=True, soft_wrap=True)
        super().__init__(self.area, self._insert)
        self.scrollback = scrollback

    def _insert(self, text: str) -> Step:
        area = self.area
        area.insert(text, area.document.end)
        excess = area.document.line_count - self.scrollback
        if excess > 0:
            area.delete((0, 0), (excess, 0))
        area.scroll_end(animate=False, immediate=True)
        return None


class _AppliedMarkdown(Markdown):
    """Textual's ``Markdown``, counting what its appends have applied (not only queued)."""

    applied = 0

    def append(self, markdown: str) -> AwaitComplete:
        appending = super().append(markdown)

        async def counted() -> None:
            try:
                await appending
            except MountError:
                # Once the app is exiting no widget is attached: an append still queued in
                # MarkdownStream's task (the run ended mid-reply) has nothing to show on.
                if self.is_attached or not self.is_mounted:
                    raise
                return
            self.applied += len(markdown)

        return AwaitComplete(counted())


class MarkdownTarget:
    """Textual's ``Markdown`` fed through ``MarkdownStream``, as Toad does.

    ``MarkdownStream.write`` queues text for a background task that applies it
    with ``Markdown.append``: text counts as rendered once that append has
    mounted it and the screen has refreshed. A new reply starts a new document
    (the widget keeps its whole document otherwise, and grows without bound).
    """

    def __init__(self) -> None:
        self.markdown = _AppliedMarkdown()
        self.stream: MarkdownStream | None = None
        self.written = 0
        self._after_refresh = AfterRefresh(self.markdown, lambda: self.markdown.applied >= self.written)

    @property
    def widget(self) -> Widget:
        return self.markdown

    async def _restart(self) -> None:
        if self.stream is not None:
            await self.stream.stop()
        await self.markdown.update("")
        self.markdown.applied = self.written = 0
        self.stream = Markdown.get_stream(self.markdown)

    async def _write(self, text: str) -> None:
        if self.stream is None:
            await self._restart()
        assert self.stream is not None
        self.written += len(text)
        await self.stream.write(text)

    async def start_reply(self, stream: int, prompt: str) -> None:
        await self._restart()
        await self._write(f"> {prompt}\n\n")

    async def append(self, stream: int, text: str) -> None:
        await self._write(text)

    async def end_reply(self, stream: int, summary: str) -> None:
        await self._write(f"\n\n*{summary}*\n\n")

    async def error_reply(self, stream: int, error: str) -> None:
        await self._write(f"\n\n**stream {stream} failed:** {error}\n\n")

    def when_rendered(self, callback: Callable[[], None]) -> None:
        self._after_refresh.add(callback)


def _log(scrollback: int) -> Target:
    return WidgetTarget(Log(max_lines=scrollback, auto_scroll=True))


def _richlog(scrollback: int) -> Target:
    return WidgetTarget(RichLog(max_lines=scrollback, wrap=True, markup=False, auto_scroll=True))


def _built(make: Callable[[int], Target]) -> Callable[[int], Built]:
    return lambda scrollback: Built(None, make(scrollback))


BUILTINS: dict[str, TargetSource] = {
    "transcript": TargetSource(
        "transcript",
        "bounded: the last `scrollback` wrapped rows (ours)",
        _built(lambda scrollback: TranscriptTarget(TranscriptView(scrollback, id="transcript"))),
    ),
    "log": TargetSource("log", "bounded: Log(max_lines=scrollback)", _built(_log)),
    "richlog": TargetSource(
        "richlog", "bounded: RichLog(max_lines=scrollback); each append is a new line", _built(_richlog)
    ),
    "static": TargetSource(
        "static", f"bounded: the reply's last scrollback x {_WIDTH} characters", _built(StaticTarget)
    ),
    "textarea": TargetSource(
        "textarea", "bounded: lines past scrollback are deleted from the top", _built(TextAreaTarget)
    ),
    "markdown": TargetSource(
        "markdown",
        "per reply: each reply starts a new document (Markdown keeps all of it)",
        _built(lambda _scrollback: MarkdownTarget()),
    ),
}
"""Built-in targets by name, in the order ``list --targets`` shows them."""
