"""Paint cost and memory growth against stream length, each point in a fresh process.

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
from dataclasses import dataclass
from multiprocessing import get_context

DEFAULT_REPEATS = 3


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
    """Text each frame had to lay out (after the inbox's trim): what paint cost follows."""


def run_point(size: int, tokens: int) -> tuple[float, float, float, float]:
    """One full run (the real app, headless) in this process; its paint, render, RSS growth
    and painted characters per frame. Module-level: it runs in the child."""
    from ..core.config import RunConfig
    from ..scenarios.catalogue import get_scenario
    from ..session.runner import SessionOptions, run_session
    from ..ui.host import run_as_guest

    config = RunConfig(message_count=tokens, message_size=size, time_limit_s=3600)
    report = run_as_guest(run_session, get_scenario("1m-short"), config, SessionOptions(handle_signals=False))
    r = report.results
    assert r["tokens_received"] == tokens, report.ending
    frames = max(1.0, r["frames"])
    painted = (r["chars_received"] - r.get("chars_not_painted", 0.0)) / frames
    return r["paint_p99_ms"], r["render_p99_ms"], r["memory_growth_mb"], painted


def measure_point(shape: str, size: int, tokens: int, repeats: int = DEFAULT_REPEATS) -> ScalePoint:
    """``repeats`` runs of ``tokens`` tokens of ``size`` chars, each in a fresh child process."""
    samples = []
    for _ in range(repeats):
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
            samples.append(pool.submit(run_point, size, tokens).result())
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
    )
