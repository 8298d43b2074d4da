"""The benchmark runs end to end at a tiny size and produces every figure.

Its goals are read from its output by people; here we only make sure it
cannot rot: every variant, shape, batch mode, scale point and goal is there.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiway_tui.bench.runner import SHAPES, render_bench, run_bench
from aiway_tui.cli.main import main


def test_bench_produces_every_figure() -> None:
    result = run_bench(scale=0.001, repeats=1)
    for shape in SHAPES:
        for batch in ("1", "adaptive"):
            for variant in ("limit", "sink", "full", "naive"):
                assert result.rate(shape, batch, variant) > 0, (shape, batch, variant)
    assert {(p.shape, p.tokens) for p in result.scale_points} == {
        (shape, n) for shape in ("short", "medium") for n in (100, 100, 1000)
    }
    assert result.rapid["tokens"] == 1000
    # The idle phase's CPU can read 0: under one 10 ms tick of CPU time over 2.5 s.
    assert result.idle_cpu_percent >= 0
    assert result.streaming_cpu_percent > 0
    assert result.streaming_30fps_cpu_percent > 0
    assert result.streaming_fps == 20
    assert result.wake_floor_cpu_percent > 0
    assert result.rapid_floor_cpu_percent > 0
    assert result.idle_floor_cpu_percent > 0
    assert all(p.repeats == 1 and p.memory_growth_mb >= 0 for p in result.scale_points)
    # Each point's paint is its probe's: frames at one pace after the history, never none.
    assert all(p.probe_frames >= 3 and p.paint_p99_ms > 0 for p in result.scale_points)
    assert len(result.goals) == 14
    text = render_bench(result)
    assert "full/naive" in text
    assert "a bare Trio guest waking as often" in text
    assert "a bare Trio guest waking every 50 ms (its frame beat) beside it" in text
    assert "each in a fresh process" in text
    assert "while streaming at 20 fps" in text
    assert "Goals:" in text


def test_bench_cli_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "bench.json"
    assert main(["bench", "--scale", "0.0005", "--repeats", "1", "--json", str(target)]) == 0
    data = json.loads(target.read_text())
    assert len(data["measurements"]) == len(SHAPES) * 2 * 4
    assert all(m["tokens_per_s"] > 0 for m in data["measurements"])
    assert "=== aiway-tui bench" in capsys.readouterr().out


def test_bench_rejects_a_bad_scale(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--scale", "0"]) == 2
    assert capsys.readouterr().err.strip() == "aiway-tui: error: --scale 0 is out of range (0.0001..10)"


def test_bench_rejects_bad_repeats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--repeats", "0"]) == 2
    assert capsys.readouterr().err.strip() == "aiway-tui: error: --repeats 0 is out of range (1..50)"
