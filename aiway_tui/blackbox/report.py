"""The black-box run's report: figures from the terminal side, the server's counts, criteria, JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..measure.latency import LatencyRecorder
from ..scenarios.criteria import Criterion, CriterionResult, evaluate
from .runner import AppRunResult

_MEASURED_FROM_OUTSIDE: tuple[tuple[str, dict[str, str]], ...] = (
    ("as the server sent them", {"tokens_received": "tokens_sent", "tokens_per_s": "tokens_per_s"}),
    ("streamed to the end by the server", {"streams_completed": "streams_completed"}),
    ("every reply streamed to the end, no request refused", {"errors": "errors"}),
    ("every reply ended within the time limit", {"completed": "completed"}),
    ("first request -> last reply's end, at the server", {"duration_s": "duration_s"}),
    (
        "the app's process tree",
        {"memory_growth_mb": "memory_growth_mb", "cpu_avg_percent": "cpu_avg_percent"},
    ),
    ("scheduled at the server -> on screen", {"delivery_p99_ms": "delivery_p99_ms"}),
    ("quit keys -> process exit", {"quit_latency_ms": "quit_to_exit_ms"}),
    (
        "typed into the pty -> on screen",
        {
            "keys_not_echoed": "keystrokes_unseen",
            "input_p99_ms": "keystroke_p99_ms",
            "input_max_ms": "keystroke_max_ms",
        },
    ),
)
OUTSIDE: dict[str, tuple[str, str]] = {
    metric: (figure, what) for what, figures in _MEASURED_FROM_OUTSIDE for metric, figure in figures.items()
}
"""A scenario criterion's metric -> the black-box figure that measures the same thing from outside,
and what that figure is. Every other metric (lost, reordered, CRC-32...) only the app itself knows."""
TYPIST_ONLY = frozenset({"keys_not_echoed", "input_p99_ms", "input_max_ms"})

DELIVERY_P99_MS = 400.0
"""Delivery p99 bound where the scenario states none (the network scenario's)."""
KEYSTROKE_P99_MS = 100.0
CPU_AVG_PERCENT = 100.0
"""CPU bound where the scenario states none: the app's tree keeps under one core on average."""
QUIT_MS = 1000.0

_ALWAYS = (
    Criterion("The app drew, asked and quit with no problem", "problems", "==", 0, "ours"),
    Criterion("Every reply the app asked for was streamed to the end", "replies_unfinished", "==", 0, "ours"),
    Criterion(
        "Markers drawn in order (< 5 % first drawn after a later one)",
        "markers_out_of_order_pct",
        "<",
        5,
        "ours",
    ),
)
_DEFAULTS = (
    Criterion(
        f"Quit < {QUIT_MS / 1000:g} s (quit keys -> process exit)", "quit_to_exit_ms", "<", QUIT_MS, "ours"
    ),
    Criterion(
        f"p99 delivery latency < {DELIVERY_P99_MS:g} ms (scheduled -> on screen)",
        "delivery_p99_ms",
        "<",
        DELIVERY_P99_MS,
        "ours",
    ),
    Criterion(
        f"App tree CPU avg < {CPU_AVG_PERCENT:g} % (one core)",
        "cpu_avg_percent",
        "<",
        CPU_AVG_PERCENT,
        "ours",
    ),
)
_TYPIST_DEFAULTS = (
    Criterion(
        f"Keystroke echo p99 < {KEYSTROKE_P99_MS:g} ms", "keystroke_p99_ms", "<", KEYSTROKE_P99_MS, "ours"
    ),
    Criterion("Every keystroke echoed", "keystrokes_unseen", "==", 0, "ours"),
)


@dataclass(frozen=True, slots=True)
class Criteria:
    """The run's criteria in two sets, each said in the report for what it is."""

    scenario: tuple[Criterion, ...]
    """The scenario's own, each on the figure that measures it from outside."""
    black_box: tuple[Criterion, ...]
    """Ours for any app: it drew, asked and quit; markers in order; and delivery p99, quit time,
    CPU (and with the typist keystroke p99 and every key seen) where the scenario states none."""
    not_measurable: tuple[str, ...]
    """The scenario's metrics only the app itself could report (what it received, in order...)."""


def _server_figures(result: AppRunResult) -> dict[str, float]:
    server = result.server
    started, completed = float(server.get("replies_started", 0)), float(server.get("replies_completed", 0))
    refused = float(sum(server.get("rejected", {}).values()))
    out = {
        "requests": float(server.get("requests", 0)),
        "replies_started": started,
        "streams_completed": completed,
        "replies_unfinished": started - completed,
        "errors": started - completed + refused,
        "tokens_sent": float(server.get("tokens_sent", 0)),
        "completed": 1.0 if started and not result.timed_out and not server.get("replies_active") else 0.0,
    }
    if result.replies_span_s is not None:
        out["duration_s"] = result.replies_span_s
    if result.tokens_span_s:
        out["tokens_per_s"] = out["tokens_sent"] / result.tokens_span_s
    return out


def _percentiles(name: str, recorder: LatencyRecorder) -> dict[str, float]:
    """``NAME_p50_ms``, ``NAME_p99_ms`` and ``NAME_max_ms`` (none before anything was recorded)."""
    if not recorder.count:
        return {}
    d = recorder.summary()
    return {f"{name}_p50_ms": d.p50_ms, f"{name}_p99_ms": d.p99_ms, f"{name}_max_ms": d.max_ms}


def results_of(result: AppRunResult) -> dict[str, float]:
    """Every figure of the run, by its name in ``BLACK_BOX_METRICS``."""
    watch, tree = result.watch, result.tree
    out: dict[str, float] = {"problems": float(len(result.problems)), **_server_figures(result)}
    out["markers_sent"] = float(result.markers_sent)
    if watch is not None:
        seen = len(watch.seen)
        out["markers_drawn"] = float(seen)
        out["markers_drawn_pct"] = 100.0 * seen / result.markers_sent if result.markers_sent else 0.0
        out["markers_out_of_order"] = float(watch.out_of_order)
        out["markers_out_of_order_pct"] = 100.0 * watch.out_of_order / seen if seen else 0.0
        span = result.stream_s
        out["screen_updates"] = float(watch.screen_updates)
        out["screen_updates_per_s"] = result.stream_updates / span if span > 0 else 0.0
        out["synchronized_frames"] = float(watch.sync_frames)
        out["bytes_per_s"] = result.stream_bytes / span if span > 0 else 0.0
        out.update(_percentiles("delivery", watch.delivery))
    if result.spec.typist:
        out["keystrokes_typed"] = float(result.keystrokes_typed)
        out["keystrokes_echoed"] = float(result.keystrokes_seen)
        out["keystrokes_unseen"] = float(result.keystrokes_typed - result.keystrokes_seen)
        out.update(_percentiles("keystroke", result.keystroke))
    if result.quit_to_exit_ms is not None:
        out["quit_to_exit_ms"] = result.quit_to_exit_ms
    if result.quit_to_restored_ms is not None:
        out["quit_to_restored_ms"] = result.quit_to_restored_ms
    if tree is not None and tree.samples:
        out["cpu_avg_percent"] = tree.cpu_avg_percent
        out["rss_peak_mb"] = tree.rss_peak_mb
        out["memory_growth_mb"] = tree.rss_growth_mb
    return out


def criteria_for(result: AppRunResult) -> Criteria:
    """The scenario's criteria that apply from outside, then the black-box set around them."""
    typist = result.spec.typist
    own: list[Criterion] = []
    not_measurable: list[str] = []
    for criterion in result.spec.scenario.criteria:
        outside = OUTSIDE.get(criterion.metric)
        if outside is None or (criterion.metric in TYPIST_ONLY and not typist):
            if criterion.metric not in not_measurable and outside is None:
                not_measurable.append(criterion.metric)
            continue
        metric, what = outside
        own.append(
            Criterion(
                f"{criterion.label} — {what}", metric, criterion.op, criterion.threshold, criterion.source
            )
        )
    stated = {c.metric for c in own}
    defaults = [*_DEFAULTS, *(_TYPIST_DEFAULTS if typist else ())]
    black_box = (*_ALWAYS, *(c for c in defaults if c.metric not in stated))
    return Criteria(tuple(own), black_box, tuple(not_measurable))


@dataclass(frozen=True, slots=True)
class Verdicts:
    results: dict[str, float]
    criteria: Criteria
    scenario: tuple[CriterionResult, ...]
    black_box: tuple[CriterionResult, ...]

    @property
    def all(self) -> tuple[CriterionResult, ...]:
        return (*self.scenario, *self.black_box)

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.all)


def judge(result: AppRunResult) -> Verdicts:
    results = results_of(result)
    criteria = criteria_for(result)
    config = result.spec.config
    return Verdicts(
        results,
        criteria,
        evaluate(criteria.scenario, results, config),
        evaluate(criteria.black_box, results, config),
    )


def render_text(result: AppRunResult) -> str:
    verdicts = judge(result)
    results = verdicts.results
    spec = result.spec
    lines = [
        f"=== Black-box run: {spec.scenario.title} ({spec.scenario.name}) against {spec.command!r} ===",
        f"  Terminal {spec.columns}x{spec.rows}; server {result.url}; "
        f"a marker every {spec.marker_every} tokens",
    ]
    for problem in result.problems:
        lines.append(f"  Problem: {problem}")
    s = result.server
    lines.append(
        f"  Server: {s.get('requests', 0)} requests, {s.get('replies_started', 0)} replies "
        f"({s.get('replies_completed', 0)} completed, {s.get('clients_left_early', 0)} left early), "
        f"{s.get('tokens_sent', 0):,} tokens sent"
        + (
            f" in {results['duration_s']:.2f} s ({results.get('tokens_per_s', 0):,.0f} tok/s)"
            if "duration_s" in results
            else ""
        )
    )
    if spec.send:
        keys = spec.send.decode(errors="replace")
        lines.append(f"  Keys {keys!r} sent once {result.keys_sent_after or 'the app had drawn'}")
    watch = result.watch
    if watch is not None:
        lines.append(
            f"  Screen: {watch.screen_updates} updates"
            f"{' (synchronized frames)' if watch.sync_frames else ''}, "
            f"{results.get('screen_updates_per_s', 0):.1f}/s and "
            f"{results.get('bytes_per_s', 0) / 1024:,.1f} KB/s while streaming ({result.stream_s:.2f} s), "
            f"{watch.bytes_read:,} bytes in all"
        )
        lines.append(
            f"  Markers drawn: {len(watch.seen)} of {result.markers_sent} "
            f"({results.get('markers_drawn_pct', 0):.0f} %; one that scrolled away within a frame is "
            f"never drawn: not a loss), out of order: {watch.out_of_order}"
        )
        if watch.delivery.count:
            d = watch.delivery.summary()
            lines.append(
                f"  Delivery latency (scheduled -> on screen): p50 {d.p50_ms:.1f} ms, p90 {d.p90_ms:.1f} ms, "
                f"p99 {d.p99_ms:.1f} ms, max {d.max_ms:.1f} ms"
            )
    if result.keystrokes_typed:
        k = result.keystroke.summary()
        lines.append(
            f"  Keystroke echo (typed into the pty -> on screen): {result.keystrokes_seen} of "
            f"{result.keystrokes_typed} seen, p50 {k.p50_ms:.1f} ms, p99 {k.p99_ms:.1f} ms, "
            f"max {k.max_ms:.1f} ms"
        )
    if result.quit_to_exit_ms is not None:
        restored = f"{result.quit_to_restored_ms:.1f} ms" if result.quit_to_restored_ms is not None else "n/a"
        lines.append(f"  Quit: screen restored {restored}, process exit {result.quit_to_exit_ms:.1f} ms")
    tree = result.tree
    if tree is not None and tree.samples:
        lines.append(
            f"  App process tree: CPU avg {tree.cpu_avg_percent:.1f} %, RSS peak {tree.rss_peak_mb:.1f} MB, "
            f"growth {tree.rss_growth_mb:+.1f} MB "
            f"({tree.samples} samples, up to {tree.peak_processes} processes)"
        )
    lines.append(f"  Exit code of the app: {result.exit_code}")
    lines.append("")
    lines.append(f"Criteria of the scenario ({spec.scenario.name}), measured from outside:")
    lines += [v.render_line() for v in verdicts.scenario] or ["  (none applies from outside)"]
    if verdicts.criteria.not_measurable:
        lines.append(
            "  Not measurable from outside (only the app knows what it received): "
            + ", ".join(verdicts.criteria.not_measurable)
        )
    lines.append("Black-box criteria (any app):")
    lines += [v.render_line() for v in verdicts.black_box]
    lines.append("")
    lines.append("✅ Black-box run passed" if verdicts.passed else "❌ Black-box run FAILED")
    return "\n".join(lines)


def as_dict(result: AppRunResult) -> dict[str, Any]:
    verdicts = judge(result)
    spec = result.spec
    delivery = result.watch.delivery.summary().as_dict() if result.watch is not None else None
    return {
        "mode": "black-box",
        "scenario": spec.scenario.name,
        "command": spec.command,
        "argv": result.argv,
        "terminal": {"columns": spec.columns, "rows": spec.rows},
        "passed": verdicts.passed,
        "problems": list(result.problems),
        "keys_sent_after": result.keys_sent_after,
        "results": verdicts.results,
        "latency": {"delivery": delivery, "keystroke": result.keystroke.summary().as_dict()},
        "server": result.server,
        "criteria": [
            *({**v.as_dict(), "set": "scenario"} for v in verdicts.scenario),
            *({**v.as_dict(), "set": "black-box"} for v in verdicts.black_box),
        ],
        "criteria_not_measurable": list(verdicts.criteria.not_measurable),
        "app_exit_code": result.exit_code,
    }


def passed(result: AppRunResult) -> bool:
    return judge(result).passed
