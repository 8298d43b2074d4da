"""No leaks: 100 consecutive runs in one process leave threads, fds and RSS flat.

Each run is a whole session: a fresh asyncio loop, a Trio guest run, the real
Textual app (headless) and the pipeline. Garbage cycles are collected every
ten runs, as the interpreter would eventually do, so that RSS measures what is
kept, not what is waiting for the collector.
"""

from __future__ import annotations

import gc

import psutil

from aiway_tui.scenarios.catalogue import get_scenario
from aiway_tui.session.runner import SessionOptions, run_session
from aiway_tui.ui.host import run_as_guest

RUNS = 100
WARM_UP = 10
RSS_SLOPE_LIMIT_MB = 5.0
"""Over the last 50 runs: 100 KB a run. Measured here: ~1.6 MB over the last
50 (3.5 to 13 MB over all 100, noisy), Textual's own bounded caches (an
lru_cache keyed by each app's colour filter) still filling."""
RSS_GROWTH_LIMIT_MB = 32.0
"""A gross bound: one run's garbage kept per run would be ~120 MB."""


def test_100_runs_leave_threads_fds_and_rss_flat() -> None:
    scenario = get_scenario("1m-short")
    config = scenario.config.with_overrides(message_count=2000, streams=2)
    options = SessionOptions(handle_signals=False)
    process = psutil.Process()

    def one_run() -> None:
        report = run_as_guest(run_session, scenario, config, options)
        assert report.ending == "completed"
        assert report.results["tokens_received"] == 2000

    for _ in range(WARM_UP):
        one_run()
    gc.collect()
    threads, fds, rss = process.num_threads(), process.num_fds(), process.memory_info().rss
    rss_mb: list[float] = []
    for run in range(1, RUNS + 1):
        one_run()
        if run % 10 == 0:
            gc.collect()
            rss_mb.append((process.memory_info().rss - rss) / 2**20)
            assert process.num_threads() == threads, f"after {run} runs"
            assert process.num_fds() == fds, f"after {run} runs"
    print(f"RSS growth every 10 runs (MB): {', '.join(f'{m:.1f}' for m in rss_mb)}")
    assert rss_mb[-1] < RSS_GROWTH_LIMIT_MB, rss_mb
    assert rss_mb[-1] - rss_mb[4] < RSS_SLOPE_LIMIT_MB, rss_mb
