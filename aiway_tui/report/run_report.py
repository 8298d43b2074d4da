"""The run report: built from the consumer's counts, printed and written as JSON.

The text keeps the seed's shape ("=== Stress Test Results: ... ===",
configuration, results, a line per criterion); the JSON keeps a stable
contract: ``scenario``, ``passed``, ``config``, ``results``, ``criteria``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.pipeline import Ending, Pipeline
from ..measure.latency import Distribution
from ..measure.resources import ResourceSummary
from ..measure.session_tenths import render_tenths
from ..scenarios.catalogue import Scenario
from ..scenarios.criteria import CriterionResult, evaluate
from .fault_accounting import conversation_results, fault_results, fault_summary, network_results
from .input_results import answer_tokens_received, input_results, typist_criteria

SCHEMA_VERSION = 3
"""2: adds ``probes``, the ``ui_lag`` and ``frame_gap`` distributions, frame,
lag, thread and file-descriptor figures in ``results``. 3: adds ``target`` (the
view under test) and ``feed``."""

_LATENCY_ROWS = (
    ("channel", "channel (scheduled -> received)"),
    ("delivery", "delivery (scheduled -> on screen)"),
    ("paint", "paint (per frame)"),
    ("render", "render (the view)"),
    ("frame_gap", "frame gap"),
    ("ui_lag", "UI-thread timer lag"),
    ("input", "keystroke (press -> echoed)"),
)


@dataclass(frozen=True, slots=True)
class QuitTiming:
    """The quit path, stage by stage, in milliseconds (``None``: stage not seen)."""

    key_to_cancel_ms: float | None
    cancel_to_tasks_done_ms: float | None
    tasks_done_to_app_exit_ms: float | None
    total_ms: float | None

    @classmethod
    def measure(
        cls,
        key_at: float | None,
        cancelled_at: float | None,
        tasks_done_at: float | None,
        app_exit_at: float | None,
    ) -> QuitTiming:
        def span(a: float | None, b: float | None) -> float | None:
            return None if a is None or b is None else max(0.0, (b - a) * 1000.0)

        start = key_at if key_at is not None else cancelled_at
        end = app_exit_at if app_exit_at is not None else tasks_done_at
        return cls(
            span(key_at, cancelled_at),
            span(cancelled_at, tasks_done_at),
            span(tasks_done_at, app_exit_at),
            span(start, end),
        )


@dataclass(frozen=True)
class RunReport:
    scenario: str
    title: str
    config: dict[str, Any]
    ending: str
    results: dict[str, float]
    latency: dict[str, Distribution]
    resources: ResourceSummary
    quit: QuitTiming
    criteria: tuple[CriterionResult, ...]
    failure: str | None = None
    failed_task: str | None = None
    interrupted_by: str | None = None
    cancelled_tasks: tuple[str, ...] = field(default_factory=tuple)
    probes: bool = True
    target: str = "transcript"
    """The view under test (``--target``)."""
    feed: str = "per-frame"
    """How text reached it (``--feed``)."""
    tenths: tuple[dict[str, float], ...] = ()
    """A long session's figures, tenth by tenth (empty unless measured)."""
    quit_under_load: dict[str, Any] | None = None
    """The quit trial mid-stream after the run (``quit.under_load``); ``None``: not run,
    and ``quit_latency_ms`` is the quit after the stream drained."""

    @property
    def passed(self) -> bool:
        return self.failure is None and all(c.passed for c in self.criteria)

    def assert_passed(self) -> None:
        """For tests: raise ``AssertionError`` listing each failed criterion on its own line."""
        if self.passed:
            return
        lines = [f"{self.title} ({self.scenario}) failed, ending {self.ending}:"]
        if self.failure is not None:
            lines.append(f"  run failed in {self.failed_task or 'the run'}: {self.failure}")
        lines += [c.render_line() for c in self.criteria if not c.passed]
        raise AssertionError("\n".join(lines))

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "scenario": self.scenario,
            "title": self.title,
            "passed": self.passed,
            "ending": self.ending,
            "failure": self.failure,
            "failed_task": self.failed_task,
            "interrupted_by": self.interrupted_by,
            "cancelled_tasks": list(self.cancelled_tasks),
            "probes": self.probes,
            "target": self.target,
            "feed": self.feed,
            "config": self.config,
            "results": self.results,
            "latency": {k: v.as_dict() for k, v in self.latency.items()},
            "resources": dataclasses.asdict(self.resources),
            "quit": {
                **dataclasses.asdict(self.quit),
                "measured": (
                    "after the stream drained (idle pipeline)"
                    if self.quit_under_load is None
                    else "after the stream drained; quit_latency_ms is from quit.under_load"
                ),
                "under_load": self.quit_under_load,
            },
            "criteria": [c.as_dict() for c in self.criteria],
        } | ({"tenths": list(self.tenths)} if self.tenths else {})


def build_report(
    scenario: Scenario,
    pipeline: Pipeline,
    *,
    quit_key_at: float | None = None,
    app_exit_at: float | None = None,
    failure: BaseException | None = None,
    target: str = "transcript",
    feed: str = "per-frame",
) -> RunReport:
    """Everything counted in ``pipeline``, judged against the scenario's criteria.

    It reads the pipeline's snapshot values only (statistics, latency, outcome),
    never its parts, so the report says what the live readers said.
    """
    config = pipeline.config
    stats = pipeline.statistics()
    latency = pipeline.latency()
    outcome = pipeline.outcome()
    resources = pipeline.resource_summary()
    tracker = stats.tracker
    sent = stats.conductor
    quit_timing = QuitTiming.measure(quit_key_at, outcome.quit_cancelled_at, outcome.finished_at, app_exit_at)
    duration = stats.elapsed_s
    failed = outcome.failure if outcome.failure is not None else failure
    channel = latency["channel"]
    answered = answer_tokens_received(pipeline)
    results: dict[str, float] = {
        "tokens_sent": sent.tokens_sent,
        "tokens_received": tracker.tokens - answered,
        "messages_sent": sent.messages_sent,
        "messages_received": tracker.messages,
        "items_sent": sent.items_sent,
        "items_received": tracker.items,
        "chars_received": tracker.chars,
        "streams_completed": tracker.streams_completed,
        "streams_intact": tracker.streams_intact,
        "streams_failed": config.streams + pipeline.conductor.answers_started - tracker.streams_intact,
        "errors": tracker.stream_errors + (1 if failed is not None else 0),
        "lost": tracker.lost,
        "duplicated": tracker.duplicated,
        "reordered": tracker.reordered,
        "corrupted_streams": tracker.corrupted_streams,
        "loss_pct": 100.0 * tracker.lost / max(1, sent.tokens_sent),
        "tokens_unaccounted": sent.tokens_sent
        + pipeline.conductor.answer_tokens_sent
        - tracker.tokens
        - stats.tokens_in_flight_at_end,
        "duration_s": duration,
        "idle_phase_s": stats.idle_phase_s,
        "stream_duration_s": stats.streaming_s,
        "tokens_per_s": stats.mean_tokens_per_s,
        "scheduled_tokens_per_s": (1e6 / config.message_delay_us) if config.message_delay_us else 0.0,
        "memory_growth_mb": resources.memory_growth_mb,
        "rss_peak_mb": resources.rss_peak_mb,
        "cpu_avg_percent": resources.cpu_avg_percent,
        "cpu_max_percent": resources.cpu_max_percent,
        "rss_start_mb": resources.rss_start_mb,
        "rss_end_mb": resources.rss_end_mb,
        "threads_start": resources.threads_start,
        "threads_end": resources.threads_end,
        "fds_start": resources.fds_start,
        "fds_end": resources.fds_end,
        "peak_buffer": stats.peak_buffer,
        "tokens_in_flight_at_end": stats.tokens_in_flight_at_end,
        "tokens_unfinished": tracker.unfinished_tokens,
        "buffer_saturated": 1.0 if config.buffer > 0 and stats.peak_buffer >= config.buffer else 0.0,
        "consumer_stalled_s": stats.consumer.stalled_s,
        "channel_p50_ms": channel.p50_ms,
        "channel_p99_ms": channel.p99_ms,
        "channel_max_ms": channel.max_ms,
        "completed": 1.0 if stats.ending is Ending.COMPLETED else 0.0,
    }
    if quit_timing.total_ms is not None:
        results["quit_latency_ms"] = quit_timing.total_ms
    if "ui_lag" in latency:
        results["ui_lag_p99_ms"] = latency["ui_lag"].p99_ms
        results["ui_lag_max_ms"] = latency["ui_lag"].max_ms
    painter = stats.painter
    if painter is not None:
        paint, delivery = latency["paint"], latency["delivery"]
        results.update(
            {
                "frames": painter.frames,
                "fps": painter.achieved_fps,
                "fps_target": painter.fps_target,
                "paint_p50_ms": paint.p50_ms,
                "paint_p99_ms": paint.p99_ms,
                "paint_max_ms": paint.max_ms,
                "delivery_p50_ms": delivery.p50_ms,
                "delivery_p99_ms": delivery.p99_ms,
                "delivery_max_ms": delivery.max_ms,
                "tokens_painted": painter.tokens_painted,
                "tokens_shown_per_s": painter.tokens_shown_per_s,
                "tokens_per_frame": tracker.tokens / painter.frames if painter.frames else 0.0,
                "chars_not_painted": painter.chars_not_painted,
                "render_p99_ms": latency["render"].p99_ms,
                "frame_gap_p99_ms": latency["frame_gap"].p99_ms,
                "frame_gap_max_ms": latency["frame_gap"].max_ms,
            }
        )
    else:
        results.update({"frames": 0, "fps": 0.0})
    results.update(conversation_results(outcome, config))
    results.update(fault_results(outcome, stats, config.streams))
    results.update(network_results(latency, outcome.network_held_for_burst))
    results.update(outcome.phase_cpu)
    results.update(input_results(pipeline, answered))
    tenths = pipeline.session_tenths
    if tenths is not None:
        results.update(tenths.results())
    if pipeline.keystrokes.pressed:
        latency["input"] = pipeline.keystrokes.latency.summary()
    criteria = evaluate(scenario.criteria + typist_criteria(scenario, config), results, config)
    return RunReport(
        scenario=scenario.name,
        title=scenario.title,
        config=config.as_dict(),
        ending=stats.ending.value if stats.ending else "unknown",
        results=results,
        latency=latency,
        resources=resources,
        quit=quit_timing,
        criteria=criteria,
        failure=None if failed is None else f"{type(failed).__name__}: {failed}",
        failed_task=outcome.failed_task,
        interrupted_by=outcome.quit_reason if stats.ending is Ending.INTERRUPTED else None,
        cancelled_tasks=tuple(sorted(outcome.cancelled_tasks)),
        probes=outcome.probes,
        target=target,
        feed=feed,
        tenths=tuple(tenths.table()) if tenths is not None else (),
    )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def _quit_lines(report: RunReport) -> list[str]:
    """Where the quit was measured: mid-stream under load (a trial after the run) and/or after the drain."""
    drained = (
        f"{_ms(report.quit.total_ms)} (key->cancel {_ms(report.quit.key_to_cancel_ms)}, "
        f"cancel->tasks done {_ms(report.quit.cancel_to_tasks_done_ms)}, "
        f"tasks done->app exit {_ms(report.quit.tasks_done_to_app_exit_ms)})"
    )
    trial = report.quit_under_load
    if trial is None:
        return [f"  Quit latency, after the stream drained (idle pipeline): {drained}"]
    stages = trial["stages_ms"]
    if trial["clean"]:
        head = (
            f"  Quit latency, mid-stream under this load: {_ms(stages.get('total'))} "
            f"(press -> key {_ms(stages.get('press_to_key'))}, "
            f"key->cancel {_ms(stages.get('key_to_cancel'))}, "
            f"cancel->tasks done {_ms(stages.get('cancel_to_tasks_done'))}, "
            f"tasks done->app exit {_ms(stages.get('tasks_done_to_app_exit'))}; "
            f"a trial after the run, key {trial['press_after_s']:.2f}s into the stream, "
            f"{trial['tokens_before_key']:,} tokens in)"
        )
    else:
        head = f"  Quit latency, mid-stream under this load: no figure ({'; '.join(trial['problems'])})"
    return [head, f"  Quit latency, after the stream drained: {drained}"]


def render_text(report: RunReport) -> str:
    """The seed's report shape, with our extra figures."""
    r = report.results
    c = report.config
    lines = [
        f"=== Stress Test Results: {report.title} ===",
        "Configuration:",
        f"  View: {report.target} ({report.feed} feed)",
        f"  Messages: {c['message_count']}",
        f"  Message size: {c['message_size']} chars"
        if c.get("tokens", "fixed") == "fixed"
        else "  Message size: words (cut at word boundaries)",
        f"  Delay: {c['message_delay_us']:g} us   Batch: "
        f"{'adaptive' if c['batch_size'] == 0 else c['batch_size']}   Buffer: {c['buffer']}   "
        f"Streams: {c['streams']}   Consumer delay: {c['consumer_delay_us']:g} us   FPS: {c['fps']}",
        "",
        "Results:",
        f"  Ending: {report.ending}"
        + (f" (by {report.interrupted_by})" if report.interrupted_by else "")
        + (f"; still running: {', '.join(report.cancelled_tasks)}" if report.ending == "timed out" else ""),
        f"  Total messages received: {r['messages_received']:.0f}"
        f" (in {r['items_received']:.0f} channel items)",
        f"  Total tokens received: {r['tokens_received']:.0f} of {r['tokens_sent']:.0f} sent",
        f"  Streams completed: {r['streams_completed']:.0f}"
        f" ({r['streams_intact']:.0f} verified by count and CRC-32)",
        f"  Lost: {r['lost']:.0f}   Duplicated: {r['duplicated']:.0f}   Reordered: {r['reordered']:.0f}"
        f"   Corrupted streams: {r['corrupted_streams']:.0f}",
        f"  Errors: {r['errors']:.0f}",
        f"  Duration: {r['duration_s']:.2f}s"
        + (
            f" (idle {r['idle_phase_s']:.2f}s, then streaming {r['stream_duration_s']:.2f}s)"
            if c.get("idle_s")
            else ""
        ),
        f"  Throughput: {r['tokens_per_s']:,.0f} tokens/sec"
        + (" over the streaming time" if c.get("idle_s") else "")
        + (f" (schedule: {r['scheduled_tokens_per_s']:,.0f}/s)" if r["scheduled_tokens_per_s"] else ""),
        f"  Channel: peak buffer {r['peak_buffer']:.0f}/{c['buffer']},"
        f" latency p99 {r['channel_p99_ms']:.1f} ms",
        f"  Frames painted: {r['frames']:.0f} at {r['fps']:.1f} fps"
        + (
            f" (target {r['fps_target']:.0f}), {r['tokens_per_frame']:,.1f} tokens per frame"
            if "fps_target" in r
            else ""
        ),
    ]
    if "tokens_shown_per_s" in r:
        lines.append(
            f"  On screen: {r['tokens_painted']:,.0f} tokens rendered,"
            f" {r['tokens_shown_per_s']:,.0f} tokens/sec"
        )
    if "paint" in report.latency:
        paint = report.latency["paint"]
        delivery = report.latency["delivery"]
        lines.append(
            f"  Paint: p50 {paint.p50_ms:.2f} ms, p99 {paint.p99_ms:.2f} ms, max {paint.max_ms:.2f} ms"
            + (f"; render p99 {r['render_p99_ms']:.2f} ms" if "render_p99_ms" in r else "")
        )
        lines.append(
            f"  Delivery latency: p50 {delivery.p50_ms:.1f} ms, p99 {delivery.p99_ms:.1f} ms, "
            f"max {delivery.max_ms:.1f} ms"
        )
    if "ui_lag" in report.latency:
        lag = report.latency["ui_lag"]
        lines.append(f"  UI-thread lag: p99 {lag.p99_ms:.1f} ms, max {lag.max_ms:.1f} ms")
    res = report.resources
    lines += [
        f"  CPU: avg {res.cpu_avg_percent:.0f}%, max {res.cpu_max_percent:.0f}%"
        + ("" if report.probes else " (probes off: start and end only)"),
        f"  Memory growth: {res.memory_growth_mb:.2f} MB (RSS {res.rss_start_mb:.0f} -> peak "
        f"{res.rss_peak_mb:.0f} -> end {res.rss_end_mb:.0f} MB)",
        f"  Threads: {res.threads_start} -> {res.threads_end}   "
        f"File descriptors: {res.fds_start} -> {res.fds_end}   Samples: {res.samples}",
        *_quit_lines(report),
    ]
    if r.get("conversations", 1) > 1:
        lines.append(f"  Conversations: {r['conversations_intact']:.0f} of {r['conversations']:.0f} intact")
    faults = fault_summary(r)
    if faults:
        lines.append(f"  {faults}")
    if "network" in report.latency:
        net = report.latency["network"]
        lines.append(
            f"  Simulated network: mean {net.mean_ms:.1f} ms, p99 {net.p99_ms:.1f} ms per token "
            f"({r['network_share_pct']:.0f}% of mean delivery latency); "
            f"{r['network_packets_held_for_burst']:.0f} packets held for bursts"
        )
    lines += ["", *latency_table(report.latency)]
    if report.tenths:
        lines += ["", *render_tenths(list(report.tenths))]
    if report.failure:
        lines.append(f"  Failure: {report.failure} (in {report.failed_task or 'the run'})")
    lines += ["", "Criteria:"]
    lines += [crit.render_line() for crit in report.criteria]
    lines += ["", "✅ Test passed!" if report.passed else "❌ Test FAILED"]
    return "\n".join(lines)


def latency_table(latency: dict[str, Distribution]) -> list[str]:
    """Every distribution of the run, one row each, in milliseconds."""
    head = ("count", "min", "p50", "p90", "p95", "p99", "p99.9", "max")
    lines = [f"Latency (ms){'':<24}" + "".join(f"{h:>9}" for h in head)]
    for key, label in _LATENCY_ROWS:
        d = latency.get(key)
        if d is None:
            continue
        values = (d.min_ms, d.p50_ms, d.p90_ms, d.p95_ms, d.p99_ms, d.p999_ms, d.max_ms)
        lines.append(f"  {label:<34}{d.count:>9,}" + "".join(f"{v:>9.2f}" for v in values))
    return lines


def render_summary(reports: Sequence[RunReport]) -> str:
    """One line per scenario, for ``run all``."""
    head = (
        f"{'scenario':<14} {'result':<6} {'tokens':>10} {'tok/s':>11} {'duration':>9}"
        f" {'mem MB':>7} {'fps':>5} {'quit ms':>8} {'dlv p99':>8} {'lag max':>8} {'cpu %':>6}"
    )
    lines = ["=== Summary ===", head]
    for rep in reports:
        r = rep.results
        lines.append(
            f"{rep.scenario:<14} {'PASS' if rep.passed else 'FAIL':<6} {r['tokens_received']:>10,.0f} "
            f"{r['tokens_per_s']:>11,.0f} {r['duration_s']:>8.2f}s {r['memory_growth_mb']:>7.1f} "
            f"{r['fps']:>5.1f} {r.get('quit_latency_ms', float('nan')):>8.1f}"
            f" {r.get('delivery_p99_ms', float('nan')):>8.1f} {r.get('ui_lag_max_ms', float('nan')):>8.1f}"
            f" {r['cpu_avg_percent']:>6.0f}"
        )
    passed = sum(rep.passed for rep in reports)
    lines.append(f"{passed} passed, {len(reports) - passed} failed")
    return "\n".join(lines)
