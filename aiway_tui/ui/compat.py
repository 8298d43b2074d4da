"""Every use of a private Textual or Trio name, in one place, each with a test.

Textual and Trio offer no public way to do these few things; keeping them here
means an upgrade that changes one breaks ``tests/test_compat.py`` by name, not
a run somewhere else.

Textual's Linux driver, without its ~0.2 s wait at exit: Textual's input thread polls stdin with
``select(0.1)`` and, once told to
stop, makes one more ``select(0.1)``; ``disable_input`` joins it, so every
quit in a real terminal waited up to 0.2 s after our last task had ended
(measured: tasks done -> app exit 186-213 ms in a pseudo-terminal, against
about 3 ms headless). Here the thread is told to stop and left to finish on
its own: it only reads, and the terminal is restored without it. It is
joined only if the app resumes application mode (after a suspend), so the
next input thread starts from a clean state.
"""

from __future__ import annotations

import contextlib
import signal
import termios
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from io import TextIOWrapper
from typing import Any, cast

import trio
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.css.styles import RenderStyles
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

from .gone_terminal import GoneTerminalSafe


def app_context(app: App[Any]) -> AbstractContextManager[None]:
    """Textual's context variables (active app, message pump) set to ``app``.

    Widget calls from Trio tasks run outside any Textual task, so they need
    the same context Textual gives its own handlers.
    """
    return app._context()


def driver_of(app: App[Any]) -> Driver | None:
    """The driver ``app`` runs on (``None`` before it started or after it stopped)."""
    return app._driver


def app_exception(app: App[Any]) -> Exception | None:
    """The exception that ended ``app``: Textual catches an error in a handler or a render,
    prints it at exit and returns normally, so ``run_async`` never raises it."""
    return app._exception


def key_parser() -> Callable[[str], Iterable[Message]]:
    """A fresh copy of the parser Textual's terminal drivers feed stdin's text to."""
    return XTermParser().feed


def style_cache_key(styles: RenderStyles) -> int:
    """A counter that moves on every change to a widget's styles (Textual's own cache key)."""
    return styles._cache_key


def cancelled() -> trio.Cancelled:
    """A ``trio.Cancelled`` for a guest run whose host cancelled it (Trio makes it only internally)."""
    return trio.Cancelled._create()


class PromptExitLinuxDriver(LinuxDriver):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self._file is not None:  # SIGHUP: no hang on a terminal that is gone
            self._file = cast("TextIOWrapper", GoneTerminalSafe(self._file))

    def disable_input(self) -> None:
        try:
            if not self.exit_event.is_set():
                signal.signal(signal.SIGWINCH, signal.SIG_DFL)
                self._disable_mouse_support()
                self.exit_event.set()
                with contextlib.suppress(termios.error):
                    termios.tcflush(self.fileno, termios.TCIFLUSH)
        except Exception:  # as Textual's own: input teardown must never break the exit
            pass

    def start_application_mode(self) -> None:
        if self._key_thread is not None and self.exit_event.is_set():
            self._key_thread.join()
            self.exit_event.clear()
        super().start_application_mode()  # type: ignore[no-untyped-call]


def stop_reading_input(app: App[Any]) -> None:
    """Tell the app's input thread to stop now: after a hangup its terminal reads as
    endless end-of-file, and the thread would spin on it (holding the GIL) until the exit."""
    driver = app._driver
    if isinstance(driver, LinuxDriver):
        driver.exit_event.set()


def prompt_exit(driver_class: type[Driver]) -> type[Driver]:
    """The driver to use in place of ``driver_class`` (Textual's choice for this platform)."""
    return PromptExitLinuxDriver if driver_class is LinuxDriver else driver_class
