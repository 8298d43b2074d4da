"""``aiway-tui quit-latency``: quit under load many times, in process or in a pseudo-terminal.

Exit codes follow the criteria: 0 all passed, 1 one failed, 2 bad usage,
130 interrupted (the trials run so far are still reported).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import trio

from ..core.config import ConfigError
from ..quit.moments import MIX, moment_names, moments_for
from ..quit.plan import plan_trials
from ..quit.report import QuitLatencyReport, Trial, render_quit_text
from ..quit.trials import IN_PROCESS, INTERACTIVE, QuitTrial, run_trials
from ..report.output import OutputWriteError, output_for
from ..scenarios.catalogue import get_scenario
from .target_options import add_target_options, target_of, view_arguments

P = TypeVar("P", bound=argparse.ArgumentParser)

DEFAULT_TRIALS = 50
DEFAULT_PTY_TRIALS = 10
MAX_TRIALS = 100_000
EXIT_INTERRUPTED = 130
WHOLE_APP_HAS_NO_QUIT_KEY = "quit-latency presses our quit key, which a whole app of your own does not bind"


def _whole(text: str) -> int:
    try:
        return int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def add_quit_latency_parser(sub: argparse._SubParsersAction[P]) -> None:
    parser = sub.add_parser(
        "quit-latency", help="quit under load many times and report each stage's latency distribution"
    )
    parser.add_argument("--scenario", default="rapid-tokens", metavar="NAME", help="base scenario")
    parser.add_argument(
        "--moment",
        default=MIX,
        metavar="NAME",
        help=f"when to quit: {MIX} (each in turn, the default) or one of {', '.join(moment_names())}",
    )
    parser.add_argument(
        "--trials",
        type=_whole,
        metavar="N",
        help=f"quits to measure (default {DEFAULT_TRIALS}; {DEFAULT_PTY_TRIALS} with --pty)",
    )
    parser.add_argument(
        "--warmup",
        type=_whole,
        default=1,
        metavar="N",
        help="trials run first and not counted (first-time imports and code paths; default 1)",
    )
    parser.add_argument("--seed", type=_whole, default=0, metavar="S", help="seed for the waits before q")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the report as JSON")
    add_target_options(parser)
    parser.add_argument(
        "--pty", action="store_true", help="run the real 'aiway-tui demo' in a pseudo-terminal and send q"
    )


def _check(args: argparse.Namespace) -> int:
    trials = args.trials if args.trials is not None else (DEFAULT_PTY_TRIALS if args.pty else DEFAULT_TRIALS)
    if not 1 <= trials <= MAX_TRIALS:
        raise ConfigError(f"--trials {trials} is out of range (1..{MAX_TRIALS})")
    if not 0 <= args.warmup <= MAX_TRIALS:
        raise ConfigError(f"--warmup {args.warmup} is out of range (0..{MAX_TRIALS})")
    if args.seed < 0:
        raise ConfigError(f"--seed {args.seed} is out of range (>= 0)")
    return int(trials)


def _progress(total: int) -> Callable[[Trial], None]:
    shown = sys.stderr.isatty()

    def note(trial: Trial) -> None:
        if shown:
            end = "\n" if trial.index + 1 == total else ""
            print(
                f"\rtrial {trial.index + 1}/{total} {trial.moment:<14}", end=end, file=sys.stderr, flush=True
            )

    return note


def _is_interrupt(exc: BaseException) -> bool:
    """Ctrl+C between two trials' signal handlers surfaces as KeyboardInterrupt, maybe in a group."""
    if isinstance(exc, BaseExceptionGroup):
        interrupts, rest = exc.split(KeyboardInterrupt)
        return interrupts is not None and (rest is None or rest.split(trio.Cancelled)[1] is None)
    return isinstance(exc, KeyboardInterrupt)


def run_quit_latency(args: argparse.Namespace) -> int:
    scenario = get_scenario(args.scenario)
    moments = moments_for(args.moment)
    trials_asked = _check(args)
    json_out = output_for("--json", args.json)
    if json_out is not None:
        json_out.check()
    text_out = sys.stderr if json_out is not None and json_out.is_stdout else sys.stdout
    for moment in moments:  # every moment's config is valid on this scenario, before any trial runs
        try:
            moment.config(scenario.config)
        except ConfigError as exc:
            raise ConfigError(f"moment {moment.name} on {scenario.name}: {exc}") from None
    target, feed = target_of(
        args,
        whole_app_refused="quit-latency presses our quit key, which a whole app of your own does not bind",
    )
    options = dataclasses.replace(INTERACTIVE, target=target, feed=feed)
    progress = _progress(trials_asked)
    interrupted = False
    report: QuitLatencyReport
    if args.pty:
        from ..quit.pty_trials import PTY, PTY_WAIT_RANGE_S, PtyTrial, run_pty_trials

        pty_done: list[PtyTrial] = []

        def keep_pty(trial: PtyTrial) -> None:
            pty_done.append(trial)
            progress(trial)

        try:
            view_args = view_arguments(args)
            warmups = list(plan_trials(moments, args.warmup, args.seed, PTY_WAIT_RANGE_S))
            run_pty_trials(scenario, warmups, view_args=view_args)
            trials = list(plan_trials(moments, trials_asked, args.seed, PTY_WAIT_RANGE_S))
            run_pty_trials(scenario, trials, keep_pty, view_args)
        except KeyboardInterrupt:
            interrupted = True
        report = PTY.report(scenario, args.moment, args.seed, trials_asked, pty_done, args.warmup)
    else:
        done: list[QuitTrial] = []

        def keep(trial: QuitTrial) -> None:
            if trial.ending == "interrupted":  # Ctrl+C ended this trial: it measured nothing
                raise KeyboardInterrupt
            done.append(trial)
            progress(trial)

        try:
            run_trials(scenario, list(plan_trials(moments, args.warmup, args.seed)), options)
            run_trials(scenario, list(plan_trials(moments, trials_asked, args.seed)), options, keep)
        except (KeyboardInterrupt, BaseExceptionGroup) as exc:
            if not _is_interrupt(exc):
                raise
            interrupted = True
        report = IN_PROCESS.report(scenario, args.moment, args.seed, trials_asked, done, args.warmup)
    report = dataclasses.replace(
        report, target=target.name if target is not None else "transcript", feed=feed
    )
    print(render_quit_text(report), file=text_out, flush=True)
    if json_out is not None:
        try:
            json_out.write_json(report.as_dict())
        except OutputWriteError as exc:
            print(f"aiway-tui: error: {exc}", file=sys.stderr)
            return EXIT_INTERRUPTED if interrupted else 1
    if interrupted:
        return EXIT_INTERRUPTED
    return 0 if report.passed else 1
