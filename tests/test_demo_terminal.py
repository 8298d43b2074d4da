"""``aiway-tui demo`` in a real pseudo-terminal, driven as a person would drive it.

pexpect gives the process its own pty (so this runs in CI with no terminal
on stdin); pyte emulates the terminal, so the test reads the screen a
person would see. After ``q`` the report is printed on the normal screen and
the terminal must be restored: alternate screen left, cursor shown.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pexpect
import pyte
import pytest

ALT_SCREEN_ON = b"\x1b[?1049h"
ALT_SCREEN_OFF = b"\x1b[?1049l"
CURSOR_HIDE = b"\x1b[?25l"
CURSOR_SHOW = b"\x1b[?25h"


class Terminal:
    """A pty running the demo, with an emulated screen fed from everything it writes."""

    def __init__(self, args: list[str], cols: int, rows: int, cwd: Path) -> None:
        # No COLUMNS/LINES: Textual (shutil.get_terminal_size) would prefer them to the pty's size.
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        env["TERM"] = "xterm-256color"
        env["AIWAY_TUI_SCREENSHOTS"] = str(cwd)
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        self.ended = False
        self.child = pexpect.spawn(
            sys.executable, ["-m", "aiway_tui", "demo", *args], dimensions=(rows, cols), env=env, cwd=cwd
        )

    def pump(self, timeout: float = 0.05) -> None:
        """Read what the app wrote (it must be read, or the app blocks on a full pty)."""
        try:
            data = self.child.read_nonblocking(1 << 16, timeout)
        except pexpect.TIMEOUT:
            return
        except pexpect.EOF:
            self.ended = True
            return
        self.raw += data
        self.stream.feed(data)

    @property
    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, needle: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text:
            if self.ended or time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} not on screen:\n{self.text}")
            self.pump()

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if self.ended or time.monotonic() > deadline:
                raise AssertionError(f"condition not met on screen:\n{self.text}")
            self.pump()

    def tokens_on_screen(self) -> int:
        """The stats panel's count of tokens received (0 until it is shown)."""
        found = re.search(r"Tokens\s+([\d,]+)/", self.text)
        return int(found.group(1).replace(",", "")) if found else 0

    def wait_gone(self, needle: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while needle in self.text:
            if self.ended or time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} still on screen:\n{self.text}")
            self.pump()

    def resize(self, cols: int, rows: int) -> None:
        """Resize the pty (the app gets SIGWINCH) and the emulated screen with it."""
        self.screen.resize(rows, cols)
        self.child.setwinsize(rows, cols)
        self.pump()

    def press(self, keys: str) -> None:
        self.child.send(keys)
        self.pump()

    def finish(self, timeout: float = 30.0) -> int:
        """Wait for the process to exit; returns its exit status."""
        deadline = time.monotonic() + timeout
        while not self.ended:
            if time.monotonic() > deadline:
                self.child.kill(9)
                raise AssertionError(f"demo did not exit:\n{self.text}")
            self.pump(0.2)
        self.child.close()
        assert self.child.exitstatus is not None, self.child.signalstatus
        return int(self.child.exitstatus)

    @property
    def after_app(self) -> str:
        """What was printed on the normal screen once the app had left the alternate one."""
        return bytes(self.raw[self.raw.rfind(ALT_SCREEN_OFF) :]).decode(errors="replace")

    def assert_restored(self) -> None:
        raw = bytes(self.raw)
        assert raw.rfind(ALT_SCREEN_ON) >= 0
        assert raw.rfind(ALT_SCREEN_OFF) > raw.rfind(ALT_SCREEN_ON)
        assert raw.rfind(CURSOR_SHOW) > raw.rfind(CURSOR_HIDE)


@pytest.fixture
def terminal_cwd(tmp_path: Path) -> Path:
    return tmp_path


def test_demo_at_80x24_pick_watch_it_complete_and_quit_with_the_report(terminal_cwd: Path) -> None:
    term = Terminal(["--count", "200000"], cols=80, rows=24, cwd=terminal_cwd)
    term.wait_for("backpressure")
    for name in ("1m-short", "1m-medium", "1k-long", "rapid-tokens", "backpressure"):
        assert name in term.text
    term.press("1")
    term.wait_for("Conversation 1")
    term.wait_for("200,000/200,000")
    term.wait_for("Stream complete")
    term.press("q")
    assert term.finish() == 0
    report = term.after_app
    assert "=== Stress Test Results: 1M Short Messages ===" in report
    assert "Lost: 0   Duplicated: 0   Reordered: 0" in report
    assert "Test passed" in report
    term.assert_restored()


def test_demo_at_160x48_pause_rate_screenshot_help_then_quit_mid_stream(terminal_cwd: Path) -> None:
    term = Terminal(["rapid-tokens", "--count", "5000000", "--time-limit", "120"], 160, 48, terminal_cwd)
    term.wait_for("Rapid Token Streaming · Responding")
    term.press(" ")
    term.wait_for("PAUSED")
    term.wait_for("Responding · paused")
    term.press(" ")
    term.wait_for("Resumed")
    term.press("-")
    term.wait_for("rate 50,000/s")
    # Resize under load: the app repaints at the new size and the stream goes on.
    for cols, rows in ((80, 24), (160, 48)):
        term.resize(cols, rows)
        term.wait_until(lambda: "Pause" in term.screen.display[-1])
        before = term.tokens_on_screen()
        term.wait_until(lambda b=before: term.tokens_on_screen() > b)  # type: ignore[misc]
    term.press("s")
    term.wait_for("Screenshot saved")
    term.press("?")
    term.wait_for("this help")
    term.press("\x1b")  # alone: escape followed at once by "q" would read as alt+q
    term.wait_gone("this help")
    term.press("q")
    # The stream was cut short, so "all received" fails: exit code 1, with the full report.
    assert term.finish() == 1
    report = term.after_app
    assert "=== Stress Test Results: Rapid Token Streaming ===" in report
    assert "Ending: quit" in report
    assert "Lost: 0   Duplicated: 0   Reordered: 0" in report
    assert "Screenshot saved: " in report
    assert list(terminal_cwd.glob("*.svg"))
    term.assert_restored()
