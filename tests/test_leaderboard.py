"""The leaderboard at a reduced size: every row and every figure is there (not how fast).

One board of every built-in target, both feeds and both default scenarios at
1,000 tokens a run (24 runs, a few seconds); how fast each row is, is for
people to read in the table, not for a test on a shared machine.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from aiway_tui.bench.leaderboard import DEFAULT_SCENARIOS, FIGURES, run_leaderboard
from aiway_tui.cli.main import main
from aiway_tui.core.feed import FEEDS
from aiway_tui.targets import BUILTINS
from aiway_tui.testing import usage_error_line

FIGURE_KEYS = (
    "tokens_per_s",
    "delivery_p50_ms",
    "delivery_p99_ms",
    "render_p99_ms",
    "fps",
    "ui_lag_p99_ms",
    "quit_latency_ms",
    "cpu_avg_percent",
    "rss_growth_mb",
)


def test_the_board_has_a_row_per_scenario_target_and_feed_with_every_figure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_json = tmp_path / "board.json"
    assert main(["bench", "--targets", "--count", "1000", "--json", str(out_json)]) == 0
    captured = capsys.readouterr()
    board = json.loads(out_json.read_text())
    assert board["targets"] == list(BUILTINS)
    assert board["scenarios"] == list(DEFAULT_SCENARIOS)
    assert board["feeds"] == list(FEEDS)
    rows = {(e["scenario"], e["target"], e["feed"]): e for e in board["entries"]}
    assert set(rows) == {(s, t, f) for s in DEFAULT_SCENARIOS for t in BUILTINS for f in FEEDS}
    for key, entry in rows.items():
        missing = [k for k in FIGURE_KEYS if not isinstance(entry[k], int | float)]
        assert missing == [], (key, missing)
        assert entry["tokens_received"] == entry["tokens_expected"] == 1000, key  # nothing lost
        assert entry["tokens_per_s"] > 0, key
        assert entry["verdict"] == "PASS" or entry["verdict"].startswith("FAIL"), key
        assert (entry["schedule_kept_pct"] is not None) == (entry["scenario"] == "rapid-tokens"), key
    text = captured.out
    table = [line for line in text.splitlines() if line.startswith(DEFAULT_SCENARIOS)]
    assert len(table) == len(rows)
    for line in table:  # a row prints every column: no figure is left blank
        assert len(line.split()) >= 13, line
        assert " - " not in line, line
    assert "% kept" in text
    goals = {g["name"]: g for g in board["goals"]}
    for scenario in DEFAULT_SCENARIOS:
        assert f"{scenario}: ours (transcript/per-frame) ahead or level on every figure" in goals
    for target in BUILTINS:
        assert f"1m-short, {target}: per-frame / per-token >= 10x" in goals
    assert "Goals:" in text
    assert "bench: rapid-tokens on markdown, per-token (1,000 tokens)" in captured.err


def test_a_run_past_its_cap_ends_in_order_as_fallen_behind() -> None:
    started = time.monotonic()
    board = run_leaderboard(
        ["transcript"], scenarios=["rapid-tokens"], feeds=["per-token"], count=2_000_000, time_cap_s=0.5
    )
    assert time.monotonic() - started < 15  # the cap ended it: the schedule alone is 20 s
    (entry,) = board.entries
    assert entry.ending == "timed out"
    assert 0 < entry.tokens_received < 2_000_000
    assert re.fullmatch(r"fell behind: [\d,]+ of 2,000,000 tokens after 0\.\d s", entry.verdict)
    assert entry.quit_latency_ms is not None


def test_ours_behind_on_a_figure_is_named_level_is_not() -> None:
    tok_s = FIGURES[0]
    assert tok_s.worse(100.0, 200.0)
    assert not tok_s.worse(100.0, 103.0)  # within 5 %: level
    render = next(f for f in FIGURES if f.name == "render p99")
    assert not render.worse(0.52, 0.45)  # under its 0.1 ms floor
    assert render.worse(0.9, 0.45)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bench", "--targets", "no-such"], "--target 'no-such': not a built-in"),
        (["bench", "--targets", "log", "--scenario", "nope"], "unknown scenario 'nope'"),
        (["bench", "--count", "100"], "--count goes with --targets (the leaderboard)"),
        (["bench", "--targets", "--scale", "0.1"], "--scale is for the layered benchmark"),
        (["bench", "--targets", "--feed", "sometimes"], "invalid choice: 'sometimes'"),
        (["bench", "--targets", "--time-cap", "0"], "expected seconds in 0.1..86400, got '0'"),
        (["bench", "--targets", "--count", "0"], "expected a whole number >= 1, got '0'"),
    ],
)
def test_bad_leaderboard_input_is_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(argv)
    captured = capsys.readouterr()
    assert message in usage_error_line(argv, captured.out, captured.err, code)
