"""The input box under the transcript: Textual's ``Input``, measured and cheap to redraw.

Each render tells the keystroke probe what it drew, so a key's latency ends
at the render that shows it. Textual's compositor redraws every widget of the
screen for each partial update (see ``render_memo``): while nothing the box
is drawn from has changed, its last lines are reused, so a frame of a fast
stream costs the box nothing. The cursor does not blink: a blink is a render
twice a second on an idle screen (so it is not part of what the memo keys on).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import Input

from ..measure.keystrokes import KeystrokeProbe
from .render_memo import LinesMemo
from .transcript import TranscriptView

PLACEHOLDER = "Type a message · Enter sends it · Tab moves here and back"


class ChatInput(Input):
    DEFAULT_CSS = """
    ChatInput { height: 3; margin: 0 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Leave the input box", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(placeholder=PLACEHOLDER, id=id, select_on_focus=False)
        self.cursor_blink = False
        self.probe: KeystrokeProbe | None = None
        self._memo = LinesMemo()

    def render_lines(self, crop: Region) -> list[Strip]:
        content = (
            self.value,
            self.cursor_position,
            self.has_focus,
            self.selection,
            self.scroll_offset,
            self.placeholder,
        )
        lines = self._memo.lines(self, crop, super().render_lines, content)
        probe = self.probe
        if probe is not None and (probe.pending or self.value == ""):
            probe.rendered(self.value, time.perf_counter())
        return lines

    def on_key(self, event: events.Key) -> None:
        """A person's key (before ``Input`` handles it): timed from when the driver
        parsed it, the event's birth."""
        probe = self.probe
        if probe is not None and event.is_printable and event.character:
            probe.key_event(event.character, event.time + (time.perf_counter() - time.monotonic()))

    def action_leave(self) -> None:
        self.screen.focus_next()


TRANSCRIPT_KEYS = (
    Binding("up", "transcript('scroll_up')", "Up", show=False),
    Binding("down", "transcript('scroll_down')", "Down", show=False),
    Binding("pageup", "transcript('scroll_page_up')", "Page up", show=False),
    Binding("pagedown", "transcript('scroll_page_down')", "Page down", show=False),
    Binding("ctrl+end", "transcript('follow')", "Follow", show=False),
)
"""The transcript's keys, for when the input box has focus (it uses none of
them; End moves its cursor, so Ctrl+End follows the output from there)."""


def scroll_keys(view: TranscriptView, method: str) -> None:
    if method == "follow":
        view.follow()
    elif method in ("scroll_up", "scroll_down", "scroll_page_up", "scroll_page_down"):
        getattr(view, method)(animate=False)


def send(event: Input.Submitted, handler: Callable[[str], None] | None, view: TranscriptView | None) -> None:
    """Enter: the message goes to the conductor (which answers with a new reply
    stream, its prompt shown as the user's message); the box is emptied."""
    text = event.value.strip()
    event.input.clear()
    if not text:
        return
    if handler is None:
        if view is not None:
            view.note(f"(not sent, nothing is listening: {text})")
        return
    handler(text)
