"""``aiway-tui run SCENARIO --app "COMMAND"``: its options, and the run from the command line."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

from ..cli.outputs import report_stream, write_outputs
from ..core.config import ConfigError, RunConfig
from ..report.output import Output
from ..scenarios.catalogue import Scenario, get_scenario
from . import report
from .keys import KeyError_, parse_keys
from .runner import AppNotFound, AppRunSpec, run_app_sync
from .side_by_side import render_side_by_side, run_in_process


def add_app_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("black box: any chat TUI in a pseudo-terminal, fed by the server")
    group.add_argument("--app", metavar="COMMAND", help='the app to run, e.g. "mychat --host {url}"')
    group.add_argument("--pty-size", default="120x40", metavar="COLSxROWS", help="terminal size (120x40)")
    group.add_argument("--send", default="", metavar="KEYS", help='keys to send first, e.g. "hello<Enter>"')
    group.add_argument("--quit-keys", default="q", metavar="KEYS", help="keys that quit the app (q; ctrl+c)")
    # --typist (type while it streams, time each echo) is one of the run's overrides.
    group.add_argument(
        "--beside-in-process",
        action="store_true",
        help="then run the scenario in our own app in process, and print both side by side",
    )


def _size(text: str) -> tuple[int, int]:
    found = re.fullmatch(r"(\d+)x(\d+)", text.strip())
    if not found:
        raise ConfigError(f"--pty-size {text!r}: expected COLSxROWS, e.g. 120x40")
    columns, rows = int(found.group(1)), int(found.group(2))
    if not (20 <= columns <= 1000 and 5 <= rows <= 1000):
        raise ConfigError(f"--pty-size {text}: out of range (20..1000 x 5..1000)")
    return columns, rows


def run_black_box(
    args: argparse.Namespace, config_for: Callable[[Scenario], RunConfig], json_out: Output | None
) -> int:
    names = list(args.scenarios)
    if len(names) != 1 or names == ["all"]:
        raise ConfigError("--app takes one scenario name")
    scenario = get_scenario(names[0])
    columns, rows = _size(args.pty_size)
    try:
        send, quit_keys = parse_keys(args.send), parse_keys(args.quit_keys)
    except KeyError_ as exc:
        raise ConfigError(str(exc)) from None
    if not quit_keys:
        raise ConfigError("--quit-keys must name at least one key")
    config = config_for(scenario)
    typist = config.typist_cps > 0  # --typist, or a scenario that types (typing, long-session)
    spec = AppRunSpec(scenario, config, args.app, columns, rows, send, quit_keys, typist)
    try:
        result = run_app_sync(spec)
    except AppNotFound as exc:
        raise ConfigError(str(exc)) from None
    out = report_stream(json_out)
    print(report.render_text(result), file=out, flush=True)
    payload = report.as_dict(result)
    if args.beside_in_process:
        inside = run_in_process(scenario, spec.config)
        print(file=out, flush=True)
        print(render_side_by_side(inside, result), file=out, flush=True)
        payload["in_process"] = inside.as_dict()
    return write_outputs([(json_out, payload)], 0 if report.passed(result) else 1)
