"""The tracker proves delivery: it catches every kind of damage, and names it."""

from __future__ import annotations

import zlib

import pytest

from aiway_tui.core.protocol import StreamEnd, StreamError, StreamStart, Token
from aiway_tui.core.tracker import MessageTracker, NullInbox

TEXTS = [f"t{i:03d}" for i in range(20)]


def stream_messages(texts: list[str] = TEXTS, stream: int = 0) -> list[Token]:
    return [Token(stream, i, text, 0.0) for i, text in enumerate(texts)]


def feed(tokens: list[Token], declared: int = len(TEXTS), texts: list[str] = TEXTS) -> MessageTracker:
    tracker = MessageTracker()
    inbox = NullInbox()
    checksum = zlib.crc32("".join(texts).encode())
    tracker.record((StreamStart(0, 0, "p", declared),), 0.0, inbox)
    for start in range(0, len(tokens), 3):
        tracker.record(tuple(tokens[start : start + 3]), 0.001, inbox)
    tracker.record((StreamEnd(0, declared, checksum, 1.0),), 0.002, inbox)
    return tracker


def test_intact_stream_is_verified() -> None:
    tracker = feed(stream_messages())
    assert (tracker.tokens, tracker.lost, tracker.duplicated, tracker.reordered) == (20, 0, 0, 0)
    assert tracker.streams_intact == 1
    assert tracker.checksum_failures == 0
    assert tracker.items == 2 + 7
    assert tracker.messages == 22


def test_dropped_message_is_lost() -> None:
    tokens = stream_messages()
    del tokens[7]
    tracker = feed(tokens)
    assert tracker.lost == 1
    assert (tracker.duplicated, tracker.reordered) == (0, 0)
    assert tracker.streams_intact == 0


def test_dropped_tail_is_lost() -> None:
    tracker = feed(stream_messages()[:-2])
    assert tracker.lost == 2


def test_duplicated_message_is_duplicated() -> None:
    tokens = stream_messages()
    tokens.insert(5, tokens[4])
    tracker = feed(tokens)
    assert (tracker.lost, tracker.duplicated, tracker.reordered) == (0, 1, 0)
    assert tracker.streams_intact == 0


def test_reordered_message_is_reordered() -> None:
    tokens = stream_messages()
    tokens[9], tokens[10] = tokens[10], tokens[9]
    tracker = feed(tokens)
    assert (tracker.lost, tracker.duplicated, tracker.reordered) == (0, 0, 1)
    assert tracker.streams_intact == 0


def test_corrupted_text_fails_the_checksum_only() -> None:
    tokens = stream_messages()
    tokens[3] = tokens[3]._replace(text="XXXX")
    tracker = feed(tokens)
    assert (tracker.lost, tracker.duplicated, tracker.reordered) == (0, 0, 0)
    assert tracker.corrupted_streams == 1
    assert tracker.streams_intact == 0


def test_stream_that_never_ends_is_unfinished_not_lost() -> None:
    tracker = MessageTracker()
    tracker.record((StreamStart(0, 0, "p", 10),), 0.0, NullInbox())
    tracker.record(tuple(stream_messages()[:4]), 0.0, NullInbox())
    assert tracker.lost == 0
    assert tracker.unfinished_tokens == 6
    assert tracker.streams_unfinished == 1


def test_stream_error_is_counted() -> None:
    tracker = MessageTracker()
    tracker.record((StreamStart(0, 0, "p", 10), StreamError(0, "boom")), 0.0, NullInbox())
    assert tracker.stream_errors == 1
    assert tracker.streams[0].error == "boom"


def test_interleaved_streams_are_tracked_apart() -> None:
    a = stream_messages(TEXTS[:5], stream=0)
    b = stream_messages(TEXTS[5:10], stream=1)
    tracker = MessageTracker()
    tracker.record(tuple(x for pair in zip(a, b, strict=True) for x in pair), 0.0, NullInbox())
    assert tracker.tokens == 10
    assert (tracker.lost, tracker.duplicated, tracker.reordered) == (0, 0, 0)
    assert tracker.streams[0].checksum == zlib.crc32("".join(TEXTS[:5]).encode())
    assert tracker.streams[1].checksum == zlib.crc32("".join(TEXTS[5:10]).encode())


def test_latency_is_recorded_per_run_from_the_oldest_schedule() -> None:
    tracker = MessageTracker()
    tokens = (Token(0, 0, "a", 1.0), Token(0, 1, "b", 1.5))
    tracker.record(tokens, 2.0, NullInbox())
    summary = tracker.channel_latency.summary()
    assert summary.count == 2
    assert summary.max_ms == pytest.approx(1000, rel=1e-3)
