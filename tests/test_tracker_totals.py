"""The tracker's lost/duplicated/reordered totals, kept per changed stream, equal the full sums."""

from __future__ import annotations

import random

from aiway_tui.core.protocol import StreamEnd, StreamStart, Token
from aiway_tui.core.tracker import MessageTracker, NullInbox


def _full_sums(tracker: MessageTracker) -> tuple[int, int, int]:
    tracks = tracker.streams.values()
    return (sum(t.lost for t in tracks), sum(t.duplicated for t in tracks), sum(t.reordered for t in tracks))


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
        else:
            tracker.record((StreamEnd(stream, track.next_seq + rng.randint(0, 3), 0, 1.0),), 0.0, inbox)
            continue
        tracker.record((Token(stream, seq, "x", 0.0),), 0.0, inbox)
        if step % 97 == 0:
            assert (tracker.lost, tracker.duplicated, tracker.reordered) == _full_sums(tracker)
    assert (tracker.lost, tracker.duplicated, tracker.reordered) == _full_sums(tracker)
    assert min(tracker.lost, tracker.duplicated, tracker.reordered) > 0
