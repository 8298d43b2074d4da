"""The tracker proves delivery: it catches every kind of damage, and names it."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import pytest

from aiway_tui.core.protocol import StreamEnd, StreamError, StreamStart, Token, TokenRun
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


def runs(texts: list[str] = TEXTS, stream: int = 0, per_run: int = 4) -> list[TokenRun]:
    """The tokens of ``texts`` (equal sizes) as runs of ``per_run``, as the conductor sends them."""
    return [
        TokenRun(stream, start, len(part), "".join(part), start * 0.001, 0.001)
        for start in range(0, len(texts), per_run)
        if (part := texts[start : start + per_run])
    ]


def feed_runs(items: list[TokenRun | Token], token_sink: RecordingSink | None = None) -> MessageTracker:
    tracker = MessageTracker(token_sink)
    inbox = NullInbox()
    tracker.record((StreamStart(0, 0, "p", len(TEXTS)),), 0.0, inbox)
    for message in items:
        tracker.record((message,), 0.1, inbox)
    tracker.record((StreamEnd(0, len(TEXTS), zlib.crc32("".join(TEXTS).encode()), 1.0),), 0.2, inbox)
    return tracker


class RecordingSink:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def push_tokens(self, stream: int, texts: Sequence[str], oldest_scheduled: float) -> None:
        self.texts += texts


def test_runs_are_verified_and_counted_as_their_tokens() -> None:
    tracker = feed_runs(list(runs()))
    assert (tracker.tokens, tracker.lost, tracker.duplicated, tracker.reordered) == (20, 0, 0, 0)
    assert tracker.streams_intact == 1
    assert (tracker.items, tracker.messages) == (2 + 5, 22)
    # Latency from each run's first token: 0.1 s after a schedule of 0, 4, 8, ... ms.
    assert tracker.channel_latency.summary().max_ms == pytest.approx(100.0, abs=0.2)


def test_a_run_out_of_sequence_is_checked_token_by_token() -> None:
    parts = runs()
    lost = feed_runs([parts[0], *parts[2:]])
    assert (lost.lost, lost.duplicated, lost.reordered) == (4, 0, 0)
    again = feed_runs([parts[0], parts[1], parts[1], *parts[2:]])
    assert (again.lost, again.duplicated, again.reordered) == (0, 4, 0)
    swapped = feed_runs([parts[0], parts[2], parts[1], *parts[3:]])
    assert (swapped.lost, swapped.duplicated, swapped.reordered) == (0, 0, 4)
    for tracker in (lost, again, swapped):
        assert tracker.streams_intact == 0


def test_runs_and_tokens_mix_in_one_stream_and_one_item() -> None:
    tokens = stream_messages()
    tail = TokenRun(0, 12, 8, "".join(TEXTS[12:]), 0.0, 0.001)
    tracker = MessageTracker()
    tracker.record((StreamStart(0, 0, "p", 20), *runs(TEXTS[:8]), *tokens[8:12], tail), 0.1, NullInbox())
    tracker.record((StreamEnd(0, 20, zlib.crc32("".join(TEXTS).encode()), 1.0),), 0.2, NullInbox())
    assert tracker.streams_intact == 1
    assert (tracker.tokens, tracker.messages) == (20, 22)


def test_a_token_sink_gets_a_run_token_by_token() -> None:
    sink = RecordingSink()
    tracker = feed_runs(list(runs()), sink)
    assert sink.texts == TEXTS
    assert tracker.streams_intact == 1
