"""SIGINT, SIGTERM and SIGHUP sent to a real child process end the run like the quit key.

Headless runs are plain subprocesses; interactive runs get a real
pseudo-terminal (pexpect) running ``aiway-tui demo``. Each run is far too long
to finish on its own (10M tokens at 100K/s), so only the signal can end it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any

import pexpect
import pytest

from aiway_tui.quit.report import SEED_BOUND_MS

EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}
SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]
BIN = Path(sys.executable).with_name("aiway-tui")
LONG_RUN = ["rapid-tokens", "--count", "10000000", "--time-limit", "120"]
ALT_SCREEN_ON = b"\x1b[?1049h"
ALT_SCREEN_OFF = b"\x1b[?1049l"
CURSOR_SHOWN = b"\x1b[?25h"


def catches(pid: int, signum: signal.Signals) -> bool:
    """Whether process ``pid`` has a handler for ``signum`` (Linux: the SigCgt mask)."""
    status = Path(f"/proc/{pid}/status").read_text()
    mask = int(next(line for line in status.splitlines() if line.startswith("SigCgt:")).split()[1], 16)
    return bool(mask >> (signum - 1) & 1)


def wait_until_handled(pid: int, timeout: float = 30.0) -> None:
    """Wait until the run routes SIGTERM (installed with SIGINT) to its quit path."""
    deadline = time.monotonic() + timeout
    while not catches(pid, signal.SIGTERM):
        assert time.monotonic() < deadline, "the run never installed its signal handlers"
        time.sleep(0.01)


def wait_until_looping(pid: int, timeout: float = 30.0) -> None:
    """Wait until the asyncio loop exists (its self-pipe is a socket pair): the run starts next."""
    deadline = time.monotonic() + timeout
    fds = Path(f"/proc/{pid}/fd")

    def has_socket() -> bool:
        for fd in fds.iterdir():
            with contextlib.suppress(FileNotFoundError):  # closed while we looked
                if os.readlink(fd).startswith("socket:"):
                    return True
        return False

    while not has_socket():
        assert time.monotonic() < deadline, "the run never started its event loop"
        time.sleep(0.01)


def assert_interrupted_report(path: Path, signum: signal.Signals) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(path.read_text())
    assert report["ending"] == "interrupted"
    assert report["interrupted_by"] == signum.name
    results = report["results"]
    assert results["tokens_received"] > 0
    assert results["tokens_unaccounted"] == 0
    assert (results["lost"], results["duplicated"], results["reordered"]) == (0, 0, 0)
    assert report["quit"]["cancel_to_tasks_done_ms"] < SEED_BOUND_MS
    return report


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
def test_signal_during_a_headless_run_quits_in_order(signum: signal.Signals, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    proc = subprocess.Popen(
        [str(BIN), "run", *LONG_RUN, "--json", str(target)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_looping(proc.pid)
        time.sleep(0.5)  # the app is up and streaming
        assert catches(proc.pid, signum)
        sent_at = time.perf_counter()
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=30)
        exited_after = time.perf_counter() - sent_at
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == EXIT_CODES[signum], err
    assert err == ""
    assert f"Ending: interrupted (by {signum.name})" in out
    report = assert_interrupted_report(target, signum)
    assert report["quit"]["total_ms"] < SEED_BOUND_MS  # the seed's bound (a few ms here; see the print)
    quit_ms = report["quit"]["total_ms"]
    print(f"{signum.name}: quit {quit_ms:.1f} ms in-run, process gone {exited_after:.2f} s after the signal")


def spawn_demo(args: list[str], target: Path, argv0: list[str] | None = None) -> pexpect.spawn:
    env = {**os.environ, "TERM": "xterm-256color"}
    command = argv0 or [str(BIN)]
    child = pexpect.spawn(
        command[0],
        [*command[1:], "demo", *args, "--json", str(target)],
        dimensions=(40, 120),
        env=env,
        timeout=30,
    )
    child.logfile_read = io.BytesIO()  # everything the terminal was sent
    return child


def assert_terminal_restored(child: pexpect.spawn, before: list[Any], output: bytes) -> None:
    assert termios.tcgetattr(child.child_fd) == before  # echo, canonical mode: as they were
    last_on = output.rfind(ALT_SCREEN_ON)
    assert last_on >= 0
    assert output.find(ALT_SCREEN_OFF, last_on) > last_on
    assert output.find(CURSOR_SHOWN, last_on) > last_on


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
def test_signal_during_an_interactive_demo_quits_in_order(signum: signal.Signals, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    child = spawn_demo(LONG_RUN[:-2], target)
    try:
        before = termios.tcgetattr(child.child_fd)
        child.expect("Responding")  # the conductor's state on the run screen: streaming
        wait_until_handled(child.pid)
        child.kill(signum)
        child.expect(pexpect.EOF)
        output = child.logfile_read.getvalue()
        assert_terminal_restored(child, before, output)
    finally:
        child.close(force=True)
    assert child.exitstatus == EXIT_CODES[signum]
    assert f"Ending: interrupted (by {signum.name})".encode() in output
    report = assert_interrupted_report(target, signum)
    # In a real terminal too: PromptExitLinuxDriver spares Textual's ~0.2 s input-thread wait
    # (which alone would take a quit to ~200 ms; the seed's bound holds on a slow machine).
    assert report["quit"]["total_ms"] < SEED_BOUND_MS
    print(f"{signum.name}: quit {report['quit']}")


def close_the_terminal(child: pexpect.spawn) -> tuple[int | None, float]:
    """Close the pty's master under the app (the terminal is gone); its exit status, and how soon."""
    pty = child.ptyproc
    pty.fileobj.close()
    closed_at = time.monotonic()
    while pty.isalive():
        assert time.monotonic() - closed_at < 10, "the app hung with no terminal left"
        time.sleep(0.02)
    return pty.exitstatus, time.monotonic() - closed_at


def forget_the_terminal(child: pexpect.spawn) -> None:
    """Kill what is left, and tell pexpect its descriptor is already closed."""
    if child.ptyproc.isalive():
        os.kill(child.pid, signal.SIGKILL)
    child.ptyproc.fd = -1
    child.ptyproc.closed = True
    child.child_fd = -1


def test_a_terminal_closed_under_the_demo_ends_it_in_order_with_its_report(tmp_path: Path) -> None:
    """The terminal goes away (its window closed, ssh dropped): the kernel sends SIGHUP, and
    every write to the terminal fails from then on. The app must neither hang on them nor
    lose the report: it ends within a bound, with the report file written."""
    target = tmp_path / "report.json"
    child = spawn_demo(LONG_RUN[:-2], target)
    try:
        child.expect("Responding")
        wait_until_handled(child.pid)
        status, ended_after = close_the_terminal(child)
    finally:
        forget_the_terminal(child)
    assert status == EXIT_CODES[signal.SIGHUP]
    report = json.loads(target.read_text())
    assert (report["ending"], report["interrupted_by"]) == ("interrupted", "SIGHUP")
    results = report["results"]
    assert results["tokens_received"] > 0
    assert (results["tokens_unaccounted"], results["lost"], results["duplicated"]) == (0, 0, 0)
    print(f"terminal closed: process ended {ended_after:.2f} s later; quit {report['quit']}")


def test_a_terminal_closed_on_the_demo_s_catalogue_ends_it_with_129() -> None:
    child = pexpect.spawn(
        str(BIN), ["demo"], dimensions=(40, 120), env={**os.environ, "TERM": "xterm-256color"}, timeout=30
    )
    try:
        child.expect("backpressure")  # the catalogue is up
        time.sleep(0.5)  # its signal handlers go in as the app comes up
        status, _ = close_the_terminal(child)
    finally:
        forget_the_terminal(child)
    assert status == EXIT_CODES[signal.SIGHUP]


def test_a_fault_in_an_interactive_demo_restores_the_terminal(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    # The real CLI in a real terminal, with the app's paint broken after a few frames.
    bootstrap = (
        "import sys\n"
        "from aiway_tui.ui.screens import RunScreen\n"
        "from aiway_tui.cli.main import run\n"
        "paint = RunScreen.paint\n"
        "calls = []\n"
        "def broken(self, *args):\n"
        "    calls.append(1)\n"
        "    if len(calls) > 5:\n"
        "        raise RuntimeError('render exploded')\n"
        "    paint(self, *args)\n"
        "RunScreen.paint = broken\n"
        "sys.argv[0] = 'aiway-tui'\n"
        "run()\n"
    )
    child = spawn_demo(LONG_RUN[:-2], target, [sys.executable, "-c", bootstrap])
    try:
        before = termios.tcgetattr(child.child_fd)
        child.expect(pexpect.EOF)
        output = child.logfile_read.getvalue()
        assert_terminal_restored(child, before, output)
    finally:
        child.close(force=True)
    assert child.exitstatus == 1
    assert b"Failure: RuntimeError: render exploded (in painter)" in output
    report = json.loads(target.read_text())
    assert (report["ending"], report["failed_task"]) == ("failed", "painter")


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
def test_a_signal_while_starting_up_is_one_line_not_a_traceback(signum: signal.Signals) -> None:
    proc = subprocess.Popen(
        [str(BIN), "run", *LONG_RUN],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_handled(proc.pid)  # the entry point's handler: the heavy imports are still going
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == EXIT_CODES[signum]
    assert "Traceback" not in err
    # Early: one line. If the run's own handlers won the race: the interrupted report.
    assert err == f"aiway-tui: interrupted by {signum.name} outside a run (no report)\n" or (
        err == "" and f"Ending: interrupted (by {signum.name})" in out
    ), (out, err)


def test_the_handlers_in_place_before_a_run_are_put_back() -> None:
    from aiway_tui.scenarios.catalogue import get_scenario
    from aiway_tui.session.runner import SessionOptions, run_session
    from aiway_tui.ui.host import run_as_guest

    def mine(_signum: int, _frame: object) -> None:
        pass

    scenario = get_scenario("1k-long")
    before = signal.signal(signal.SIGTERM, mine)
    try:
        report = run_as_guest(
            run_session, scenario, scenario.config.with_overrides(message_count=20), SessionOptions()
        )
        assert report.ending == "completed"
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, before)
