"""Quit-latency trials end to end, as a person quits: ``aiway-tui demo`` in a pseudo-terminal.

Each trial starts the real command in a pseudo-terminal (pexpect), waits for
the app to enter the alternate screen, lets it stream for a random (seeded)
time while reading everything it writes (a terminal that stops reading
would stall the app), sends the ``q`` byte, and times it to the terminal
being restored and to process exit. It then checks what a person would see:
the alternate screen left (``ESC[?1049l``), the cursor shown (``ESC[?25h``),
the report printed (each timed from ``q``); and reads the app's own stage timings from its JSON.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pexpect

from ..measure.stall_probe import Stall
from ..scenarios.catalogue import Scenario
from .plan import TrialPlan, TrialResult, run_plans
from .report import P99_TARGET_MS, QuitMode

ALT_SCREEN_ON = b"\x1b[?1049h"
ALT_SCREEN_OFF = b"\x1b[?1049l"
CURSOR_SHOWN = b"\x1b[?25h"
REPORT_HEAD = b"=== Stress Test Results"
STARTUP_TIMEOUT_S = 30.0
EXIT_TIMEOUT_S = 30.0
PTY_WAIT_RANGE_S = (0.3, 1.5)
"""Streaming time before ``q``, after the app has entered the alternate screen."""
ROWS, COLUMNS = 40, 120
EXIT_P99_TARGET_MS = 150.0
"""The shell prompt back at once: q byte -> process exit, p99."""

STAGE_LABELS = {
    "app_key_to_cancel": "in app: key -> cancelled",
    "app_cancel_to_tasks_done": "in app: cancel -> tasks done",
    "app_tasks_done_to_exit": "in app: tasks -> app exit",
    "app_total": "in app: key -> app exit",
    "q_to_restored": "q byte -> screen restored",
    "q_to_report": "q byte -> report printed",
    "q_to_exit": "q byte -> process exit",
}
_APP_STAGES = {
    "app_key_to_cancel": "key_to_cancel_ms",
    "app_cancel_to_tasks_done": "cancel_to_tasks_done_ms",
    "app_tasks_done_to_exit": "tasks_done_to_app_exit_ms",
    "app_total": "total_ms",
}


@dataclass(frozen=True, slots=True)
class PtyTrial(TrialResult):
    """One quit of ``aiway-tui demo`` in a pseudo-terminal, as its user sees it."""

    exit_code: int | None = None
    stall: Stall | None = field(default=None)
    quit_stall: Stall | None = field(default=None)
    """Not seen from outside the process: the in-process trials measure these."""

    def as_dict(self) -> dict[str, Any]:
        return {**TrialResult.as_dict(self), "exit_code": self.exit_code}


def demo_command(scenario: str, plan: TrialPlan, json_path: Path, view_args: Sequence[str] = ()) -> list[str]:
    """``view_args``: ``--target``/``--feed``, passed on to the demo."""
    moment = plan.moment.cli_args()
    return [
        sys.executable,
        "-m",
        "aiway_tui",
        "demo",
        scenario,
        *moment,
        *view_args,
        "--json",
        str(json_path),
    ]


def _read_for(child: pexpect.spawn, seconds: float) -> None:
    """Keep reading (and dropping) the app's output for ``seconds``, as a terminal would."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            child.read_nonblocking(65536, timeout=left)
        except pexpect.TIMEOUT:
            return


def run_pty_trial(scenario: str, plan: TrialPlan, workdir: Path, view_args: Sequence[str] = ()) -> PtyTrial:
    """One person quitting ``aiway-tui demo`` mid-stream, timed from the ``q`` byte."""
    json_path = workdir / f"trial-{plan.index}.json"
    argv = demo_command(scenario, plan, json_path, view_args)
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS), "LINES": str(ROWS)}
    child = pexpect.spawn(argv[0], argv[1:], dimensions=(ROWS, COLUMNS), env=env, timeout=STARTUP_TIMEOUT_S)
    problems: list[str] = []
    stages: dict[str, float] = {}
    tail = bytearray()
    try:
        child.expect_exact(ALT_SCREEN_ON, timeout=STARTUP_TIMEOUT_S)
        _read_for(child, plan.wait_s)
        sent_at = time.perf_counter()
        child.send(b"q")
        deadline = sent_at + EXIT_TIMEOUT_S
        while True:
            try:
                tail += child.read_nonblocking(65536, timeout=max(0.0, deadline - time.perf_counter()))
            except pexpect.EOF:
                break
            except pexpect.TIMEOUT:
                problems.append(f"still running {EXIT_TIMEOUT_S:g} s after q")
                break
            if "q_to_restored" not in stages and ALT_SCREEN_OFF in tail:
                stages["q_to_restored"] = (time.perf_counter() - sent_at) * 1000.0
            if "q_to_report" not in stages and REPORT_HEAD in tail:
                stages["q_to_report"] = (time.perf_counter() - sent_at) * 1000.0
        if not problems:
            child.wait()
            stages["q_to_exit"] = (time.perf_counter() - sent_at) * 1000.0
    except (pexpect.EOF, pexpect.TIMEOUT) as exc:
        problems.append(f"the app never entered the alternate screen ({type(exc).__name__})")
    finally:
        if child.isalive():
            child.terminate(force=True)
        child.close()
    exit_code = child.exitstatus if child.signalstatus is None else -int(child.signalstatus)
    where: tuple[str, ...] = ()
    if not problems:
        problems += _screen_problems(bytes(tail), exit_code)
        app_stages, where, json_problems = _app_quit(json_path)
        stages.update(app_stages)
        problems += json_problems
    return PtyTrial(plan.index, plan.moment.name, plan.wait_s, where, stages, tuple(problems), exit_code)


def _screen_problems(tail: bytes, exit_code: int | None) -> list[str]:
    found: list[str] = []
    off = tail.rfind(ALT_SCREEN_OFF)
    if off < 0:
        found.append("the alternate screen was not left")
    elif tail.find(CURSOR_SHOWN, off) < 0:
        found.append("the cursor was not shown again")
    if REPORT_HEAD not in tail:
        found.append("no report printed")
    if exit_code not in (0, 1):  # 1: the stream was cut short, so "all received" fails
        found.append(f"exit code {exit_code}")
    return found


def _app_quit(json_path: Path) -> tuple[dict[str, float], tuple[str, ...], list[str]]:
    """The app's own stage timings and ending, from the JSON report it wrote."""
    try:
        report = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return {}, (), [f"no JSON report: {exc}"]
    quit_ms = report.get("quit", {})
    stages = {
        ours: float(quit_ms[theirs])
        for ours, theirs in _APP_STAGES.items()
        if quit_ms.get(theirs) is not None
    }
    received = report.get("results", {}).get("tokens_received", 0)
    wanted = report.get("config", {}).get("message_count", 0)
    where = ("mid-stream",) if received < wanted else ("stream done",)
    ending = report.get("ending")
    problems = []
    if ending == "completed":
        problems.append("the stream completed before q: not a quit under load")
    elif ending != "quit":
        problems.append(f"ended {ending!r}, not by q")
    return stages, where, problems


def run_pty_trials(
    scenario: Scenario,
    plans: list[TrialPlan],
    on_trial: Callable[[PtyTrial], None] | None = None,
    view_args: Sequence[str] = (),
) -> list[PtyTrial]:
    with tempfile.TemporaryDirectory(prefix="aiway-quit-") as workdir:
        return run_plans(
            plans, lambda plan: run_pty_trial(scenario.name, plan, Path(workdir), view_args), on_trial
        )


PTY = QuitMode(
    name="pseudo-terminal",
    stage_labels=STAGE_LABELS,
    total_stage="q_to_exit",
    p99_stage="app_total",
    p99_label=f"p99 in-app quit < {P99_TARGET_MS:g} ms (key -> app exit), in a real terminal",
    stage_p99_bounds={"q_to_exit": EXIT_P99_TARGET_MS},
)
