"""The parameters of one run, validated once, immutable after."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from .bounds import bounded, check_bounds
from .faults import FaultSpec
from .mix import TokenMix
from .network import NetworkProfile
from .reply_text import TOKEN_MODES, WORD_TOKEN_MAX

ADAPTIVE = 0
"""``batch_size`` value meaning: send everything that is due, up to a cap."""

ADAPTIVE_MAX_TOKENS = 1024
ADAPTIVE_MAX_CHARS = 64 * 1024
"""The adaptive cap keeps one channel item under ~64 KB of text, so the
buffered items bound the memory in flight whatever the token size."""

MAX_ITEM_CHARS = 64 * 1024 * 1024
MAX_IN_FLIGHT_CHARS = 1024 * 1024 * 1024
"""An explicit batch may not make one channel item, nor a full buffer of
them, bigger than this: such a run would exhaust memory, not measure it."""


class ConfigError(ValueError):
    """A bad parameter: reported as one line, exit code 2."""


@dataclass(frozen=True, slots=True)
class RunConfig:
    """The seed's config fields, plus what a rendering run needs.

    ``message_count`` is the number of tokens streamed in all, split evenly
    over ``streams`` assistant replies that follow one another.
    """

    message_count: int = bounded(1_000_000, 1, 100_000_000)
    message_size: int = bounded(10, 1, 1_000_000)
    message_delay_us: float = bounded(0.0, 0.0, 10_000_000.0)
    batch_size: int = bounded(ADAPTIVE, 0, 1_000_000)
    buffer: int = bounded(256, 0, 10_000_000)
    streams: int = bounded(1, 1, 100_000)
    consumer_delay_us: float = bounded(0.0, 0.0, 10_000_000.0)
    fps: int = bounded(30, 1, 240)
    scrollback: int = bounded(2000, 10, 1_000_000)
    time_limit_s: float = bounded(120.0, 0.1, 86_400.0)
    width: int = bounded(120, 20, 1000)
    height: int = bounded(40, 5, 1000)
    seed: int = bounded(0, 0, 2**63 - 1)
    conversations: int = bounded(1, 1, 10_000)
    """Conversations streaming at once; stream ``s`` belongs to ``s % conversations``."""
    idle_s: float = bounded(0.0, 0.0, 86_400.0)
    """The app idles this long, nothing streaming, before the first stream."""
    mix: TokenMix | None = None
    """Mixed token sizes (``message_size`` is then unused)."""
    network: NetworkProfile | None = None
    faults: FaultSpec | None = None
    typist_cps: float = bounded(0.0, 0.0, 1000.0)
    """A simulated typist presses this many keys a second into the input box (0: none)."""
    session_tenths: bool = False
    """Measure the run tenth by tenth (by replies ended): the long-session figures."""
    answer_tokens: int = bounded(400, 1, 10_000_000)
    """Tokens in the reply the conductor streams to each ``UserMessage``."""
    tokens: str = "fixed"
    """How replies are cut into tokens: ``fixed`` (exactly ``message_size``
    characters each) or ``words`` (at word boundaries, a leading space each)."""

    def __post_init__(self) -> None:
        try:
            check_bounds(self)
            if self.tokens not in TOKEN_MODES:
                raise ValueError(f"tokens must be one of {', '.join(TOKEN_MODES)}, got {self.tokens!r}")
            for part in (self.mix, self.network, self.faults):
                if part is not None:
                    part.validate()
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        if self.faults is not None and self.faults.stream_faults > self.streams:
            raise ConfigError(
                f"faults need {self.faults.stream_faults} distinct streams but streams={self.streams}"
            )
        if self.conversations > self.streams:
            raise ConfigError(
                f"conversations={self.conversations} is more than streams={self.streams}: "
                "every conversation needs at least one stream"
            )
        if self.idle_s and self.time_limit_s <= self.idle_s:
            raise ConfigError(
                f"time_limit_s={self.time_limit_s:g} is not more than idle_s={self.idle_s:g}: "
                "the run would end before anything streams"
            )
        if self.streams > self.message_count:
            raise ConfigError(
                f"streams={self.streams} is more than message_count={self.message_count}: "
                "every stream needs at least one token"
            )
        item_chars = self.batch_cap * self.message_size
        if item_chars > MAX_ITEM_CHARS:
            raise ConfigError(
                f"batch_size={self.batch_label} x message_size={self.message_size} makes channel items of "
                f"{item_chars / 2**20:,.0f} MB; at most {MAX_ITEM_CHARS // 2**20} MB"
            )
        if (self.buffer + 1) * item_chars > MAX_IN_FLIGHT_CHARS:
            raise ConfigError(
                f"buffer={self.buffer} items of {self.batch_cap} tokens x message_size={self.message_size} "
                f"hold up to {(self.buffer + 1) * item_chars / 2**30:,.1f} GB in flight; "
                f"at most {MAX_IN_FLIGHT_CHARS // 2**30} GB"
            )

    @property
    def frame_period_s(self) -> float:
        """Time between two frame beats (``beat.next_beat``): the painter's slot, a paced stream's wake-up."""
        return 1.0 / self.fps

    @property
    def batch_cap(self) -> int:
        """Most tokens one channel item may carry."""
        if self.batch_size != ADAPTIVE:
            return self.batch_size
        size = self.mix.largest if self.mix is not None else self.message_size
        if self.tokens == "words":
            size = WORD_TOKEN_MAX
        return max(1, min(ADAPTIVE_MAX_TOKENS, ADAPTIVE_MAX_CHARS // size))

    @property
    def batch_label(self) -> str:
        return "adaptive" if self.batch_size == ADAPTIVE else str(self.batch_size)

    def with_overrides(self, **changes: Any) -> RunConfig:
        """A copy with ``changes`` applied (``None`` values ignored), validated."""
        given = {k: v for k, v in changes.items() if v is not None}
        unknown = set(given) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ConfigError(f"unknown parameter: {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **given)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
