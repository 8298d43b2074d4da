"""The scenario catalogue: the seed's five, with every criterion it stated, and ours.

The scenarios are data: one TOML file each in ``builtin/`` (shipped in the
package), in the format of ``--scenario-file``, read by the same loader.
The seed's keep its parameters and success criteria (source "seed"), add its
performance baselines where they apply (source "baseline": its original
printed them and never asserted them), and our own integrity criteria
(source "ours": nothing lost, duplicated, reordered). A built-in file also
names the seed test it reproduces (``seed_test``), so a copy of one is a valid
``--scenario-file`` as it is.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path

from ..core.config import ConfigError
from .files import scenario_from_mapping
from .scenario import Scenario

__all__ = ["BUILTIN_DIR", "SCENARIOS", "Scenario", "get_scenario", "scenario_names"]

BUILTIN_DIR = Path(__file__).with_name("builtin")

_ORDER = (
    # The seed's five.
    "1m-short",
    "1m-medium",
    "1k-long",
    "rapid-tokens",
    "backpressure",
    # Beyond the seed.
    "conversations",
    "mixed-load",
    "chaos",
    "network",
    "cpu-idle",
    "cpu-streaming",
    # The chat: a typist, and a long session.
    "typing",
    "long-session",
)
"""The catalogue's order: the demo's rows (and its digit keys), and ``list``."""


def _load_builtin(name: str) -> Scenario:
    path = BUILTIN_DIR / f"{name}.toml"
    try:
        return scenario_from_mapping(tomllib.loads(path.read_text(encoding="utf-8")))
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


SCENARIOS: tuple[Scenario, ...] = tuple(_load_builtin(name) for name in _ORDER)

_BY_NAME = {s.name: s for s in SCENARIOS}


def scenario_names() -> tuple[str, ...]:
    return tuple(_BY_NAME)


def get_scenario(name: str) -> Scenario:
    try:
        return _BY_NAME[name]
    except KeyError:
        close = difflib.get_close_matches(name, _BY_NAME, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"unknown scenario {name!r}{hint}; known: {', '.join(_BY_NAME)}") from None
