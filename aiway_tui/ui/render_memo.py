"""Reusing a widget's rendered lines while nothing they are drawn from has changed.

Textual's compositor picks the widgets to draw for a partial update by their
clip region, and the clip of every child of a screen is the whole screen: so
each frame draws every widget on the screen in full, even when one line of one
widget changed. For the screen's background, the title and the status line
that is about a third of a frame's cost, spent to draw the same lines again.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from .compat import style_cache_key


def style_version(widget: Widget) -> tuple[int, ...]:
    """Changes whenever a style ``widget`` is drawn with may have changed.

    Backgrounds blend down the DOM, so the ancestors' styles count too. Every
    change to a Textual style (CSS, inline, pseudo-class, theme) counts up its
    update counter, which Textual reads for its own caches the same way.
    """
    return tuple([style_cache_key(node.styles) for node in widget.ancestors_with_self])


class LinesMemo:
    """The last lines a widget rendered, and what they were rendered from."""

    __slots__ = ("_key", "_lines")

    def __init__(self) -> None:
        self._key: Hashable = None
        self._lines: list[Strip] = []

    def clear(self) -> None:
        self._key = None

    def lines(
        self, widget: Widget, crop: Region, render: Callable[[Region], list[Strip]], content: Hashable = None
    ) -> list[Strip]:
        """``render(crop)``, or the same lines as last time if ``crop``, the
        widget's size, its styles, the app's line filters and ``content`` are
        all as they were then."""
        key = (crop, widget.size, style_version(widget), tuple(widget.get_line_filters()), content)
        if key != self._key:
            self._lines = render(crop)
            self._key = key
        return self._lines
