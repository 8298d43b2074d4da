"""Range checks for ``RunConfig`` and the scenario parts that sit beside it.

They raise plain ``ValueError``; ``RunConfig`` and the scenario-file loader
turn that into a one-line ``ConfigError`` (exit code 2).
"""

from __future__ import annotations


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
