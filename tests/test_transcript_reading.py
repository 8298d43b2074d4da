"""Our transcript shows a reply well: word wrap, styled when finished, a reader left in place.

The real app, headless; text goes in as the painter puts it in (``stream`` per
frame), and what is checked is the rows the transcript keeps and the lines
it renders.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable

from textual.errors import NoWidget
from textual.pilot import Pilot

from aiway_tui.core.reply_text import ReplyCutter, reply_pool
from aiway_tui.ui.chat_app import ChatApp
from aiway_tui.ui.transcript import AI, AI_LABEL, CODE, HEADING, TABLE, USER, USER_LABEL, TranscriptView

Check = Callable[[ChatApp, TranscriptView, Pilot[None]], Awaitable[None]]


def _in_app(check: Check, size: tuple[int, int] = (80, 30), scrollback: int = 2000) -> None:
    async def scenario() -> None:
        app = ChatApp(scrollback=scrollback)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await check(app, app.transcript, pilot)

    asyncio.run(scenario())


def _reply(seed: int, tokens: int) -> list[str]:
    return ReplyCutter(reply_pool(seed), 0, seed).words(0, tokens)


def _logical_lines(view: TranscriptView, kinds: set[int]) -> list[str]:
    lines: list[str] = []
    for row in view.rows:
        if row.kind not in kinds:
            continue
        if row.continued and lines:
            lines[-1] += row.text
        else:
            lines.append(row.text)
    return lines


def _start_reply(view: TranscriptView) -> None:
    view.add_block("▌ You", USER_LABEL, "a question", USER)
    view.add_block("▌ Assistant", AI_LABEL, "", AI)
    view.streaming = True


def test_rows_wrap_at_word_boundaries_and_keep_every_character() -> None:
    async def check(app: ChatApp, view: TranscriptView, pilot: Pilot[None]) -> None:
        _start_reply(view)
        tokens = _reply(2, 3000)
        for start in range(0, len(tokens), 7):  # a frame's worth at a time
            view.stream("".join(tokens[start : start + 7]))
        width = view._wrap_width
        ai_rows = [row for row in view.rows if row.kind == AI]
        assert all(len(row.text) <= width for row in ai_rows)
        # A row that wraps on ends at a space (or is a word longer than the row).
        for row, after in itertools.pairwise(ai_rows):
            if after.continued:
                assert row.text.endswith(" ") or " " not in row.text, (row, after)
        # Nothing lost or changed: the rows are the reply, line by line.
        assert "\n".join(_logical_lines(view, {AI})).lstrip("\n") == "".join(tokens)

    _in_app(check)


def test_a_frame_longer_than_the_scrollback_keeps_the_same_rows_as_one_made_slowly() -> None:
    async def check(app: ChatApp, view: TranscriptView, pilot: Pilot[None]) -> None:
        text = "".join(_reply(3, 30_000))
        _start_reply(view)
        view.stream(text[:500])
        slowly = [*view.rows]
        view.stream(text[500:])  # one frame: far more rows than the scrollback keeps
        at_once = list(view.rows)
        view.rows.clear()
        view.rows.extend(slowly)
        for start in range(500, len(text), 300):
            view.stream(text[start : start + 300])
        assert len(at_once) == view.scrollback
        assert at_once == list(view.rows)

    _in_app(check, scrollback=300)


def test_a_finished_reply_is_styled_once_and_a_streaming_one_stays_plain() -> None:
    async def check(app: ChatApp, view: TranscriptView, pilot: Pilot[None]) -> None:
        seed = next(
            s
            for s in range(50)
            if all(mark in "".join(_reply(s, 1500)) for mark in ("\n## ", "\n```", "\n| "))
        )
        _start_reply(view)
        view.stream("".join(_reply(seed, 1500)))
        assert {row.kind for row in view.rows} <= {USER_LABEL, USER, AI_LABEL, AI}
        view.streaming = False
        view.finish_reply()
        by_kind: dict[int, list[str]] = {}
        for row in view.rows:
            by_kind.setdefault(row.kind, []).append(row.text)
        assert all(text.startswith("#") for text in by_kind[HEADING] if text[:1] != " ")
        assert any(text.startswith("```") for text in by_kind[CODE])
        assert all(text.startswith("|") for text in by_kind[TABLE])
        assert not any(text.startswith(("#", "```", "|")) for text in by_kind[AI])
        await pilot.pause()
        # The next reply starts plain again.
        _start_reply(view)
        view.stream("## Not yet a heading\n")
        assert view.rows[-2].kind == AI

    _in_app(check)


def test_a_reader_who_scrolled_up_keeps_the_same_lines_in_view_and_end_follows_again() -> None:
    async def check(app: ChatApp, view: TranscriptView, pilot: Pilot[None]) -> None:
        _start_reply(view)
        tokens = _reply(5, 40_000)
        at = 0

        def frame(n: int = 60) -> None:
            nonlocal at
            view.stream("".join(tokens[at : at + n]))
            at += n

        for _ in range(40):
            frame()
        await pilot.pause()
        assert view.following
        view.focus()
        await pilot.press("pageup", "pageup")
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        assert not view.following

        def visible() -> list[str]:
            return [strip.text for strip in view.render_lines(view.size.region)]

        before = visible()
        assert any(line.strip() for line in before)
        # The reply goes on, past the scrollback: rows drop off the front, and the
        # view moves up with them until the lines read are gone from it too.
        checks = 0
        for n in range(400):
            frame()
            if n % 20 == 0:
                await pilot.pause()
                if view.scroll_y > 0:
                    assert visible() == before, f"the lines in view moved after {n} frames"
                    checks += 1
        await pilot.pause()
        assert checks >= 5
        assert view.rows_added - len(view.rows) > 0  # rows did drop while the reader read
        assert view.unseen_rows > 0
        await pilot.press("end")
        await pilot.pause()
        assert view.following
        frame()
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y

    _in_app(check, scrollback=3000)


def _scrollbar_shown(app: ChatApp, view: TranscriptView) -> bool:
    try:
        app.screen.find_widget(view.vertical_scrollbar)
    except NoWidget:
        return False
    return True


def test_the_scrollbar_shows_only_while_the_reader_is_away_from_the_bottom_and_nothing_rewraps() -> None:
    """Following, the transcript's rows are whole in the screen's composition
    (no scrollbar cut through them each frame); scrolled up, the scrollbar is
    there to drag; ``end`` hides it again. The wrap width never moves."""

    async def check(app: ChatApp, view: TranscriptView, pilot: Pilot[None]) -> None:
        _start_reply(view)
        tokens = _reply(7, 5_000)
        for start in range(0, len(tokens), 60):
            view.stream("".join(tokens[start : start + 60]))
        await pilot.pause()
        rows = list(view.rows)
        assert view.following
        assert view.max_scroll_y > 0
        assert not _scrollbar_shown(app, view)
        view.focus()
        await pilot.press("pageup")
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        assert not view.following
        assert _scrollbar_shown(app, view)
        assert list(view.rows) == rows  # shown, it takes no column from the text
        await pilot.press("end")
        await pilot.pause()
        assert view.following
        assert not _scrollbar_shown(app, view)
        assert list(view.rows) == rows

    _in_app(check)
