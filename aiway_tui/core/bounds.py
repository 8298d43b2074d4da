"""Range checks for ``RunConfig`` and the scenario parts that sit beside it.

A field declares its range where it is declared (``bounded``); one
``check_bounds`` checks them all. They raise plain ``ValueError``;
``RunConfig`` and the scenario-file loader turn that into a one-line
``ConfigError`` (exit code 2).
"""

from __future__ import annotations

import dataclasses
from typing import Any


def require_int(name: str, value: object, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"{name}={value} is out of range ({lo}..{hi})")


def require_number(name: str, value: object, lo: float, hi: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if value != value or not lo <= value <= hi:
        raise ValueError(f"{name}={value} is out of range ({lo:g}..{hi:g})")


def bounded(default: Any, lo: float, hi: float) -> Any:
    """A dataclass field whose value must lie in ``lo..hi`` (whole numbers when ``lo`` is an int)."""
    return dataclasses.field(default=default, metadata={"range": (lo, hi)})


def check_bounds(value: Any, prefix: str = "") -> None:
    """Every ``bounded`` field of the dataclass ``value`` is in its range."""
    for f in dataclasses.fields(value):
        bounds = f.metadata.get("range")
        if bounds is None:
            continue
        lo, hi = bounds
        check = require_int if isinstance(lo, int) and isinstance(hi, int) else require_number
        check(prefix + f.name, getattr(value, f.name), lo, hi)
