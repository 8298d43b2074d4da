"""Marker words in a reply, so that a terminal's screen tells when each part of the stream was drawn.

With markers on, every ``every``-th token of a reply (sequence 0, every,
2*every, ...) is sent as a marker word instead of its text: ``@@<reply>x<n>@@``,
unique across the run and made of characters no token text holds, with no
space in it. The server notes each marker's *scheduled* send time (the
conductor's schedule, on the Trio clock); a reader of the app's screen finds
the words and times their first appearance. The screen is searched with
spaces and box-drawing characters taken out and the rows joined, so a marker
that an app wraps across two rows, or draws inside a frame, is still found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MARKER_RE = re.compile(r"@@(\d+)x(\d+)@@")
_NOT_TEXT = re.compile(r"[\s\u2500-\u259f]+")
"""Whitespace, box drawing and block elements: borders, scrollbars, padding."""


def marker_word(reply: int, index: int) -> str:
    return f"@@{reply}x{index}@@"


def screen_text(rows: list[str]) -> str:
    """The rows of a screen joined, without spaces, borders or scrollbars."""
    return _NOT_TEXT.sub("", "".join(rows))


def markers_in(text: str) -> list[tuple[int, int]]:
    """Every ``(reply, index)`` marker in a screen's text (``screen_text``), top to bottom."""
    return [(int(m.group(1)), int(m.group(2))) for m in MARKER_RE.finditer(text)]


@dataclass(slots=True)
class MarkerLog:
    """Which tokens become markers, and when each marker was due to be sent."""

    every: int
    scheduled: dict[tuple[int, int], float] = field(default_factory=dict)
    """``(reply, index)`` -> the Trio-clock time its token was scheduled for."""
    sent: int = 0

    def substitute(self, reply: int, texts: list[str], first_seq: int, scheduled_of: list[float]) -> None:
        """Replace, in place, the texts of the tokens in this batch that are markers.

        ``texts[i]`` is token ``first_seq + i``, scheduled at ``scheduled_of[i]``.
        """
        every = self.every
        start = -first_seq % every
        for i in range(start, len(texts), every):
            index = (first_seq + i) // every
            texts[i] = f" {marker_word(reply, index)} "
            self.scheduled[(reply, index)] = scheduled_of[i]
            self.sent += 1
