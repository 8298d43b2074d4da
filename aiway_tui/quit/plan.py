"""What every quit-latency trial shares, in process or in a pseudo-terminal: its plan and its loop.

A plan says which hard moment a trial aims at and how long it streams before
the key; the loop runs the plans one after another, each in its own fresh run.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .moments import Moment

WAIT_RANGE_S = (0.05, 0.6)
"""How long a trial streams before the key is pressed, drawn uniformly."""


@dataclass(frozen=True, slots=True)
class TrialPlan:
    index: int
    moment: Moment
    wait_s: float


def plan_trials(
    moments: tuple[Moment, ...], trials: int, seed: int, wait_range_s: tuple[float, float] = WAIT_RANGE_S
) -> Iterator[TrialPlan]:
    """Moments in turn, each trial with its own seeded wait."""
    rng = random.Random(seed)
    for index in range(trials):
        yield TrialPlan(index, moments[index % len(moments)], rng.uniform(*wait_range_s))


@dataclass(frozen=True, slots=True)
class TrialResult:
    """What every trial records, wherever it ran: its plan, where the key found the app, its stages."""

    index: int
    moment: str
    wait_s: float
    where: tuple[str, ...]
    stages_ms: dict[str, float]
    problems: tuple[str, ...]
    """Why the quit was not clean (empty: it was)."""

    @property
    def clean(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "moment": self.moment,
            "wait_s": self.wait_s,
            "where": list(self.where),
            "stages_ms": self.stages_ms,
            "clean": self.clean,
            "problems": list(self.problems),
        }


T = TypeVar("T")


def run_plans(
    plans: Sequence[TrialPlan],
    run_one: Callable[[TrialPlan], T],
    on_trial: Callable[[T], None] | None = None,
    stop_after: Callable[[T], bool] = lambda _trial: False,
) -> list[T]:
    """Each plan through ``run_one`` in turn; ``stop_after`` ends the loop early (an interrupt)."""
    done: list[T] = []
    for plan in plans:
        trial = run_one(plan)
        done.append(trial)
        if on_trial is not None:
            on_trial(trial)
        if stop_after(trial):
            break
    return done
