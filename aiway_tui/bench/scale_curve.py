"""Paint cost and memory growth against stream length, each point in a fresh process.

A point is the cost of a frame with that much history behind it. Streamed
unpaced, a whole run is one to three frames (a million short tokens in 40
ms), and their p99 says how much text those frames laid out, not what the
history costs. So each run streams its ``tokens`` unpaced (the history),
then a probe at one fixed pace for every point (``PROBE_CHARS_PER_S``), and
the point's paint and render figures are the probe's frames only: the same
text a frame at every point, more history behind it at each.

Run in one process, later points start from a heap the earlier ones already
grew: freed memory is reused, RSS does not move, and every point read
0.0 MB. So each repetition of each point is one run in a child process of
its own (``spawn``: a clean interpreter), measured from that child's RSS at
the run's start. Each point is repeated, and its figures are the medians,
with the spread of paint p99, so that growth can be told from noise.
"""

from __future__ import annotations

import statistics
from concurrent.futures import ProcessPoolExecutor
from contextlib import aclosing
from dataclasses import dataclass
from multiprocessing import get_context

import trio
from trio_util import periodic

from ..core.conductor import MockConductor
from ..core.config import RunConfig
from ..core.pipeline import Pipeline
from ..report.run_report import RunReport
from ..scenarios.catalogue import get_scenario
from ..session.hosting import SessionOptions
from ..session.runner import run_session
from ..ui.host import run_as_guest

DEFAULT_REPEATS = 3

PROBE_CHARS_PER_S = 300_000
"""The probe's pace: 10,000 characters a frame at 30 fps (30K short tokens a second, 3K medium)."""

PROBE_S = 2.0
"""The probe's length at ``scale`` 1: 60 frames a run."""


@dataclass(frozen=True, slots=True)
class ScalePoint:
    shape: str
    tokens: int
    paint_p99_ms: float
    render_p99_ms: float
    memory_growth_mb: float
    repeats: int = 1
    paint_p99_min_ms: float = 0.0
    paint_p99_max_ms: float = 0.0
    painted_chars_per_frame: float = 0.0
    """Text each probe frame laid out: the same at every point, by construction."""
    probe_frames: int = 0
    """Frames the paint and render figures come from (the median run's)."""


class HistoryThenProbe(MockConductor):
    """The mock conductor's two replies: the history (``history`` tokens, unpaced),
    then the probe (the rest, at ``probe_delay_s`` a token)."""

    def __init__(self, config: RunConfig, history: int, probe_delay_s: float) -> None:
        super().__init__(config)
        self.lengths = [history, config.message_count - history]
        self.probe_delay_s = probe_delay_s

    def delay_for(self, stream: int) -> float:
        return self.probe_delay_s if stream == 1 else 0.0


async def _history_then_probe(size: int, tokens: int, probe_s: float) -> tuple[RunReport, int, int]:
    """``tokens`` unpaced, then ``probe_s`` at the probe's pace; the paint and render
    recorders start afresh once the history is on screen. Returns the report, the
    probe's frames and its characters."""
    probe_tokens = max(1, round(PROBE_CHARS_PER_S * probe_s / size))
    config = RunConfig(message_count=tokens + probe_tokens, message_size=size, streams=2, time_limit_s=3600)
    conductor = HistoryThenProbe(config, tokens, size / PROBE_CHARS_PER_S)
    started = trio.Event()
    pipelines: list[Pipeline] = []
    frames_before = [0]

    def on_ready(_app: object, pipeline: Pipeline, _pilot: object) -> None:
        pipelines.append(pipeline)
        started.set()

    async def probe_begins() -> None:
        await started.wait()
        pipeline = pipelines[0]
        # The history's frames are on the host loop, outside Trio: poll, as Painter.drain does.
        async with aclosing(periodic(0.005)) as ticks:
            async for _ in ticks:
                if pipeline.painter is not None and pipeline.painter.tokens_painted >= tokens:
                    break
        painter = pipeline.painter
        assert painter is not None
        frames_before[0] = painter.frames
        painter.paint_time.reset()
        painter.surface.render_time.reset()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(probe_begins)
        report = await run_session(
            get_scenario("1m-short"),
            config,
            SessionOptions(handle_signals=False),
            on_ready=on_ready,
            conductor=conductor,
        )
        nursery.cancel_scope.cancel()
    frames = int(report.results["frames"]) - frames_before[0]
    return report, frames, (config.message_count - tokens) * size


def run_point(size: int, tokens: int, probe_s: float = PROBE_S) -> tuple[float, float, float, float, int]:
    """One full run (the real app, headless) in this process: its probe's paint and render
    p99, its RSS growth, the probe's characters a frame and its frames. Module-level: it
    runs in the child."""
    report, frames, chars = run_as_guest(_history_then_probe, size, tokens, probe_s)
    r = report.results
    assert r["tokens_received"] == r["tokens_sent"], report.ending
    return r["paint_p99_ms"], r["render_p99_ms"], r["memory_growth_mb"], chars / max(1, frames), frames


def measure_point(
    shape: str, size: int, tokens: int, repeats: int = DEFAULT_REPEATS, probe_s: float = PROBE_S
) -> ScalePoint:
    """``repeats`` runs of ``tokens`` tokens of ``size`` chars then the probe, each in a fresh
    child process."""
    samples = []
    for _ in range(repeats):
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
            samples.append(pool.submit(run_point, size, tokens, probe_s).result())
    paint = [s[0] for s in samples]
    return ScalePoint(
        shape,
        tokens,
        statistics.median(paint),
        statistics.median(s[1] for s in samples),
        statistics.median(s[2] for s in samples),
        repeats,
        min(paint),
        max(paint),
        statistics.median(s[3] for s in samples),
        int(statistics.median(s[4] for s in samples)),
    )
