"""Each statistic against known inputs: latency percentiles, frame gaps, timer lag, resources."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hdrh.histogram import HdrHistogram

from aiway_tui.measure.frames import FrameTimer
from aiway_tui.measure.lag_probe import TimerLag
from aiway_tui.measure.latency import LatencyRecorder
from aiway_tui.measure.phase_cpu import PhaseCpu
from aiway_tui.measure.resources import ResourceSampler

# HDR histograms at 3 significant digits: values come back within 0.1 %.
HDR = 1e-3


def test_uniform_latencies_have_known_percentiles() -> None:
    recorder = LatencyRecorder()
    for ms in range(1, 1001):  # 1 ms .. 1000 ms, one each
        recorder.record(ms / 1000)
    d = recorder.summary()
    assert d.count == 1000
    assert d.min_ms == pytest.approx(1.0, rel=HDR)
    assert d.p50_ms == pytest.approx(500.0, rel=HDR)
    assert d.p90_ms == pytest.approx(900.0, rel=HDR)
    assert d.p95_ms == pytest.approx(950.0, rel=HDR)
    assert d.p99_ms == pytest.approx(990.0, rel=HDR)
    assert d.p999_ms == pytest.approx(999.0, rel=HDR)
    assert d.max_ms == pytest.approx(1000.0, rel=HDR)
    assert d.mean_ms == pytest.approx(500.5, rel=1e-9)  # kept exactly, not from buckets


def test_a_batch_counts_as_many_samples_and_moves_p99_only_past_one_percent() -> None:
    recorder = LatencyRecorder()
    recorder.record(0.002, count=989)  # 98.9 % at 2 ms
    recorder.record(0.080, count=11)  # 1.1 % at 80 ms: the p99 falls here
    d = recorder.summary()
    assert d.count == 1000
    assert d.p50_ms == pytest.approx(2.0, rel=HDR)
    assert d.p99_ms == pytest.approx(80.0, rel=HDR)

    below = LatencyRecorder()
    below.record(0.002, count=991)
    below.record(0.080, count=9)  # 0.9 %: p99 stays at 2 ms, the max shows the tail
    assert below.summary().p99_ms == pytest.approx(2.0, rel=HDR)
    assert below.summary().p999_ms == pytest.approx(80.0, rel=HDR)
    assert below.summary().max_ms == pytest.approx(80.0, rel=HDR)


def test_an_empty_recorder_summarises_to_zeros() -> None:
    d = LatencyRecorder().summary()
    assert d.count == 0
    assert d.as_dict()["p99.9_ms"] == 0.0


def test_frame_timer_with_known_gaps() -> None:
    timer = FrameTimer()
    at = 10.0
    timer.mark(at)
    for _ in range(98):  # 98 gaps of 20 ms ...
        at += 0.020
        timer.mark(at)
    at += 0.500  # ... and one stall of 500 ms
    timer.mark(at)
    gaps = timer.gap_summary()
    assert timer.frames == 100
    assert gaps.count == 99
    assert gaps.p50_ms == pytest.approx(20.0, rel=HDR)
    assert gaps.p99_ms == pytest.approx(20.0, rel=HDR)
    assert gaps.max_ms == pytest.approx(500.0, rel=HDR)
    assert timer.achieved_fps == pytest.approx(99 / (98 * 0.020 + 0.5))


def test_frame_timer_needs_two_frames_for_a_rate() -> None:
    timer = FrameTimer()
    assert timer.achieved_fps == 0.0
    timer.mark(1.0)
    assert timer.achieved_fps == 0.0
    assert timer.gap_summary().count == 0


def test_timer_lag_records_lateness_and_reschedules_from_now() -> None:
    lag = TimerLag(period_s=0.010)
    assert lag.fired(due=1.000, now=1.001) == pytest.approx(1.011)
    assert lag.fired(due=1.011, now=1.211) == pytest.approx(1.221)  # a 200 ms stall: one firing
    assert lag.fired(due=1.221, now=1.220) == pytest.approx(1.230)  # early counts as 0
    d = lag.summary()
    assert lag.firings == 3
    assert d.max_ms == pytest.approx(200.0, rel=HDR)
    assert d.min_ms == pytest.approx(0.001, abs=0.001)


_SAMPLER_PROBE = """
import json, sys, threading, time
from aiway_tui.measure.resources import ResourceSampler

sampler = ResourceSampler()
ballast = bytearray(64 * 1024 * 1024)
ballast[::4096] = b"x" * len(ballast[::4096])  # touch every page so it is resident
sampler.sample()
deadline = time.perf_counter() + 0.3
while time.perf_counter() < deadline:  # busy: CPU time accrues
    pass
stop = threading.Event()
worker = threading.Thread(target=stop.wait)
worker.start()
with open(sys.argv[1], "w"):
    summary = sampler.summary()
stop.set()
worker.join()
print(json.dumps({k: getattr(summary, k) for k in summary.__slots__} | {"growth": summary.memory_growth_mb}))
"""


def test_resource_sampler_sees_memory_cpu_threads_and_fds(tmp_path: Path) -> None:
    # A fresh process: no other test's threads or descriptors come and go meanwhile.
    out = subprocess.run(
        [sys.executable, "-c", _SAMPLER_PROBE, str(tmp_path / "f")],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    summary = json.loads(out)
    assert summary["rss_peak_mb"] - summary["rss_start_mb"] >= 60
    assert summary["growth"] >= 60
    assert summary["cpu_avg_percent"] > 10  # busy for most of the span; a loaded machine shares the core
    assert summary["threads_end"] == summary["threads_start"] + 1
    assert summary["fds_end"] == summary["fds_start"] + 1
    assert summary["samples"] == 2


def test_cpu_percent_ignores_spans_shorter_than_the_counter_tick() -> None:
    sampler = ResourceSampler()
    for _ in range(50):
        sampler.sample()
    assert sampler.cpu_max_percent <= 100.0 * 2  # never the 1000 %+ of a 10 ms tick over 0.1 ms


def test_a_spread_keeps_min_max_and_mean_exact() -> None:
    recorder = LatencyRecorder()
    recorder.record_spread(0.050, 0.020, count=800)  # tokens scheduled evenly over 30 ms
    d = recorder.summary()
    assert d.count == 800
    assert d.max_ms == pytest.approx(50.0, rel=HDR)
    assert d.min_ms == pytest.approx(20.0, rel=HDR)
    assert d.mean_ms == pytest.approx(35.0, abs=0.01)
    assert 30.0 <= d.p50_ms <= 40.0
    single = LatencyRecorder()
    single.record_spread(0.050, 0.020, count=1)  # one token: its own (the oldest's) latency
    assert single.summary().max_ms == pytest.approx(50.0, rel=HDR)
    remainder = LatencyRecorder()
    remainder.record_spread(0.050, 0.010, count=10, steps=4)  # 3+3+2+2: the extra to the longest
    assert remainder.count == 10
    assert remainder.summary().mean_ms >= 30.0


def test_a_phase_too_short_for_the_cpu_counters_gets_no_cpu_figure() -> None:
    assert PhaseCpu._percent((0.0, 0.0), (0.003, 0.010)) is None  # one 10 ms tick in 3 ms
    assert PhaseCpu._percent((10.0, 1.0), (12.0, 1.1)) == pytest.approx(5.0)


def test_frames_bunched_in_a_blink_get_no_frame_rate() -> None:
    timer = FrameTimer()
    timer.mark(1.0)
    timer.mark(1.004)  # the closing frame right after the last: not 250 fps
    assert timer.achieved_fps == 0.0
    timer.mark(1.5)
    assert timer.achieved_fps == pytest.approx(2 / 0.5)


def test_counted_buckets_give_what_hdrh_gives_recording_each_value() -> None:
    """The recorder counts values by bucket before handing them to hdrh: every
    figure is the one hdrh gives when it records each value itself."""
    rng = random.Random(7)
    values = [
        rng.choice([rng.uniform(0, 0.003), rng.expovariate(1 / 0.04), rng.uniform(5, 120)])
        for _ in range(60_000)
    ]
    recorder = LatencyRecorder()
    direct = HdrHistogram(1, 3_600 * 1_000_000, 3)
    for seconds in values:
        recorder.record(seconds, 2)
        direct.record_value(min(max(int(seconds * 1e6), 1), 3_600 * 1_000_000), 2)
    summary = recorder.summary()
    assert summary.count == direct.get_total_count() == 120_000
    assert summary.min_ms == direct.get_min_value() / 1000
    assert summary.max_ms == direct.get_max_value() / 1000
    for p in (50.0, 90.0, 99.0, 99.9):
        assert recorder.percentile_ms(p) == direct.get_value_at_percentile(p) / 1000
    assert summary.mean_ms == pytest.approx(sum(int(v * 1e6) or 1 for v in values) * 2 / 120_000 / 1000)
