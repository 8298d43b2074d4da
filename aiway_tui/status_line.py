"""The live status line: one row of figures, drawn as one strip.

A ``Static`` re-lays its content out on every update (visuals, wrapping); at a
few updates a second that was a tenth of a streaming run's CPU. Plain text in
the widget's own style needs none of that.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from textual.strip import Strip
from textual.widget import Widget


class StatusLine(Widget):
    """One row of plain text (no markup), cut to the width."""

    DEFAULT_CSS = """
    StatusLine { height: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._text = ""

    @property
    def text(self) -> str:
        return self._text

    def show(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        style = self.rich_style
        if y != 0 or not self._text:
            return Strip.blank(width, style)
        text = self._text
        if cell_len(text) == len(text) <= width:
            return Strip([Segment(text + " " * (width - len(text)), style)], width)
        return Strip([Segment(text, style)]).crop_extend(0, width, style)
