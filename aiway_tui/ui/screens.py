"""The demo's screens: the scenario catalogue, a run in progress, and help.

``RunScreen`` is the painter's surface for one run: the pipeline paints
into it once per frame, and it routes each stream's text to the
conversation the stream belongs to.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar, Protocol, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Resize
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, ProgressBar, Static

from ..core.config import RunConfig
from ..core.pace import Pace, describe_rate
from ..core.painter import Frame, TextChunk
from ..core.pipeline import Pipeline
from ..core.protocol import ConductorState, StreamEnd, StreamError, StreamStart
from ..measure.latency import LatencyRecorder
from ..scenarios.catalogue import Scenario
from .chat_input import TRANSCRIPT_KEYS, ChatInput, scroll_keys, send
from .stats_panel import REFRESH_S, StatsPanel, StatsReader
from .transcript import TranscriptView


class DemoControls(Protocol):
    """What the screens ask of the demo app (kept apart: the app imports the screens)."""

    def start_scenario(self, name: str) -> None: ...

    def request_restart(self) -> None: ...

    def request_menu(self) -> None: ...


def controls(screen: Screen[None]) -> DemoControls:
    return cast(DemoControls, screen.app)


MIN_PANE_WIDTH = 40
"""Below this many columns per conversation, conversations are shown as tabs."""


def scenario_details(scenario: Scenario, config: RunConfig) -> Text:
    """What a scenario does, with what, and what it must achieve."""
    c = config
    text = Text()
    text.append(f"{scenario.title}\n", style="bold")
    text.append(f"{scenario.purpose}\n\n")
    text.append(
        f"tokens {c.message_count:,} × {c.message_size} chars · rate {describe_rate(c.message_delay_us)} · "
        f"batch {c.batch_label} · buffer {c.buffer} · consumer delay {c.consumer_delay_us:g} us · "
        f"streams {c.streams} · conversations {c.conversations} · limit {c.time_limit_s:g}s\n\n",
        style="dim",
    )
    for criterion in scenario.criteria:
        text.append("• ", style="cyan")
        text.append(f"{criterion.describe(c)}")
        text.append(f"  [{criterion.source}]\n", style="dim")
    text.rstrip()
    return text


def duration_hint(config: RunConfig) -> str:
    """The catalogue's expected duration: the schedule's length, when there is a schedule."""
    paced = config.message_count * config.message_delay_us / 1e6
    slow = config.message_count * config.consumer_delay_us / 1e6
    if paced or slow:
        return f"~{max(paced, slow, 1.0):,.0f}s (limit {config.time_limit_s:g}s)"
    return f"unpaced (limit {config.time_limit_s:g}s)"


class StartScreen(Screen[None]):
    """The scenario catalogue: pick one with the arrows and Enter, a digit, or the mouse."""

    DEFAULT_CSS = """
    #start-title { height: 1; text-style: bold; padding: 0 1; }
    #catalogue { height: auto; max-height: 50%; }
    #details-box { height: 1fr; padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "start", "Start", show=True),
        *(Binding(str(i), f"start_index({i - 1})", f"Start #{i}", show=False) for i in range(1, 10)),
    ]

    def __init__(self, scenarios: tuple[Scenario, ...], configs: dict[str, RunConfig]) -> None:
        super().__init__(id="start")
        self.scenarios = scenarios
        self.configs = configs
        self.table: DataTable[str] = DataTable(id="catalogue", cursor_type="row", zebra_stripes=True)
        self.details = Static("", id="details")

    def compose(self) -> ComposeResult:
        yield Static("aiway-tui · pick a stress scenario (Enter, 1-5, click, or Ctrl+P)", id="start-title")
        yield self.table
        with VerticalScroll(id="details-box"):
            yield self.details
        yield Footer()

    def on_mount(self) -> None:
        table = self.table
        table.add_columns("#", "name", "tokens", "size", "rate", "buffer", "duration")
        for index, scenario in enumerate(self.scenarios, 1):
            c = self.configs[scenario.name]
            table.add_row(
                str(index),
                scenario.name,
                f"{c.message_count:,}",
                str(c.message_size),
                describe_rate(c.message_delay_us),
                str(c.buffer),
                duration_hint(c),
                key=scenario.name,
            )
        table.focus()
        self._show(0)

    def _show(self, index: int) -> None:
        if 0 <= index < len(self.scenarios):
            scenario = self.scenarios[index]
            self.details.update(scenario_details(scenario, self.configs[scenario.name]))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show(event.cursor_row)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_start_index(event.cursor_row)

    def action_start(self) -> None:
        self.action_start_index(self.table.cursor_row)

    def action_start_index(self, index: int) -> None:
        if 0 <= index < len(self.scenarios):
            controls(self).start_scenario(self.scenarios[index].name)


class ConversationPane(Vertical):
    """One conversation: its counts, its transcript, and a marker for unseen output."""

    def __init__(self, index: int, scrollback: int, render_time: LatencyRecorder) -> None:
        super().__init__(classes="conversation")
        self.index = index
        self.header = Static(f"Conversation {index + 1}", classes="conversation-header")
        self.transcript = TranscriptView(scrollback)
        self.transcript.render_time = render_time
        self.marker = Static("", classes="new-below")
        self.marker.display = False
        self.streams = 0
        self.tokens = 0

    def compose(self) -> ComposeResult:
        yield self.header
        yield self.transcript
        yield self.marker

    def show_counts(self, tokens: int) -> None:
        self.tokens = tokens
        self.header.update(
            f"Conversation {self.index + 1} · {self.streams:,} streams · {tokens:,} tok", layout=False
        )

    def show_marker(self) -> None:
        view = self.transcript
        unseen = view.unseen_rows > 0 and not view.following
        if unseen:
            self.marker.update(f"▼ {view.unseen_rows:,} new rows below · End follows", layout=False)
        self.marker.display = unseen


class RunScreen(Screen[None]):
    """One run in progress: conversations, live stats, progress, conductor state."""

    DEFAULT_CSS = """
    #run-top { height: 1; }
    #run-title {
        width: 1fr; height: 1; padding: 0 1; text-style: bold; text-wrap: nowrap; text-overflow: ellipsis;
    }
    #progress { width: auto; height: 1; }
    #tabs { height: 1; padding: 0 1; }
    #run-body { height: 1fr; }
    #conversations { width: 1fr; height: 1fr; }
    .conversation { width: 1fr; height: 1fr; }
    .conversation-header {
        width: 100%; height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis;
    }
    .new-below { width: 100%; height: 1; padding: 0 1; }
    RunScreen.tabbed .conversation { display: none; }
    RunScreen.tabbed .conversation.active { display: block; }
    RunScreen .target-view { width: 1fr; height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "pause", "Pause", priority=True),
        Binding("plus,equals_sign", "rate(1)", "Rate", key_display="+", priority=True),
        Binding("minus", "rate(-1)", "Rate", key_display="-", priority=True),
        Binding("r", "restart", "Restart", priority=True),
        Binding("tab", "next_conversation", "Conv.", priority=True),
        Binding("end", "follow", "Follow", show=False, priority=True),
        Binding("escape", "menu", "Menu", priority=True),
        Binding("i", "focus_input", "Type", priority=True),
        # The same, from the input box (where the keys above are typed as text).
        Binding("ctrl+s", "always('pause')", "Pause", show=False, priority=True),
        Binding("ctrl+up", "always('rate', 1)", "Rate up", show=False, priority=True),
        Binding("ctrl+down", "always('rate', -1)", "Rate down", show=False, priority=True),
        Binding("ctrl+r", "always('restart')", "Restart", show=False, priority=True),
        *TRANSCRIPT_KEYS,
    ]

    TYPED_IN_INPUT = frozenset({"pause", "rate", "restart", "follow", "focus_input", "menu"})
    """Actions whose keys are text while the input box has focus (Escape leaves the box)."""

    def __init__(self, scenario: Scenario, config: RunConfig, pace: Pace, view: Widget | None = None) -> None:
        """``view``: a target's widget, shown in place of the conversations (``--target``)."""
        super().__init__(id="run")
        self.view = view
        if view is not None:
            view.add_class("target-view")
        self.scenario = scenario
        self.config = config
        self.pace = pace
        self._render_time = LatencyRecorder()
        self.panes = (
            [ConversationPane(i, config.scrollback, self._render_time) for i in range(config.conversations)]
            if view is None
            else []
        )
        self.active = 0
        self.state = ConductorState.INITIALIZING
        self.title_bar = Static("", id="run-title")
        self.progress = ProgressBar(total=config.message_count, show_eta=False, id="progress")
        self.tabs = Static("", id="tabs")
        self.stats = StatsPanel(id="stats")
        self.reader: StatsReader | None = None
        self.pipeline: Pipeline | None = None
        self._stream_conversation: dict[int, int] = {}
        self.input_box = ChatInput(id="input")
        self.message_handler: Callable[[str], None] | None = None
        self._next_stats = 0.0

    def compose(self) -> ComposeResult:
        with Horizontal(id="run-top"):
            yield self.title_bar
            yield self.progress
        yield self.tabs
        with Horizontal(id="run-body"):
            with Horizontal(id="conversations"):
                if self.view is not None:
                    yield self.view
                yield from self.panes
            yield self.stats
        yield self.input_box
        yield Footer()

    def on_mount(self) -> None:
        self._activate(0)
        self._show_title()

    def attach(self, pipeline: Pipeline) -> None:
        """The run this screen shows (a fresh pipeline per run, a fresh screen too)."""
        self.pipeline = pipeline
        self.reader = StatsReader(pipeline, self.pace)

    # Layout.

    @property
    def tabbed(self) -> bool:
        return self.has_class("tabbed")

    def on_resize(self, event: Resize) -> None:
        room = event.size.width - (self.stats.outer_size.width or 38)
        self.set_class(len(self.panes) > 1 and room // len(self.panes) < MIN_PANE_WIDTH, "tabbed")
        # A resize (the terminal's, or the first layout's) lays out again; it leaves the input box
        # its focus, or the next keys typed would go to the transcript.
        self._activate(self.active, focus=not isinstance(self.focused, ChatInput))

    def _activate(self, index: int, *, focus: bool = True) -> None:
        if not self.panes:  # a target's view
            self.tabs.display = False
            if focus and self.view is not None and self.view.focusable:
                self.view.focus()
            return
        self.active = index
        for pane in self.panes:
            pane.set_class(pane.index == index, "active")
        self.tabs.display = len(self.panes) > 1 and self.tabbed
        labels = [f"[{i + 1}]" if i == index else f" {i + 1} " for i in range(len(self.panes))]
        self.tabs.update("Conversations: " + " ".join(labels) + "   (Tab: next)")
        if focus:
            self.panes[index].transcript.focus()

    def _show_title(self) -> None:
        paused = " · PAUSED (backpressure)" if self.pace.paused else ""
        self.title_bar.update(
            f"{self.scenario.title} · {self.state.value}{paused} · rate {describe_rate(self.pace.delay_us)}",
            layout=False,
        )

    # Keys.

    def action_pause(self) -> None:
        paused = self.pace.toggle()
        self._show_title()
        self.refresh_stats()  # show the new state now: a paused painter has nothing to paint
        self.notify(
            "Paused: nothing is received, the buffer fills, the conductor blocks."
            if paused
            else "Resumed: the buffer drains, nothing lost.",
            timeout=3,
        )

    def action_rate(self, direction: int) -> None:
        self.pace.step(direction)
        self._show_title()
        self.refresh_stats()
        self.notify(f"Token rate: {describe_rate(self.pace.delay_us)}", timeout=2)

    def action_restart(self) -> None:
        controls(self).request_restart()

    def action_menu(self) -> None:
        controls(self).request_menu()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``tab`` is only offered (and shown in the footer) with several conversations;
        printable keys type into the input box while it has focus."""
        if action in self.TYPED_IN_INPUT and isinstance(self.focused, ChatInput):
            return False
        if action == "next_conversation":
            return len(self.panes) > 1
        return True

    def action_always(self, action: str, *args: int) -> None:
        getattr(self, f"action_{action}")(*args)

    def action_focus_input(self) -> None:
        """Focus now, not after the queued events (``Widget.focus`` defers it): a key typed
        right after ``i`` (type-ahead, a paste, a fast typist) goes to the box too."""
        self.set_focus(self.input_box)

    def action_transcript(self, method: str) -> None:
        if self.panes:
            scroll_keys(self.panes[self.active].transcript, method)

    def on_input_submitted(self, event: ChatInput.Submitted) -> None:
        send(event, self.message_handler, self.panes[self.active].transcript if self.panes else None)

    def action_next_conversation(self) -> None:
        self._activate((self.active + 1) % len(self.panes))

    def action_follow(self) -> None:
        if not self.panes:
            return
        pane = self.panes[self.active]
        pane.transcript.follow()
        pane.show_marker()

    # The painter's surface.

    @property
    def render_time(self) -> LatencyRecorder:
        return self._render_time

    def _pane_for(self, stream: int) -> ConversationPane:
        return self.panes[self._stream_conversation.get(stream, 0)]

    def paint(self, frame: Frame | None, delivered: Callable[[int, float], None]) -> None:
        """Apply one frame: everything received since the last one, in one update."""
        if frame is not None:
            for event in frame.events:
                if isinstance(event, TextChunk):
                    self._pane_for(event.stream).transcript.stream(event.text)
                elif isinstance(event, StreamStart):
                    conversation = event.conversation % len(self.panes)
                    self._stream_conversation[event.stream] = conversation
                    pane = self.panes[conversation]
                    pane.streams += 1
                    pane.transcript.start_reply(event.stream, event.prompt)
                elif isinstance(event, StreamEnd):
                    self._pane_for(event.stream).transcript.end_reply(event)
                elif isinstance(event, StreamError):
                    self._pane_for(event.stream).transcript.fail_reply(event.stream, event.error)
            if frame.state is not None:
                self.state = frame.state
                self._show_title()
            if frame.tokens:
                # The active pane is always on screen, so its render completes.
                active = self.panes[self.active].transcript
                active.expect_delivery(frame.tokens, frame.oldest_scheduled, delivered)
                active.refresh()
        self.show_frame(None)

    def show_frame(self, frame: Frame | None) -> None:
        """After each frame: the title (the conductor's state), at most every ``REFRESH_S`` the figures."""
        if frame is not None and frame.state is not None and frame.state is not self.state:
            self.state = frame.state
            self._show_title()
        for pane in self.panes:
            pane.show_marker()
        now = time.perf_counter()
        if now >= self._next_stats:
            self._next_stats = now + REFRESH_S
            self.refresh_stats()

    def refresh_stats(self) -> None:
        if self.reader is None or self.pipeline is None:
            return
        snapshot = self.reader.read()
        self.stats.show(snapshot)
        self.progress.update(progress=snapshot.tokens_received)
        if len(self.panes) == 1:
            self.panes[0].show_counts(snapshot.tokens_received)
        elif self.panes:
            counts = [0] * len(self.panes)
            for stream, track in self.pipeline.tracker.streams.items():
                counts[self._stream_conversation.get(stream, 0)] += track.tokens
            for pane, tokens in zip(self.panes, counts, strict=True):
                pane.show_counts(tokens)


HELP = """\
[b]Keys[/b]

  [b]q[/b] / Ctrl+C   quit, then the report is printed
  [b]?[/b]            this help
  [b]s[/b]            save an SVG screenshot (the path is shown)
  Ctrl+P       command palette: every scenario is there

[b]Start screen[/b]
  ↑ ↓ Enter    pick a scenario (or 1-5, or click a row)

[b]Run screen[/b]
  Space        pause/resume receiving: the buffer fills, backpressure
               stops the conductor; nothing is lost after resume
  + / -        token rate up/down (1K/s … 1M/s, max)
  r            restart the scenario (a fresh pipeline)
  Tab          next conversation
  ↑ ↓ PgUp     scroll; output keeps coming below a marker
  End          follow the output again
  Escape       back to the scenarios

[dim]Escape or ? closes this help.[/dim]"""


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    #help-box {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; padding: 0 1;
    }
    #help-text { width: 100%; height: auto; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark", "dismiss_help", "Close", priority=True),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(HELP, id="help-text")

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
