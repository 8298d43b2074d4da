"""The ``aiway-tui`` entry point: signals are an orderly exit from the first instant.

Importing the app (Textual, Trio) takes most of a second. A run installs its
own SIGINT/SIGTERM/SIGHUP handlers (the orderly quit, with a report); before
that a signal would print a KeyboardInterrupt traceback, or kill the process
with no word. So this module, which imports nothing heavy, routes those
signals to an exception first, and turns it into one line and the usual exit
code. A closed standard output or error ends the command quietly
(``broken_pipe``).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType
from typing import NoReturn

from .broken_pipe import EXIT_BROKEN_PIPE, flush_standard_streams, silence_standard_streams

_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}


class Interrupted(KeyboardInterrupt):
    """A signal arrived while no run was there to handle it (start-up, between runs)."""

    def __init__(self, signum: signal.Signals) -> None:
        super().__init__(signum.name)
        self.signum = signum


def _raise(signum: int, _frame: FrameType | None) -> None:
    raise Interrupted(signal.Signals(signum))


def main(argv: Sequence[str] | None = None) -> int:
    previous = {signum: signal.signal(signum, _raise) for signum in _EXIT}
    try:
        from .main import main as cli_main

        try:
            return cli_main(argv)
        finally:  # also after --help and --version (SystemExit): a closed pipe is seen here
            flush_standard_streams()
    except BrokenPipeError:
        silence_standard_streams()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt as exc:
        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
        try:
            print(f"aiway-tui: interrupted by {signum.name} outside a run (no report)", file=sys.stderr)
        except OSError:  # no terminal left to say it on (SIGHUP)
            silence_standard_streams()
        return _EXIT[signum]
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run() -> NoReturn:
    """The command: run, then end the process at once.

    By the time ``main`` returns, the report is printed, every output file is
    written and closed (each is written atomically, then renamed) and the
    terminal is restored. What an ordinary exit would still do is wait for
    Textual's input thread and tear down an interpreter holding the run's
    heap: hundreds of milliseconds before the shell prompt comes back, for
    nothing. So the standard streams are flushed and the process ends there.
    """
    code = main()
    exit_now(code)


def exit_now(code: int) -> NoReturn:
    """Flush stdout and stderr, then end the process with ``code``, skipping teardown."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed, or a reader gone: nothing left to deliver
            code = code or 1
    os._exit(code)
