"""Typing into ``aiway-tui demo`` in a real pseudo-terminal, while a reply streams.

The keys are a terminal's bytes (pexpect writes them to the pty); the echo is
read off the screen a person sees (pyte). The reply must read as words, the
input box must echo what was typed, Enter must put the message in the
transcript, and the stats panel must show the keystroke p99.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pexpect
import pyte

COLS, ROWS = 140, 44


class Screen:
    def __init__(self, args: list[str], cwd: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        env["TERM"] = "xterm-256color"
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        self.ended = False
        self.child = pexpect.spawn(
            sys.executable, ["-m", "aiway_tui", "demo", *args], dimensions=(ROWS, COLS), env=env, cwd=cwd
        )

    def pump(self, timeout: float = 0.05) -> None:
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

    def wait_for(self, pattern: str, timeout: float = 40.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while True:
            found = re.search(pattern, self.text)
            if found:
                return found
            if self.ended or time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} not on screen:\n{self.text}")
            self.pump()

    def type(self, text: str) -> None:
        for char in text:
            self.child.send(char)
            self.pump(0.03)

    def finish(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while not self.ended:
            if time.monotonic() > deadline:
                self.child.kill(9)
                raise AssertionError(f"demo did not exit:\n{self.text}")
            self.pump(0.2)
        self.child.close()
        assert self.child.exitstatus is not None, self.child.signalstatus
        return int(self.child.exitstatus)


def test_typing_into_the_demo_echoes_on_screen_while_a_readable_reply_streams(tmp_path: Path) -> None:
    term = Screen(["typing", "--typist", "0", "--count", "4000000", "--time-limit", "120"], tmp_path)
    term.wait_for("Responding")
    # Readable replies: runs of real words on the transcript's rows.
    term.wait_for(r"(\b[a-z]+\b ){6}")
    term.child.send("i")  # into the input box
    term.pump(0.3)
    message = "does the echo keep up"
    term.type(message)
    term.wait_for(re.escape(message))
    term.wait_for(r"Keys p99\s+[\d.]+ ms")
    # Slow the reply down from the box (Ctrl+Down: the rate key's alternate there),
    # so that the sent message stays on screen long enough to be read.
    for _ in range(6):
        term.child.send("\x1b[1;5B")
        term.pump(0.1)
    term.wait_for(r"rate 1,000/s")
    assert message in term.text  # still in the box: the keys were not typed as text
    term.child.send("\r")
    # The message leaves the box and shows in the transcript as the user's, answered.
    term.wait_for(r"Type a message")
    term.wait_for(r"Assistant · stream 1\b")
    assert message in term.text
    term.child.send("\x03")  # Ctrl+C quits from the input box too
    assert term.finish() == 1  # cut short: not every token received
    report = bytes(term.raw).decode(errors="replace")
    assert "keystroke (press -> echoed)" in report
    assert "user_messages_answered" not in report  # the text report stays readable, not a dump
