"""The quit-latency report: each stage as a distribution, the slowest trials, the criteria.

Shared by the in-process trials (``quit_latency``) and the pseudo-terminal
trials (``pty_quit``): both give trials with named stages in milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..measure.latency import Distribution, LatencyRecorder
from ..measure.stall_probe import Stall
from ..scenarios.catalogue import Scenario
from ..scenarios.criteria import Criterion, CriterionResult, evaluate

SCHEMA_VERSION = 1
SEED_BOUND_MS = 1000.0
"""The seed's criterion: quit handled in under a second."""
P99_TARGET_MS = 20.0
"""Ours: p99 under 20 ms in process, under full load."""
SLOWEST_SHOWN = 5


class Trial(Protocol):
    """What the report needs of one trial, in process or in a pseudo-terminal."""

    @property
    def index(self) -> int: ...
    @property
    def moment(self) -> str: ...
    @property
    def wait_s(self) -> float: ...
    @property
    def where(self) -> tuple[str, ...]: ...
    @property
    def stages_ms(self) -> dict[str, float]: ...
    @property
    def problems(self) -> tuple[str, ...]: ...
    @property
    def stall(self) -> Stall | None: ...
    @property
    def quit_stall(self) -> Stall | None: ...
    def as_dict(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    label: str
    distribution: Distribution


@dataclass(frozen=True)
class QuitLatencyReport:
    mode: str
    title: str
    scenario: str
    seed: int
    trials_asked: int
    trials: tuple[Trial, ...]
    stages: tuple[Stage, ...]
    total_stage: str
    by_moment: dict[str, Distribution]
    stall: Distribution | None
    quit_stall: Distribution | None
    criteria: tuple[CriterionResult, ...]
    warmup: int = 0
    """Trials run first and not counted."""
    target: str = "transcript"
    """The view the trials quit under (``--target``), and how it was fed."""
    feed: str = "per-frame"

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.criteria)

    @property
    def interrupted(self) -> bool:
        return len(self.trials) < self.trials_asked

    def slowest(self, n: int = SLOWEST_SHOWN) -> list[Trial]:
        def total(trial: Trial) -> float:
            return trial.stages_ms.get(self.total_stage, math.inf)

        return sorted(self.trials, key=total, reverse=True)[:n]

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "mode": self.mode,
            "scenario": self.scenario,
            "target": self.target,
            "feed": self.feed,
            "seed": self.seed,
            "trials_asked": self.trials_asked,
            "trials_run": len(self.trials),
            "warmup_trials": self.warmup,
            "passed": self.passed,
            "stages": {s.name: {"label": s.label, **s.distribution.as_dict()} for s in self.stages},
            "total_stage": self.total_stage,
            "by_moment": {k: v.as_dict() for k, v in self.by_moment.items()},
            "stall": None if self.stall is None else self.stall.as_dict(),
            "quit_stall": None if self.quit_stall is None else self.quit_stall.as_dict(),
            "slowest": [t.as_dict() for t in self.slowest()],
            "criteria": [c.as_dict() for c in self.criteria],
            "trials": [t.as_dict() for t in self.trials],
        }


def _distribution(values: Sequence[float]) -> Distribution:
    recorder = LatencyRecorder()
    for value in values:
        recorder.record(value / 1000.0)
    return recorder.summary()


def build_quit_report(
    *,
    mode: str,
    scenario: Scenario,
    moment: str,
    seed: int,
    trials_asked: int,
    trials: Sequence[Trial],
    stage_labels: Mapping[str, str],
    total_stage: str,
    p99_stage: str,
    p99_label: str,
    warmup: int = 0,
    stage_p99_bounds: Mapping[str, float] | None = None,
) -> QuitLatencyReport:
    """Distributions per stage and per moment, judged against the seed's bound and our p99
    (and, for each stage in ``stage_p99_bounds``, its p99 against its bound in ms)."""
    stages = tuple(
        Stage(name, label, _distribution([t.stages_ms[name] for t in trials if name in t.stages_ms]))
        for name, label in stage_labels.items()
    )
    moments = dict.fromkeys(t.moment for t in trials)
    by_moment = {
        m: _distribution(
            [t.stages_ms[total_stage] for t in trials if t.moment == m and total_stage in t.stages_ms]
        )
        for m in moments
    }
    stalls = [t.stall.longest_ms for t in trials if t.stall is not None]
    quit_stalls = [t.quit_stall.longest_ms for t in trials if t.quit_stall is not None]
    totals = [t.stages_ms.get(total_stage, math.inf) for t in trials]
    p99 = _distribution([t.stages_ms[p99_stage] for t in trials if p99_stage in t.stages_ms])
    results = {
        "trials_run": float(len(trials)),
        "max_quit_ms": max(totals, default=math.inf),
        "p99_quit_ms": p99.p99_ms if p99.count else math.inf,
        "unclean_trials": float(sum(1 for t in trials if t.problems)),
    }
    criteria: tuple[Criterion, ...] = (
        Criterion(
            f"Quit < 1 s on every trial ({stage_labels[total_stage]})", "max_quit_ms", "<", SEED_BOUND_MS
        ),
        Criterion(p99_label, "p99_quit_ms", "<", P99_TARGET_MS, "ours"),
        Criterion("Every trial quit cleanly", "unclean_trials", "==", 0, "ours"),
        Criterion(f"All {trials_asked} trials ran", "trials_run", "==", trials_asked, "ours"),
    )
    for name, bound in (stage_p99_bounds or {}).items():
        values = [t.stages_ms[name] for t in trials if name in t.stages_ms]
        results[f"p99_{name}_ms"] = _distribution(values).p99_ms if values else math.inf
        label = f"p99 {stage_labels[name]} < {bound:g} ms"
        criteria += (Criterion(label, f"p99_{name}_ms", "<", bound, "ours"),)
    return QuitLatencyReport(
        mode=mode,
        title=f"{scenario.title}, moment {moment}",
        scenario=scenario.name,
        seed=seed,
        trials_asked=trials_asked,
        trials=tuple(trials),
        stages=stages,
        total_stage=total_stage,
        by_moment=by_moment,
        stall=_distribution(stalls) if stalls else None,
        quit_stall=_distribution(quit_stalls) if quit_stalls else None,
        criteria=evaluate(criteria, results, scenario.config),
        warmup=warmup,
    )


def _row(label: str, d: Distribution, width: int = 30) -> str:
    return (
        f"  {label:<{width}} {d.count:>5} {d.min_ms:>8.2f} {d.p50_ms:>8.2f} {d.p90_ms:>8.2f}"
        f" {d.p99_ms:>8.2f} {d.max_ms:>8.2f}"
    )


def _head(title: str, width: int = 30) -> str:
    return f"  {title:<{width}} {'n':>5} {'min':>8} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8}  (ms)"


def _streaming(trial: Trial) -> Stall | None:
    return trial.stall


def _quitting(trial: Trial) -> Stall | None:
    return trial.quit_stall


def _worst(trials: Sequence[Trial], of: Callable[[Trial], Stall | None]) -> Trial:
    def longest(trial: Trial) -> float:
        stall = of(trial)
        return -1.0 if stall is None else stall.longest_ms

    return max(trials, key=longest)


def render_quit_text(report: QuitLatencyReport) -> str:
    lines = [
        f"=== Quit latency ({report.mode}): {report.title},"
        f" {len(report.trials)} trials, seed {report.seed} ===",
        f"(after {report.warmup} warm-up trial(s), not counted)" if report.warmup else "(no warm-up)",
        f"Target: {report.target}, fed {report.feed}",
        "",
        _head("Stage"),
    ]
    lines += [_row(stage.label, stage.distribution) for stage in report.stages]
    total_label = {s.name: s.label for s in report.stages}[report.total_stage]
    lines += ["", _head(f"By moment ({total_label})")]
    lines += [_row(moment, d) for moment, d in report.by_moment.items()]
    if report.stall is not None and report.quit_stall is not None:
        lines += [
            "",
            "Longest UI-thread stretch without a Trio checkpoint, per trial:",
            _head(""),
            _row("while streaming (floor)", report.stall),
            _row("during the quit", report.quit_stall),
        ]
        for label, of in (("while streaming", _streaming), ("during a quit", _quitting)):
            worst = _worst(report.trials, of)
            stall = of(worst)
            if stall is not None:
                lines.append(
                    f"  worst {label}: {stall.longest_ms:.2f} ms (trial {worst.index}, {worst.moment}):"
                    f" {stall.culprit}"
                )
    lines += ["", "Slowest trials:"]
    for trial in report.slowest():
        stages = "; ".join(
            f"{s.label} {trial.stages_ms[s.name]:.2f}"
            for s in report.stages
            if s.name in trial.stages_ms and s.name != report.total_stage
        )
        total = trial.stages_ms.get(report.total_stage)
        line = (
            f"  #{trial.index:<4} {trial.moment:<14} {'-' if total is None else f'{total:.2f} ms':>10}"
            f"  where: {', '.join(trial.where) or '-'}"
        )
        lines += [line, f"        {stages}"]
        if trial.stall is not None and trial.quit_stall is not None:
            lines.append(
                f"        floor while streaming {trial.stall.longest_ms:.2f} ms;"
                f" during the quit {trial.quit_stall.longest_ms:.2f} ms: {trial.quit_stall.culprit}"
            )
        lines += [f"        problem: {p}" for p in trial.problems]
    shown = {t.index for t in report.slowest()}
    unclean = [t for t in report.trials if t.problems and t.index not in shown]
    for trial in unclean[:SLOWEST_SHOWN]:
        lines.append(f"  #{trial.index:<4} {trial.moment:<14} problem: {'; '.join(trial.problems)}")
    lines += ["", "Criteria:"]
    lines += [crit.render_line() for crit in report.criteria]
    lines += ["", "✅ Quit latency passed!" if report.passed else "❌ Quit latency FAILED"]
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class QuitMode:
    """How one kind of trial is reported: its stages, which is the total, which the p99 is held on."""

    name: str
    stage_labels: Mapping[str, str]
    total_stage: str
    p99_label: str
    p99_stage: str = ""
    """The stage our p99 target holds ("": the total)."""
    stage_p99_bounds: Mapping[str, float] = field(default_factory=dict)
    """Stages whose p99 is also judged, each against its bound in ms."""

    def report(
        self,
        scenario: Scenario,
        moment: str,
        seed: int,
        trials_asked: int,
        trials: Sequence[Trial],
        warmup: int = 0,
    ) -> QuitLatencyReport:
        return build_quit_report(
            mode=self.name,
            scenario=scenario,
            moment=moment,
            seed=seed,
            trials_asked=trials_asked,
            trials=trials,
            stage_labels=self.stage_labels,
            total_stage=self.total_stage,
            p99_stage=self.p99_stage or self.total_stage,
            p99_label=self.p99_label,
            warmup=warmup,
            stage_p99_bounds=self.stage_p99_bounds,
        )
