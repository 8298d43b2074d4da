"""Our app's figures in process beside the same scenario measured from outside, in one table.

In process, the app measures itself (headless ``run``: delivery is scheduled
send -> its render completed, frames are its own paints, no terminal I/O).
From outside, the black-box run measures whatever ``--app`` is from the
terminal (scheduled send at the server -> first screen update showing it).
With ``--app`` set to our own ``demo --connect {url}``, the difference is
what the HTTP hop, the terminal output and the emulated screen add.
"""

from __future__ import annotations

from ..core.config import RunConfig
from ..report.run_report import RunReport
from ..scenarios.catalogue import Scenario
from ..session.hosting import SessionOptions
from ..session.runner import run_session
from ..ui.host import run_as_guest
from .report import results_of
from .runner import AppRunResult


def run_in_process(scenario: Scenario, config: RunConfig) -> RunReport:
    return run_as_guest(run_session, scenario, config, SessionOptions(headless=True))


def _cell(value: float | None, unit: str) -> str:
    return "n/a" if value is None else f"{value:,.1f} {unit}"


def render_side_by_side(inside: RunReport, outside: AppRunResult) -> str:
    res = inside.results
    out = results_of(outside)
    tree = outside.tree
    rows = [
        ("tokens", _cell(res.get("tokens_received"), "received"), _cell(out.get("tokens_sent"), "sent")),
        ("delivery p50", _cell(res.get("delivery_p50_ms"), "ms"), _cell(out.get("delivery_p50_ms"), "ms")),
        ("delivery p99", _cell(res.get("delivery_p99_ms"), "ms"), _cell(out.get("delivery_p99_ms"), "ms")),
        ("frames / updates", _cell(res.get("fps"), "/s"), _cell(out.get("screen_updates_per_s"), "/s")),
        ("CPU avg", _cell(inside.resources.cpu_avg_percent, "%"), _cell(out.get("cpu_avg_percent"), "%")),
        (
            "RSS peak",
            _cell(inside.resources.rss_peak_mb, "MB"),
            _cell(tree.rss_peak_mb if tree else None, "MB"),
        ),
        ("quit", _cell(res.get("quit_latency_ms"), "ms"), _cell(out.get("quit_to_exit_ms"), "ms")),
    ]
    lines = [
        f"Side by side: {inside.title}",
        f"  {'':<18} {'in process (run, headless)':>28} {'from outside (--app, pty)':>28}",
    ]
    lines += [f"  {name:<18} {a:>28} {b:>28}" for name, a, b in rows]
    lines.append(
        "  (in process: scheduled -> rendered, its own paints, key -> app exit; from outside: scheduled at "
        "the server -> on screen, screen updates, quit keys -> process exit)"
    )
    return "\n".join(lines)
