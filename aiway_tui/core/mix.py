"""Mixed load: short, medium and long tokens interleaved by a seeded mix.

Each stream draws its token sizes from its own generator, seeded by the run's
seed and the stream number, so the mix of every stream is reproducible
whatever order the streams are interleaved in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .bounds import require_int, require_number


@dataclass(frozen=True, slots=True)
class TokenMix:
    """Token sizes (characters) and their relative weights."""

    sizes: tuple[int, ...] = (5, 100, 2_000)
    weights: tuple[float, ...] = (70.0, 25.0, 5.0)

    def validate(self) -> None:
        if not self.sizes:
            raise ValueError("mix.sizes must list at least one size")
        if len(self.sizes) != len(self.weights):
            raise ValueError(
                f"mix.sizes has {len(self.sizes)} entries but mix.weights has {len(self.weights)}"
            )
        for size in self.sizes:
            require_int("mix.sizes[]", size, 1, 1_000_000)
        for weight in self.weights:
            require_number("mix.weights[]", weight, 0.0, 1e9)
        if sum(self.weights) <= 0:
            raise ValueError("mix.weights must not all be zero")

    @property
    def largest(self) -> int:
        return max(self.sizes)


class StreamMix:
    """The size classes of one stream's tokens, in order, deterministic in the seed."""

    def __init__(self, mix: TokenMix, seed: int, stream: int) -> None:
        self._rng = random.Random(f"mix:{seed}:{stream}")
        self._classes = range(len(mix.sizes))
        self._weights = mix.weights

    def next_classes(self, count: int) -> list[int]:
        """Size-class indices (into ``TokenMix.sizes``) of the next ``count`` tokens."""
        return self._rng.choices(self._classes, self._weights, k=count)
