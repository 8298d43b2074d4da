"""The interactive demo, headless: every key and screen, through the real app and real Trio runs."""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import trio
from textual.pilot import Pilot
from textual.widgets import DataTable

from aiway_tui.core.config import RunConfig
from aiway_tui.core.pipeline import Ending, Pipeline
from aiway_tui.scenarios.catalogue import SCENARIOS
from aiway_tui.session.demo import DemoResult, run_demo
from aiway_tui.session.runner import SessionOptions
from aiway_tui.testing import press, wait_for
from aiway_tui.ui.demo_app import SCREENSHOT_DIR_ENV, DemoApp
from aiway_tui.ui.host import HostBridge, run_as_guest
from aiway_tui.ui.screens import HelpScreen, RunScreen, StartScreen

pytestmark = pytest.mark.trio(run=run_as_guest)

OPTIONS = SessionOptions(handle_signals=False, interactive=True)
Drive = Callable[[DemoApp, Pilot[object]], Awaitable[None]]


def configs(**overrides: object) -> dict[str, RunConfig]:
    return {s.name: s.config.with_overrides(**overrides) for s in SCENARIOS}


async def demo(
    drive: Drive,
    config_map: dict[str, RunConfig] | None = None,
    first: str | None = None,
    size: tuple[int, int] = (120, 36),
) -> DemoResult:
    """Run the demo with ``drive`` as the user; returns what the demo returned."""
    async with trio.open_nursery() as nursery:
        return await run_demo(
            SCENARIOS,
            config_map or configs(message_count=200_000),
            first,
            OPTIONS,
            size=size,
            on_ready=lambda app, pilot: nursery.start_soon(drive, app, pilot),
        )


async def on_host(app: DemoApp, action: Callable[[], Awaitable[object]]) -> None:
    """Run a Pilot coroutine on the host loop, with Textual's active app set."""

    async def run() -> None:
        await action()

    with app._context():
        context = contextvars.copy_context()
    await HostBridge().call(run(), context)


def running(app: DemoApp, name: str | None = None) -> Pipeline | None:
    """The pipeline of the run on screen, once its run screen is mounted."""
    screen = app.screen
    if not isinstance(screen, RunScreen) or app.pipeline is None:
        return None
    if name is not None and screen.scenario.name != name:
        return None
    return app.pipeline


def task_count() -> int:
    """Every task alive in this Trio run, counted through the task tree."""

    def count(task: trio.lowlevel.Task) -> int:
        return 1 + sum(count(child) for nursery in task.child_nurseries for child in nursery.child_tasks)

    root = trio.lowlevel.current_root_task()
    assert root is not None
    return count(root)


async def test_start_screen_lists_every_scenario_and_enter_starts_the_highlighted_one() -> None:
    async def drive(app: DemoApp, pilot: Pilot[object]) -> None:
        await wait_for(lambda: isinstance(app.screen, StartScreen))
        table = app.screen.query_one("#catalogue", DataTable)
        assert table.row_count == len(SCENARIOS)
        await press(pilot, "down", "enter")
        await wait_for(lambda: running(app, "1m-medium") is not None)
        await press(pilot, "q")

    result = await demo(drive)
    assert [r.scenario for r in result.reports] == ["1m-medium"]
    assert result.reports[0].ending in ("quit", "completed")


async def test_a_digit_a_double_click_and_the_command_palette_start_scenarios() -> None:
    started: list[str] = []

    async def drive(app: DemoApp, pilot: Pilot[object]) -> None:
        await wait_for(lambda: isinstance(app.screen, StartScreen))
        await press(pilot, "4")
        await wait_for(lambda: running(app, "rapid-tokens") is not None)
        started.append("rapid-tokens")
        await press(pilot, "escape")
        await wait_for(lambda: isinstance(app.screen, StartScreen))
        # Mouse: the first click highlights a row (its details show), the second starts it.
        await on_host(app, lambda: pilot.click("#catalogue", offset=(4, 3)))
        await on_host(app, lambda: pilot.click("#catalogue", offset=(4, 3)))
        await wait_for(lambda: running(app, "1k-long") is not None)
        started.append("1k-long")
        await press(pilot, "ctrl+p")
        await trio.sleep(0.2)
        await press(pilot, *"backpressure")
        await trio.sleep(0.3)
        await press(pilot, "enter")
        await wait_for(lambda: running(app, "backpressure") is not None)
        started.append("backpressure")
        await press(pilot, "q")

    result = await demo(drive, configs(message_count=100_000, time_limit_s=60.0))
    assert started == ["rapid-tokens", "1k-long", "backpressure"]
    assert [r.scenario for r in result.reports] == ["rapid-tokens", "1k-long", "backpressure"]


async def test_space_pauses_the_buffer_fills_and_nothing_is_lost_after_resume() -> None:
    count = 400_000
    seen: dict[str, int] = {}

    async def drive(app: DemoApp, pilot: Pilot[object]) -> None:
        await wait_for(lambda: (p := running(app)) is not None and p.tracker.tokens > 10_000)
        pipeline = app.pipeline
        assert pipeline is not None
        await press(pilot, "space")
        capacity = pipeline.config.buffer
        await wait_for(lambda: pipeline.buffer_used() >= capacity)
        # The send that filled the last slot counts its tokens when the conductor next
        # runs (after the send's checkpoint): on a busy machine, after this task looked.
        await trio.sleep(0.05)
        held = pipeline.tracker.tokens
        sent = pipeline.conductor.tokens_sent
        await trio.sleep(0.3)
        # Backpressure: the consumer took nothing, the conductor is blocked on send.
        seen["received_while_paused"] = pipeline.tracker.tokens - held
        seen["sent_while_paused"] = pipeline.conductor.tokens_sent - sent
        seen["buffer"] = pipeline.buffer_used()
        assert "paused" in str(app.screen.query_one("#figures").render())
        await press(pilot, "space")
        await wait_for(lambda: pipeline.consumer.done.is_set())
        await press(pilot, "q")

    result = await demo(drive, configs(message_count=count), first="rapid-tokens")
    assert seen["received_while_paused"] == 0
    assert seen["sent_while_paused"] == 0
    assert seen["buffer"] == 256
    r = result.reports[-1].results
    assert result.reports[-1].ending == "completed"
    assert (r["tokens_sent"], r["tokens_received"]) == (count, count)
    assert (r["lost"], r["duplicated"], r["reordered"], r["streams_failed"]) == (0, 0, 0, 0)
    assert r["buffer_saturated"] == 1


async def test_plus_and_minus_step_the_token_rate_and_the_conductor_follows() -> None:
    rates: dict[str, float] = {}

    async def tokens_per_s(pipeline: Pipeline, seconds: float = 1.0) -> float:
        before = pipeline.tracker.tokens
        await trio.sleep(seconds)
        return (pipeline.tracker.tokens - before) / seconds

    async def drive(app: DemoApp, pilot: Pilot[object]) -> None:
        await wait_for(lambda: (p := running(app)) is not None and p.tracker.tokens > 1_000)
        pipeline = app.pipeline
        screen = app.screen
        assert pipeline is not None
        assert isinstance(screen, RunScreen)
        await press(pilot, "minus", "minus", "minus", "minus")  # 100K/s -> 5K/s
        assert screen.pace.delay_us == pytest.approx(200.0)
        assert "5,000/s" in str(screen.title_bar.render())
        rates["slow"] = await tokens_per_s(pipeline)
        await press(pilot, "plus")  # -> 10K/s
        assert screen.pace.delay_us == pytest.approx(100.0)
        rates["faster"] = await tokens_per_s(pipeline)
        await press(pilot, "q")

    result = await demo(drive, configs(message_count=1_000_000), first="rapid-tokens")
    # Loose bounds: a shared machine. The schedule is 5K/s then 10K/s.
    assert 2_500 < rates["slow"] < 7_500
    assert 6_000 < rates["faster"] < 14_000
    r = result.reports[-1].results
    assert (r["lost"], r["duplicated"], r["reordered"], r["tokens_unaccounted"]) == (0, 0, 0, 0)


async def test_r_restarts_with_a_fresh_pipeline_and_no_leaked_tasks() -> None:
    seen: dict[str, object] = {}

    async def drive(app: DemoApp, pilot: Pilot[object]) -> None:
        await wait_for(lambda: (p := running(app)) is not None and p.tracker.tokens > 1_000)
        first, first_screen = app.pipeline, app.screen
        assert first is not None
        seen["tasks_first"] = task_count()
        await press(pilot, "r")
        await wait_for(
            lambda: (p := running(app)) is not None and p is not first and p.tracker.tokens > 1_000
        )
        seen["tasks_second"] = task_count()
        seen["fresh_screen"] = app.screen is not first_screen
        seen["first_running"] = set(first.running)
        seen["first_ending"] = first.ending
        await press(pilot, "q")

    result = await demo(drive, configs(message_count=1_000_000), first="rapid-tokens")
    assert seen["first_ending"] is Ending.QUIT
    assert seen["first_running"] == set()
    assert seen["fresh_screen"] is True
    assert seen["tasks_second"] == seen["tasks_first"]
    assert [r.scenario for r in result.reports] == ["rapid-tokens", "rapid-tokens"]
    assert all(r.results["tokens_unaccounted"] == 0 for r in result.reports)


async def test_escape_goes_back_to_the_catalogue_and_q_there_quits() -> None:
    async def drive(app: DemoApp, pilot: Pilot[object]) -> None:
        await wait_for(lambda: running(app) is not None)
        await press(pilot, "escape")
        await wait_for(lambda: isinstance(app.screen, StartScreen) and app.pipeline is None)
        await press(pilot, "q")

    result = await demo(drive, first="1m-short")
    assert [r.scenario for r in result.reports] == ["1m-short"]
    assert result.reports[0].results["tokens_unaccounted"] == 0


async def test_question_mark_shows_help_and_escape_closes_it() -> None:
    async def drive(app: DemoApp, pilot: Pilot[object]) -> None:
        await wait_for(lambda: running(app) is not None)
        await press(pilot, "question_mark")
        await wait_for(lambda: isinstance(app.screen, HelpScreen))
        text = str(app.screen.query_one("#help-text").render())
        for key in ("Space", "+ / -", "Tab", "End", "Escape", "Ctrl+P"):
            assert key in text
        await press(pilot, "escape")
        await wait_for(lambda: isinstance(app.screen, RunScreen))
        await press(pilot, "q")

    result = await demo(drive, first="rapid-tokens")
    assert len(result.reports) == 1


async def test_s_saves_an_svg_screenshot_where_the_user_is_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SCREENSHOT_DIR_ENV, str(tmp_path))

    async def drive(app: DemoApp, pilot: Pilot[object]) -> None:
        await wait_for(lambda: (p := running(app)) is not None and p.tracker.tokens > 1_000)
        await press(pilot, "s")
        await wait_for(lambda: bool(app.screenshots))
        await press(pilot, "q")

    result = await demo(drive, first="rapid-tokens")
    [path] = result.screenshots
    assert Path(path).parent == tmp_path
    assert (await trio.Path(path).read_text()).startswith("<svg")


async def test_conversations_side_by_side_when_wide_as_tabs_when_small_and_tab_moves() -> None:
    seen: dict[str, object] = {}

    async def drive(app: DemoApp, pilot: Pilot[object]) -> None:
        await wait_for(lambda: (p := running(app)) is not None and p.tracker.streams_completed >= 3)
        screen = app.screen
        assert isinstance(screen, RunScreen)
        seen["wide_tabbed"] = screen.tabbed
        seen["streams"] = [pane.streams for pane in screen.panes]
        await on_host(app, lambda: pilot.resize_terminal(80, 24))
        await wait_for(lambda: screen.tabbed)
        seen["visible"] = [pane.display for pane in screen.panes]
        await press(pilot, "tab")
        seen["active_after_tab"] = screen.active
        seen["visible_after_tab"] = [pane.display for pane in screen.panes]
        await press(pilot, "q")

    config_map = configs(message_count=600_000, streams=6, conversations=3)
    await demo(drive, config_map, first="rapid-tokens", size=(200, 40))
    assert seen["wide_tabbed"] is False
    streams = seen["streams"]
    assert isinstance(streams, list)
    # The three conversations stream at once: each pane has its share.
    assert min(streams) >= 1
    assert max(streams) - min(streams) <= 1
    assert seen["active_after_tab"] == 1
    assert seen["visible"] == [True, False, False]
    assert seen["visible_after_tab"] == [False, True, False]


async def test_a_reader_who_scrolls_up_is_not_yanked_and_end_follows_again() -> None:
    seen: dict[str, object] = {}

    async def drive(app: DemoApp, pilot: Pilot[object]) -> None:
        await wait_for(lambda: running(app) is not None)
        screen = app.screen
        assert isinstance(screen, RunScreen)
        pane = screen.panes[0]
        view = pane.transcript
        await wait_for(lambda: len(view.rows) == view.scrollback)
        # Fill the scrollback fast, then slow to 1K tok/s (~60 rows/s) to read.
        await press(pilot, *["minus"] * 6)
        await press(pilot, "pageup")
        await wait_for(lambda: not view.following and view.scroll_y == view.scroll_target_y)
        top = view.rows[round(view.scroll_y)]
        added = view.rows_added
        # The scrollback is full: rows drop from the front as more arrive.
        await wait_for(lambda: view.rows_added > added + 60)
        await trio.sleep(0.1)
        seen["same_top_row"] = view.rows[round(view.scroll_y)] is top
        seen["still_away"] = not view.following
        seen["marker"] = pane.marker.display
        await press(pilot, "end")
        await wait_for(lambda: view.following)
        await trio.sleep(0.1)
        seen["marker_after_end"] = pane.marker.display
        seen["following_later"] = view.following
        await press(pilot, "q")

    config_map = configs(message_count=5_000_000, scrollback=1000, time_limit_s=120.0)
    await demo(drive, config_map, first="rapid-tokens")
    assert seen == {
        "same_top_row": True,
        "still_away": True,
        "marker": True,
        "marker_after_end": False,
        "following_later": True,
    }


def streamed_past(pipeline: Pipeline, tokens: int) -> bool:
    return pipeline.tracker.tokens > tokens or pipeline.consumer.done.is_set()


async def test_resizing_under_full_load_keeps_streaming_and_verifying() -> None:
    async def drive(app: DemoApp, pilot: Pilot[object]) -> None:
        await wait_for(lambda: (p := running(app)) is not None and p.tracker.tokens > 10_000)
        pipeline = app.pipeline
        assert pipeline is not None
        for width, height in ((80, 24), (160, 48), (100, 30), (80, 24)):
            before = pipeline.tracker.tokens
            await on_host(app, lambda w=width, h=height: pilot.resize_terminal(w, h))  # type: ignore[misc]
            await wait_for(lambda b=before: streamed_past(pipeline, b + 1_000))  # type: ignore[misc]
        await wait_for(lambda: pipeline.consumer.done.is_set())
        await press(pilot, "q")

    result = await demo(drive, configs(message_count=300_000), first="1m-short")
    report = result.reports[-1]
    assert report.ending == "completed"
    assert report.passed, [c for c in report.criteria if not c.passed]


async def test_a_run_that_hits_its_time_limit_leaves_the_app_up_until_q() -> None:
    seen: dict[str, object] = {}

    async def drive(app: DemoApp, pilot: Pilot[object]) -> None:
        await wait_for(lambda: app.pipeline is not None and app.pipeline.ending is not None)
        await trio.sleep(0.3)
        seen["app_running"] = app.is_running
        seen["screen"] = type(app.screen).__name__
        await press(pilot, "q")

    config_map = {
        s.name: s.config.with_overrides(time_limit_s=1.0) if s.name == "rapid-tokens" else s.config
        for s in SCENARIOS
    }
    result = await demo(drive, config_map, first="rapid-tokens")
    assert seen == {"app_running": True, "screen": "RunScreen"}
    [report] = result.reports
    assert report.ending == "timed out"
    assert report.results["tokens_unaccounted"] == 0


async def test_the_live_figures_refresh_without_a_layout_of_the_run_screen() -> None:
    """Four refreshes a second of every figure, title and header repaint them in place: a
    layout of the whole run screen each time took 15-50 ms in a real terminal, in the way of a key."""
    seen: dict[str, int] = {}

    async def drive(app: DemoApp, pilot: Pilot[object]) -> None:
        await wait_for(lambda: (p := running(app)) is not None and p.tracker.tokens > 20_000)
        screen = app.screen
        assert isinstance(screen, RunScreen)
        layouts: list[object] = []
        screen.screen_layout_refresh_signal.subscribe(screen, layouts.append)
        await trio.sleep(0.2)  # the stream's first rows: the transcript overflows its view once
        layouts.clear()
        refreshed = []
        for _ in range(6):
            await wait_for(
                lambda: screen.stats.snapshot is not None and screen.stats.snapshot not in refreshed
            )
            refreshed.append(screen.stats.snapshot)
        seen["layouts"] = len(layouts)
        seen["figures"] = len({s.tokens_received for s in refreshed if s is not None})
        await press(pilot, "q")

    await demo(drive, configs(message_count=2_000_000), first="rapid-tokens")
    assert seen["figures"] >= 5  # the figures moved on at each refresh
    assert seen["layouts"] == 0
