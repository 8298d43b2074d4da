"""Scenarios from TOML files: the built-in scenarios' fields, checked strictly.

A file names the scenario and gives its parameters, optional ``[mix]``,
``[network]`` and ``[faults]`` tables, and its ``[[criteria]]``. Every
mistake (unknown key, wrong type, value out of range, unreadable file) is a
``ConfigError`` of one line that starts with the file's path, so the command
exits with code 2 and says where to look.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args

from ..core.config import ConfigError, RunConfig
from ..core.faults import FaultSpec
from ..core.mix import TokenMix
from ..core.network import NetworkProfile
from .criteria import Criterion, Op, Source
from .scenario import Scenario

_TOP_KEYS = ("name", "title", "purpose", "seed_test", "parameters", "mix", "network", "faults", "criteria")
_PARTS: dict[str, type[TokenMix] | type[NetworkProfile] | type[FaultSpec]] = {
    "mix": TokenMix,
    "network": NetworkProfile,
    "faults": FaultSpec,
}
_CONFIG_FIELDS = tuple(f.name for f in dataclasses.fields(RunConfig))
_PARAMETERS = tuple(name for name in _CONFIG_FIELDS if name not in _PARTS)
_CRITERION_KEYS = ("label", "metric", "op", "threshold", "source")
MAX_FILE_BYTES = 1024 * 1024
"""A scenario is a few dozen lines; anything this big is the wrong file."""
_BOM = b"\xef\xbb\xbf"


def load_scenario_file(path: Path) -> Scenario:
    """Read and validate ``path``; any problem is one ``ConfigError`` line naming it."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such scenario file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(f"{path}: more than {MAX_FILE_BYTES // 1024} KiB: not a scenario file")
    try:
        text = raw.removeprefix(_BOM).decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}, line {line})"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        return scenario_from_mapping(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def scenario_from_mapping(data: Mapping[str, Any]) -> Scenario:
    _no_unknown_keys("", data, _TOP_KEYS)
    name = _string("name", data.get("name"), required=True)
    title = _string("title", data.get("title")) or name
    purpose = _string("purpose", data.get("purpose")) or f"From a scenario file: {name}."
    parameters = _table("parameters", data.get("parameters", {}))
    _no_unknown_keys("[parameters]", parameters, _PARAMETERS)
    parts: dict[str, Any] = {}
    for key, cls in _PARTS.items():
        if key in data:
            parts[key] = _part(key, cls, _table(key, data[key]))
    config = RunConfig(**parameters, **parts)  # RunConfig checks types and ranges
    raw_criteria = data.get("criteria", [])
    if not isinstance(raw_criteria, list) or not raw_criteria:
        raise ConfigError("criteria must be a non-empty array of tables ([[criteria]])")
    criteria = tuple(_criterion(i, raw) for i, raw in enumerate(raw_criteria, 1))
    # ``seed_test``: the seed's test a built-in reproduces; a copy of a built-in file loads as it is.
    seed_test = _string("seed_test", data.get("seed_test"))
    return Scenario(name, title, purpose, config, criteria, seed_test=seed_test)


def _no_unknown_keys(where: str, table: Mapping[str, Any], known: tuple[str, ...]) -> None:
    for key in table:
        if key not in known:
            place = f" in {where}" if where else ""
            raise ConfigError(f"unknown key {key!r}{place} (known: {', '.join(known)})")


def _string(key: str, value: object, *, required: bool = False) -> str:
    if value is None:
        if required:
            raise ConfigError(f"{key} is required")
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key} must be a non-empty string, got {value!r}")
    return value


def _table(key: str, value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"[{key}] must be a table, got {type(value).__name__}")
    return value


def _part(
    key: str, cls: type[TokenMix] | type[NetworkProfile] | type[FaultSpec], table: dict[str, Any]
) -> object:
    fields = {f.name for f in dataclasses.fields(cls)}
    _no_unknown_keys(f"[{key}]", table, tuple(sorted(fields)))
    values = {}
    for name, value in table.items():
        if isinstance(value, list):
            value = tuple(value)
        values[name] = value
    part = cls(**values)
    try:
        part.validate()
    except (ValueError, TypeError) as exc:
        raise ConfigError(str(exc)) from None
    return part


def _criterion(index: int, raw: object) -> Criterion:
    where = f"criteria #{index}"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table")
    _no_unknown_keys(f"[[criteria]] #{index}", raw, _CRITERION_KEYS)
    for key in ("label", "metric", "op", "threshold"):
        if key not in raw:
            raise ConfigError(f"{where}: {key} is required")
    label = _string(f"{where}: label", raw["label"])
    metric = _string(f"{where}: metric", raw["metric"])
    op = raw["op"]
    if op not in get_args(Op):
        raise ConfigError(f"{where}: op must be one of {', '.join(get_args(Op))}, got {op!r}")
    threshold = raw["threshold"]
    if isinstance(threshold, bool) or not isinstance(threshold, int | float | str):
        raise ConfigError(f"{where}: threshold must be a number or a parameter name, got {threshold!r}")
    if isinstance(threshold, str) and threshold not in _PARAMETERS:
        raise ConfigError(f"{where}: threshold {threshold!r} is not a parameter name")
    source = raw.get("source", "ours")
    if source not in get_args(Source):
        raise ConfigError(f"{where}: source must be one of {', '.join(get_args(Source))}, got {source!r}")
    return Criterion(label, metric, op, threshold, source)
