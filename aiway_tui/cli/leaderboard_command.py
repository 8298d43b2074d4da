"""``aiway-tui bench --targets [NAME ...]``: the leaderboard's arguments and its command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ..bench.leaderboard import DEFAULT_SCENARIOS, DEFAULT_TIME_CAP_S, render_leaderboard, run_leaderboard
from ..core.feed import FEEDS
from ..report.run_report import write_json_atomic

LEADERBOARD_FLAGS = ("--count", "--time-cap", "--feed", "--scenario")
"""Flags that only the leaderboard takes: given without ``--targets`` they are an error."""


def _count(text: str) -> int:
    try:
        value = int(text.replace("_", "")) if text.isascii() else None
    except ValueError:
        value = None
    if value is None or value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text) if text.isascii() else None
    except ValueError:
        value = None
    if value is None or not 0.1 <= value <= 86_400:
        raise argparse.ArgumentTypeError(f"expected seconds in 0.1..86400, got {text!r}")
    return value


def add_leaderboard_arguments(bench: argparse.ArgumentParser) -> None:
    group = bench.add_argument_group("leaderboard (with --targets)")
    group.add_argument(
        "--targets",
        nargs="*",
        metavar="NAME",
        help="the leaderboard: these targets (built-in names, module:attr, file.py:attr; "
        "none named: every built-in) side by side, instead of the layered benchmark",
    )
    group.add_argument("--count", type=_count, help="tokens per run (default: each scenario's own)")
    group.add_argument(
        "--time-cap",
        type=_seconds,
        help=f"seconds a run may take before it ends as fallen behind (default {DEFAULT_TIME_CAP_S:g})",
    )
    group.add_argument(
        "--feed", action="append", choices=FEEDS, help=f"feeds (repeatable; default {', '.join(FEEDS)})"
    )
    group.add_argument(
        "--scenario",
        action="append",
        metavar="NAME",
        help=f"scenarios to run (repeatable; default: {', '.join(DEFAULT_SCENARIOS)})",
    )


def run_leaderboard_command(args: argparse.Namespace, check_output: Callable[[Path | None], None]) -> int:
    """Every name is checked before the first run; exit 0 once the table is printed (a
    row that fails its criteria is a finding of the board, not a failure of the command)."""
    check_output(args.json)
    board = run_leaderboard(
        args.targets,
        scenarios=args.scenario or DEFAULT_SCENARIOS,
        feeds=args.feed or FEEDS,
        count=args.count,
        time_cap_s=args.time_cap if args.time_cap is not None else DEFAULT_TIME_CAP_S,
        progress=lambda text: print(f"bench: {text}", file=sys.stderr, flush=True),
    )
    print(render_leaderboard(board))
    if args.json is not None:
        write_json_atomic(args.json, board.as_dict())
    return 0
