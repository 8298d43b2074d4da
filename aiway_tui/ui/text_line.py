"""One row of plain text, drawn as one strip: the chat app's title and status line.

A ``Static`` re-lays its content out on every update (visuals, wrapping); at a
few updates a second that was a tenth of a streaming run's CPU. Plain text in
the widget's own style needs none of that, and lines that did not change are
not drawn again (``render_memo``).
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from .render_memo import LinesMemo


class TextLine(Widget):
    """One row of plain text (no markup), cut to the width."""

    DEFAULT_CSS = """
    TextLine { height: 1; }
    """

    def __init__(self, text: str = "", *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._text = text
        self._memo = LinesMemo()

    @property
    def text(self) -> str:
        return self._text

    def show(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        return self._memo.lines(self, crop, super().render_lines, self._text)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        style = self.rich_style
        if y != 0 or not self._text:
            return Strip.blank(width, style)
        text = self._text
        if cell_len(text) == len(text) <= width:
            return Strip([Segment(text + " " * (width - len(text)), style)], width)
        return Strip([Segment(text, style)]).crop_extend(0, width, style)
