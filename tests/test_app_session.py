"""The real Textual app, headless, driven from pytest-trio tests (the ``aiway`` fixture hosts them)."""

from __future__ import annotations

import gc

import pytest
import trio
from textual.pilot import Pilot

from aiway_tui.core.pipeline import Pipeline
from aiway_tui.pytest_plugin import Aiway
from aiway_tui.report.run_report import render_text
from aiway_tui.scenarios.catalogue import get_scenario
from aiway_tui.session.runner import SessionOptions, run_session
from aiway_tui.testing import press, wait_for
from aiway_tui.ui.chat_app import ChatApp
from aiway_tui.ui.host import run_as_guest
from aiway_tui.ui.transcript import AI, NOTE, USER

OPTIONS = SessionOptions(handle_signals=False)


async def test_a_short_run_completes_verified_and_painted(aiway: Aiway) -> None:
    seen: list[ChatApp] = []
    report = await aiway.run(
        "1m-short", message_count=50_000, streams=10, on_ready=lambda app, _p, _pilot: seen.append(app)
    )
    r = report.results
    assert report.ending == "completed"
    assert report.passed, [c for c in report.criteria if not c.passed]
    assert (r["tokens_sent"], r["tokens_received"]) == (50_000, 50_000)
    assert (r["lost"], r["duplicated"], r["reordered"], r["streams_intact"]) == (0, 0, 0, 10)
    assert r["frames"] >= 1
    assert r["tokens_painted"] == 50_000
    kinds = {row.kind for row in seen[0].transcript.rows}
    assert {USER, AI, NOTE} <= kinds
    assert len(seen[0].transcript.rows) <= report.config["scrollback"]


async def test_quit_key_mid_stream_ends_in_order_and_counts_everything(aiway: Aiway) -> None:
    async def press_q_while_streaming(pipeline: Pipeline, pilot: Pilot[object]) -> None:
        await wait_for(lambda: pipeline.tracker.tokens >= 20_000)
        await press(pilot, "q")

    async with trio.open_nursery() as nursery:
        report = await aiway.run(
            "rapid-tokens",
            message_count=500_000,
            on_ready=lambda _app, pipeline, pilot: nursery.start_soon(
                press_q_while_streaming, pipeline, pilot
            ),
        )
    r = report.results
    assert report.ending == "quit"
    assert 20_000 <= r["tokens_received"] < 500_000
    assert r["tokens_unaccounted"] == 0
    assert (r["lost"], r["duplicated"], r["reordered"]) == (0, 0, 0)
    assert report.quit.total_ms is not None
    assert report.quit.total_ms < 1000
    assert report.quit.key_to_cancel_ms is not None
    assert not report.passed  # the stream was cut short: "all received" fails, as it should


async def test_painter_failure_ends_the_run_with_a_report(aiway: Aiway) -> None:
    def break_painting(app: ChatApp, _pipeline: Pipeline, _pilot: Pilot[object]) -> None:
        def paint(*_args: object) -> None:
            raise RuntimeError("render exploded")

        app.paint = paint  # type: ignore[method-assign,assignment]

    report = await aiway.run("1m-short", message_count=100_000, on_ready=break_painting)
    assert report.ending == "failed"
    assert report.failed_task == "painter"
    assert report.failure is not None
    assert "render exploded" in report.failure
    assert not report.passed


def test_a_fresh_trio_run_works_after_a_session() -> None:
    scenario = get_scenario("1k-long")
    report = run_as_guest(run_session, scenario, scenario.config.with_overrides(message_count=50), OPTIONS)
    assert report.passed
    gc.collect()
    assert trio.run(trio.sleep, 0) is None


async def test_throughput_is_over_the_streaming_time_and_the_idle_phase_is_reported_apart(
    aiway: Aiway,
) -> None:
    """cpu-streaming's shape, shorter: 0.5 s idle, then 40 tokens at 100 tok/s.
    Over the whole run that reads ~44 tok/s; over the stream, the schedule."""
    report = await aiway.run("cpu-streaming", message_count=40, message_delay_us=10_000, idle_s=0.5)
    r = report.results
    assert report.ending == "completed"
    assert r["idle_phase_s"] >= 0.5
    assert r["duration_s"] == pytest.approx(r["idle_phase_s"] + r["stream_duration_s"])
    assert r["tokens_per_s"] == pytest.approx(r["tokens_received"] / r["stream_duration_s"])
    # Token 39 is due 0.39 s after token 0: never slower than 40 / 0.39 by the schedule's
    # own doing; a busy machine only delays the last arrival (and lowers the rate).
    assert r["tokens_per_s"] <= 40 / 0.39 * 1.001
    assert r["tokens_per_s"] > 1.2 * r["tokens_received"] / r["duration_s"]  # the idle phase is not in it
    text = render_text(report)
    assert "(idle 0." in text
    assert "over the streaming time" in text
