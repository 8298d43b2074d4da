"""``aiway-tui bench --targets [NAME ...]``: the leaderboard's arguments and its command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from ..bench.leaderboard import DEFAULT_SCENARIOS, DEFAULT_TIME_CAP_S, render_leaderboard, run_leaderboard
from ..core.feed import FEEDS
from ..report.output import Output, OutputWriteError

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


def run_leaderboard_command(args: argparse.Namespace, check_output: Callable[..., object]) -> int:
    """Every name is checked before the first run; exit 0 once the table is printed (a
    row that fails its criteria is a finding of the board, not a failure of the command;
    a report file that could not be written is: exit 1)."""
    json_out = None if args.json is None else Output("--json", str(args.json))
    check_output(json_out)
    board = run_leaderboard(
        args.targets,
        scenarios=args.scenario or DEFAULT_SCENARIOS,
        feeds=args.feed or FEEDS,
        count=args.count,
        time_cap_s=args.time_cap if args.time_cap is not None else DEFAULT_TIME_CAP_S,
        progress=lambda text: print(f"bench: {text}", file=sys.stderr, flush=True),
    )
    print(
        render_leaderboard(board),
        file=sys.stderr if json_out is not None and json_out.is_stdout else sys.stdout,
    )
    if json_out is not None:
        try:
            json_out.write_json(board.as_dict())
        except OutputWriteError as exc:
            print(f"aiway-tui: error: {exc}", file=sys.stderr)
            return 1
    return 0
