"""Conductor-to-surface messages, named after the ai-way original.

Every message is an immutable value. ``Token`` is the hot type (millions per
run), so it is a ``NamedTuple``: immutable, and about three times cheaper to
build than a frozen dataclass. A channel item is a tuple of messages, so that
one ``send`` can carry a whole batch and items and messages are both counted.
"""

from __future__ import annotations

import enum
from typing import NamedTuple, TypeAlias


class ConductorState(enum.Enum):
    """The conductor's lifecycle, as the original surface showed it."""

    INITIALIZING = "Initializing"
    READY = "Ready"
    THINKING = "Thinking"
    RESPONDING = "Responding"
    LISTENING = "Listening"
    ERROR = "Error"
    SHUTTING_DOWN = "ShuttingDown"


class NotifyLevel(enum.Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class StreamStart(NamedTuple):
    """Opens stream ``stream``: the receiver learns it exists before any token."""

    stream: int
    conversation: int
    prompt: str
    expected_tokens: int


class Token(NamedTuple):
    """One fragment of an assistant reply.

    ``seq`` counts from 0 within the stream; ``scheduled`` is the Trio clock
    time at which the conductor was due to send it, so latency is measured
    from the schedule, not from when a late sender got round to it.
    """

    stream: int
    seq: int
    text: str
    scheduled: float


class StreamEnd(NamedTuple):
    """Closes a stream with what the receiver needs to prove it got all of it."""

    stream: int
    token_count: int
    checksum: int
    elapsed_s: float
    final_content: str = ""

    @property
    def tokens_per_second(self) -> float:
        return self.token_count / self.elapsed_s if self.elapsed_s > 0 else 0.0


class StreamError(NamedTuple):
    stream: int
    error: str


class State(NamedTuple):
    state: ConductorState


class Notify(NamedTuple):
    level: NotifyLevel
    title: str
    message: str


class Quit(NamedTuple):
    message: str


class UserMessage(NamedTuple):
    """Surface to conductor: what the user typed and sent (Enter in the input box)."""

    text: str


Message: TypeAlias = StreamStart | Token | StreamEnd | StreamError | State | Notify | Quit
Item: TypeAlias = tuple[Message, ...]
"""What travels through the channel: one or more messages, in order."""
