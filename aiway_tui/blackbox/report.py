"""The black-box run's report: figures from the terminal side, the server's counts, criteria, JSON."""

from __future__ import annotations

from typing import Any

from ..scenarios.criteria import Criterion, CriterionResult, evaluate
from .runner import AppRunResult

BLACK_BOX_CRITERIA = (
    Criterion("The app drew, asked and quit with no problem", "problems", "==", 0, "ours"),
    Criterion("Every reply the app asked for was streamed to the end", "replies_unfinished", "==", 0, "ours"),
    Criterion(
        "Markers drawn in order (< 5 % first drawn after a later one)",
        "markers_out_of_order_pct",
        "<",
        5,
        "ours",
    ),
    Criterion("Quit < 1 s (quit keys -> process exit)", "quit_to_exit_ms", "<", 1000, "seed"),
)
DELIVERY_P99_MS = 400.0
"""Delivery p99 bound where the scenario states none (the network scenario's)."""
KEYSTROKE_P99_MS = 100.0
CPU_AVG_PERCENT = 100.0


def results_of(result: AppRunResult) -> dict[str, float]:
    watch, tree, server = result.watch, result.tree, result.server
    out: dict[str, float] = {"problems": float(len(result.problems))}
    out["replies_started"] = float(server.get("replies_started", 0))
    out["replies_unfinished"] = out["replies_started"] - float(server.get("replies_completed", 0))
    out["tokens_sent"] = float(server.get("tokens_sent", 0))
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
        if watch.delivery.count:
            d = watch.delivery.summary()
            out["delivery_p50_ms"], out["delivery_p99_ms"], out["delivery_max_ms"] = (
                d.p50_ms,
                d.p99_ms,
                d.max_ms,
            )
    if result.keystroke.count:
        out["keystroke_p99_ms"] = result.keystroke.summary().p99_ms
    out["keystrokes_unseen"] = float(result.keystrokes_typed - result.keystrokes_seen)
    if result.quit_to_exit_ms is not None:
        out["quit_to_exit_ms"] = result.quit_to_exit_ms
    if result.quit_to_restored_ms is not None:
        out["quit_to_restored_ms"] = result.quit_to_restored_ms
    if tree is not None and tree.samples:
        out["cpu_avg_percent"] = tree.cpu_avg_percent
        out["rss_peak_mb"] = tree.rss_peak_mb
        out["rss_growth_mb"] = tree.rss_growth_mb
    return out


def criteria_for(result: AppRunResult) -> tuple[Criterion, ...]:
    own = {c.metric: c for c in result.spec.scenario.criteria}
    delivery = own.get("delivery_p99_ms") or Criterion(
        f"p99 delivery latency < {DELIVERY_P99_MS:g} ms (scheduled -> on screen)",
        "delivery_p99_ms", "<", DELIVERY_P99_MS, "ours",
    )  # fmt: skip
    chosen = [*BLACK_BOX_CRITERIA, delivery]
    if "cpu_avg_percent" in own:
        chosen.append(own["cpu_avg_percent"])
    if result.spec.typist:
        chosen.append(
            Criterion(
                f"Keystroke echo p99 < {KEYSTROKE_P99_MS:g} ms", "keystroke_p99_ms", "<", KEYSTROKE_P99_MS
            )
        )
        chosen.append(Criterion("Every keystroke echoed", "keystrokes_unseen", "==", 0, "ours"))
    return tuple(chosen)


def judge(result: AppRunResult) -> tuple[dict[str, float], tuple[CriterionResult, ...]]:
    results = results_of(result)
    return results, evaluate(criteria_for(result), results, result.spec.config)


def render_text(result: AppRunResult) -> str:
    results, verdicts = judge(result)
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
    )
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
            f"  Keystroke echo: {result.keystrokes_seen} of {result.keystrokes_typed} seen, "
            f"p50 {k.p50_ms:.1f} ms, p99 {k.p99_ms:.1f} ms"
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
    lines.append("Criteria:")
    lines += [v.render_line() for v in verdicts]
    lines.append("")
    passed = all(v.passed for v in verdicts)
    lines.append("✅ Black-box run passed" if passed else "❌ Black-box run FAILED")
    return "\n".join(lines)


def as_dict(result: AppRunResult) -> dict[str, Any]:
    results, verdicts = judge(result)
    spec = result.spec
    delivery = result.watch.delivery.summary().as_dict() if result.watch is not None else None
    return {
        "mode": "black-box",
        "scenario": spec.scenario.name,
        "command": spec.command,
        "argv": result.argv,
        "terminal": {"columns": spec.columns, "rows": spec.rows},
        "passed": all(v.passed for v in verdicts),
        "problems": list(result.problems),
        "results": results,
        "latency": {"delivery": delivery, "keystroke": result.keystroke.summary().as_dict()},
        "server": result.server,
        "criteria": [v.as_dict() for v in verdicts],
        "app_exit_code": result.exit_code,
    }


def passed(result: AppRunResult) -> bool:
    return all(v.passed for v in judge(result)[1])
