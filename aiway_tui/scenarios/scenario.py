"""What a scenario is: a name, what it is for, the run's config and what it is judged on."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.config import RunConfig
from .criteria import Criterion


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    title: str
    purpose: str
    config: RunConfig
    criteria: tuple[Criterion, ...]
    seed_test: str
    """The seed's test this scenario reproduces ("": none, it goes beyond the seed)."""

    @property
    def expected_duration_s(self) -> float:
        """A rough guess for the catalogue: the schedule, or the time limit's scale."""
        c = self.config
        paced = c.message_count * c.message_delay_us / 1e6
        slow = c.message_count * c.consumer_delay_us / 1e6
        return max(paced, slow, 1.0)
