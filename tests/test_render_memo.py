"""Memoised lines are the lines Textual would draw now, after any style change."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from aiway_tui.ui.chat_app import ChatApp
from aiway_tui.ui.chat_screen import ChatScreen
from aiway_tui.ui.transcript import AI, AI_LABEL


def _full(widget: Widget) -> Region:
    return Region(0, 0, widget.region.width, widget.region.height)


def _textuals_own(widget: Widget) -> list[Strip]:
    widget._styles_cache.clear()
    return Widget.render_lines(widget, _full(widget))


def _drawn(app: ChatApp) -> dict[str, list[Strip]]:
    """What the screen, the title and the status line draw now (memoised or not)."""
    return {
        "screen": app.screen.render_lines(_full(app.screen)),
        "title": app.query_one("#title").render_lines(_full(app.query_one("#title"))),
        "status": app.status.render_lines(_full(app.status)),
    }


def _assert_as_textual(app: ChatApp) -> None:
    drawn = _drawn(app)
    assert drawn["screen"] == _textuals_own(app.screen)
    assert drawn["title"] == _textuals_own(app.query_one("#title"))
    assert drawn["status"] == _textuals_own(app.status)


def _in_app(scenario: Callable[[ChatApp], Awaitable[None]]) -> None:
    async def run() -> None:
        app = ChatApp(title="memo")
        async with app.run_test(size=(60, 12)) as pilot:
            app.status.show("streaming 12 tok/s")
            await pilot.pause()
            await scenario(app)

    asyncio.run(run())


def test_the_chat_app_draws_its_lines_as_textual_does_and_reuses_them() -> None:
    async def scenario(app: ChatApp) -> None:
        assert isinstance(app.screen, ChatScreen)
        first = _drawn(app)
        again = _drawn(app)
        for name in first:
            assert again[name] is first[name]  # not drawn again
        _assert_as_textual(app)
        assert "memo" in first["title"][0].text

    _in_app(scenario)


def test_new_text_is_drawn() -> None:
    async def scenario(app: ChatApp) -> None:
        before = _drawn(app)["status"]
        app.status.show("done")
        after = _drawn(app)["status"]
        assert after[0].text.strip() == "done"
        assert after != before
        _assert_as_textual(app)

    _in_app(scenario)


def test_a_style_change_on_an_ancestor_redraws_what_it_shows_through() -> None:
    async def scenario(app: ChatApp) -> None:
        before = _drawn(app)
        box = app.transcript._current_box()
        app.screen.styles.background = "red"
        app.status.styles.background = "blue"
        after = _drawn(app)
        assert after["screen"] != before["screen"]
        assert after["status"] != before["status"]
        _assert_as_textual(app)
        # The transcript's own background blends over the screen's.
        assert app.transcript._current_box() != box
        assert app.transcript._current_box() == app.transcript._plain_box()

    _in_app(scenario)


def test_a_new_theme_redraws_everything() -> None:
    async def scenario(app: ChatApp) -> None:
        view = app.transcript
        view.add_block("▌ Assistant", AI_LABEL, "hello", AI)
        box = view._current_box()
        before = _drawn(app)
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await asyncio.sleep(0.05)
        after = _drawn(app)
        assert after["title"] != before["title"]
        _assert_as_textual(app)
        assert view._current_box() != box
        assert view._current_box() == view._plain_box()

    _in_app(scenario)
