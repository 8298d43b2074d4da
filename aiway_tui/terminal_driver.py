"""Textual's Linux driver, without its ~0.2 s wait at exit.

Textual's input thread polls stdin with ``select(0.1)`` and, once told to
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

from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver


class PromptExitLinuxDriver(LinuxDriver):
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


def prompt_exit(driver_class: type[Driver]) -> type[Driver]:
    """The driver to use in place of ``driver_class`` (Textual's choice for this platform)."""
    return PromptExitLinuxDriver if driver_class is LinuxDriver else driver_class
