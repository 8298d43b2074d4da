"""The chat app's screen: its own lines are drawn once, not once per frame.

Its children cover it, but Textual's compositor draws it in full for every
partial update (see ``render_memo``).
"""

from __future__ import annotations

from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip

from .render_memo import LinesMemo


class ChatScreen(Screen[None]):
    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._memo = LinesMemo()

    def render_lines(self, crop: Region) -> list[Strip]:
        return self._memo.lines(self, crop, super().render_lines)
