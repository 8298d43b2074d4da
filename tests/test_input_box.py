"""The input box under load: keys through the driver's input path, echoed and timed.

Keys enter as a terminal's bytes do (the driver's ``XTermParser``, then
``Driver.process_message``), on a thread of their own; the real app runs
headless with a real pipeline streaming.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time

import pytest
from textual import events
from textual.pilot import Pilot

from aiway_tui.core.pipeline import Pipeline
from aiway_tui.report.run_report import render_text
from aiway_tui.scenarios.catalogue import get_scenario
from aiway_tui.session.runner import SessionOptions, run_session
from aiway_tui.session.typist import DriverKeys, Typist
from aiway_tui.ui.chat_app import ChatApp
from aiway_tui.ui.compat import driver_of, key_parser
from aiway_tui.ui.host import run_as_guest
from aiway_tui.ui.transcript import USER

OPTIONS = SessionOptions(handle_signals=False)


def _typist(pipeline: Pipeline) -> Typist:
    return next(task for name, task in pipeline.side_tasks if isinstance(task, Typist))


@pytest.mark.trio(run=run_as_guest)
async def test_keys_typed_through_the_driver_are_echoed_in_order_and_timed() -> None:
    scenario = get_scenario("typing")
    config = dataclasses.replace(scenario.config, message_count=250_000, typist_cps=20)
    report = await run_session(scenario, config, OPTIONS)
    r = report.results
    assert r["keys_pressed"] >= 20
    assert r["keys_echoed"] == r["keys_pressed"]
    assert r["keys_out_of_order"] == r["keys_not_echoed"] == 0
    assert report.latency["input"].count == r["keys_pressed"]
    assert 0 < r["input_p50_ms"] <= r["input_p99_ms"] <= r["input_max_ms"]
    assert r["tokens_received"] == config.message_count
    assert r["streams_failed"] == 0
    assert "keystroke (press -> echoed)" in render_text(report)


@pytest.mark.trio(run=run_as_guest)
async def test_a_200_ms_block_of_the_ui_thread_shows_as_a_keystroke_of_at_least_200_ms() -> None:
    scenario = get_scenario("typing")
    config = dataclasses.replace(scenario.config, message_count=250_000, typist_cps=20)
    blocked = threading.Event()

    def arm(app: ChatApp, pipeline: Pipeline, pilot: Pilot[object]) -> None:
        loop = asyncio.get_running_loop()
        typist = _typist(pipeline)

        def on_press(count: int) -> None:
            # Right after the 8th key entered the driver's path: the UI thread is
            # blocked before that key can be handled, as a long paint would.
            if count == 8 and not blocked.is_set():
                blocked.set()
                loop.call_soon_threadsafe(time.sleep, 0.2)

        typist.on_press = on_press

    report = await run_session(scenario, config, OPTIONS, on_ready=arm)
    assert blocked.is_set()
    r = report.results
    assert r["input_max_ms"] >= 200
    assert r["keys_echoed"] == r["keys_pressed"]
    failed = {c.metric for c in report.criteria if not c.passed}
    assert "input_max_ms" in failed


@pytest.mark.trio(run=run_as_guest)
async def test_enter_mid_reply_starts_a_new_reply_that_completes_and_verifies() -> None:
    scenario = get_scenario("typing")
    config = dataclasses.replace(
        scenario.config, message_count=150_000, message_delay_us=20, typist_cps=0, scrollback=50_000
    )
    seen: dict[str, object] = {}

    def type_a_message(app: ChatApp, pipeline: Pipeline, pilot: Pilot[object]) -> None:
        keys = DriverKeys(app)

        def user() -> None:
            time.sleep(0.5)  # the planned reply is streaming by now
            keys.press("\t")
            time.sleep(0.2)
            seen["focused"] = type(app.focused).__name__
            for char in "what about tables?":
                keys.press(char)
                time.sleep(0.02)
            time.sleep(0.2)
            seen["echo"] = app.input_box.value
            keys.press("\r")

        seen["app"] = app
        threading.Thread(target=user, daemon=True).start()

    report = await run_session(scenario, config, OPTIONS, on_ready=type_a_message)
    r = report.results
    assert seen["focused"] == "ChatInput"
    assert seen["echo"] == "what about tables?"
    assert r["user_messages_answered"] == 1
    assert r["answer_tokens_received"] == config.answer_tokens
    assert r["streams_completed"] == 2
    assert r["streams_failed"] == 0  # the answer is verified (count + CRC-32) like every stream
    assert r["tokens_received"] == config.message_count  # the planned count, answers apart
    assert r["tokens_unaccounted"] == 0
    app = seen["app"]
    assert isinstance(app, ChatApp)
    assert any(row.kind == USER and "what about tables?" in row.text for row in app.transcript.rows)
    assert app.input_box.value == ""


def test_the_key_parser_reads_a_terminals_bytes_as_textuals_keys() -> None:
    feed = key_parser()
    keys = [event.key for event in feed("a\t\r\x15") if isinstance(event, events.Key)]
    assert keys == ["a", "tab", "enter", "ctrl+u"]


@pytest.mark.trio(run=run_as_guest)
async def test_a_persons_keys_are_timed_from_the_drivers_parse() -> None:
    scenario = get_scenario("typing")
    config = dataclasses.replace(scenario.config, message_count=100_000, message_delay_us=20, typist_cps=0)
    drivers: list[object] = []

    def type_by_hand(app: ChatApp, pipeline: Pipeline, pilot: Pilot[object]) -> None:
        drivers.append(driver_of(app))
        keys = DriverKeys(app)

        def person() -> None:
            time.sleep(0.3)
            keys.press("\t")
            time.sleep(0.2)
            for char in "hello":
                keys.press(char)
                time.sleep(0.05)

        threading.Thread(target=person, daemon=True).start()

    report = await run_session(scenario, config, OPTIONS, on_ready=type_by_hand)
    assert drivers[0] is not None
    r = report.results
    assert r["keys_pressed"] == r["keys_echoed"] == 5
    assert report.latency["input"].count == 5
