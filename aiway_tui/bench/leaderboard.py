"""The leaderboard: the same scenarios on each target and feed, in one process, side by side.

``aiway-tui bench --targets [NAME ...]`` runs, for every scenario (by default
``rapid-tokens`` and ``1m-short``), every target (by default every built-in)
through every feed, one run after another in this process, and prints one
table. Each run is the real app, headless, with the scenario's own criteria;
its deadline is the scenario's time limit or the cap, whichever is sooner, so
a target that collapses ends (in order, everything accounted for) as "fell
behind: N of M tokens after T s" instead of running for minutes.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import psutil

from ..core.config import ConfigError, RunConfig
from ..core.feed import FEEDS, Feed
from ..report.compare import DEFAULT_TOLERANCE_PCT
from ..report.run_report import RunReport
from ..scenarios.catalogue import Scenario, get_scenario
from ..scenarios.metrics import metric
from ..session.hosting import SessionOptions
from ..session.runner import run_session
from ..targets import BUILTINS, TargetSource, resolve_target
from ..ui.host import run_as_guest

DEFAULT_SCENARIOS = ("rapid-tokens", "1m-short")
DEFAULT_TIME_CAP_S = 20.0
OURS = ("transcript", "per-frame")
"""Our transcript through our throttled painter: what every other row is held against."""
WARM_UP_TOKENS = 500
WARM_UP_S = 1.0
PER_FRAME_GOAL = 10.0
"""Every built-in at least this many times faster per-frame than per-token on ``1m-short``."""
_MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Entry:
    """One run of the leaderboard: a scenario on one target through one feed."""

    scenario: str
    target: str
    feed: str
    tokens_expected: int
    tokens_received: int
    """Taken from the channel and checked (count, order, CRC-32) before the target saw them."""
    tokens_shown: int
    """Tokens a completed render was seen to show (each one's delivery latency was recorded)."""
    duration_s: float
    scheduled_tokens_per_s: float
    """0 for a scenario that streams as fast as it can."""
    delivery_p50_ms: float | None
    delivery_p99_ms: float | None
    render_p99_ms: float | None
    fps: float | None
    """``None``: the frames came bunched in under half a second, too short a run to rate."""
    fps_target: float
    ui_lag_p99_ms: float | None
    quit_latency_ms: float | None
    """The quit key to the app's exit; for a run its cap ended, the cap's cancel to the app's exit."""
    cpu_avg_percent: float
    rss_change_mb: float
    """Current RSS after the run minus before it (both after a collection), not the peak."""
    intact: bool
    """Nothing lost, duplicated, reordered or unaccounted for, however the target kept up."""
    ending: str
    passed: bool
    failed_criteria: tuple[str, ...]
    failure: str | None

    @property
    def rss_growth_mb(self) -> float:
        """The change, or 0 if the run ended smaller (it reused memory an earlier run left free)."""
        return max(0.0, self.rss_change_mb)

    @property
    def tokens_per_s(self) -> float:
        """Tokens shown on screen per second of the run."""
        return self.tokens_shown / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def cpu_us_per_token(self) -> float | None:
        """CPU time per token shown: the cost of the same work, whatever the run's length."""
        if not self.tokens_shown:
            return None
        return self.cpu_avg_percent / 100.0 * self.duration_s * 1e6 / self.tokens_shown

    @property
    def paced(self) -> bool:
        return self.scheduled_tokens_per_s > 0

    @property
    def schedule_kept_pct(self) -> float | None:
        """For a paced scenario: the rate shown, as a share of the rate scheduled."""
        if not self.paced:
            return None
        return 100.0 * self.tokens_per_s / self.scheduled_tokens_per_s

    @property
    def fell_behind(self) -> bool:
        return self.ending == "timed out" or self.tokens_received < self.tokens_expected

    @property
    def verdict(self) -> str:
        if self.fell_behind:
            return (
                f"fell behind: {self.tokens_shown:,} of {self.tokens_expected:,} tokens "
                f"after {self.duration_s:.1f} s"
            )
        if self.failure is not None:
            return f"FAIL: {self.failure}"
        if self.tokens_shown < self.tokens_expected:
            return f"FAIL: {self.tokens_shown:,} of {self.tokens_expected:,} tokens seen rendered"
        if not self.passed:
            return f"FAIL: {', '.join(self.failed_criteria)}"
        return "PASS"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {
            "failed_criteria": list(self.failed_criteria),
            "tokens_per_s": self.tokens_per_s,
            "rss_growth_mb": self.rss_growth_mb,
            "cpu_us_per_token": self.cpu_us_per_token,
            "schedule_kept_pct": self.schedule_kept_pct,
            "fell_behind": self.fell_behind,
            "verdict": self.verdict,
        }


@dataclass(frozen=True, slots=True)
class Figure:
    """A column that ranks: how to read it from an entry, which way is better, and its noise.

    Two values closer than ``noise`` (in the figure's unit) or than
    ``RELATIVE_NOISE`` of the larger are level: on a shared machine a tenth
    of a millisecond or of a megabyte between two runs is not a ranking. The
    floors are the metric registry's, as ``compare`` uses them.
    """

    name: str
    value: Callable[[Entry], float | None]
    higher_is_better: bool
    noise: float

    def worse(self, mine: float, theirs: float) -> bool:
        if abs(mine - theirs) <= max(self.noise, RELATIVE_NOISE * max(abs(mine), abs(theirs))):
            return False
        return mine < theirs if self.higher_is_better else mine > theirs


RELATIVE_NOISE = DEFAULT_TOLERANCE_PCT / 100.0
"""The same share ``compare`` allows a figure to move by before it counts."""


def _smooth_fps(e: Entry) -> float | None:
    return None if e.fps is None else min(e.fps, e.fps_target)


def _registered(label: str, name: str, value: Callable[[Entry], float | None]) -> Figure:
    """A figure the run reports: its direction and noise floor from the metric registry."""
    m = metric(name)
    return Figure(label, value, m.better == "higher", m.floor)


FIGURES = (
    Figure("tok/s", lambda e: e.tokens_per_s, True, 0.0),
    _registered("delivery p50", "delivery_p50_ms", lambda e: e.delivery_p50_ms),
    _registered("delivery p99", "delivery_p99_ms", lambda e: e.delivery_p99_ms),
    _registered("render p99", "render_p99_ms", lambda e: e.render_p99_ms),
    _registered("frames/s", "fps", _smooth_fps),
    _registered("UI lag p99", "ui_lag_p99_ms", lambda e: e.ui_lag_p99_ms),
    _registered("quit latency", "quit_latency_ms", lambda e: e.quit_latency_ms),
    Figure("CPU per token", lambda e: e.cpu_us_per_token, False, 0.0),
    Figure("RSS growth", lambda e: e.rss_growth_mb, False, metric("memory_growth_mb").floor),
)
"""Every figure of the table that has a better and a worse; "ahead" means at least level on each.
Frames per second count up to the run's frame budget (more frames than the screen is
meant to show are not smoother); CPU is ranked per token shown, as CPU percent
says little between runs of different lengths (an unpaced run uses a core either way)."""


@dataclass(frozen=True, slots=True)
class LeaderGoal:
    name: str
    met: bool
    detail: str


@dataclass
class Leaderboard:
    count: int | None
    time_cap_s: float
    scenarios: tuple[str, ...]
    targets: tuple[str, ...]
    feeds: tuple[str, ...]
    entries: list[Entry] = field(default_factory=list)
    goals: list[LeaderGoal] = field(default_factory=list)

    def entry(self, scenario: str, target: str, feed: str) -> Entry | None:
        for e in self.entries:
            if (e.scenario, e.target, e.feed) == (scenario, target, feed):
                return e
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "time_cap_s": self.time_cap_s,
            "scenarios": list(self.scenarios),
            "targets": list(self.targets),
            "feeds": list(self.feeds),
            "entries": [e.as_dict() for e in self.entries],
            "goals": [asdict(g) for g in self.goals],
        }


def _rss_mb(process: psutil.Process) -> float:
    gc.collect()
    return float(process.memory_info().rss) / _MB


def leaderboard_config(scenario: Scenario, count: int | None, time_cap_s: float) -> RunConfig:
    """The scenario's config, shortened to ``count`` tokens, its deadline at most the cap."""
    config = scenario.config.with_overrides(message_count=count)
    return config.with_overrides(time_limit_s=min(config.time_limit_s, time_cap_s))


def _distribution_figure(report: RunReport, name: str, key: str) -> float | None:
    """A latency figure, or ``None`` when nothing was recorded (not a 0 ms that never happened)."""
    distribution = report.latency.get(name)
    if distribution is None or distribution.count == 0:
        return None
    return float(report.results[key])


def _quit_ms(report: RunReport) -> float | None:
    q = report.quit
    if q.key_to_cancel_ms is not None:
        return q.total_ms
    if q.cancel_to_tasks_done_ms is None or q.tasks_done_to_app_exit_ms is None:
        return None
    return q.cancel_to_tasks_done_ms + q.tasks_done_to_app_exit_ms


def _entry(scenario: Scenario, source: TargetSource, feed: Feed, config: RunConfig) -> Entry:
    process = psutil.Process()
    before = _rss_mb(process)
    report = _run(scenario, source, feed, config)
    after = _rss_mb(process)
    r = report.results
    delivery = report.latency.get("delivery")
    return Entry(
        scenario=scenario.name,
        target=source.name,
        feed=feed,
        tokens_expected=config.message_count,
        tokens_received=int(r["tokens_received"]),
        tokens_shown=0 if delivery is None else delivery.count,
        duration_s=r["duration_s"],
        scheduled_tokens_per_s=r["scheduled_tokens_per_s"],
        delivery_p50_ms=_distribution_figure(report, "delivery", "delivery_p50_ms"),
        delivery_p99_ms=_distribution_figure(report, "delivery", "delivery_p99_ms"),
        render_p99_ms=_distribution_figure(report, "render", "render_p99_ms"),
        fps=r["fps"] if r["fps"] > 0 else None,
        fps_target=float(config.fps),
        ui_lag_p99_ms=_distribution_figure(report, "ui_lag", "ui_lag_p99_ms"),
        quit_latency_ms=_quit_ms(report),
        cpu_avg_percent=r["cpu_avg_percent"],
        rss_change_mb=after - before,
        intact=r["lost"] == r["duplicated"] == r["reordered"] == r["tokens_unaccounted"] == 0,
        ending=report.ending,
        passed=report.passed,
        failed_criteria=tuple(c.name for c in report.criteria if not c.passed),
        failure=report.failure,
    )


def _run(scenario: Scenario, source: TargetSource, feed: Feed, config: RunConfig) -> RunReport:
    options = SessionOptions(handle_signals=False, target=source, feed=feed)
    report: RunReport = run_as_guest(run_session, scenario, config, options)
    return report


def run_leaderboard(
    targets: Sequence[str] = (),
    *,
    scenarios: Sequence[str] = DEFAULT_SCENARIOS,
    feeds: Sequence[str] = FEEDS,
    count: int | None = None,
    time_cap_s: float = DEFAULT_TIME_CAP_S,
    progress: Callable[[str], object] | None = None,
) -> Leaderboard:
    """Run every scenario on every target through every feed; ``targets`` empty: every built-in.

    Every name is checked before the first run (``ConfigError``, one line).
    """
    sources = [resolve_target(name) for name in (targets or tuple(BUILTINS))]
    chosen = [get_scenario(name) for name in scenarios]
    unknown = [f for f in feeds if f not in FEEDS]
    if unknown:
        raise ConfigError(f"unknown feed {unknown[0]!r}; known: {', '.join(FEEDS)}")
    if not 0.1 <= time_cap_s <= 86_400:
        raise ConfigError(f"time cap {time_cap_s:g} s is out of range (0.1..86400)")
    chosen_feeds = tuple(f for f in FEEDS if f in feeds)
    configs = [leaderboard_config(s, count, time_cap_s) for s in chosen]
    board = Leaderboard(count, time_cap_s, tuple(scenarios), tuple(s.name for s in sources), chosen_feeds)
    for source in sources:  # once each, small, first: no row pays for imports and first-use caches
        for feed in chosen_feeds:
            if progress is not None:
                progress(f"warming up {source.name}, {feed}")
            warm = configs[0].with_overrides(
                message_count=min(WARM_UP_TOKENS, configs[0].message_count),
                streams=1,
                time_limit_s=min(WARM_UP_S, configs[0].time_limit_s),
            )
            _run(chosen[0], source, feed, warm)
    for scenario, config in zip(chosen, configs, strict=True):
        for source in sources:
            for feed in chosen_feeds:
                if progress is not None:
                    progress(f"{scenario.name} on {source.name}, {feed} ({config.message_count:,} tokens)")
                board.entries.append(_entry(scenario, source, feed, config))
    board.goals = goals(board)
    return board


def behind_on(ours: Entry, other: Entry) -> list[str]:
    """The figures on which ``ours`` is worse than ``other``.

    A figure either run lacks (a run too short to rate its frame rate, or
    over before the lag probe's first tick) is not compared.
    """
    worse = []
    for figure in FIGURES:
        mine, theirs = figure.value(ours), figure.value(other)
        if mine is not None and theirs is not None and figure.worse(mine, theirs):
            worse.append(figure.name)
    return worse


def _unrated(ours: Entry) -> list[str]:
    return [figure.name for figure in FIGURES if figure.value(ours) is None]


def goals(board: Leaderboard) -> list[LeaderGoal]:
    """The issue's goals, as far as this board's rows allow them to be judged."""
    found: list[LeaderGoal] = []
    for scenario in board.scenarios:
        ours = board.entry(scenario, *OURS)
        if ours is None:
            continue
        others = [e for e in board.entries if e.scenario == scenario and e.target != OURS[0]]
        if not others:
            continue
        by_figure: dict[str, list[str]] = {}
        for other in others:
            for name in behind_on(ours, other):
                by_figure.setdefault(name, []).append(f"{other.target}/{other.feed}")
        behind = [f"{name} behind {', '.join(rows)}" for name, rows in by_figure.items()]
        detail = "; ".join(behind) if behind else f"ahead or level against all {len(others)} rows"
        unrated = _unrated(ours)
        if unrated:
            detail += f" (ours too short to rate: {', '.join(unrated)})"
        found.append(
            LeaderGoal(
                f"{scenario}: ours ({'/'.join(OURS)}) ahead of or level with every other target on "
                "every figure",
                not behind,
                detail,
            )
        )
    if "1m-short" in board.scenarios and set(FEEDS) <= set(board.feeds):
        for target in board.targets:
            frame = board.entry("1m-short", target, "per-frame")
            token = board.entry("1m-short", target, "per-token")
            if frame is None or token is None or token.tokens_per_s <= 0:
                continue
            ratio = frame.tokens_per_s / token.tokens_per_s
            found.append(
                LeaderGoal(
                    f"1m-short, {target}: per-frame / per-token >= {PER_FRAME_GOAL:g}x",
                    ratio >= PER_FRAME_GOAL,
                    f"{ratio:,.1f}x ({frame.tokens_per_s:,.0f} vs {token.tokens_per_s:,.0f} tok/s)",
                )
            )
    return found


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _throughput(e: Entry) -> str:
    kept = e.schedule_kept_pct
    if kept is not None:
        return f"{kept:.1f}% kept"
    return f"{e.tokens_per_s:,.0f}"


def render_leaderboard(board: Leaderboard) -> str:
    """One table: a row per scenario, target and feed; then the goals."""
    size = "each scenario's own token count" if board.count is None else f"{board.count:,} tokens each"
    lines = [
        f"=== aiway-tui leaderboard ({size}; each run capped at {board.time_cap_s:g} s) ===",
        "",
        f"{'scenario':<13} {'target':<11} {'feed':<9} {'tok/s|sched':>13} {'dlv p50':>8} {'dlv p99':>8} "
        f"{'rndr p99':>8} {'fps':>5} {'lag p99':>8} {'quit ms':>8} {'CPU %':>6} {'us/tok':>7} {'RSS +MB':>8}"
        "  result",
    ]
    for e in board.entries:
        lines.append(
            f"{e.scenario:<13} {e.target:<11} {e.feed:<9} {_throughput(e):>13} {_ms(e.delivery_p50_ms):>8} "
            f"{_ms(e.delivery_p99_ms):>8} {_ms(e.render_p99_ms):>8} {_ms(e.fps):>5} "
            f"{_ms(e.ui_lag_p99_ms):>8} {_ms(e.quit_latency_ms):>8} {e.cpu_avg_percent:>6.0f} "
            f"{_ms(e.cpu_us_per_token):>7} "
            f"{e.rss_growth_mb:>8.1f}  {e.verdict}"
        )
    lines += [
        "tok/s|sched: tokens shown per second (for a paced scenario: as a share of its schedule); latencies"
        " in ms, delivery from the token's scheduled time to the render that showed it; fps: - for a run"
        " under half a second; quit ms: q to app exit (a capped run: the cap to app exit); us/tok: CPU"
        " time per token shown; RSS +MB: current RSS after the run minus before it",
    ]
    if board.goals:
        lines += ["", "Goals:"]
        for g in board.goals:
            lines.append(f"  {'MET ' if g.met else 'MISS'} {g.name}: {g.detail}")
    return "\n".join(lines)
