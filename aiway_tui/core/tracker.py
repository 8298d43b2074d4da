"""Counts and verifies everything the consumer receives, without keeping it.

Integrity rests on three things the conductor also knows: the per-stream
sequence numbers, the declared token count (at ``StreamStart`` and
``StreamEnd``), and a running CRC-32 of the stream's text in order. Memory
stays constant whatever the stream length: only gaps are remembered, and
only until they are filled or the stream ends.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Protocol, cast

from ..measure.latency import LatencyRecorder
from .protocol import Item, Message, StreamEnd, StreamError, StreamStart, Token, TokenRun, item_messages

_ONLY_TOKENS = {Token}
_STREAM = attrgetter("stream")
_SEQ = attrgetter("seq")
_TEXT = attrgetter("text")

_MAX_TRACKED_GAP = 100_000
"""A gap wider than this is counted as lost at once instead of remembered."""


class Inbox(Protocol):
    """Where verified text and control messages go next (the painter's side)."""

    def push_text(self, stream: int, text: str, tokens: int, oldest_scheduled: float) -> None: ...

    def push_control(self, message: Message) -> None: ...


class TokenSink(Protocol):
    """An inbox that takes each token on its own (the ``per-token`` feed)."""

    def push_tokens(self, stream: int, texts: Sequence[str], oldest_scheduled: float) -> None: ...


class NullInbox:
    """An inbox for runs with nothing to paint (benchmarks, pure-Trio tests)."""

    def push_text(self, stream: int, text: str, tokens: int, oldest_scheduled: float) -> None:
        pass

    def push_control(self, message: Message) -> None:
        pass


@dataclass(slots=True)
class StreamTrack:
    """What is known about one stream while it is received."""

    stream: int
    expected_tokens: int | None = None
    next_seq: int = 0
    tokens: int = 0
    checksum: int = 0
    missing: set[int] = field(default_factory=set)
    lost_untracked: int = 0
    duplicated: int = 0
    reordered: int = 0
    ended: StreamEnd | None = None
    error: str | None = None

    def out_of_sequence(self, seq: int) -> None:
        expected = self.next_seq
        if seq > expected:
            if seq - expected > _MAX_TRACKED_GAP:
                self.lost_untracked += seq - expected
            else:
                self.missing.update(range(expected, seq))
            self.next_seq = seq + 1
        elif seq in self.missing:
            self.missing.discard(seq)
            self.reordered += 1
        else:
            self.duplicated += 1

    @property
    def lost(self) -> int:
        """Tokens never received: gaps, plus a missing tail once ``StreamEnd`` said how many."""
        tail = 0
        if self.ended is not None and self.ended.token_count > self.next_seq:
            tail = self.ended.token_count - self.next_seq
        return len(self.missing) + self.lost_untracked + tail

    @property
    def unfinished_tokens(self) -> int:
        """Tokens announced at ``StreamStart`` but not reached: the stream never ended."""
        if self.ended is not None or self.expected_tokens is None:
            return 0
        return max(0, self.expected_tokens - self.next_seq)

    @property
    def checksum_ok(self) -> bool | None:
        if self.ended is None:
            return None
        return self.ended.checksum == self.checksum

    @property
    def corrupted(self) -> bool:
        """Text changed although every sequence number was right."""
        clean = not (self.missing or self.lost_untracked or self.duplicated or self.reordered)
        return clean and self.checksum_ok is False

    @property
    def intact(self) -> bool:
        return (
            self.ended is not None
            and self.checksum_ok is True
            and self.lost == 0
            and self.duplicated == 0
            and self.reordered == 0
            and self.tokens == self.ended.token_count
        )


@dataclass(frozen=True, slots=True)
class TrackerStatistics:
    """The receiver's side of the no-loss proof, read at one instant."""

    items: int
    messages: int
    tokens: int
    chars: int
    stream_errors: int
    streams_completed: int
    streams_intact: int
    streams_unfinished: int
    lost: int
    duplicated: int
    reordered: int
    corrupted_streams: int
    unfinished_tokens: int


SUMMED = (
    "lost",
    "duplicated",
    "reordered",
    "corrupted_streams",
    "streams_completed",
    "streams_intact",
    "unfinished_tokens",
    "streams_unfinished",
)
"""The per-stream figures the tracker keeps summed over all streams, in ``_figures`` order."""
_NONE = (0,) * len(SUMMED)


def _figures(t: StreamTrack) -> tuple[int, ...]:
    """One stream's share of the tracker's sums, in ``SUMMED`` order."""
    return (
        t.lost,
        t.duplicated,
        t.reordered,
        int(t.corrupted),
        int(t.ended is not None),
        int(t.intact),
        t.unfinished_tokens,
        int(t.ended is None and t.error is None),
    )


class _Summed:
    """A ``MessageTracker`` figure that is one of the per-stream sums (named in ``SUMMED``)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.index = SUMMED.index(name)

    def __get__(self, tracker: MessageTracker, owner: type | None = None) -> int:
        return tracker.sums()[self.index]


class MessageTracker:
    """The receiver's side of the no-loss proof, and the report's source of counts."""

    lost = _Summed()
    duplicated = _Summed()
    reordered = _Summed()
    corrupted_streams = _Summed()
    streams_completed = _Summed()
    streams_intact = _Summed()
    unfinished_tokens = _Summed()
    streams_unfinished = _Summed()

    def __init__(self, token_sink: TokenSink | None = None) -> None:
        self.token_sink = token_sink
        """Set: verified text goes there token by token, instead of coalesced to ``inbox.push_text``."""
        self.items = 0
        self.messages = 0
        self.tokens = 0
        self.chars = 0
        self.control_messages = 0
        self.stream_errors = 0
        self.streams: dict[int, StreamTrack] = {}
        self.channel_latency = LatencyRecorder()
        self.first_token_at: float | None = None
        self._totals = [0] * len(_NONE)
        self._counted: dict[int, tuple[int, ...]] = {}
        self._changed: set[int] = set()
        """Closed streams whose figures may differ from ``_counted``."""
        self._open: set[int] = set()
        """Streams neither ended nor failed: their figures move with every token."""
        self.last_token_at: float | None = None

    def _track(self, stream: int) -> StreamTrack:
        track = self.streams.get(stream)
        if track is None:
            track = self.streams[stream] = StreamTrack(stream)
            self._open.add(stream)
        return track

    def record(self, item: Item, now: float, inbox: Inbox) -> None:
        """Count and check one channel item received at ``now``; forward it."""
        self.items += 1
        self.messages += len(item)
        if len(item) == 1 and item[0].__class__ is TokenRun:
            if self._record_token_run(item[0], now, inbox):
                self.messages += item[0].tokens - 1
                return
        elif self._record_run(item, now, inbox):
            return
        expanded = item_messages(item)  # out of sequence or mixed: checked token by token below
        self.messages += len(expanded) - len(item)
        item = expanded
        texts: list[str] = []
        track: StreamTrack | None = None
        oldest = 0.0
        for message in item:
            if message.__class__ is Token:
                token: Token = message
                if track is None or token.stream != track.stream:
                    if texts and track is not None:
                        self._take_texts(track, texts, oldest, now, inbox)
                        texts = []
                    track = self._track(token.stream)
                    oldest = token.scheduled
                elif not texts:
                    oldest = token.scheduled
                seq = token.seq
                if seq == track.next_seq:
                    track.next_seq = seq + 1
                else:
                    track.out_of_sequence(seq)
                    self._changed.add(track.stream)
                texts.append(token.text)
            else:
                if texts and track is not None:
                    self._take_texts(track, texts, oldest, now, inbox)
                    texts = []
                self._control(message, inbox)
        if texts and track is not None:
            self._take_texts(track, texts, oldest, now, inbox)

    def _record_run(self, item: Item, now: float, inbox: Inbox) -> bool:
        """The common item, checked with no Python-level step per token: tokens of
        one stream, each next in sequence. Anything else is left to ``record``."""
        if len(item) == 1:
            return self._record_one(item[0], now, inbox)
        if not item or set(map(type, item)) != _ONLY_TOKENS:
            return False
        tokens = cast("tuple[Token, ...]", item)
        stream = tokens[0].stream
        track = self._track(stream)
        start = track.next_seq
        if set(map(_STREAM, tokens)) != {stream} or list(map(_SEQ, tokens)) != list(
            range(start, start + len(tokens))
        ):
            return False
        track.next_seq = start + len(tokens)
        if self.token_sink is None:
            self._take(track, "".join(map(_TEXT, tokens)), len(tokens), tokens[0].scheduled, now, inbox)
        else:
            texts = list(map(_TEXT, tokens))
            self._take(track, "".join(texts), len(tokens), tokens[0].scheduled, now, inbox, texts)
        return True

    def _record_token_run(self, run: TokenRun, now: float, inbox: Inbox) -> bool:
        """A ``TokenRun`` next in its stream (the mock conductor's batches): checked,
        counted and forwarded at one step for the whole run."""
        track = self._track(run.stream)
        if run.seq != track.next_seq:
            return False
        track.next_seq += run.tokens
        texts = run.texts() if self.token_sink is not None else ()
        self._take(track, run.text, run.tokens, run.scheduled, now, inbox, texts)
        return True

    def _record_one(self, message: Message, now: float, inbox: Inbox) -> bool:
        """An item of one token next in its stream (``--batch 1``, the seed's shape): the
        same checks as ``_record_run`` without building a set and a list for one token."""
        if message.__class__ is not Token:
            return False
        token: Token = message
        track = self._track(token.stream)
        if token.seq != track.next_seq:
            return False
        track.next_seq += 1
        texts = (token.text,) if self.token_sink is not None else ()
        self._take(track, token.text, 1, token.scheduled, now, inbox, texts)
        return True

    def _take_texts(
        self, track: StreamTrack, texts: list[str], oldest: float, now: float, inbox: Inbox
    ) -> None:
        self._take(track, "".join(texts), len(texts), oldest, now, inbox, texts)

    def _take(
        self,
        track: StreamTrack,
        text: str,
        count: int,
        oldest: float,
        now: float,
        inbox: Inbox,
        texts: Sequence[str] = (),
    ) -> None:
        if track.ended is not None or track.error is not None:
            self._changed.add(track.stream)  # tokens after its end: its counts move
        track.checksum = zlib.crc32(text.encode(), track.checksum)
        track.tokens += count
        self.tokens += count
        self.chars += len(text)
        if self.first_token_at is None:
            self.first_token_at = now
        self.last_token_at = now
        # One value per run of tokens, at the oldest token's latency: a
        # conservative figure (never under-reports) at one record per item.
        self.channel_latency.record(now - oldest, count)
        if self.token_sink is None:
            inbox.push_text(track.stream, text, count, oldest)
        else:
            self.token_sink.push_tokens(track.stream, texts, oldest)

    def _control(self, message: Message, inbox: Inbox) -> None:
        self.control_messages += 1
        if isinstance(message, StreamStart):
            self._track(message.stream).expected_tokens = message.expected_tokens
        elif isinstance(message, StreamEnd):
            self._track(message.stream).ended = message
            self._changed.add(message.stream)
        elif isinstance(message, StreamError):
            self.stream_errors += 1
            self._track(message.stream).error = message.error
            self._changed.add(message.stream)
        inbox.push_control(message)

    # The totals the report is built from.

    def sums(self) -> Sequence[int]:
        """Every per-stream figure summed over all streams (in ``SUMMED`` order), summed
        again only for the streams that can have changed since the last call (open ones,
        and closed ones something reached): the live readers take these a few times a
        second, and a long session has thousands of streams, almost all long closed."""
        totals = self._totals
        counted = self._counted
        streams = self.streams
        for stream in self._changed | self._open:
            track = streams[stream]
            now = _figures(track)
            before = counted.get(stream, _NONE)
            for i, value in enumerate(now):
                totals[i] += value - before[i]
            counted[stream] = now
            if track.ended is not None or track.error is not None:
                self._open.discard(stream)
        self._changed.clear()
        return totals

    @property
    def checksum_failures(self) -> int:
        return sum(1 for t in self.streams.values() if t.checksum_ok is False)

    def statistics(self) -> TrackerStatistics:
        """The counts as one value; the per-stream sums are taken once here (not per token)."""
        return TrackerStatistics(
            items=self.items,
            messages=self.messages,
            tokens=self.tokens,
            chars=self.chars,
            stream_errors=self.stream_errors,
            **dict(zip(SUMMED, self.sums(), strict=True)),
        )
