"""The Textual chat app: transcript, input box, live status line, quit key.

The app never runs the stream itself: a Trio pipeline (hosted as a guest on
this app's asyncio loop) paints into it through ``paint``, once per frame.
Quitting cancels that pipeline's root cancel scope; the app exits after the
last Trio task has finished.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.screen import Screen
from textual.widget import Widget

from ..core.painter import Frame, TextChunk
from ..core.protocol import ConductorState, StreamEnd, StreamError, StreamStart
from ..measure.latency import LatencyRecorder
from .chat_input import TRANSCRIPT_KEYS, ChatInput, scroll_keys, send
from .chat_screen import ChatScreen
from .compat import prompt_exit
from .text_line import TextLine
from .transcript import TranscriptView

_CSS_PATH = Path(__file__).with_name("chat.tcss")
_STATUS_PERIOD_S = 0.25
"""The live status line changes at most this often: its figures are read, not watched."""


class ChatApp(App[None]):
    """A streaming chat surface under stress."""

    CSS_PATH = _CSS_PATH
    TITLE = "aiway-tui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit_key", "Quit", priority=True),
        Binding("ctrl+c", "quit_run", "Quit", show=False, priority=True),
        *TRANSCRIPT_KEYS,
    ]

    def get_default_screen(self) -> Screen[None]:
        return ChatScreen(id="_default")

    def get_driver_class(self) -> type[Driver]:
        return prompt_exit(super().get_driver_class())

    def __init__(
        self,
        *,
        title: str = "aiway-tui",
        scrollback: int = 2000,
        view: Widget | None = None,
        status_text: Callable[[], str] = lambda: "",
        quit_handler: Callable[[str], None] | None = None,
    ) -> None:
        """``view``: the widget under test in place of our transcript (a target's).

        ``status_text``: the figures after the state on the status line. ``quit_handler``:
        where a quit goes (the pipeline); without one the app just exits.
        """
        super().__init__()
        self.title = title
        self.scrollback = scrollback
        self.quit_handler = quit_handler
        self.status_text = status_text
        self.quit_key_at: float | None = None
        self.state = ConductorState.INITIALIZING
        self.transcript = TranscriptView(scrollback, id="transcript")
        self.view: Widget = self.transcript if view is None else view
        self.status = TextLine(id="status")
        self.input_box = ChatInput(id="input")
        self.message_handler: Callable[[str], None] | None = None
        """Where a sent message goes (the conductor, through the Trio token)."""
        self._status_shown = ""
        self._status_at = 0.0

    def compose(self) -> ComposeResult:
        # The key hint lives in the title: a Footer is three more widgets for
        # Textual's compositor to draw on every frame, for one line of help.
        yield TextLine(f"{self.title}  ·  q quit (Ctrl+C while typing)", id="title")
        yield self.view
        yield self.input_box
        yield self.status

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``q`` types a q while the input box has focus (Ctrl+C still quits)."""
        if action == "quit_key":
            return not isinstance(self.focused, ChatInput)
        return True

    def action_quit_key(self) -> None:
        self.request_quit("quit")

    def action_transcript(self, method: str) -> None:
        """A transcript key pressed while the input box has focus."""
        scroll_keys(self.transcript, method)

    def on_input_submitted(self, event: ChatInput.Submitted) -> None:
        send(event, self.message_handler, self.transcript)

    @property
    def render_time(self) -> LatencyRecorder:
        return self.transcript.render_time

    def action_quit_run(self) -> None:
        """Quit as a user would: the pipeline is cancelled, then the app exits."""
        self.request_quit("quit")

    def request_quit(self, reason: str) -> None:
        """The one quit path for the key, Ctrl+C and signals; times it from here."""
        if self.quit_key_at is None:
            self.quit_key_at = time.perf_counter()
        if self.quit_handler is not None:
            self.quit_handler(reason)
        else:
            self.exit()

    def paint(self, frame: Frame | None, delivered: Callable[[int, float], None]) -> None:
        """Apply one frame: everything received since the last one, in one update."""
        if frame is not None:
            view = self.transcript
            for event in frame.events:
                if isinstance(event, TextChunk):
                    view.stream(event.text)
                elif isinstance(event, StreamStart):
                    view.start_reply(event.stream, event.prompt)
                elif isinstance(event, StreamEnd):
                    view.end_reply(event)
                elif isinstance(event, StreamError):
                    view.fail_reply(event.stream, event.error)
            if frame.state is not None:
                self.state = frame.state
            if frame.tokens:
                view.expect_delivery(frame.tokens, frame.oldest_scheduled, delivered)
        self.show_status(frame)

    def show_status(self, frame: Frame | None) -> None:
        """The status line after a frame (``None``: a refresh), at most every ``_STATUS_PERIOD_S``."""
        if frame is not None and frame.state is not None:
            self.state = frame.state
        now = time.perf_counter()
        if now - self._status_at < _STATUS_PERIOD_S and frame is not None and frame.state is None:
            return
        status = f"{self.state.value:<12} {self.status_text()}"
        if status != self._status_shown:
            self._status_shown = status
            self._status_at = now
            self.status.show(status)
