"""Conductor-to-surface messages, named after the ai-way original.

Every message is an immutable value. ``Token`` is the hot type (millions per
run), so it is a ``NamedTuple``: immutable, and about three times cheaper to
build than a frozen dataclass. A channel item is a tuple of messages, so that
one ``send`` can carry a whole batch and items and messages are both counted.
A ``TokenRun`` is a batch of equal-sized tokens as one value: the paced mock
conductor's hot path, where building and checking a tuple per token cost
more CPU than the rest of a 100K tok/s run's token handling together.
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


class TokenRun(NamedTuple):
    """``tokens`` consecutive tokens of one stream, each ``len(text) // tokens`` characters.

    The tokens' sequence numbers are ``seq .. seq + tokens - 1``; token ``i``
    of the run was due at ``scheduled + i * spacing``. It stands for those
    tokens everywhere they are counted: as that many messages of its item,
    and tokens of its stream.
    """

    stream: int
    seq: int
    tokens: int
    text: str
    scheduled: float
    spacing: float

    def texts(self) -> list[str]:
        """Each token's text, in order."""
        text, size = self.text, len(self.text) // self.tokens
        return [text[i : i + size] for i in range(0, size * self.tokens, size)]

    def scheduled_times(self) -> list[float]:
        """When each token was due, in order."""
        at, spacing = self.scheduled, self.spacing
        return [at + i * spacing for i in range(self.tokens)]

    def expand(self) -> list[Token]:
        """The run as ``Token`` messages (for readers that take one token at a time)."""
        stream, first = self.stream, self.seq
        return [
            Token(stream, first + i, text, at)
            for i, (text, at) in enumerate(zip(self.texts(), self.scheduled_times(), strict=True))
        ]


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


Message: TypeAlias = StreamStart | Token | TokenRun | StreamEnd | StreamError | State | Notify | Quit
Item: TypeAlias = tuple[Message, ...]
"""What travels through the channel: one or more messages, in order."""


def tokens_in(item: Item) -> int:
    """How many tokens ``item`` carries (a ``TokenRun`` counts as its tokens)."""
    return sum(m.tokens if isinstance(m, TokenRun) else isinstance(m, Token) for m in item)


def messages_in(item: Item) -> int:
    """How many messages ``item`` carries (a ``TokenRun`` counts as its tokens)."""
    if len(item) == 1:  # the usual item of a fixed-size stream: one run
        only = item[0]
        return only.tokens if isinstance(only, TokenRun) else 1
    return sum(m.tokens if isinstance(m, TokenRun) else 1 for m in item)


def item_messages(item: Item) -> Item:
    """``item`` with each run expanded into its tokens (``item`` itself if it has none)."""
    if not any(m.__class__ is TokenRun for m in item):
        return item
    messages: list[Message] = []
    for message in item:
        if isinstance(message, TokenRun):
            messages += message.expand()
        else:
            messages.append(message)
    return tuple(messages)


def item_tokens(item: Item) -> list[Token]:
    """The tokens of ``item`` one by one, runs expanded, in order."""
    tokens: list[Token] = []
    for message in item:
        if isinstance(message, TokenRun):
            tokens += message.expand()
        elif isinstance(message, Token):
            tokens.append(message)
    return tokens
