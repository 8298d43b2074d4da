"""What the server sent, per request and in all: the sender's side of the no-loss proof over HTTP.

Each reply is counted as the in-process conductor counts a stream: tokens
sent, their sequence numbers checked to run on without a gap, and a running
CRC-32 of the text as it went out on the wire, so a client that recomputes
the CRC-32 of what it received proves it got every token, in order.
"""

from __future__ import annotations

import enum
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import trio

KEPT_RECORDS = 10_000
"""Most finished requests kept for inspection (the totals count them all)."""


class Outcome(enum.Enum):
    COMPLETED = "completed"
    ERROR_SENT = "error sent"
    """The scenario's stream error, reported mid-stream as the protocol reports errors."""
    DROPPED = "dropped"
    """The scenario's dropped connection: closed mid-reply, the body left unfinished."""
    CLIENT_LEFT = "client left"
    """The client disconnected before the reply was complete (a stalled reply ends this way)."""
    SERVER_ERROR = "server error"


@dataclass(slots=True)
class RequestRecord:
    """One reply: what was sent, and when (Trio clock seconds)."""

    number: int
    protocol: str
    endpoint: str
    model: str
    scenario: str
    stream: int
    """The scenario's stream this reply plays (request ``n`` plays stream ``n % streams``)."""
    expected_tokens: int
    started_at: float
    streaming: bool = True
    first_token_at: float | None = None
    last_token_at: float | None = None
    ended_at: float | None = None
    tokens_sent: int = 0
    bytes_sent: int = 0
    crc32: int = 0
    """CRC-32 of the text of every token sent, in order."""
    sequence_errors: int = 0
    """Token batches whose sequence numbers did not follow on from the last (expected 0)."""
    conductor_checksum: int | None = None
    """The conductor's own CRC-32 of the stream (its ``StreamEnd``), for the server's self-check."""
    stalled: bool = False
    outcome: Outcome | None = None
    detail: str = ""

    def add_tokens(self, texts: list[str], first_seq: int, last_seq: int, now: float) -> None:
        if first_seq != self.tokens_sent or last_seq - first_seq + 1 != len(texts):
            self.sequence_errors += 1
        if self.first_token_at is None:
            self.first_token_at = now
        self.last_token_at = now
        self.tokens_sent += len(texts)
        self.crc32 = zlib.crc32("".join(texts).encode(), self.crc32)

    @property
    def duration_s(self) -> float:
        end = self.ended_at if self.ended_at is not None else trio.current_time()
        return max(0.0, end - self.started_at)

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "protocol": self.protocol,
            "endpoint": self.endpoint,
            "model": self.model,
            "scenario": self.scenario,
            "stream": self.stream,
            "streaming": self.streaming,
            "expected_tokens": self.expected_tokens,
            "tokens_sent": self.tokens_sent,
            "bytes_sent": self.bytes_sent,
            "crc32": self.crc32,
            "sequence_errors": self.sequence_errors,
            "outcome": self.outcome.value if self.outcome else None,
            "detail": self.detail,
            "duration_s": self.duration_s,
            "first_token_s": (self.first_token_at - self.started_at) if self.first_token_at else None,
        }


@dataclass(slots=True)
class ServerCounts:
    """Totals over the server's life, and the replies streaming now."""

    requests: int = 0
    rejected: dict[int, int] = field(default_factory=dict)
    """Requests answered with an error status, by status."""
    replies_started: int = 0
    by_outcome: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    tokens_sent: int = 0
    bytes_sent: int = 0
    sequence_errors: int = 0
    checksum_mismatches: int = 0
    """Completed replies whose CRC-32 on the wire differs from the conductor's (markers off)."""
    connections: int = 0
    peak_active: int = 0
    """Most replies streaming at once."""
    active: dict[int, RequestRecord] = field(default_factory=dict)
    finished: deque[RequestRecord] = field(default_factory=lambda: deque(maxlen=KEPT_RECORDS))
    changed: trio.Event = field(default_factory=trio.Event)
    """Set (and replaced) whenever a reply starts or ends, for whoever waits on the counts."""

    def _changed(self) -> None:
        self.changed.set()
        self.changed = trio.Event()

    def reject(self, status: int) -> None:
        self.rejected[status] = self.rejected.get(status, 0) + 1

    def start(self, record: RequestRecord) -> None:
        self.replies_started += 1
        self.active[record.number] = record
        self.peak_active = max(self.peak_active, len(self.active))
        self._changed()

    def finish(self, record: RequestRecord, outcome: Outcome, detail: str = "") -> None:
        """Close ``record``'s account; called exactly once per started reply."""
        record.outcome = outcome
        record.detail = detail
        record.ended_at = trio.current_time()
        self.active.pop(record.number, None)
        self.finished.append(record)
        self.by_outcome[outcome] += 1
        self.tokens_sent += record.tokens_sent
        self.bytes_sent += record.bytes_sent
        self.sequence_errors += record.sequence_errors
        if (
            outcome is Outcome.COMPLETED
            and record.conductor_checksum is not None
            and record.conductor_checksum != record.crc32
        ):
            self.checksum_mismatches += 1
        self._changed()

    def record(self, number: int) -> RequestRecord | None:
        """A request's record, active or finished (if still kept)."""
        if number in self.active:
            return self.active[number]
        return next((r for r in self.finished if r.number == number), None)

    async def wait_idle(self) -> None:
        """Until no reply is streaming."""
        while self.active:
            await self.changed.wait()

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "connections": self.connections,
            "rejected": {str(k): v for k, v in sorted(self.rejected.items())},
            "replies_started": self.replies_started,
            "replies_active": len(self.active),
            "peak_active": self.peak_active,
            "replies_completed": self.by_outcome[Outcome.COMPLETED],
            "errors_sent": self.by_outcome[Outcome.ERROR_SENT],
            "dropped": self.by_outcome[Outcome.DROPPED],
            "clients_left_early": self.by_outcome[Outcome.CLIENT_LEFT],
            "server_errors": self.by_outcome[Outcome.SERVER_ERROR],
            "tokens_sent": self.tokens_sent + sum(r.tokens_sent for r in self.active.values()),
            "bytes_sent": self.bytes_sent + sum(r.bytes_sent for r in self.active.values()),
            "sequence_errors": self.sequence_errors,
            "checksum_mismatches": self.checksum_mismatches,
        }
