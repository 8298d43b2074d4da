"""The moments that make quitting hard, as config changes on top of a scenario.

A quit-latency trial picks one moment, streams for a random time, and (for
moments that are a condition, not just a config) waits until the condition
holds before it presses the quit key. What the pipeline was actually doing
when the key was handled is observed separately (``where_now``), so the
slowest trials say where they were, whichever moment was asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..core.config import ConfigError, RunConfig
from ..core.pipeline import Pipeline

PAUSED_DELAY_US = 2_000_000.0
"""No pause control exists in the core yet: a producer whose next token is two
seconds away stands in for a paused one (it waits in ``trio.sleep_until``)."""

_CLI_FLAGS = {
    "message_count": "--count",
    "message_size": "--size",
    "message_delay_us": "--delay-us",
    "batch_size": "--batch",
    "buffer": "--buffer",
    "streams": "--streams",
    "consumer_delay_us": "--consumer-delay-us",
    "fps": "--fps",
}


def _frozen(values: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(values))


@dataclass(frozen=True, slots=True)
class Moment:
    name: str
    description: str
    overrides: Mapping[str, Any] = field(default_factory=lambda: _frozen({}))
    ready: Callable[[Pipeline], bool] | None = None
    """The condition to wait for before pressing the key (``None``: press at once)."""

    def config(self, base: RunConfig) -> RunConfig:
        return base.with_overrides(**self.overrides)

    def cli_args(self) -> list[str]:
        """The same moment as ``aiway-tui demo`` arguments (for the pty trials)."""
        args: list[str] = []
        for key, value in self.overrides.items():
            args += [_CLI_FLAGS[key], f"{value:g}" if isinstance(value, float) else str(value)]
        return args


def _buffer_full(pipeline: Pipeline) -> bool:
    return pipeline.buffer_used() >= pipeline.config.buffer


def _frame_in_flight(pipeline: Pipeline) -> bool:
    return pipeline.painter is not None and pipeline.painter.awaiting_render > 0


MOMENTS: tuple[Moment, ...] = (
    Moment("streaming", "the scenario as it is (rapid-tokens: 100K tok/s, paced by schedule)"),
    Moment(
        "flood",
        "no schedule: the producer sends as fast as it can (100M tokens, so it is still going)",
        _frozen({"message_delay_us": 0.0, "message_count": 100_000_000}),
    ),
    Moment(
        "buffer-full",
        "backpressure: buffer 100, one token per item, consumer 100 us per message; key pressed once full",
        _frozen({"buffer": 100, "batch_size": 1, "consumer_delay_us": 100.0}),
        _buffer_full,
    ),
    Moment(
        "slow-consumer",
        "consumer 20 us per message, paid in long sleeps: it falls behind the schedule",
        _frozen({"consumer_delay_us": 20.0}),
    ),
    Moment(
        "paused",
        "producer paused (emulated: the next token is 2 s away)",
        _frozen({"message_delay_us": PAUSED_DELAY_US}),
    ),
    Moment(
        "mid-paint",
        "heavy frames (200-char tokens, 120 fps); key pressed while a frame is awaiting its render",
        _frozen({"message_size": 200, "fps": 120}),
        _frame_in_flight,
    ),
    Moment(
        "many-streams",
        "2,000 replies, one after another, each with its blocks and end note",
        _frozen({"streams": 2000}),
    ),
)

_BY_NAME = {m.name: m for m in MOMENTS}
MIX = "mix"


def moment_names() -> tuple[str, ...]:
    return tuple(_BY_NAME)


def moments_for(name: str) -> tuple[Moment, ...]:
    """``mix``: every moment in turn; otherwise the one named."""
    if name == MIX:
        return MOMENTS
    try:
        return (_BY_NAME[name],)
    except KeyError:
        raise ConfigError(f"unknown moment {name!r}; known: {MIX}, {', '.join(_BY_NAME)}") from None


def where_now(pipeline: Pipeline) -> tuple[str, ...]:
    """What the pipeline is doing right now, in the words of the report."""
    if pipeline.consumer.done.is_set():
        return ("stream done",)
    where: list[str] = []
    if pipeline.config.message_delay_us >= PAUSED_DELAY_US:
        where.append("paused")
    else:
        where.append("streaming")
    if _buffer_full(pipeline):
        where.append("buffer full")
    if _frame_in_flight(pipeline):
        where.append("mid-paint")
    return tuple(where)
