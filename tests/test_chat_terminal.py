"""``aiway-tui run --visible`` in a real pseudo-terminal: what the screen shows is the stream.

The transcript repaints only the rows a frame changed (the last one grew, new
ones arrived) and draws its framed lines itself. A row left unpainted would
show stale text on a real terminal and nowhere else, so this reads the screen
a person sees (pyte, fed from a pty) and checks it against the conductor's text.
"""

from __future__ import annotations

import os
import sys
import time

import pexpect
import pyte

from aiway_tui.core.reply_text import ReplyCutter, reply_pool
from aiway_tui.scenarios.catalogue import get_scenario

COLS, ROWS = 90, 60
CHECKS = 20


def _shown_text(display: list[str]) -> str:
    """The assistant's reply as the screen shows it, without spaces, cursor or padding."""
    header = next(i for i, line in enumerate(display) if "▌ Assistant" in line)
    body: list[str] = []
    for line in display[header + 1 :]:
        below = line.lstrip().startswith(("—", "Responding", "Ready"))
        if below or any(mark in line for mark in ("▔▔", "▁▁", "Type a")):  # the input box
            break
        body.append(line[:-1].replace("▌", ""))  # the last column is the scrollbar's
    return "".join("".join(body).split())


def test_the_screen_shows_every_token_in_order_while_it_streams() -> None:
    config = get_scenario("cpu-streaming").config
    reply = ReplyCutter(reply_pool(config.seed), 0, config.seed).reply("fixed", 2000, config.message_size)
    expected = "".join(reply.split())
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"
    screen = pyte.Screen(COLS, ROWS)
    stream = pyte.ByteStream(screen)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "aiway_tui", "run", "cpu-streaming", "--visible", "--count", "2000", "--delay-us", "5000"],
        dimensions=(ROWS, COLS),
        env=env,
    )
    checks = failures = 0
    settled = True
    try:
        deadline = time.monotonic() + 60
        while checks < CHECKS and time.monotonic() < deadline:
            try:
                stream.feed(child.read_nonblocking(1 << 16, 0.02))
                settled = False
                continue
            except pexpect.TIMEOUT:
                if settled:
                    continue
                settled = True  # 20 ms without output: the frame is all on screen
            if not any("▌ Assistant" in line for line in screen.display):
                if checks:
                    break  # scrolled out of view: what can be checked this way was
                continue
            shown = _shown_text(screen.display)
            if len(shown) < 200:
                continue
            # Every row on screen is the stream's text, in order: none stale. A
            # stale row stays wrong; one read mid-frame is right at the next check.
            failures = 0 if expected.startswith(shown) else failures + 1
            assert failures < 2, (shown, "\n".join(screen.display))
            checks += 1
        assert checks >= 5, "\n".join(screen.display)
        child.send("q")
        child.expect(pexpect.EOF, timeout=30)
    finally:
        child.close(force=True)
