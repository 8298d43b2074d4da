"""The ``aiway-tui`` command: list, run and demo scenarios; measure quit latency.

Exit codes: 0 every criterion passed, 1 one failed (or the run failed, or
an output could not be written), 2 bad usage (one line, no traceback),
129/130/143 interrupted by SIGHUP/SIGINT/SIGTERM, 141 standard output or
error closed early.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from ..blackbox.command import add_app_arguments, run_black_box
from ..core.config import ConfigError, RunConfig
from ..core.reply_text import TOKEN_MODES
from ..quit.under_load import run_with_quit_under_load
from ..report.compare import DEFAULT_TOLERANCE_PCT, CompareError, run_compare
from ..report.output import OutputPathError, output_for
from ..report.run_report import RunReport, render_summary, render_text
from ..scenarios.catalogue import SCENARIOS, Scenario, get_scenario, scenario_names
from ..scenarios.describe import describe_extras
from ..scenarios.files import load_scenario_file
from ..scenarios.metric_check import unknown_metrics
from ..scenarios.metrics import BLACK_BOX_METRICS, RUN_METRICS, Metric
from ..serve.command import add_serve_parser, remote_conductors, run_serve
from ..session.demo import INTERACTIVE, run_demo
from ..session.hosting import SessionOptions
from ..session.runner import run_session
from ..ui.host import run_as_guest
from .broken_pipe import silence_standard_streams
from .instruments import Measurement, ProfilerMissing
from .leaderboard_command import LEADERBOARD_FLAGS, add_leaderboard_arguments, run_leaderboard_command
from .outputs import EXIT_FAILED, EXIT_OK, checked_outputs, report_stream, write_outputs
from .quit_command import add_quit_latency_parser, run_quit_latency
from .target_options import add_target_options, list_targets, target_of

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

EXIT_USAGE = 2
DEMO_SHOWS_A_VIEW = "the demo shows a view, not a whole app of your own"
_SIGNAL_EXIT = {"SIGINT": 130, "SIGTERM": 143, "SIGHUP": 129}


class UsageError(Exception):
    """Bad usage: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        """As argparse's, but a closed pipe is not swallowed (``--help | head -1`` exits 141)."""
        if message:
            (file or sys.stderr).write(message)


def _positive_int(text: str) -> int:
    try:
        if not text.isascii():
            raise ValueError(text)
        return int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _number(text: str) -> float:
    try:
        if not text.isascii():
            raise ValueError(text)
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def _add_overrides(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("overrides (default: the scenario's own)")
    group.add_argument("--count", type=_positive_int, help="tokens to stream in all")
    group.add_argument("--size", type=_positive_int, help="characters per token")
    group.add_argument(
        "--delay-us", type=_number, help="schedule: microseconds between tokens (0: as fast as possible)"
    )
    group.add_argument(
        "--batch", type=_positive_int, help="messages per channel item (1: one each, 0: adaptive)"
    )
    group.add_argument("--buffer", type=_positive_int, help="channel capacity, in items")
    group.add_argument("--streams", type=_positive_int, help="assistant replies the tokens are split over")
    group.add_argument("--consumer-delay-us", type=_number, help="slow consumer: microseconds per message")
    group.add_argument("--fps", type=_positive_int, help="most frames painted per second (1..240)")
    group.add_argument("--scrollback", type=_positive_int, help="transcript rows kept")
    group.add_argument("--time-limit", type=_number, help="deadline in seconds; past it the run is cancelled")
    group.add_argument("--seed", type=_positive_int, help="seed for the deterministic token text")
    group.add_argument("--conversations", type=_positive_int, help="conversations streaming at once")
    group.add_argument(
        "--typist",
        type=_number,
        nargs="?",
        const=15.0,
        metavar="CPS",
        help="a simulated typist presses CPS keys a second (default 15) into the input box; each echo timed",
    )
    group.add_argument(
        "--tokens",
        choices=TOKEN_MODES,
        help="cut replies into tokens of exactly --size chars (fixed) or at word boundaries (words)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="aiway-tui",
        description="Stress a streaming chat TUI: Trio pipeline, Textual rendering, measured.",
    )
    parser.add_argument("--version", action="version", version=f"aiway-tui {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    list_cmd = sub.add_parser("list", help="show the scenarios, their parameters and criteria")
    list_cmd.add_argument(
        "--metrics", action="store_true", help="show every figure a run reports (what a criterion may name)"
    )
    list_cmd.add_argument("--targets", action="store_true", help="show the built-in targets instead")
    run = sub.add_parser("run", help="run scenarios and report (headless by default)")
    run.add_argument("scenarios", nargs="*", metavar="NAME", help="scenario names, or 'all'")
    run.add_argument(
        "--scenario-file",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help="a scenario from a TOML file (repeatable; see stress/scenarios/)",
    )
    run.add_argument("--headless", action="store_true", default=True, help="no terminal output (the default)")
    run.add_argument("--visible", dest="headless", action="store_false", help="show the app while it runs")
    run.add_argument("--json", type=Path, metavar="PATH", help="write the report(s) as JSON")
    _add_overrides(run)
    add_target_options(run)
    _add_measurement(run)
    add_app_arguments(run)
    demo = sub.add_parser("demo", help="run a scenario interactively in this terminal")
    demo.add_argument(
        "scenario", nargs="?", default=None, metavar="NAME", help="start this one (default: pick from a list)"
    )
    demo.add_argument("--json", type=Path, metavar="PATH", help="write the report as JSON")
    demo.add_argument(
        "--connect", metavar="URL", help="stream the replies from this server (aiway-tui serve) instead"
    )
    _add_overrides(demo)
    add_target_options(demo)
    add_quit_latency_parser(sub)
    add_serve_parser(sub, _add_overrides)
    bench = sub.add_parser("bench", help="side-by-side benchmark: channel limit, pipeline, app, naive peer")
    bench.add_argument(
        "--scale", type=_number, help="fraction of the full token counts (default 1; not with --targets)"
    )
    bench.add_argument(
        "--repeats",
        type=_positive_int,
        default=3,
        help="runs per scale point, each in a fresh process (default 3)",
    )
    bench.add_argument("--json", type=Path, metavar="PATH", help="write the figures as JSON")
    add_leaderboard_arguments(bench)
    comp = sub.add_parser("compare", help="compare two JSON reports; exit 1 on a regression")
    comp.add_argument("base", type=Path, metavar="BASE.json")
    comp.add_argument("new", type=Path, metavar="NEW.json")
    comp.add_argument(
        "--tolerance",
        type=_number,
        default=DEFAULT_TOLERANCE_PCT,
        metavar="PCT",
        help=f"allowed worsening, percent of the base value (default {DEFAULT_TOLERANCE_PCT:g})",
    )
    return parser


def _bench(args: argparse.Namespace) -> int:
    from ..bench.runner import render_bench, run_bench

    if args.targets is not None:
        if args.scale is not None:
            raise UsageError("--scale is for the layered benchmark; the leaderboard takes --count")
        return run_leaderboard_command(args, checked_outputs)
    leaderboard_only = [f for f in LEADERBOARD_FLAGS if getattr(args, f[2:].replace("-", "_")) is not None]
    if leaderboard_only:
        raise UsageError(f"{leaderboard_only[0]} goes with --targets (the leaderboard)")
    if args.scale is None:
        args.scale = 1.0

    if not 0.0001 <= args.scale <= 10:
        raise UsageError(f"--scale {args.scale:g} is out of range (0.0001..10)")
    if not 1 <= args.repeats <= 50:
        raise UsageError(f"--repeats {args.repeats} is out of range (1..50)")
    json_out = checked_outputs(output_for("--json", args.json))[0]
    result = run_bench(
        args.scale,
        repeats=args.repeats,
        progress=lambda text: print(f"bench: {text}", file=sys.stderr, flush=True),
    )
    print(render_bench(result), file=report_stream(json_out))
    return write_outputs([(json_out, result.as_dict())], EXIT_OK)


def _add_measurement(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("measurement")
    group.add_argument("--samples", type=Path, metavar="PATH", help="write a JSONL time series (~10 Hz)")
    group.add_argument("--quiet", action="store_true", help="no progress line on stderr")
    group.add_argument("--profile", type=Path, metavar="PATH", help="write a pyinstrument HTML profile")
    group.add_argument(
        "--trace-memory", action="store_true", help="print the top allocation sites (tracemalloc) at the end"
    )
    group.add_argument(
        "--no-probes",
        dest="probes",
        action="store_false",
        help="no resource sampler or UI lag probe (to measure what measuring costs)",
    )


def _config_for(scenario: Scenario, args: argparse.Namespace) -> RunConfig:
    if args.size is not None and scenario.config.mix is not None:
        raise ConfigError(
            f"--size does not apply to {scenario.name}: its token sizes come from its mix "
            f"({', '.join(map(str, scenario.config.mix.sizes))} chars)"
        )
    return scenario.config.with_overrides(
        message_count=args.count,
        message_size=args.size,
        message_delay_us=args.delay_us,
        batch_size=args.batch,
        buffer=args.buffer,
        streams=args.streams,
        consumer_delay_us=args.consumer_delay_us,
        fps=args.fps,
        scrollback=args.scrollback,
        time_limit_s=args.time_limit,
        seed=args.seed,
        conversations=args.conversations,
        tokens=args.tokens,
        typist_cps=args.typist,
    )


def _version() -> str:
    from .. import __version__

    return __version__


def _list_metrics() -> int:
    print(f"{'metric':<34} {'unit':<7} {'better':<7} meaning")

    def rows(metrics: tuple[Metric, ...]) -> None:
        for m in metrics:
            print(f"{m.name:<34} {m.unit:<7} {m.better or '-':<7} {m.meaning}")

    rows(RUN_METRICS)
    print()
    print("black box (run --app): the app's screen, the server's side, the app's process tree")
    rows(BLACK_BOX_METRICS)
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    if args.metrics:
        return _list_metrics()
    for scenario in SCENARIOS:
        c = scenario.config
        print(f"{scenario.name:<14} {scenario.title}: {scenario.purpose}")
        print(
            f"{'':<14} count={c.message_count:,} size={c.message_size} delay_us={c.message_delay_us:g} "
            f"batch={c.batch_label} buffer={c.buffer} consumer_delay_us={c.consumer_delay_us:g} "
            f"time_limit={c.time_limit_s:g}s"
        )
        extras = describe_extras(c)
        if extras:
            print(f"{'':<14} {extras}")
        for crit in scenario.criteria:
            threshold = crit.resolve(c)
            print(
                f"{'':<14}   [{crit.source:<8}] {crit.describe(c)} ({crit.metric} {crit.op} {threshold:,.4g})"
            )
        print()
    return EXIT_OK


def _exit_code(reports: Sequence[RunReport]) -> int:
    for rep in reports:
        if rep.interrupted_by in _SIGNAL_EXIT:
            return _SIGNAL_EXIT[rep.interrupted_by]
    return EXIT_OK if all(r.passed for r in reports) else EXIT_FAILED


def _run(args: argparse.Namespace, names: list[str], options: SessionOptions) -> int:
    if names == ["all"]:
        names = list(scenario_names())
    scenarios = [get_scenario(n) for n in names]
    for path in getattr(args, "scenario_file", []):
        scenario = load_scenario_file(path)
        for problem in unknown_metrics(scenario.criteria):
            raise ConfigError(f"{path}: {problem}")
        scenarios.append(scenario)
    if not scenarios:
        raise UsageError("run: name scenarios, 'all', or give --scenario-file PATH")
    configs = [_config_for(s, args) for s in scenarios]
    target, feed = target_of(args)
    options = dataclasses.replace(options, target=target, feed=feed, probes=getattr(args, "probes", True))
    json_out, samples, profile = checked_outputs(
        output_for("--json", args.json),
        output_for("--samples", getattr(args, "samples", None)),
        output_for("--profile", getattr(args, "profile", None)),
    )
    if samples is not None and not getattr(args, "probes", True):
        raise UsageError("--samples needs the probes (the resource sampler takes them): drop --no-probes")
    measurement = Measurement(
        samples=samples,
        progress=options.headless and not getattr(args, "quiet", False),
        profile=profile,
        trace_memory=getattr(args, "trace_memory", False),
        probes=getattr(args, "probes", True),
    )
    out = report_stream(json_out, samples, profile)
    reports: list[RunReport] = []
    with measurement.around_runs():
        for scenario, config in zip(scenarios, configs, strict=True):
            session = functools.partial(
                run_session, on_ready=measurement.on_ready(scenario.name, config.message_count)
            )
            report = run_as_guest(session, scenario, config, options)
            report = run_as_guest(run_with_quit_under_load, scenario, config, options, report)
            measurement.after_run()
            print(render_text(report), file=out, flush=True)
            print(file=out, flush=True)
            reports.append(report)
            if report.interrupted_by:
                break
    for line in measurement.memory_sites:
        print(line, file=out)
    if len(reports) > 1:
        print(render_summary(reports), file=out)
    for error in measurement.write_errors:
        print(f"aiway-tui: error: {error}", file=sys.stderr)
    code = _exit_code(reports)
    if measurement.write_errors and code == EXIT_OK:
        code = EXIT_FAILED
    payload = reports[0].as_dict() if len(reports) == 1 else [r.as_dict() for r in reports]
    code = write_outputs([(json_out, payload)], code)
    if measurement.stderr_closed:
        raise BrokenPipeError("standard error closed")
    return code


def _demo_config(scenario: Scenario, args: argparse.Namespace) -> RunConfig:
    """The overrides apply to the scenario named on the command line (bad ones
    are errors); to the others in the catalogue where they fit, else not.
    Replies are cut into words unless ``--tokens`` says otherwise: a person reads them."""
    if args.tokens is None:
        args = argparse.Namespace(**{**vars(args), "tokens": "words"})
    if scenario.name == args.scenario:
        return _config_for(scenario, args)
    try:
        return _config_for(scenario, args)
    except ConfigError:
        return scenario.config


def _check_demo_overrides(args: argparse.Namespace) -> None:
    """A named scenario must take the overrides; the catalogue needs one that does."""
    if args.scenario is not None:
        _config_for(get_scenario(args.scenario), args)
        return
    first_error: ConfigError | None = None
    for scenario in SCENARIOS:
        try:
            _config_for(scenario, args)
        except ConfigError as exc:
            first_error = first_error or exc
        else:
            return
    assert first_error is not None
    raise first_error


def _demo(args: argparse.Namespace) -> int:
    """The interactive demo: the catalogue (or ``NAME`` at once), then a report per run."""
    if args.scenario is not None:
        get_scenario(args.scenario)
    configs = {s.name: _demo_config(s, args) for s in SCENARIOS}
    target, feed = target_of(args, whole_app_refused=DEMO_SHOWS_A_VIEW)
    json_out = checked_outputs(output_for("--json", args.json))[0]
    options = dataclasses.replace(INTERACTIVE, target=target, feed=feed)
    demo = (
        run_demo
        if args.connect is None
        else functools.partial(run_demo, conductor_for=remote_conductors(args.connect))
    )
    result = run_as_guest(demo, SCENARIOS, configs, args.scenario, options)
    if not result.reports:  # quit from the catalogue: by the key, or by a signal's exit code
        return _SIGNAL_EXIT.get(result.ended_by, EXIT_OK)
    code = _SIGNAL_EXIT.get(result.ended_by) or _exit_code(result.reports[-1:])
    # The report file first: after SIGHUP there is no terminal left to print on.
    code = write_outputs([(json_out, result.reports[-1].as_dict())], code)
    out = report_stream(json_out)
    try:
        for report in result.reports:
            print(render_text(report), file=out, flush=True)
            print(file=out, flush=True)
        if len(result.reports) > 1:
            print(render_summary(list(result.reports)), file=out)
        for path in result.screenshots:
            print(f"Screenshot saved: {path}", file=out, flush=True)
    except BrokenPipeError:
        raise
    except OSError:  # the terminal is gone (hung up): the report file is what is left
        if result.reports[-1].interrupted_by != "SIGHUP":
            raise
        silence_standard_streams()
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "list":
            return list_targets() if args.targets else _list(args)
        if args.command == "quit-latency":
            return run_quit_latency(args)
        if args.command == "run" and args.app is not None:
            json_out = checked_outputs(output_for("--json", args.json))[0]
            return run_black_box(args, lambda scenario: _config_for(scenario, args), json_out)
        if args.command == "run":
            if not args.headless and not sys.stdout.isatty():
                raise UsageError("--visible needs a terminal; leave it out for a headless run")
            return _run(args, list(args.scenarios), SessionOptions(headless=args.headless))
        if args.command == "serve":
            return run_serve(args, lambda scenario: _config_for(scenario, args))
        if args.command == "bench":
            return _bench(args)
        if args.command == "compare":
            text, regressed = run_compare(args.base, args.new, args.tolerance)
            print(text)
            return EXIT_FAILED if regressed else EXIT_OK
        if args.command == "demo" or args.command is None:
            if args.command is None:
                args = parser.parse_args(["demo"])
            _check_demo_overrides(args)  # name a bad value before asking for a terminal
            target_of(args, whole_app_refused=DEMO_SHOWS_A_VIEW)
            if args.connect is not None:
                remote_conductors(args.connect)
            checked_outputs(output_for("--json", args.json))
            if not sys.stdout.isatty() or not sys.stdin.isatty():
                raise UsageError("demo needs a terminal; use 'aiway-tui run NAME' for a headless run")
            return _demo(args)
    except (UsageError, ConfigError, CompareError, ProfilerMissing, OutputPathError) as exc:
        print(f"aiway-tui: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    parser.print_help()
    return EXIT_USAGE


def run() -> NoReturn:
    sys.exit(main())
