"""The chat transcript: a Line API widget with bounded scrollback.

Only visible lines are rendered (``render_line``), and at most ``scrollback``
wrapped rows are kept, so both paint cost and memory are flat however long
the stream runs. Text is wrapped once, when it arrives, at word boundaries
(only the last row is ever re-cut): a paint never re-wraps the streaming
message. A reply is plain while it streams; when it ends its rows are styled
once (headings, code, tables), which costs nothing per frame.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.filter import ANSIToTruecolor, DimFilter, LineFilter, Monochrome, NoColor
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style as VisualStyle

from ..core.protocol import StreamEnd
from ..measure.latency import LatencyRecorder
from .render_memo import style_version

USER_LABEL = 0
USER = 1
AI_LABEL = 2
AI = 3
NOTE = 4
HEADING = 5
CODE = 6
TABLE = 7

_STYLES = {
    USER_LABEL: Style(color="cyan", bold=True),
    USER: Style(color="bright_white"),
    AI_LABEL: Style(color="magenta", bold=True),
    AI: Style(),
    NOTE: Style(color="yellow", italic=True),
    HEADING: Style(color="bright_magenta", bold=True),
    CODE: Style(color="green"),
    TABLE: Style(color="cyan"),
}
_CURSOR = Segment("▌", Style(color="magenta", blink=True))

_STRIP_CACHE_SIZE = 512
"""Rendered rows kept: a scroll by one row re-renders every line, almost all of them seen before."""


def reply_summary(end: StreamEnd) -> str:
    """The harness's one line at the end of a reply, under every view it feeds."""
    return (
        f"— {end.token_count:,} tokens in {end.elapsed_s:.2f}s "
        f"({end.tokens_per_second:,.0f} tok/s), checksum {end.checksum:08x}"
    )


FOLLOW_ROWS = 3
"""A reader within this many rows of the bottom is followed; further up, left alone."""


class Row(NamedTuple):
    text: str
    kind: int
    continued: bool
    """True when this row wraps on from the row before it (same logical line)."""


_STYLE_MAP_FILTERS = (ANSIToTruecolor, DimFilter, Monochrome, NoColor)
"""Textual's line filters that map each segment's style on its own, text untouched: their
result for a row is known from their result for each style in it."""


class _Box(NamedTuple):
    """The frame around every line: side padding, its style, and the filters after."""

    pad_left: int
    pad_right: int
    inner: Style
    background: Color
    filters: tuple[LineFilter, ...]
    styles: _RowStyles | None
    """The styles with the filters applied, when every filter maps styles one by one
    (``_STYLE_MAP_FILTERS``): a row is then drawn in them, with no filter pass per row."""


class _RowStyles(NamedTuple):
    kinds: dict[int, Style | None]
    cursor: Style | None
    pad: Style | None
    """The side padding's."""
    blank: Style | None
    """The spaces after a row's text, and blank rows."""


_BLANK = Style.null()
"""A style, not ``None``: Textual's ``Monochrome`` filter (``NO_COLOR`` set) reads every segment's."""

_PLAIN = _RowStyles(dict(_STYLES), _CURSOR.style, None, _BLANK)


class TranscriptView(ScrollView, can_focus=True):
    """Streams text into wrapped rows; renders only what is on screen."""

    DEFAULT_CSS = """
    TranscriptView { height: 1fr; scrollbar-visibility: hidden; }
    TranscriptView.-reading { scrollbar-visibility: visible; }
    """
    """The scrollbar shows only while the reader is away from the bottom (``-reading``).

    A shown scrollbar lies inside the transcript's rows, so Textual's
    compositor cuts every row there on every frame (two more strips a row, and
    a ``Segment.divide``): half of a frame's compositing while a fast stream
    moves every row. At the bottom, following, a scrollbar says nothing the
    reader does not see; the space stays the transcript's, so nothing re-wraps.
    """

    def __init__(self, scrollback: int = 2000, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.scrollback = scrollback
        self.rows: deque[Row] = deque(maxlen=scrollback)
        self.streaming = False
        self.render_time = LatencyRecorder()
        self._open = False
        self._wrap_width = 80
        self._pending_delivery: list[tuple[int, float]] = []
        self._on_delivered: Callable[[int, float], None] | None = None
        self._after_render: list[Callable[[], None]] = []
        self.rows_added = 0
        """Rows ever appended; ``rows_added - len(rows)`` were dropped from the front."""
        self._reply_from = 0
        """``rows_added`` when the reply being streamed began."""
        self.unseen_rows = 0
        """Rows added below the view since the reader scrolled away from the bottom."""
        self._rows_added_shown = -1
        self._strips: dict[_RowKey, Strip] = {}
        self._box: _Box | None = None
        self._box_key: tuple[tuple[int, ...], tuple[LineFilter, ...]] | None = None
        """The styles and filters ``_box`` was worked out from."""
        self._framed: dict[_RowKey, Strip] = {}
        self._framed_box: _Box | None = None
        """The box the lines in ``_framed`` were drawn in."""

    # Writing.

    def add_block(self, label: str, label_kind: int, text: str, kind: int) -> None:
        """A new message: a label row, then its text wrapped."""
        mark = self._mark()
        self._open = False
        self.rows.append(Row(label, label_kind, False))
        self.rows_added += 1
        self._reply_from = self.rows_added
        self._append(text, kind, new_line=True)
        self._open = kind == AI
        self._changed(*mark)

    # A reply's life, told the same way by the chat app, the demo's panes and the target.

    def start_reply(self, stream: int, prompt: str) -> None:
        """The user's message, then the assistant's empty block that the stream fills."""
        self.add_block("▌ You", USER_LABEL, prompt, USER)
        self.add_block(f"▌ Assistant · stream {stream}", AI_LABEL, "", AI)
        self.streaming = True

    def end_reply(self, end: StreamEnd) -> None:
        """The reply is complete: styled once, with its summary line under it."""
        self.streaming = False
        self.finish_reply()
        self.note(reply_summary(end))

    def fail_reply(self, stream: int, error: str) -> None:
        self.streaming = False
        self.note(f"— stream {stream} failed: {error}")

    def finish_reply(self) -> None:
        """Style the reply that just ended, once: headings, fenced code, tables.

        Only rows still kept are walked (at most ``scrollback``), once per reply.
        """
        rows = self.rows
        first = max(0, self._reply_from - (self.rows_added - len(rows)))
        in_code = False
        kind = AI
        changed = False
        for index in range(first, len(rows)):
            row = rows[index]
            if row.kind != AI:
                continue
            if not row.continued:
                text = row.text
                if text.startswith("```"):
                    kind = CODE
                    in_code = not in_code
                elif in_code:
                    kind = CODE
                elif text.startswith("#"):
                    kind = HEADING
                elif text.startswith("|"):
                    kind = TABLE
                else:
                    kind = AI
            if kind != AI:
                rows[index] = Row(row.text, kind, row.continued)
                changed = True
        self._open = False
        if changed:
            self.refresh()

    def stream(self, text: str) -> None:
        """Append ``text`` to the message being streamed."""
        mark = self._mark()
        self._append(text, AI, new_line=not self._open)
        self._open = True
        self._changed(*mark)

    def note(self, text: str) -> None:
        mark = self._mark()
        self._open = False
        self._append(text, NOTE, new_line=True)
        self._changed(*mark)

    def _append(self, text: str, kind: int, *, new_line: bool) -> None:
        width = self._wrap_width
        limit = width * self.scrollback
        if len(text) > limit:
            # More than the transcript keeps: only the tail can be seen.
            text = text[len(text) - limit :]
        lines = text.split("\n")
        # A line makes at most 1 + len / width rows: most appends cannot overflow
        # the scrollback, and need no count of their rows.
        first = 0 if len(lines) + len(text) // width < self.scrollback else self._first_kept(lines, width)
        if first == 0:
            self._append_line(lines[0], kind, new_line=new_line)
            first = 1
        self._append_lines(lines, first, kind)

    def _append_lines(self, lines: list[str], first: int, kind: int) -> None:
        """``lines[first:]``, each on new rows: a line that fits (most of a reply's) is one
        row, made with no Python call."""
        width = self._wrap_width
        append = self.rows.append
        added = 0
        for index in range(first, len(lines)):
            line = lines[index]
            if len(line) <= width:
                append(_new_row(Row, (line, kind, False)))
                added += 1
            else:
                self.rows_added += added
                added = 0
                self._append_line(line, kind, new_line=True)
        self.rows_added += added

    def _first_kept(self, lines: list[str], width: int) -> int:
        """The first of ``lines`` whose rows can outlast this append: the lines after it
        make at least ``scrollback`` rows (a line wraps into at least ``ceil(len / width)``),
        so what comes before would be dropped as soon as it was wrapped. The rows not
        made still count in ``rows_added``, as rows that came and went."""
        rows = 0
        index = len(lines)
        while index > 0 and rows < self.scrollback:
            index -= 1
            rows += max(1, -(-len(lines[index]) // width))
        if index > 0:
            self.rows_added += sum(max(1, -(-len(line) // width)) for line in lines[:index])
        return index

    def _append_line(self, line: str, kind: int, *, new_line: bool) -> None:
        """Add ``line`` (no newline in it) to the last row, or as a new line;
        wrap it at the last space that fits, or mid-word for a word too long."""
        width = self._wrap_width
        rows = self.rows
        continued = False
        if not new_line and rows and rows[-1].kind == kind:
            last = rows.pop()
            self.rows_added -= 1
            line = last.text + line
            continued = last.continued
        pos = 0
        end = len(line)
        rfind = line.rfind
        while end - pos > width:
            cut = rfind(" ", pos, pos + width)
            cut = pos + width if cut <= pos else cut + 1  # the space stays at the row's end
            rows.append(_new_row(Row, (line[pos:cut], kind, continued)))
            pos = cut
            continued = True
            self.rows_added += 1
        rows.append(_new_row(Row, (line[pos:] if pos else line, kind, continued)))
        self.rows_added += 1

    @property
    def following(self) -> bool:
        """Whether new output keeps the view at the bottom (the reader is near it).

        The scroll *target* counts: a page-up still animating is the reader
        leaving, and must not be undone by the next frame.
        """
        return self.max_scroll_y - min(self.scroll_y, self.scroll_target_y) <= FOLLOW_ROWS

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._show_scrollbar(not self.following)

    def _show_scrollbar(self, reading: bool) -> None:
        if reading != self.has_class("-reading"):
            self.set_class(reading, "-reading")

    def follow(self) -> None:
        """Jump to the bottom and follow new output again (the ``end`` key)."""
        self.unseen_rows = 0
        self._to_bottom()

    def _to_bottom(self) -> None:
        # ``force``: the scrollbar that permits scrolling appears only at the
        # next layout, and the first overflowing update must follow too.
        self.scroll_to(y=self.max_scroll_y, animate=False, force=True, immediate=True)

    def _changed(self, rows_before: int | None = None, dropped_before: int | None = None) -> None:
        if self.rows_added == self._rows_added_shown and self.rows:
            # Only the last row grew (a slow stream, most frames): repaint that row alone.
            self.refresh_lines(len(self.rows) - 1)
            return
        self._rows_added_shown = self.rows_added
        follow = self.following
        self._show_scrollbar(not follow)
        rows = self.rows
        if not follow and rows_before is not None and dropped_before is not None:
            # Rows dropped from the front move everything up: move the view
            # with them, so the reader keeps reading the same lines.
            dropped = (self.rows_added - len(rows)) - dropped_before
            self.unseen_rows += self.rows_added - rows_before
            if dropped > 0:
                target = max(0, self.scroll_target_y - dropped)
                self.scroll_to(y=target, animate=False, force=True, immediate=True)
        scroll_y = self.scroll_offset.y
        # Never shorter than the view: rows that still fit change no scrollbar,
        # so they cost no layout pass (a Textual layout is a whole-screen render).
        self.virtual_size = Size(self._wrap_width, max(len(rows), self.scrollable_content_region.height))
        if follow:
            self.unseen_rows = 0
            self._to_bottom()
        if (
            rows_before is None
            or dropped_before is None
            or self.rows_added - len(rows) != dropped_before
            or self.scroll_offset.y != scroll_y
        ):
            self.refresh()
        else:
            # Nothing moved: repaint from the row that was last (it may have grown) down.
            first = max(0, rows_before - dropped_before - 1)
            self.refresh_lines(first, len(rows) - first)

    def _mark(self) -> tuple[int, int]:
        return self.rows_added, self.rows_added - len(self.rows)

    def on_resize(self) -> None:
        width = max(10, self.scrollable_content_region.width - 1)
        if width != self._wrap_width:
            self._rewrap(width)
        else:
            # The view's height is the virtual height's floor: fit it again.
            self._rows_added_shown = -1
            self._changed()

    def _rewrap(self, width: int) -> None:
        """Wrap the kept rows again for a new width (bounded by ``scrollback``)."""
        logical: list[tuple[str, int]] = []
        for row in self.rows:
            if row.continued and logical and logical[-1][1] == row.kind:
                text, kind = logical[-1]
                logical[-1] = (text + row.text, kind)
            else:
                logical.append((row.text, row.kind))
        self._wrap_width = width
        self.rows.clear()
        was_open = self._open
        for text, kind in logical:
            self._append(text, kind, new_line=True)
        self._open = was_open
        self._changed()

    # Painting.

    def expect_delivery(
        self, tokens: int, oldest_scheduled: float, done: Callable[[int, float], None]
    ) -> None:
        """Report ``tokens`` as delivered when the next render completes."""
        self._pending_delivery.append((tokens, oldest_scheduled))
        self._on_delivered = done

    def when_rendered(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when the next render completes (the target protocol's hook)."""
        self._after_render.append(callback)

    def render_lines(self, crop: Region) -> list[Strip]:
        started = time.perf_counter()
        box = self._current_box()
        if box is None or crop.right > self.size.width + box.pad_left + box.pad_right:
            strips = super().render_lines(crop)  # a frame wider than padding: Textual's own way
        else:
            strips = self._render_framed(crop, box)
        self.render_time.record(time.perf_counter() - started)
        if self._pending_delivery and self._on_delivered is not None:
            pending, self._pending_delivery = self._pending_delivery, []
            for tokens, oldest in pending:
                self._on_delivered(tokens, oldest)
        if self._after_render:
            callbacks, self._after_render = self._after_render, []
            for callback in callbacks:
                callback()
        return strips

    def _current_box(self) -> _Box | None:
        """``_plain_box()``, worked out again only when a style or filter changed."""
        key = (style_version(self), tuple(self.get_line_filters()))
        if key != self._box_key:
            self._box_key = key
            self._box = self._plain_box()
        return self._box

    def _plain_box(self) -> _Box | None:
        """How Textual frames each line, when that is only side padding, a background
        and the app's filters (the transcript's own CSS); ``None`` for anything more."""
        styles = self.styles
        top, right, bottom, left = styles.padding
        if (
            top
            or bottom
            or self.BLANK
            or self.opacity != 1.0
            or styles.text_opacity != 1.0
            or styles.tint.a
            or any(edge for edge, _ in styles.border)
            or any(edge for edge, _ in styles.outline)
            or (styles.has_rule("hatch") and styles.hatch != "none")
        ):
            return None
        base_background, background = self.background_colors
        inner = VisualStyle(background=base_background + background).rich_style
        filters = tuple(self.get_line_filters())
        row_styles = None
        if all(type(line_filter) in _STYLE_MAP_FILTERS for line_filter in filters):

            def filtered(style: Style | None) -> Style | None:
                segments = [Segment(" ", style)]
                for line_filter in filters:
                    segments = line_filter.apply(segments, background)
                return segments[0].style

            kinds = {kind: filtered(style) for kind, style in _STYLES.items()}
            row_styles = _RowStyles(kinds, filtered(_CURSOR.style), filtered(inner), filtered(_BLANK))
        return _Box(left, right, inner, background, filters, row_styles)

    def _render_framed(self, crop: Region, box: _Box) -> list[Strip]:
        """What Textual's style cache would draw for these lines, at a fraction of the
        cost: it re-reads every style for every line of every frame, and a fast stream
        changes every line of every frame. Lines seen before come from a cache."""
        if box != self._framed_box:
            self._framed_box = box
            self._framed.clear()
        left, right, inner, background, filters, styles = box
        content_width = self.size.width
        width = content_width + left + right
        framed = self._framed
        strips: list[Strip] = []
        for key in self._row_keys(crop.line_range, content_width):
            strip = framed.get(key)
            if strip is None:
                segments = _row_segments(*key, styles or _PLAIN)
                pad = inner if styles is None else styles.pad
                if left:
                    segments.insert(0, Segment(" " * left, pad))
                if right:
                    segments.append(Segment(" " * right, pad))
                if styles is None:
                    for line_filter in filters:
                        segments = line_filter.apply(segments, background)
                if len(framed) >= _STRIP_CACHE_SIZE:
                    framed.clear()
                strip = framed[key] = Strip(segments, width)
            strips.append(strip)
        if crop.column_span != (0, width):
            x1, x2 = crop.column_span
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips

    def _row_keys(self, lines: range, width: int) -> list[_RowKey]:
        """What each line of the view shows: its row (``None``: blank), cursor, scroll and width.

        Textual's geometry properties are computed on every read: read them once.
        """
        scroll_x, scroll_y = self.scroll_offset
        rows = self.rows
        cursor_at = len(rows) - 1 if self.streaming else -1
        keys: list[_RowKey] = []
        for y in lines:
            index = scroll_y + y
            if index >= len(rows):
                keys.append((None, False, 0, width))
            else:
                keys.append((rows[index], index == cursor_at, scroll_x, width))
        return keys

    def render_line(self, y: int) -> Strip:
        [key] = self._row_keys(range(y, y + 1), self.size.width)
        strip = self._strips.get(key)
        if strip is None:
            if len(self._strips) >= _STRIP_CACHE_SIZE:
                self._strips.clear()
            strip = self._strips[key] = Strip(_row_segments(*key, _PLAIN), key[3])
        return strip


_RowKey = tuple[Row | None, bool, int, int]

_new_row = tuple.__new__
"""``Row``'s own constructor is a Python function: this is the C one it calls."""


def _row_segments(
    row: Row | None, cursor: bool, scroll_x: int, width: int, styles: _RowStyles
) -> list[Segment]:
    """One row as exactly ``width`` cells (built directly in the common case: cropping is slow)."""
    if row is None:
        return [Segment(" " * width, styles.blank)]
    segments = [Segment(row.text, styles.kinds[row.kind])]
    if cursor:
        segments.append(Segment(_CURSOR.text, styles.cursor))
    cells = cell_len(row.text) + cursor
    if scroll_x == 0 and cells <= width:
        segments.append(Segment(" " * (width - cells), styles.blank))
        return segments
    return list(Strip(segments).crop_extend(scroll_x, scroll_x + width, styles.blank))
