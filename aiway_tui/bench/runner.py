"""Side-by-side benchmark: the channel limit, our pipeline, the app, a naive peer.

All four variants run in one process, one after another, on the same token
shapes, each hosted the same way (Trio as a guest of an asyncio loop), so
their ratios say what each layer costs:

1. ``limit``: the bare Trio memory channel moving the same items, no UI, an
   ``await send`` per item as a producer is first written (ours sends a step
   of them between checkpoints, ``core.step``, so at one token an item it
   passes this "limit");
2. ``sink``: our pipeline (conductor, channel, consumer, tracker), no Textual;
3. ``full``: our pipeline painting live into the real Textual app, headless;
4. ``naive``: a plain Textual app writing every token to a ``Log`` widget as
   it arrives, fed by the same conductor and channel.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import trio
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Log

from ..core.conductor import MockConductor, token_pool
from ..core.config import ADAPTIVE, RunConfig
from ..core.pipeline import Pipeline
from ..core.protocol import Item, TokenRun, item_tokens
from ..measure.cpu_reference import wake_floor_percent
from ..measure.lag_probe import DEFAULT_PERIOD_S
from ..report.run_report import RunReport
from ..scenarios.catalogue import get_scenario
from ..session.runner import SessionOptions, run_session
from ..ui.host import HostBridge, run_as_guest
from .scale_curve import DEFAULT_REPEATS, PROBE_S, ScalePoint, measure_point

SHAPES = {"short": 10, "medium": 100, "long": 10_000}
BASE_COUNTS = {"short": 1_000_000, "medium": 1_000_000, "long": 10_000}
NAIVE_SHARE = 0.1
MIN_PROBE_S = 0.2
"""The shortest probe of a scale point (a small ``--scale``): six frames."""
NAIVE_CAP = 5_000
NAIVE_CAP_CHARS = 1_000_000
"""The naive peer gets a tenth of the tokens, at most 5,000 and 1 MB of text:
``Log.write`` appends to one ever-longer line, so its cost per token grows with
the stream (quadratic in all); 100K short tokens took over seven minutes."""


@dataclass(frozen=True, slots=True)
class Measurement:
    shape: str
    batch: str
    variant: str
    tokens: int
    seconds: float

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Goal:
    name: str
    measured: float
    target: float
    op: str
    unit: str

    @property
    def met(self) -> bool:
        return self.measured >= self.target if self.op == ">=" else self.measured <= self.target


@dataclass
class BenchResult:
    scale: float
    measurements: list[Measurement] = field(default_factory=list)
    scale_points: list[ScalePoint] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    rapid: dict[str, float] = field(default_factory=dict)
    idle_cpu_percent: float = 0.0
    streaming_cpu_percent: float = 0.0
    """``cpu-streaming``: 50 tok/s at its frame budget, CPU while streaming."""
    streaming_fps: int = 0
    streaming_30fps_cpu_percent: float = 0.0
    """The same stream at the default 30 fps, measured beside it."""
    wake_floor_cpu_percent: float = 0.0
    """A bare Trio guest that only sleeps, waking as often as that stream: the floor."""
    rapid_floor_cpu_percent: float = 0.0
    """A bare Trio guest waking once per frame beat (the paced conductor's wake-up), beside rapid-tokens."""
    idle_floor_cpu_percent: float = 0.0
    """A bare Trio guest waking once per probe period (100 ms), measured beside the idle UI."""

    def rate(self, shape: str, batch: str, variant: str) -> float:
        for m in self.measurements:
            if (m.shape, m.batch, m.variant) == (shape, batch, variant):
                return m.tokens_per_s
        return 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "scale": self.scale,
            "measurements": [asdict(m) | {"tokens_per_s": m.tokens_per_s} for m in self.measurements],
            "scale_points": [asdict(p) for p in self.scale_points],
            "rapid": self.rapid,
            "idle_cpu_percent": self.idle_cpu_percent,
            "streaming_cpu_percent": self.streaming_cpu_percent,
            "streaming_fps": self.streaming_fps,
            "streaming_30fps_cpu_percent": self.streaming_30fps_cpu_percent,
            "wake_floor_cpu_percent": self.wake_floor_cpu_percent,
            "rapid_floor_cpu_percent": self.rapid_floor_cpu_percent,
            "idle_floor_cpu_percent": self.idle_floor_cpu_percent,
            "goals": [asdict(g) | {"met": g.met} for g in self.goals],
        }


# 1. The limit: the bare channel moving the same items.


def _item(size: int, cap: int) -> tuple[Item, int]:
    """An item as the conductor sends them (``cap`` tokens of ``size`` as one run), and its tokens."""
    pool = token_pool(size)
    text = "".join(pool[i % len(pool)] for i in range(cap))
    return (TokenRun(0, 0, cap, text, 0.0, 0.0),), cap


async def _channel_limit(item: Item, per_item: int, tokens: int, buffer: int) -> float:
    repeats = max(1, tokens // per_item)
    send, receive = trio.open_memory_channel[Item](buffer)
    received = 0

    async def produce() -> None:
        async with send:
            for _ in range(repeats):
                await send.send(item)

    started = time.perf_counter()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(produce)
        async with receive:
            async for _ in receive:
                received += 1
    elapsed = time.perf_counter() - started
    assert received == repeats
    return elapsed


async def bare_channel_tokens_per_s(config: RunConfig, tokens: int) -> float:
    """The bare Trio memory channel's rate moving ``config``'s items (its token size and
    batch cap) through ``config.buffer``: the machine's ceiling for that shape, run in
    the calling Trio run (a guest, as the app's runs are)."""
    seconds = await _channel_limit(*_item(config.message_size, config.batch_cap), tokens, config.buffer)
    return tokens / seconds


# 2. Our pipeline, no UI.


async def _pipeline_sink(config: RunConfig) -> float:
    pipeline = Pipeline(config)
    await pipeline.run()
    assert pipeline.tracker.tokens == config.message_count
    return pipeline.elapsed_s


# 3. The full app: ``run_session``.

# 4. The naive peer.


class NaivePeerApp(App[None]):
    """What most people would write first: every token straight into a ``Log``."""

    def compose(self) -> ComposeResult:
        yield Log(id="log")


async def _naive_peer(config: RunConfig) -> float:
    bridge = HostBridge()
    app = NaivePeerApp()
    ready = trio.Event()

    async def autopilot(_pilot: Pilot[object]) -> None:
        bridge.token.run_sync_soon(ready.set)

    task = bridge.start(
        app.run_async(headless=True, size=(config.width, config.height), auto_pilot=autopilot)
    )
    await ready.wait()
    log = app.query_one(Log)
    conductor = MockConductor(config)
    send, receive = trio.open_memory_channel[Item](config.buffer)
    tokens = 0
    started = time.perf_counter()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(conductor.run, send)
        async with receive:
            async for item in receive:
                for token in item_tokens(item):
                    log.write(token.text)
                    tokens += 1
    elapsed = time.perf_counter() - started
    app.exit()
    await bridge.wait(task)
    assert tokens == config.message_count
    return elapsed


def _full(config: RunConfig) -> RunReport:
    scenario = get_scenario("1m-short")
    report = run_as_guest(run_session, scenario, config, SessionOptions(handle_signals=False))
    assert report.results["tokens_received"] == config.message_count, report.ending
    return report


def _floor(period: float, seconds: float) -> float:
    """CPU percent of a bare Trio guest sleeping ``period`` at a time for ``seconds``."""
    return run_as_guest(wake_floor_percent, period, max(1, round(seconds / period)))


def _count(shape: str, scale: float) -> int:
    return max(100, int(BASE_COUNTS[shape] * scale))


def run_bench(
    scale: float = 1.0,
    shapes: Sequence[str] = tuple(SHAPES),
    *,
    with_scale_curves: bool = True,
    with_pacing: bool = True,
    repeats: int = DEFAULT_REPEATS,
    progress: Any = None,
) -> BenchResult:
    """Run every variant for every shape and batch mode; return the figures."""
    result = BenchResult(scale)

    def note(text: str) -> None:
        if progress is not None:
            progress(text)

    for shape in shapes:
        size = SHAPES[shape]
        tokens = _count(shape, scale)
        for batch in (1, ADAPTIVE):
            config = RunConfig(message_count=tokens, message_size=size, batch_size=batch, time_limit_s=3600)
            label = config.batch_label
            note(f"{shape} batch={label}: limit")
            seconds = run_as_guest(_channel_limit, *_item(size, config.batch_cap), tokens, config.buffer)
            result.measurements.append(Measurement(shape, label, "limit", tokens, seconds))
            note(f"{shape} batch={label}: sink")
            seconds = run_as_guest(_pipeline_sink, config)
            result.measurements.append(Measurement(shape, label, "sink", tokens, seconds))
            note(f"{shape} batch={label}: full")
            report = _full(config)
            result.measurements.append(
                Measurement(shape, label, "full", tokens, report.results["duration_s"])
            )
            naive_tokens = max(100, min(NAIVE_CAP, NAIVE_CAP_CHARS // size, int(tokens * NAIVE_SHARE)))
            note(f"{shape} batch={label}: naive ({naive_tokens} tokens)")
            naive_config = config.with_overrides(message_count=naive_tokens)
            seconds = run_as_guest(_naive_peer, naive_config)
            result.measurements.append(Measurement(shape, label, "naive", naive_tokens, seconds))
    if with_scale_curves:
        for shape in ("short", "medium"):
            for tokens in (10_000, 100_000, 1_000_000):
                tokens = max(100, int(tokens * scale))
                note(f"scale {shape} {tokens} ({repeats} fresh processes)")
                probe_s = max(MIN_PROBE_S, PROBE_S * scale)
                result.scale_points.append(measure_point(shape, SHAPES[shape], tokens, repeats, probe_s))
    if with_pacing:
        note("rapid-tokens (paced, 100K tok/s)")
        rapid = get_scenario("rapid-tokens")
        rapid_config = rapid.config.with_overrides(message_count=max(1000, int(1_000_000 * scale)))
        report = run_as_guest(run_session, rapid, rapid_config, SessionOptions(handle_signals=False))
        beat_s = rapid_config.frame_period_s
        result.rapid_floor_cpu_percent = _floor(beat_s, min(3.0, report.results["duration_s"]))
        r = report.results
        result.rapid = {
            "tokens": r["tokens_received"],
            "tokens_per_s": r["tokens_per_s"],
            "scheduled_tokens_per_s": r["scheduled_tokens_per_s"],
            "schedule_error_pct": 100.0 * abs(1 - r["tokens_per_s"] / r["scheduled_tokens_per_s"]),
            "cpu_avg_percent": r["cpu_avg_percent"],
            "fps": r["fps"],
            "beat_ms": 1000 * beat_s,
        }
        note("idle UI (cpu-idle: up, nothing due, judged after it settled)")
        # The idle phase's own CPU, as `aiway-tui run cpu-idle` judges it: a run's
        # average would count the app's start and its one token.
        idle_scenario = get_scenario("cpu-idle")
        idle = idle_scenario.config.with_overrides(idle_s=max(3.0, idle_scenario.config.idle_s * scale))
        report = run_as_guest(run_session, idle_scenario, idle, SessionOptions(handle_signals=False))
        result.idle_cpu_percent = report.results["cpu_idle_percent"]
        result.idle_floor_cpu_percent = _floor(DEFAULT_PERIOD_S, min(3.0, idle.idle_s))
        note("cpu-streaming (50 tok/s) at its frame budget and at 30 fps, and a bare guest waking as often")
        streaming = get_scenario("cpu-streaming")
        streaming_config = streaming.config.with_overrides(
            message_count=max(50, int(streaming.config.message_count * scale))
        )
        report = run_as_guest(run_session, streaming, streaming_config, SessionOptions(handle_signals=False))
        result.streaming_cpu_percent = report.results["cpu_stream_percent"]
        result.streaming_fps = streaming_config.fps
        at_30 = streaming_config.with_overrides(fps=30)
        report = run_as_guest(run_session, streaming, at_30, SessionOptions(handle_signals=False))
        result.streaming_30fps_cpu_percent = report.results["cpu_stream_percent"]
        period = streaming_config.message_delay_us / 1e6
        result.wake_floor_cpu_percent = _floor(period, period * streaming_config.message_count)
    result.goals = _goals(result)
    return result


def _goals(result: BenchResult) -> list[Goal]:
    goals = []
    full_short = result.rate("short", "adaptive", "full")
    if full_short:
        goals.append(
            Goal("1M short, live rendering, adaptive batching", full_short, 1_000_000, ">=", "tok/s")
        )
        limit_1 = result.rate("short", "1", "limit")
        if limit_1:
            goals.append(
                Goal(
                    "batch 1: full / bare channel, a send per item",
                    result.rate("short", "1", "full") / limit_1,
                    0.8,
                    ">=",
                    "x",
                )
            )
        sink = result.rate("short", "adaptive", "sink")
        if sink:
            goals.append(
                Goal("rendering cost: full / sink (adaptive, short)", full_short / sink, 0.9, ">=", "x")
            )
    for shape in ("short", "medium"):
        points = [p for p in result.scale_points if p.shape == shape]
        if points:
            goals.append(
                Goal(f"paint p99, {shape}, worst point", max(p.paint_p99_ms for p in points), 5.0, "<=", "ms")
            )
            first, last = points[0], points[-1]
            if first.paint_p99_ms > 0:
                ratio = last.paint_p99_ms / first.paint_p99_ms
                goals.append(Goal(f"paint p99 flat, {shape}: last / first", ratio, 1.2, "<=", "x"))
    medium = [p for p in result.scale_points if p.shape == "medium"]
    if medium:
        goals.append(Goal("RSS growth, medium, largest point", medium[-1].memory_growth_mb, 50.0, "<=", "MB"))
    if result.rapid:
        goals.append(Goal("rapid: schedule error", result.rapid["schedule_error_pct"], 1.0, "<=", "%"))
        goals.append(
            Goal(
                "rapid: average CPU (half the seed's 20 %)", result.rapid["cpu_avg_percent"], 10.0, "<=", "%"
            )
        )
        goals.append(Goal("rapid: frames per second", result.rapid["fps"], 15.0, ">=", "fps"))
        goals.append(Goal("idle CPU", result.idle_cpu_percent, 1.0, "<=", "%"))
        goals.append(Goal("streaming 50 tok/s: CPU", result.streaming_cpu_percent, 5.0, "<=", "%"))
        if result.wake_floor_cpu_percent > 0:
            ratio = result.streaming_cpu_percent / result.wake_floor_cpu_percent
            goals.append(Goal("streaming 50 tok/s: CPU / bare guest waking as often", ratio, 1.5, "<=", "x"))
    return goals


def render_bench(result: BenchResult) -> str:
    lines = [f"=== aiway-tui bench (scale {result.scale:g}) ===", ""]
    head = (
        f"{'shape':<7} {'batch':<9} {'limit tok/s':>12} {'sink tok/s':>12} {'full tok/s':>12} "
        f"{'naive tok/s*':>12} {'full/sink':>10} {'full/limit':>11} {'full/naive':>11}"
    )
    lines.append(head)
    for shape in SHAPES:
        for batch in ("1", "adaptive"):
            limit, sink = result.rate(shape, batch, "limit"), result.rate(shape, batch, "sink")
            full, naive = result.rate(shape, batch, "full"), result.rate(shape, batch, "naive")
            if not full:
                continue
            lines.append(
                f"{shape:<7} {batch:<9} {limit:>12,.0f} {sink:>12,.0f} {full:>12,.0f} {naive:>12,.0f} "
                f"{full / sink if sink else 0:>10.2f} {full / limit if limit else 0:>11.2f} "
                f"{full / naive if naive else 0:>11.1f}"
            )
    lines.append(f"* naive: a tenth of the tokens, at most {NAIVE_CAP:,} and 1 MB (its cost per token grows)")
    if result.scale_points:
        lines += [
            "",
            f"{'scale':<7} {'tokens':>10} {'paint p99 ms':>13} {'(min-max)':>13} {'render p99 ms':>14} "
            f"{'RSS growth MB':>14} {'chars/frame':>12} {'frames':>7}",
        ]
        for p in result.scale_points:
            spread = f"{p.paint_p99_min_ms:.2f}-{p.paint_p99_max_ms:.2f}"
            lines.append(
                f"{p.shape:<7} {p.tokens:>10,} {p.paint_p99_ms:>13.2f} {spread:>13} {p.render_p99_ms:>14.2f} "
                f"{p.memory_growth_mb:>14.1f} {p.painted_chars_per_frame:>12,.0f} {p.probe_frames:>7}"
            )
        lines.append(
            f"(medians of {result.scale_points[0].repeats} runs, each in a fresh process, RSS growth "
            "from its own start; paint and render: the frames of a probe at one pace after the\n"
            " tokens, the history, were streamed unpaced; chars/frame: what each probe frame laid out)"
        )
    if result.rapid:
        r = result.rapid
        lines += [
            "",
            f"rapid-tokens: {r['tokens_per_s']:,.0f} tok/s of {r['scheduled_tokens_per_s']:,.0f} scheduled "
            f"({r['schedule_error_pct']:.2f}% off), CPU avg {r['cpu_avg_percent']:.0f}%, {r['fps']:.1f} fps",
            f"  a bare Trio guest waking every {r['beat_ms']:.3g} ms (its frame beat) beside it: "
            f"{result.rapid_floor_cpu_percent:.1f}% "
            f"(x{r['cpu_avg_percent'] / max(result.rapid_floor_cpu_percent, 1e-9):.1f})",
            f"idle UI (cpu-idle, its idle phase): CPU {result.idle_cpu_percent:.2f}%; "
            f"a bare Trio guest waking every "
            f"{DEFAULT_PERIOD_S * 1000:g} ms: {result.idle_floor_cpu_percent:.1f}%",
            f"cpu-streaming, 50 tok/s: CPU {result.streaming_cpu_percent:.1f}% while streaming at "
            f"{result.streaming_fps} fps, {result.streaming_30fps_cpu_percent:.1f}% at 30 fps; "
            f"a bare Trio guest waking as often: {result.wake_floor_cpu_percent:.1f}% "
            f"(x{result.streaming_cpu_percent / max(result.wake_floor_cpu_percent, 1e-9):.1f})",
        ]
    if result.goals:
        lines += ["", "Goals:"]
        for g in result.goals:
            lines.append(
                f"  {'MET ' if g.met else 'MISS'} {g.name}: {g.measured:,.2f} {g.unit}"
                f" (target {g.op} {g.target:,.4g})"
            )
    return "\n".join(lines)
