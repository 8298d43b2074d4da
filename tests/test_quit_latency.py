"""Quit-latency mode: many quits of the real app under load, each clean and timed."""

from __future__ import annotations

import asyncio
import gc
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import trio

from aiway_tui.cli.main import main
from aiway_tui.measure.stall_probe import HOST, StallProbe
from aiway_tui.quit.moments import MOMENTS, moments_for
from aiway_tui.quit.plan import plan_trials
from aiway_tui.quit.report import SEED_BOUND_MS, render_quit_text
from aiway_tui.quit.trials import (
    IN_PROCESS,
    STAGE_LABELS,
    STAGES,
    QuitTrial,
    run_trial,
    run_trials,
)
from aiway_tui.scenarios.catalogue import get_scenario
from aiway_tui.session.runner import SessionOptions
from aiway_tui.testing import usage_error_line
from aiway_tui.ui.host import run_as_guest

OPTIONS = SessionOptions(interactive=True, handle_signals=False)
RAPID = get_scenario("rapid-tokens")


def _assert_clean(trial: QuitTrial) -> None:
    assert trial.clean, (trial.moment, trial.problems)
    assert trial.ending == "quit"
    assert set(trial.stages_ms) == set(STAGES), trial.stages_ms
    assert trial.total_ms < SEED_BOUND_MS, trial


@pytest.mark.trio(run=run_as_guest)
async def test_thirty_five_quits_across_the_hard_moments_are_clean_and_under_a_second() -> None:
    plans = list(plan_trials(MOMENTS, 5 * len(MOMENTS), seed=7))
    trials = [await run_trial(RAPID, plan, OPTIONS) for plan in plans]
    assert len(trials) >= 30
    for trial in trials:
        _assert_clean(trial)
        assert trial.tokens_received > 0, trial
        assert trial.stall.longest_ms > 0, trial
    by_moment = {m.name: [t for t in trials if t.moment == m.name] for m in MOMENTS}
    assert all(len(group) == 5 for group in by_moment.values())
    assert all(t.where[0] == "paused" for t in by_moment["paused"])
    assert any("buffer full" in t.where for t in by_moment["buffer-full"])
    assert all(t.where[0] == "streaming" for t in by_moment["flood"])


def test_trials_in_fresh_guest_runs_leave_trio_usable() -> None:
    plans = list(plan_trials(moments_for("flood"), 2, seed=3))
    trials = run_trials(RAPID, plans, OPTIONS)
    assert [t.index for t in trials] == [0, 1]
    for trial in trials:
        _assert_clean(trial)
    gc.collect()
    assert trio.run(trio.sleep, 0) is None


def _busy(seconds: float) -> None:
    """Hold the thread without a checkpoint, as an over-long paint would."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


async def _hog_without_checkpoint() -> None:
    await trio.sleep(0.01)
    _busy(0.03)


@pytest.mark.trio(run=run_as_guest)
async def test_stall_probe_names_a_trio_task_that_skips_checkpoints_and_sees_host_stalls() -> None:
    probe = StallProbe()
    trio.lowlevel.add_instrument(probe)
    try:
        with probe.sampling():
            async with trio.open_nursery() as nursery:
                nursery.start_soon(_hog_without_checkpoint)
            trio_side = probe.snapshot()
            probe.reset()
            asyncio.get_running_loop().call_soon(_busy, 0.04)  # the host loop, between Trio ticks
            await trio.sleep(0.01)
            await trio.sleep(0.01)
            host_side = probe.snapshot()
    finally:
        trio.lowlevel.remove_instrument(probe)
    assert trio_side.trio_step_ms >= 30
    assert "_hog_without_checkpoint" in trio_side.trio_step_culprit
    assert "_busy" in trio_side.sampled_stack
    assert trio_side.culprit.startswith("Trio task step in")
    assert host_side.host_ms >= 25
    assert host_side.trio_step_ms < 25
    assert host_side.culprit.startswith(HOST)
    assert "_busy" in host_side.sampled_stack  # the watchdog saw where the host loop was
    assert not probe.live_tasks


def test_cli_reports_each_stage_and_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "quit.json"
    code = main(
        ["quit-latency", "--trials", "3", "--moment", "buffer-full", "--seed", "5", "--json", str(target)]
    )
    out = capsys.readouterr().out
    report = json.loads(target.read_text())
    assert code == (0 if report["passed"] else 1)
    assert "=== Quit latency (in process): Rapid Token Streaming, moment buffer-full, 3 trials" in out
    for label in STAGE_LABELS.values():
        assert label in out
    assert "Longest UI-thread stretch without a Trio checkpoint" in out
    assert "Quit < 1 s on every trial" in out
    assert "p99 quit < 20 ms" in out
    assert (report["mode"], report["trials_run"], report["warmup_trials"]) == ("in process", 3, 1)
    assert set(report["stages"]) == set(STAGES)
    assert report["stages"]["total"]["count"] == 3
    assert report["stages"]["total"]["max_ms"] < SEED_BOUND_MS
    assert all(t["clean"] and t["moment"] == "buffer-full" for t in report["trials"])
    assert {c["name"].split(" (")[0] for c in report["criteria"]} >= {"Quit < 1 s on every trial"}
    assert (report["target"], report["feed"]) == ("transcript", "per-frame")
    assert "Target: transcript, fed per-frame" in out


def test_the_quit_report_names_the_target_and_feed_it_quit_under(tmp_path: Path) -> None:
    target = tmp_path / "quit.json"
    argv = ["quit-latency", "--trials", "2", "--moment", "streaming", "--json", str(target)]
    main([*argv, "--target", "log", "--feed", "per-token"])
    report = json.loads(target.read_text())
    assert (report["target"], report["feed"], report["trials_run"]) == ("log", "per-token", 2)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["quit-latency", "--trials", "0"], "--trials 0 is out of range"),
        (["quit-latency", "--trials", "many"], "expected a whole number"),
        (["quit-latency", "--moment", "later"], "unknown moment 'later'"),
        (["quit-latency", "--scenario", "rapid"], "unknown scenario 'rapid'"),
        (["quit-latency", "--json", "/nonexistent/dir/q.json"], "does not exist"),
        (["quit-latency", "--scenario", "1k-long"], "moment many-streams on 1k-long: streams=2000"),
    ],
)
def test_quit_latency_bad_input_is_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(argv)
    captured = capsys.readouterr()
    assert message in usage_error_line(argv, captured.out, captured.err, code)


def test_an_empty_report_renders_and_fails() -> None:
    report = IN_PROCESS.report(RAPID, "mix", 0, 5, [])
    text = render_quit_text(report)
    assert "0 trials" in text
    assert "❌ All 5 trials ran" in text
    assert not report.passed


def test_ctrl_c_stops_the_trials_and_still_reports_with_exit_130() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "aiway_tui", "quit-latency", "--trials", "200"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(6)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "=== Quit latency (in process)" in out
    assert "❌ All 200 trials ran" in out
