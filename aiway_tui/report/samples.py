"""The run as a time series: one JSON object per line, about ten a second.

Each line is a ``Snapshot`` of the pipeline taken when the resource sampler
ticks, so a user can plot tokens, rate, channel buffer, frame rate, CPU and
RSS over the run (``--samples PATH``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from ..core.pipeline import Pipeline
from ..core.rates import RateMeter
from ..measure.resources import ResourceSample

SAMPLE_FIELDS: dict[str, type] = {
    "scenario": str,
    "t_s": float,
    "tokens": int,
    "rate_tok_s": float,
    "buffer": int,
    "frames": int,
    "fps": float,
    "cpu_percent": float,
    "rss_mb": float,
}
"""The declared shape of one JSONL line: field name -> JSON type (int is also a float)."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    scenario: str
    t_s: float
    tokens: int
    rate_tok_s: float
    buffer: int
    frames: int
    fps: float
    cpu_percent: float
    rss_mb: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class SnapshotTaker:
    """Turns each resource sample into a ``Snapshot``, with rates since the last one."""

    def __init__(self, scenario: str, pipeline: Pipeline) -> None:
        self.scenario = scenario
        self.pipeline = pipeline
        self.rates = RateMeter()

    def take(self, sample: ResourceSample) -> Snapshot:
        stats = self.pipeline.statistics()
        rates = self.rates.update(stats)
        return Snapshot(
            scenario=self.scenario,
            t_s=round(sample.at_s, 4),
            tokens=stats.tracker.tokens,
            rate_tok_s=round(rates.tokens_per_s, 1),
            buffer=stats.buffer_used,
            frames=stats.frames,
            fps=round(rates.frames_per_s, 2),
            cpu_percent=round(sample.cpu_percent, 1),
            rss_mb=round(sample.rss_mb, 2),
        )


def observe(pipeline: Pipeline, scenario: str, *sinks: Callable[[Snapshot], None]) -> None:
    """Feed a snapshot to every sink at each resource sample of ``pipeline``."""
    taker = SnapshotTaker(scenario, pipeline)

    def on_sample(sample: ResourceSample) -> None:
        snapshot = taker.take(sample)
        for sink in sinks:
            sink(snapshot)

    pipeline.sampler.observers.append(on_sample)


class TextSink(Protocol):
    def write(self, text: str, /) -> int: ...
    def flush(self) -> None: ...


class SeriesWriter:
    """Writes snapshots as JSON lines to an open text file, flushed per line."""

    def __init__(self, out: TextSink) -> None:
        self.out = out
        self.lines = 0

    def __call__(self, snapshot: Snapshot) -> None:
        self.out.write(json.dumps(snapshot.as_dict(), separators=(",", ":")) + "\n")
        self.out.flush()
        self.lines += 1


def check_sample_line(line: str) -> dict[str, Any]:
    """Parse one JSONL line and check it against ``SAMPLE_FIELDS``; ValueError if it does not fit."""
    obj = json.loads(line)
    if not isinstance(obj, dict) or set(obj) != set(SAMPLE_FIELDS):
        raise ValueError(f"sample line has fields {sorted(obj) if isinstance(obj, dict) else obj!r}")
    for name, kind in SAMPLE_FIELDS.items():
        value = obj[name]
        ok = isinstance(value, int | float) if kind is float else isinstance(value, kind)
        if not ok or isinstance(value, bool):
            raise ValueError(f"sample field {name}={value!r} is not {kind.__name__}")
    return obj
