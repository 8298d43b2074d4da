"""The transcript draws its own framed lines: they must be exactly what Textual draws.

``TranscriptView`` skips Textual's per-line style cache when the box is plain
(side padding, a background, the app's filters). These tests hold it to the
strips Textual itself renders for the same view, in the real app, so a
Textual change that breaks the equivalence fails here, not on screen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from rich.segment import Segment
from textual.color import Color
from textual.filter import DimFilter, LineFilter, Monochrome
from textual.geometry import Region
from textual.scroll_view import ScrollView
from textual.strip import Strip

from aiway_tui.ui.chat_app import ChatApp
from aiway_tui.ui.text_line import TextLine
from aiway_tui.ui.transcript import AI, AI_LABEL, USER, USER_LABEL, TranscriptView


def _textuals_own(view: TranscriptView, crop: Region) -> list[Strip]:
    view._styles_cache.clear()
    return ScrollView.render_lines(view, crop)


def _in_app(check: Callable[[ChatApp, TranscriptView], None], size: tuple[int, int] = (100, 30)) -> None:
    async def scenario() -> None:
        app = ChatApp()
        async with app.run_test(size=size) as pilot:
            view = app.transcript
            view.add_block("▌ You", USER_LABEL, "héllo wörld — " * 20, USER)
            view.add_block("▌ Assistant", AI_LABEL, "", AI)
            view.streaming = True
            for i in range(120):
                view.stream(f"token{i:03d} ")
            await pilot.pause()
            check(app, view)

    asyncio.run(scenario())


def test_framed_lines_equal_textuals_at_the_bottom_with_the_cursor() -> None:
    def check(app: ChatApp, view: TranscriptView) -> None:
        box = view._plain_box()
        assert box is not None
        crop = Region(0, 0, view.region.width, view.region.height)
        mine = view._render_framed(crop, box)
        assert mine == _textuals_own(view, crop)
        assert view._render_framed(crop, box) == mine  # from the cache: the same again
        assert any("▌" in strip.text for strip in mine)

    _in_app(check)


def test_framed_lines_equal_textuals_scrolled_up_blank_rows_and_a_column_crop() -> None:
    def check(app: ChatApp, view: TranscriptView) -> None:
        view.scroll_to(y=3, animate=False, immediate=True)
        view.streaming = False
        view.note("— done")
        box = view._plain_box()
        assert box is not None
        for crop in (
            Region(0, 0, view.region.width, view.region.height),
            Region(2, 1, view.region.width - 5, 4),
        ):
            assert view._render_framed(crop, box) == _textuals_own(view, crop)

    _in_app(check)
    _in_app(check, size=(40, 50))  # taller than the transcript: blank rows below it


def test_a_box_beyond_padding_falls_back_to_textual() -> None:
    def check(app: ChatApp, view: TranscriptView) -> None:
        view.styles.border = ("round", "red")
        assert view._plain_box() is None
        view.styles.border = ("none", "red")
        view.styles.opacity = 0.5
        assert view._plain_box() is None

    _in_app(check)


def test_the_status_line_shows_plain_text_cut_to_its_width() -> None:
    async def scenario() -> None:
        app = ChatApp()
        async with app.run_test(size=(30, 10)) as pilot:
            status: TextLine = app.status
            status.show("[b]not markup[/b] " + "x" * 40)
            await pilot.pause()
            line = status.render_line(0)
            assert line.cell_length == status.size.width
            assert line.text.startswith("[b]not markup[/b] xx")
            status.show("short")
            assert status.render_line(0).text.rstrip() == "short"

    asyncio.run(scenario())


def test_any_box_renders_as_textual_would() -> None:
    """Whatever path ``render_lines`` takes (a stable scrollbar gutter widens the
    frame past the padding), its lines are Textual's."""

    async def scenario() -> None:
        app = ChatApp()
        async with app.run_test(size=(60, 20)) as pilot:
            view = app.transcript
            view.styles.scrollbar_gutter = "stable"
            view.add_block("▌ You", USER_LABEL, "short", USER)
            await pilot.pause()
            crop = Region(0, 0, view.region.width, view.region.height)
            assert view.render_lines(crop) == _textuals_own(view, crop)

    asyncio.run(scenario())


class _Reversed(LineFilter):
    """A filter the view cannot know maps styles one by one: it gets every row."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [Segment(text[::-1], style, control) for text, style, control in segments]


@pytest.mark.parametrize(
    ("extra", "style_map"), [(None, True), (Monochrome(), True), (DimFilter(), True), (_Reversed(), False)]
)
def test_rows_are_drawn_in_filtered_styles_only_under_filters_that_map_styles(
    extra: LineFilter | None, style_map: bool
) -> None:
    """Textual's own filters change each style alone: the view draws in their styles,
    with no filter pass per row; any other filter is applied to each row. Either way,
    the lines are Textual's."""

    def check(app: ChatApp, view: TranscriptView) -> None:
        if extra is not None:
            app._filters.append(extra)
        box = view._plain_box()
        assert box is not None
        assert (box.styles is not None) is style_map
        crop = Region(0, 0, view.region.width, view.region.height)
        assert view._render_framed(crop, box) == _textuals_own(view, crop)

    _in_app(check)
