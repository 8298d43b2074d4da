"""A real chat under stress: typing while a reply streams, and a long session.

The real app, headless; the typist presses keys through the driver's input
path. ``typing`` runs at its own size; ``long-session`` at a reduced size
(400 replies, 2M tokens: about 25 s) with its flatness criteria asserted as
they are (they compare pooled tenths with noise floors, see
``measure.session_tenths``). ``aiway-tui run long-session`` is the full size.
"""

from __future__ import annotations

import pytest

from aiway_tui.report.run_report import render_text
from aiway_tui.scenarios.catalogue import get_scenario
from aiway_tui.session.runner import SessionOptions, run_session
from aiway_tui.testing import assert_criteria
from aiway_tui.ui.host import run_as_guest

OPTIONS = SessionOptions(handle_signals=False)


@pytest.mark.trio(run=run_as_guest)
async def test_stress_typing_while_a_reply_streams_at_100k() -> None:
    report = await run_session(get_scenario("typing"), None, OPTIONS)
    print(render_text(report))
    assert_criteria(report)
    r = report.results
    assert r["keys_pressed"] >= 60  # 15 keys/s for 8 s, less the pauses to clear a line
    assert r["keys_echoed"] == r["keys_pressed"]
    assert r["keys_out_of_order"] == 0
    assert r["tokens_per_s"] > 90_000


@pytest.mark.trio(run=run_as_guest)
async def test_stress_long_session_stays_as_fast_as_its_first_tenth() -> None:
    scenario = get_scenario("long-session")
    config = scenario.config.with_overrides(message_count=2_000_000, streams=400, time_limit_s=180)
    report = await run_session(scenario, config, OPTIONS)
    print(render_text(report))
    assert_criteria(report)
    assert len(report.tenths) == 10
    assert sum(row["replies"] for row in report.tenths) == 400
    assert all(
        35 <= row["replies"] <= 45 for row in report.tenths
    )  # a tenth closes at the poll after its bound
    assert report.as_dict()["tenths"][0]["keys"] > 0
