"""What the app draws, read as a terminal shows it (pyte), timed on the Trio clock.

Every chunk the app writes is fed to a pyte screen; a burst of output (no
gap over ``FRAME_GAP_S``) counts as one screen update. After each chunk the
screen is searched for the reply's marker words (``serve.markers``): a
marker's delivery latency is from its scheduled send to the first chunk
after which it is on screen. Typed text is found the same way, on the same
text: the screen as last shown (never a synchronized frame half drawn).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyte
import trio

from ..measure.latency import LatencyRecorder
from ..serve.markers import MarkerLog, markers_in, screen_text

FRAME_GAP_S = 0.004
ALT_SCREEN_ON = b"\x1b[?1049h"
ALT_SCREEN_OFF = b"\x1b[?1049l"
SYNC_QUERY = b"\x1b[?2026$p"
SYNC_SUPPORTED = b"\x1b[?2026;2$y"
"""The answer of a terminal with synchronized output (mode 2026), as kitty, WezTerm and others answer."""
SYNC_START = b"\x1b[?2026h"
SYNC_END = b"\x1b[?2026l"


@dataclass(slots=True)
class ScreenWatch:
    columns: int
    rows: int
    markers: MarkerLog
    delivery: LatencyRecorder = field(default_factory=LatencyRecorder)
    bytes_read: int = 0
    updates: int = 0
    first_output_at: float | None = None
    last_output_at: float | None = None
    entered_alt_screen: bool = False
    left_alt_screen_at: float | None = None
    seen: dict[tuple[int, int], float] = field(default_factory=dict)
    out_of_order: int = 0
    """Markers first seen after a later marker of the same reply (expected 0)."""
    wanted: dict[str, int] = field(default_factory=dict)
    """Typed text the typist waits to see, each with how often it was on screen before the key:
    it is seen (``wanted_seen``, at ``wanted_seen_at``) when one of them is on screen more often."""
    wanted_seen: str | None = None
    wanted_seen_at: float | None = None
    sync_frames: int = 0
    """Frames the app drew as synchronized updates; when it does, these are its screen updates."""
    changed: trio.Event = field(default_factory=trio.Event)
    _in_sync: bool = False
    _screen: pyte.Screen = field(init=False)
    _stream: pyte.ByteStream = field(init=False)
    _tail: bytes = b""
    _shown: str = ""
    """The screen's text as last shown (``screen_text``): what markers and echoes are looked for in."""
    _highest: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._screen = pyte.Screen(self.columns, self.rows)
        self._stream = pyte.ByteStream(self._screen)

    @property
    def display(self) -> list[str]:
        return list(self._screen.display)

    @property
    def screen_updates(self) -> int:
        return self.sync_frames if self.sync_frames else self.updates

    def feed(self, data: bytes, now: float) -> bytes:
        """Take what the app wrote; returns what the terminal answers (to its queries)."""
        self.bytes_read += len(data)
        if self.first_output_at is None:
            self.first_output_at = now
        if self.last_output_at is None or now - self.last_output_at > FRAME_GAP_S:
            self.updates += 1
        self.last_output_at = now
        before = self._tail
        window = before + data
        if ALT_SCREEN_ON in window:
            self.entered_alt_screen = True
        if ALT_SCREEN_OFF in window and self.left_alt_screen_at is None:
            self.left_alt_screen_at = now
        self._tail = data[-16:]
        self._stream.feed(data)
        start, end = window.rfind(SYNC_START), window.rfind(SYNC_END)
        self.sync_frames += window.count(SYNC_END) - before.count(SYNC_END)
        if start >= 0 or end >= 0:
            self._in_sync = start > end
        if not self._in_sync:  # within a synchronized frame the screen is not shown until its end
            self._look(now)
        self.changed.set()
        self.changed = trio.Event()
        return SYNC_SUPPORTED if window.count(SYNC_QUERY) > before.count(SYNC_QUERY) else b""

    def _look(self, now: float) -> None:
        self._shown = text = screen_text(self._screen.display)
        last_of = self._highest
        for key in markers_in(text):
            if key in self.seen:
                continue
            scheduled = self.markers.scheduled.get(key)
            if scheduled is None:
                continue
            reply, index = key
            if index < last_of.get(reply, -1):
                self.out_of_order += 1
            last_of[reply] = max(index, last_of.get(reply, -1))
            self.seen[key] = now
            self.delivery.record(max(0.0, now - scheduled))
        if self.wanted and self.wanted_seen is None:
            for wanted, before in self.wanted.items():
                if text.count(wanted) > before:
                    self.wanted_seen, self.wanted_seen_at = wanted, now
                    break

    @property
    def drawn(self) -> bool:
        """Whether the screen as last shown holds any text (set-up sequences alone draw none)."""
        return bool(self._shown)

    def occurrences(self, text: str) -> int:
        """How often ``text`` is on the screen as last shown (spaces and borders left out)."""
        return self._shown.count(text)

    def want(self, *texts: str) -> None:
        """Wait for any of ``texts`` to appear once more than it is on screen now (none: stop)."""
        self.wanted = {text: self.occurrences(text) for text in texts if text}
        self.wanted_seen = None
        self.wanted_seen_at = None
