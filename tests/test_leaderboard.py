"""The leaderboard at a reduced size: every row and every figure is there (not how fast).

One board of every built-in target, both feeds and both default scenarios at
300 tokens a run, each capped at 2 s (24 runs); how fast each row is, is for
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
    "quit_latency_ms",
    "cpu_avg_percent",
    "cpu_us_per_token",
    "rss_growth_mb",
)
SHORT_RUN_S = 0.5
"""Frame rate and UI lag are rated over at least this long (else they read ``None``, printed ``-``)."""


def test_the_board_has_a_row_per_scenario_target_and_feed_with_every_figure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_json = tmp_path / "board.json"
    argv = ["bench", "--targets", "--count", "300", "--time-cap", "2", "--json", str(out_json)]
    assert main(argv) == 0
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
        for short in ("fps", "ui_lag_p99_ms"):  # rated over a run's frames: a run of 2 s has them
            assert isinstance(entry[short], float) or entry["duration_s"] < 2 * SHORT_RUN_S, (key, short)
        assert entry["intact"], key  # a slow target never makes the harness lose a token
        assert 0 < entry["tokens_shown"] <= entry["tokens_expected"] == 300, key
        if entry["fell_behind"]:
            assert re.fullmatch(r"fell behind: [\d,]+ of 300 tokens after \d\.\d s", entry["verdict"]), key
        else:
            assert entry["tokens_received"] == 300, key
            assert entry["verdict"] == "PASS" or entry["verdict"].startswith("FAIL: "), key
        assert (entry["schedule_kept_pct"] is not None) == (entry["scenario"] == "rapid-tokens"), key
    text = captured.out
    table = [line for line in text.splitlines() if line.startswith(DEFAULT_SCENARIOS)]
    assert len(table) == len(rows)
    for line in table:  # a row prints every column
        assert len(line.split()) >= 14, line
    assert "% kept" in text
    goals = {g["name"]: g for g in board["goals"]}
    ours = "ours (transcript/per-frame) ahead of or level with every other target on every figure"
    for scenario in DEFAULT_SCENARIOS:
        assert f"{scenario}: {ours}" in goals
    for target in BUILTINS:
        assert f"1m-short, {target}: per-frame / per-token >= 10x" in goals
    assert "Goals:" in text
    assert "bench: rapid-tokens on markdown, per-token (300 tokens)" in captured.err
    assert "bench: warming up markdown, per-token" in captured.err


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
    assert not tok_s.worse(100.0, 108.0)  # within compare's 10 %: level
    render = next(f for f in FIGURES if f.name == "render p99")
    assert not render.worse(1.4, 0.45)  # under the registry's 1 ms floor
    assert render.worse(3.0, 0.45)
    assert not render.worse(0.45, 3.0)  # lower is better


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
