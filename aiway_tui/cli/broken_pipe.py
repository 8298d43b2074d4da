"""A reader that goes away early (``aiway-tui list | head -1``) ends the command quietly.

A C program writing to a pipe whose reader has gone is killed by SIGPIPE,
and the shell reports 141 (128 + 13), as it reports 130 and 143 for
SIGINT and SIGTERM, the codes this command already uses. Python ignores
SIGPIPE and raises ``BrokenPipeError`` instead; Python's own documentation
(the signal module's note on SIGPIPE) then points the stream at
``/dev/null``, so that the interpreter's last flush cannot fail again and
print "Exception ignored", and exits. It suggests exit code 1, which here
means "a criterion failed": so the command exits with the shell's 141,
which scripts under ``set -o pipefail`` already recognise as "the reader
stopped reading".
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE


def silence_standard_streams() -> None:
    """Send whatever is still buffered for stdout and stderr to ``/dev/null``."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                os.dup2(devnull, stream.fileno())
    finally:
        os.close(devnull)


def flush_standard_streams() -> None:
    """Flush now, inside the command, so a closed pipe is seen here and not at exit."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
