"""A simulated typist: keys into the input box through Textual's real input path.

A terminal's keys reach a Textual app as bytes that the driver's input thread
feeds to an ``XTermParser``; each event it yields goes to
``Driver.process_message``, which posts it to the app's loop. The typist does
just that, on a thread of its own (so that, as with a terminal, a key is
pressed on time even while the UI thread is busy): Tab until the input box
has focus, then a phrase at ``cps`` keys a second, then Ctrl+U to clear the
line once every key of it was echoed, and the next phrase. Each key's press
time goes to the ``KeystrokeProbe``, which the input box's renders complete.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import trio
from textual.app import App

from ..core.reply_text import reply_pool
from ..measure.keystrokes import KeystrokeProbe
from ..ui.compat import driver_of, key_parser

_TAB = "\t"
_CLEAR_LINE = "\x15"  # Ctrl+U: Input's delete-left-all
_ECHO_WAIT_S = 5.0
"""Longest the typist waits for a phrase's echo before it clears the line anyway."""


def phrases(seed: int) -> Iterator[str]:
    """Short messages of real words (from the seed's reply text), one after another."""
    words = re.findall(r"[A-Za-z]+[,.?!]?", reply_pool(seed).text)
    at = (seed * 7_919) % len(words)
    length = 3
    while True:
        yield " ".join(words[at : at + length])
        at = (at + length) % (len(words) - 8)
        length = 3 + (at % 5)


class DriverKeys:
    """Bytes into the app as a terminal's: the driver's parser, then ``process_message``."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self._feed = key_parser()

    def press(self, data: str) -> None:
        driver = driver_of(self.app)
        if driver is None:
            return
        for event in self._feed(data):
            driver.process_message(event)


class Typist:
    """Presses keys at a steady rate into ``app``'s driver; ``probe`` times their echo."""

    def __init__(self, app: App[Any], cps: float, probe: KeystrokeProbe, seed: int = 0) -> None:
        self.app = app
        self.period = 1.0 / cps
        self.probe = probe
        self.seed = seed
        self.on_press: Callable[[int], None] | None = None
        """Called on the typist's thread after each key is pressed, with the count so far."""
        self.focus_missed = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._press = DriverKeys(app).press

    async def run(self) -> None:
        """Type until cancelled (a Trio task: the thread lives as long as it)."""
        self.probe.typist_active = True
        self._thread = threading.Thread(target=self._type, name="typist", daemon=True)
        self._thread.start()
        try:
            await trio.sleep_forever()
        finally:
            self.stop()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)

    async def finish(self, timeout_s: float = 1.0) -> None:
        """Stop pressing keys; wait (up to ``timeout_s``) for the last ones' echo."""
        self._stop.set()
        # ``idle`` is a thread event, set by a render on the UI thread: polled, briefly.
        with trio.move_on_after(timeout_s):
            while not self.probe.idle.is_set():  # noqa: ASYNC110
                await trio.sleep(0.01)

    def _wait(self, seconds: float) -> bool:
        """Sleep; ``False`` if told to stop meanwhile."""
        return not self._stop.wait(max(0.0, seconds))

    def _focus_input(self) -> bool:
        for _ in range(10):
            if type(self.app.focused).__name__ == "ChatInput":
                return True
            self._press(_TAB)
            if not self._wait(0.1):
                return False
        self.focus_missed = True
        return False

    def _type(self) -> None:
        try:
            if not self._focus_input():
                return
            probe = self.probe
            count = 0
            next_at = time.perf_counter()
            for phrase in phrases(self.seed):
                for char in phrase:
                    if not self._wait(next_at - time.perf_counter()):
                        return
                    probe.press(char, time.perf_counter())
                    self._press(char)
                    count += 1
                    if self.on_press is not None:
                        self.on_press(count)
                    next_at += self.period
                if not self._wait_echo():
                    return
                probe.clear_line()
                self._press(_CLEAR_LINE)
                if not self._wait_echo():
                    return
                next_at = max(next_at, time.perf_counter())
        except RuntimeError:
            return  # the app's loop closed under a key: the run is over

    def _wait_echo(self) -> bool:
        deadline = time.perf_counter() + _ECHO_WAIT_S
        while not self.probe.idle.is_set() and time.perf_counter() < deadline:
            if not self._wait(0.005):
                return False
        return not self._stop.is_set()
