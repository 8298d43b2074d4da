"""Pass/fail criteria as data: a metric, a comparison and a threshold.

A threshold may name a config field (``"message_count"``), so "all tokens
received" follows a ``--count`` override instead of going stale.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from ..core.config import RunConfig

Op = Literal["<", "<=", ">", ">=", "=="]

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}

Source = Literal["seed", "baseline", "ours"]
"""Where a criterion comes from: the seed's scenario section, the seed's
performance baselines (never asserted by the original), or our own."""


@dataclass(frozen=True, slots=True)
class Criterion:
    label: str
    metric: str
    op: Op
    threshold: float | str
    source: Source = "seed"

    def resolve(self, config: RunConfig) -> float:
        if isinstance(self.threshold, str):
            return float(getattr(config, self.threshold))
        return float(self.threshold)

    def describe(self, config: RunConfig) -> str:
        """The label, with config placeholders such as ``{message_count:,}`` filled in."""
        return self.label.format_map(config.as_dict())

    def check(self, results: Mapping[str, float], config: RunConfig) -> CriterionResult:
        threshold = self.resolve(config)
        value = results.get(self.metric)
        passed = value is not None and _OPS[self.op](value, threshold)
        return CriterionResult(
            self.describe(config), passed, value, threshold, self.metric, self.op, self.source
        )


@dataclass(frozen=True, slots=True)
class CriterionResult:
    name: str
    passed: bool
    value: float | None
    threshold: float
    metric: str
    op: str
    source: str

    def render_line(self) -> str:
        """One pass/fail line, as every report prints it."""
        mark = "✅" if self.passed else "❌"
        value = "missing" if self.value is None else f"{self.value:,.4g}"
        return f"  {mark} {self.name}  [{self.metric} = {value}, needs {self.op} {self.threshold:,.4g}]"

    def as_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


def evaluate(
    criteria: tuple[Criterion, ...], results: Mapping[str, float], config: RunConfig
) -> tuple[CriterionResult, ...]:
    return tuple(c.check(results, config) for c in criteria)
