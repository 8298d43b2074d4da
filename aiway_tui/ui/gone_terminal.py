"""The terminal's output stream, for when the terminal may vanish under the app.

Textual's driver writes the screen from a thread fed by a bounded queue. If
the terminal goes away (its window closed, an ssh session dropped), the
next write fails (EIO), that thread dies of it, the queue fills, and the
app blocks for ever on its next frame or on the teardown that waits for the
thread: SIGHUP then never gets its orderly quit. Given this stream instead,
the thread keeps draining: after the first failure, writes are dropped.
"""

from __future__ import annotations

from typing import IO, Any


class GoneTerminalSafe:
    """``file``, whose writes and flushes stop raising once the terminal is gone."""

    def __init__(self, file: IO[str]) -> None:
        self._file = file
        self.gone: OSError | None = None
        """The first failed write: the terminal is not there any more."""

    def write(self, text: str) -> int:
        if self.gone is None:
            try:
                return self._file.write(text)
            except OSError as exc:
                self.gone = exc
        return len(text)

    def flush(self) -> None:
        if self.gone is None:
            try:
                self._file.flush()
            except OSError as exc:
                self.gone = exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)
