"""Seeded error injection: what to break, where, and proof it was noticed.

A ``FaultSpec`` (part of a run's config, or a scenario file's ``[faults]``)
says how many faults of each kind to inject; ``plan_faults`` turns it into a
``FaultPlan``: which stream, at which token, for how long. The plan depends
only on the spec, the stream lengths and the seed, so the same seed breaks
the same things in the same places. The plan is a plain value, reusable by
any test that wants a fault at a known place.

Kinds, and who notices them:

- ``stream_error``: the conductor ends the stream with ``StreamError``
  instead of ``StreamEnd`` (the tracker sees the error);
- ``conductor_raise``: the conductor raises mid-stream; its per-stream
  supervisor reports ``StreamError("conductor raised ...")`` and goes on with
  the other streams;
- ``silent``: the stream stops without ``StreamEnd``; the pipeline's
  ``StreamWatchdog`` finds it idle past ``idle_timeout_s`` and abandons it;
- ``consumer_stall``: the consumer stops receiving for ``stall_ms`` once it
  has seen a planned number of tokens (the channel fills meanwhile);
- ``painter_raise``: the painter's surface raises at a planned frame; the
  run ends as failed, with a report, exit code 1.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Sequence
from dataclasses import dataclass

from .bounds import bounded, check_bounds


class FaultKind(enum.Enum):
    STREAM_ERROR = "stream_error"
    CONDUCTOR_RAISE = "conductor_raise"
    SILENT = "silent"
    CONSUMER_STALL = "consumer_stall"
    PAINTER_RAISE = "painter_raise"


STREAM_KINDS = (FaultKind.STREAM_ERROR, FaultKind.CONDUCTOR_RAISE, FaultKind.SILENT)

CONDUCTOR_RAISED = "conductor raised"
"""How a ``StreamError`` from the conductor's supervisor starts."""


class InjectedFault(RuntimeError):
    """Raised where a fault plan says so; never by anything else."""


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """How many faults of each kind a run gets."""

    stream_errors: int = bounded(0, 0, 100_000)
    conductor_raises: int = bounded(0, 0, 100_000)
    silent_streams: int = bounded(0, 0, 100_000)
    consumer_stalls: int = bounded(0, 0, 100_000)
    stall_ms: float = bounded(200.0, 0.0, 600_000.0)
    painter_raise_at_frame: int = bounded(0, 0, 10_000_000)
    """0: the painter never raises; n: it raises on its n-th frame."""
    idle_timeout_s: float = bounded(1.0, 0.01, 3_600.0)
    """How long a started stream may send nothing before the watchdog abandons it."""

    def validate(self) -> None:
        check_bounds(self, "faults.")
        if self.silent_streams and self.consumer_stalls and self.stall_ms / 1000.0 >= self.idle_timeout_s:
            raise ValueError(
                f"faults.stall_ms={self.stall_ms:g} must be shorter than faults.idle_timeout_s="
                f"{self.idle_timeout_s:g} s, or the watchdog would take a consumer stall for silence"
            )

    @property
    def stream_faults(self) -> int:
        return self.stream_errors + self.conductor_raises + self.silent_streams


@dataclass(frozen=True, slots=True)
class StreamFault:
    kind: FaultKind
    stream: int
    at_token: int
    """The fault strikes before this token (0-based) is sent."""


@dataclass(frozen=True, slots=True)
class ConsumerStall:
    after_tokens: int
    duration_s: float


@dataclass(frozen=True, slots=True)
class FaultPlan:
    streams: tuple[StreamFault, ...] = ()
    stalls: tuple[ConsumerStall, ...] = ()
    painter_raise_at_frame: int = 0
    idle_timeout_s: float = 1.0

    def for_stream(self, stream: int) -> StreamFault | None:
        for fault in self.streams:
            if fault.stream == stream:
                return fault
        return None

    def planned(self, kind: FaultKind) -> int:
        if kind is FaultKind.CONSUMER_STALL:
            return len(self.stalls)
        if kind is FaultKind.PAINTER_RAISE:
            return 1 if self.painter_raise_at_frame else 0
        return sum(1 for f in self.streams if f.kind is kind)

    @property
    def watch_idle(self) -> bool:
        return any(f.kind is FaultKind.SILENT for f in self.streams)


NO_FAULTS = FaultPlan()


def plan_faults(spec: FaultSpec | None, lengths: Sequence[int], seed: int) -> FaultPlan:
    """Where each fault of ``spec`` strikes: distinct streams, mid-stream, from ``seed``."""
    if spec is None:
        return NO_FAULTS
    streams = len(lengths)
    if spec.stream_faults > streams:
        raise ValueError(f"faults need {spec.stream_faults} distinct streams but the run has only {streams}")
    rng = random.Random(f"faults:{seed}")
    victims = rng.sample(range(streams), spec.stream_faults)
    kinds = (
        [FaultKind.STREAM_ERROR] * spec.stream_errors
        + [FaultKind.CONDUCTOR_RAISE] * spec.conductor_raises
        + [FaultKind.SILENT] * spec.silent_streams
    )
    struck = [
        StreamFault(kind, stream, rng.randrange(lengths[stream]))
        for kind, stream in zip(kinds, victims, strict=True)
    ]
    stream_faults = tuple(sorted(struck, key=lambda f: f.stream))
    total = sum(lengths)
    marks = sorted(rng.randrange(1, max(2, total)) for _ in range(spec.consumer_stalls))
    stalls = tuple(ConsumerStall(mark, spec.stall_ms / 1000.0) for mark in marks)
    return FaultPlan(stream_faults, stalls, spec.painter_raise_at_frame, spec.idle_timeout_s)
