"""The tracker's per-stream sums, kept up to date per changed stream, equal the full sums."""

from __future__ import annotations

import random

from aiway_tui.core.protocol import StreamEnd, StreamError, StreamStart, Token
from aiway_tui.core.tracker import MessageTracker, NullInbox


def _full_sums(tracker: MessageTracker) -> tuple[int, ...]:
    tracks = tracker.streams.values()
    return (
        sum(t.lost for t in tracks),
        sum(t.duplicated for t in tracks),
        sum(t.reordered for t in tracks),
        sum(t.corrupted for t in tracks),
        sum(t.ended is not None for t in tracks),
        sum(t.intact for t in tracks),
        sum(t.unfinished_tokens for t in tracks),
        sum(t.ended is None and t.error is None for t in tracks),
    )


def _kept_sums(tracker: MessageTracker) -> tuple[int, ...]:
    return (
        tracker.lost,
        tracker.duplicated,
        tracker.reordered,
        tracker.corrupted_streams,
        tracker.streams_completed,
        tracker.streams_intact,
        tracker.unfinished_tokens,
        tracker.streams_unfinished,
    )


def test_totals_follow_gaps_duplicates_reorders_ends_and_late_tokens() -> None:
    rng = random.Random(7)
    tracker = MessageTracker()
    inbox = NullInbox()
    for stream in range(40):
        tracker.record((StreamStart(stream, 0, "", 100),), 0.0, inbox)
    for step in range(3000):
        stream = rng.randrange(40)
        track = tracker.streams[stream]
        roll = rng.random()
        if roll < 0.7:
            seq = track.next_seq
        elif roll < 0.8:
            seq = track.next_seq + rng.randint(1, 5)  # a gap
        elif roll < 0.9:
            seq = max(0, track.next_seq - rng.randint(1, 5))  # a duplicate or a reorder
        elif roll < 0.95:
            tracker.record(
                (StreamEnd(stream, track.next_seq + rng.randint(0, 3), track.checksum, 1.0),), 0.0, inbox
            )
            continue
        else:
            tracker.record((StreamError(stream, "injected"),), 0.0, inbox)
            continue
        tracker.record((Token(stream, seq, "x", 0.0),), 0.0, inbox)
        if step % 97 == 0:
            assert _kept_sums(tracker) == _full_sums(tracker)
    assert _kept_sums(tracker) == _full_sums(tracker)
    assert min(tracker.lost, tracker.duplicated, tracker.reordered) > 0
