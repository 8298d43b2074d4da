"""The live stats panel of a run: figures and sparklines, a few times a second.

It reads the pipeline's plain counters (no event per token) on its own
timer, so its cost is set by its refresh rate, not by the token rate.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Sparkline, Static

from ..core.pace import Pace, describe_rate
from ..core.pipeline import Pipeline
from ..core.rates import RateMeter

STATS_LINES = 14
"""Lines ``render_stats`` makes, always: the figures' fixed height."""

HISTORY = 60
"""Samples kept for each sparkline (at ``REFRESH_S``: the last 15 seconds)."""
REFRESH_S = 0.25


@dataclass(frozen=True, slots=True)
class StatsSnapshot:
    """One reading of a running pipeline, with rates over the last interval."""

    state: str
    paused: bool
    tokens_sent: int
    tokens_received: int
    tokens_total: int
    items: int
    messages: int
    lost: int
    duplicated: int
    reordered: int
    buffer_used: int
    buffer_capacity: int
    tokens_per_s: float
    rate_target: str
    fps: float
    fps_target: int
    paint_ms_p50: float
    paint_ms_p99: float
    delivery_p99_ms: float
    keystroke_p99_ms: float
    keys: int
    cpu_percent: float
    rss_mb: float
    rss_growth_mb: float
    elapsed_s: float
    remaining_s: float | None
    time_limit_s: float

    @property
    def done(self) -> bool:
        return self.tokens_received >= self.tokens_total


class StatsReader:
    """Turns successive counter readings into rates (tokens/s, frames/s)."""

    def __init__(self, pipeline: Pipeline, pace: Pace) -> None:
        self.pipeline = pipeline
        self.pace = pace
        self.rates = RateMeter()

    def read(self) -> StatsSnapshot:
        p = self.pipeline
        stats = p.statistics()
        latency = p.latency("paint", "delivery")
        tracker = stats.tracker
        rates = self.rates.update(stats)
        total = p.config.message_count
        left = total - tracker.tokens
        remaining = left / rates.tokens_per_s if rates.tokens_per_s > 0 else None
        paint, delivery = latency.get("paint"), latency.get("delivery")
        return StatsSnapshot(
            state=stats.conductor.state.value,
            paused=self.pace.paused,
            tokens_sent=stats.conductor.tokens_sent,
            tokens_received=tracker.tokens,
            tokens_total=total,
            items=tracker.items,
            messages=tracker.messages,
            lost=tracker.lost,
            duplicated=tracker.duplicated,
            reordered=tracker.reordered,
            buffer_used=stats.buffer_used,
            buffer_capacity=stats.buffer_capacity,
            tokens_per_s=rates.tokens_per_s,
            rate_target=describe_rate(self.pace.delay_us),
            fps=rates.frames_per_s,
            fps_target=p.config.fps,
            paint_ms_p50=paint.p50_ms if paint is not None else 0.0,
            paint_ms_p99=paint.p99_ms if paint is not None else 0.0,
            delivery_p99_ms=delivery.p99_ms if delivery is not None else 0.0,
            keystroke_p99_ms=p.keystrokes.latency.percentile_ms(99),
            keys=p.keystrokes.echoed,
            cpu_percent=stats.resources.cpu_percent,
            rss_mb=stats.resources.rss_mb,
            rss_growth_mb=stats.resources.memory_growth_mb,
            elapsed_s=stats.elapsed_s,
            remaining_s=0.0 if left <= 0 else remaining,
            time_limit_s=p.config.time_limit_s,
        )


def _bar(used: int, capacity: int, width: int = 8) -> str:
    if capacity <= 0:
        return "·" * width
    filled = round(width * min(1.0, used / capacity))
    return "█" * filled + "·" * (width - filled)


def render_stats(s: StatsSnapshot) -> Text:
    """The panel's figures, one per line, integrity in green when clean and red when not.

    Always ``STATS_LINES`` lines, never wrapped: the panel keeps its size, and its
    refresh is a repaint, not a layout of the whole screen.
    """
    text = Text(no_wrap=True, overflow="ellipsis")

    def line(label: str, value: str | Text, style: str = "") -> None:
        text.append(f"{label:<10}", style="dim")
        if isinstance(value, Text):
            text.append_text(value)
        else:
            text.append(value, style=style)
        text.append("\n")

    state = s.state + (" · paused" if s.paused else "")
    line("State", state, "bold yellow" if s.paused else "bold")
    line("Tokens", f"{s.tokens_received:,}/{s.tokens_total:,}")
    line("Rate", f"{s.tokens_per_s:,.0f}/s (to {s.rate_target})")
    line("Msg/items", f"{s.messages:,}/{s.items:,}")
    line("Sent/recv", f"{s.tokens_sent:,}/{s.tokens_received:,}")
    clean = s.lost == 0 and s.duplicated == 0 and s.reordered == 0
    line(
        "Integrity", f"lost {s.lost} dup {s.duplicated} reord {s.reordered}", "green" if clean else "bold red"
    )
    full = s.buffer_capacity > 0 and s.buffer_used >= s.buffer_capacity
    line(
        "Buffer",
        f"{_bar(s.buffer_used, s.buffer_capacity)} {s.buffer_used}/{s.buffer_capacity}",
        "bold red" if full else "",
    )
    line("FPS", f"{s.fps:4.1f} of {s.fps_target}")
    line("Paint", f"{s.paint_ms_p50:.2f} ms p99 {s.paint_ms_p99:.2f}")
    line("Deliv p99", f"{s.delivery_p99_ms:,.1f} ms")
    line("Keys p99", f"{s.keystroke_p99_ms:,.1f} ms ({s.keys:,} keys)" if s.keys else "- (type below)")
    line("CPU", f"{s.cpu_percent:.0f}%")
    line("RSS", f"{s.rss_mb:.0f} MB (+{s.rss_growth_mb:.1f})")
    left = "done" if s.done else ("?" if s.remaining_s is None else f"~{s.remaining_s:,.0f}s left")
    line("Time", f"{s.elapsed_s:,.1f}s {left} / {s.time_limit_s:g}s")
    text.rstrip()
    return text


class StatsPanel(Vertical):
    """Figures plus sparklines for throughput, RSS and frames/s."""

    DEFAULT_CSS = f"""
    StatsPanel {{ width: 38; height: 1fr; }}
    StatsPanel Sparkline {{ height: 1; }}
    StatsPanel #figures {{ width: 100%; height: {STATS_LINES}; }}
    """
    """Every part sized here, none by its content: the refresh four times a second moves nothing,
    and costs no layout (a layout of the run screen took 15-50 ms in a real terminal)."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.figures = Static("", id="figures")
        self.throughput: deque[float] = deque([0.0], maxlen=HISTORY)
        self.rss: deque[float] = deque([0.0], maxlen=HISTORY)
        self.fps: deque[float] = deque([0.0], maxlen=HISTORY)
        self.throughput_line = Sparkline([0.0], id="throughput")
        self.rss_line = Sparkline([0.0], id="rss")
        self.fps_line = Sparkline([0.0], id="fps")
        self.snapshot: StatsSnapshot | None = None

    def compose(self) -> ComposeResult:
        yield self.figures
        yield Label("tokens/s", classes="spark-label")
        yield self.throughput_line
        yield Label("RSS", classes="spark-label")
        yield self.rss_line
        yield Label("frames/s", classes="spark-label")
        yield self.fps_line

    def show(self, snapshot: StatsSnapshot) -> None:
        self.snapshot = snapshot
        self.figures.update(render_stats(snapshot), layout=False)
        self.throughput.append(snapshot.tokens_per_s)
        self.rss.append(snapshot.rss_mb)
        self.fps.append(snapshot.fps)
        self.throughput_line.data = list(self.throughput)
        self.rss_line.data = list(self.rss)
        self.fps_line.data = list(self.fps)
