"""Model names: one per scenario, so that the model a client asks for picks the scenario.

Clients list models before they chat, and Ollama's add a ``:latest`` tag, so
every scenario is listed, and ``rapid-tokens`` and ``rapid-tokens:latest``
are the same model. With a fixed scenario (``aiway-tui run --app``), every
request gets that scenario whatever model it names: the app under test
keeps its own configured model name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..core.config import RunConfig
from ..scenarios.catalogue import Scenario

LATEST = ":latest"


@dataclass(frozen=True, slots=True)
class Pick:
    """The scenario a request plays, and which of its streams."""

    scenario: Scenario
    config: RunConfig
    stream: int


class ModelCatalogue:
    def __init__(self, scenarios: Iterable[tuple[Scenario, RunConfig]], fixed: str | None = None) -> None:
        self._by_name: dict[str, tuple[Scenario, RunConfig]] = {s.name: (s, c) for s, c in scenarios}
        if fixed is not None and fixed not in self._by_name:
            raise ValueError(f"fixed scenario {fixed!r} is not in the catalogue")
        self.fixed = fixed
        self._requests: dict[str, int] = dict.fromkeys(self._by_name, 0)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    @property
    def configs(self) -> Mapping[str, tuple[Scenario, RunConfig]]:
        return self._by_name

    def knows(self, model: str) -> bool:
        return self.fixed is not None or _bare(model) in self._by_name

    def pick(self, model: str) -> Pick | None:
        """The next reply for ``model``: request ``n`` of a scenario plays its stream ``n % streams``."""
        name = self.fixed if self.fixed is not None else _bare(model)
        found = self._by_name.get(name)
        if found is None:
            return None
        scenario, config = found
        n = self._requests[name]
        self._requests[name] = n + 1
        return Pick(scenario, config, n % config.streams)


def _bare(model: str) -> str:
    return model[: -len(LATEST)] if model.endswith(LATEST) else model
