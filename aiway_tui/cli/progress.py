"""The headless run's progress line: percent, rate and ETA on stderr.

On a terminal the line is rewritten in place a few times a second; when
stderr is a file or a pipe (CI logs), a plain line is printed every few
seconds instead, so logs stay readable. ``--quiet`` turns it off.
"""

from __future__ import annotations

from typing import IO

from ..report.samples import Snapshot

TTY_INTERVAL_S = 0.25
PLAIN_INTERVAL_S = 2.0


def progress_text(snapshot: Snapshot, total: int) -> str:
    """``42.0% 420,000/1,000,000 tok  99,950 tok/s  eta 5.8s`` (rate: average so far)."""
    tokens = snapshot.tokens
    rate = tokens / snapshot.t_s if snapshot.t_s > 0 else 0.0
    percent = 100.0 * tokens / total if total else 100.0
    if tokens >= total:
        eta = "done"
    elif rate > 0:
        eta = f"eta {(total - tokens) / rate:.1f}s"
    else:
        eta = "eta ?"
    return f"{snapshot.scenario}: {percent:5.1f}% {tokens:,}/{total:,} tok  {rate:,.0f} tok/s  {eta}"


class ProgressLine:
    """A sink for snapshots that prints progress to ``out``."""

    def __init__(self, out: IO[str], total: int, *, tty: bool | None = None) -> None:
        self.out = out
        self.total = total
        self.tty = out.isatty() if tty is None else tty
        self.interval_s = TTY_INTERVAL_S if self.tty else PLAIN_INTERVAL_S
        self._next_at = 0.0 if self.tty else self.interval_s
        self._width = 0
        self.writes = 0
        self.closed_early = False
        """The reader of ``out`` went away (``2>&1 | head``): nothing more is written."""

    def __call__(self, snapshot: Snapshot) -> None:
        if snapshot.t_s < self._next_at or self.closed_early:
            return
        self._next_at = snapshot.t_s + self.interval_s
        text = progress_text(snapshot, self.total)
        try:
            if self.tty:
                self.out.write("\r" + text.ljust(self._width))
                self._width = len(text)
            else:
                self.out.write(text + "\n")
            self.out.flush()
        except BrokenPipeError:  # a progress line is not worth failing the run for
            self.closed_early = True
            return
        self.writes += 1

    def close(self) -> None:
        """Clear the rewritten line so the report starts on a clean line."""
        if self.tty and self._width and not self.closed_early:
            self.out.write("\r" + " " * self._width + "\r")
            self.out.flush()
            self._width = 0
