"""Typing into ``aiway-tui demo`` in a real pseudo-terminal, while a reply streams.

The keys are a terminal's bytes (pexpect writes them to the pty); the echo is
read off the screen a person sees (pyte). The reply must read as words, the
input box must echo what was typed, Enter must put the message in the
transcript, and the stats panel must show the keystroke p99.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from .test_demo_terminal import Terminal

COLS, ROWS = 140, 44


class Screen(Terminal):
    """The demo's pty, at a size that shows the input box beside the stats panel."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        super().__init__(args, COLS, ROWS, cwd)

    def find(self, pattern: str, timeout: float = 40.0) -> re.Match[str]:
        """The first match of the regular expression ``pattern`` on the screen, once it shows."""
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


def test_typing_into_the_demo_echoes_on_screen_while_a_readable_reply_streams(tmp_path: Path) -> None:
    term = Screen(["typing", "--typist", "0", "--count", "4000000", "--time-limit", "120"], tmp_path)
    term.find("Responding")
    # Readable replies: runs of real words on the transcript's rows.
    term.find(r"(\b[a-z]+\b ){6}")
    term.child.send("i")  # into the input box
    term.pump(0.3)
    message = "does the echo keep up"
    term.type(message)
    term.find(re.escape(message))
    term.find(r"Keys p99\s+[\d.]+ ms")
    # Slow the reply down from the box (Ctrl+Down: the rate key's alternate there),
    # so that the sent message stays on screen long enough to be read.
    for _ in range(6):
        term.child.send("\x1b[1;5B")
        term.pump(0.1)
    term.find(r"rate 1,000/s")
    assert message in term.text  # still in the box: the keys were not typed as text
    term.child.send("\r")
    # The message leaves the box and shows in the transcript as the user's, answered.
    term.find(r"Type a message")
    term.find(r"Assistant · stream 1\b")
    assert message in term.text
    term.child.send("\x03")  # Ctrl+C quits from the input box too
    assert term.finish() == 1  # cut short: not every token received
    report = bytes(term.raw).decode(errors="replace")
    assert "keystroke (press -> echoed)" in report
    assert "user_messages_answered" not in report  # the text report stays readable, not a dump


def test_keys_right_after_i_and_after_a_resize_stay_in_the_input_box(tmp_path: Path) -> None:
    """Type-ahead: ``i`` and the keys after it in one write (a paste, a fast typist, a harness)
    all land in the box; a terminal resize while typing leaves the box its focus."""
    term = Screen(["rapid-tokens", "--count", "4000000", "--time-limit", "120"], tmp_path)
    term.wait_until(lambda: term.tokens_on_screen() > 0, timeout=40)
    term.child.send("iZJX")  # one write: the app reads the four keys at once
    term.find("ZJX")
    term.resize(COLS - 20, ROWS - 4)
    settled = time.monotonic() + 1.0
    while time.monotonic() < settled:  # the app lays out again at the new size
        term.pump()
    term.type("WV")
    term.find("ZJXWV")
    term.child.send("\x03")
    assert term.finish() == 1  # cut short: not every token received
