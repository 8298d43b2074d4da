"""What measuring costs: the same run with the probes on and off, alternated.

Throughput of an unpaced run (1m-short by default) with the resource sampler
and the UI lag probe on, against the same run with them off (``--no-probes``).
Runs alternate so that drift in the machine's load hits both sides; medians
are compared. The goal: probes on stays within 5 % of probes off.

On a shared machine wall-clock throughput swings by 2x between runs, so the
benchmark also reports tokens per CPU-second (throughput divided by the
process's average CPU share), which other processes' load disturbs less, and
first the probes' own CPU cost per call, which no load disturbs: the bound
on what they can cost.

    .venv/bin/python -m aiway_tui.devtools.probe_overhead [--pairs 7] [--scenario 1m-short] [--count N]
"""

from __future__ import annotations

import argparse
import statistics
import time

from aiway_tui.measure.lag_probe import DEFAULT_PERIOD_S, TimerLag
from aiway_tui.measure.resources import ResourceSampler
from aiway_tui.scenarios.catalogue import get_scenario
from aiway_tui.session.runner import SessionOptions, run_session
from aiway_tui.ui.host import run_as_guest


def probe_cpu_per_second() -> float:
    """CPU seconds the probes use per second of run: each call's cost times its rate."""
    sampler = ResourceSampler()
    calls = 2000
    started = time.process_time()
    for _ in range(calls):
        sampler.sample()
    sample_cost = (time.process_time() - started) / calls
    lag = TimerLag(DEFAULT_PERIOD_S)
    firings = 100_000
    started = time.process_time()
    for i in range(firings):
        lag.fired(i * DEFAULT_PERIOD_S, i * DEFAULT_PERIOD_S + 0.0005)
    fire_cost = (time.process_time() - started) / firings
    print(f"resource sample: {sample_cost * 1e6:.1f} us CPU each, x{1 / DEFAULT_PERIOD_S:.0f}/s")
    print(f"lag probe firing: {fire_cost * 1e6:.1f} us CPU each, x{1 / DEFAULT_PERIOD_S:.0f}/s")
    return (sample_cost + fire_cost) / DEFAULT_PERIOD_S


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=7)
    parser.add_argument("--scenario", default="1m-short")
    parser.add_argument("--count", type=int, default=None)
    args = parser.parse_args()
    print(f"probes' own CPU: {100 * probe_cpu_per_second():.3f}% of a core")
    scenario = get_scenario(args.scenario)
    config = scenario.config.with_overrides(message_count=args.count)
    rates: dict[bool, list[float]] = {True: [], False: []}
    cpu: dict[bool, list[float]] = {True: [], False: []}
    for pair in range(args.pairs):
        for on in (pair % 2 == 0, pair % 2 != 0):
            options = SessionOptions(handle_signals=False, probes=on)
            report = run_as_guest(run_session, scenario, config, options)
            rates[on].append(report.results["tokens_per_s"])
            per_cpu_s = report.results["tokens_per_s"] / max(1e-9, report.results["cpu_avg_percent"] / 100)
            cpu[on].append(per_cpu_s)
            print(
                f"pair {pair + 1}: probes {'on ' if on else 'off'} {rates[on][-1]:>12,.0f} tok/s"
                f" {per_cpu_s:>12,.0f} tok/CPU-s",
                flush=True,
            )
    on_rate, off_rate = statistics.median(rates[True]), statistics.median(rates[False])
    print(f"scenario {scenario.name}, {config.message_count:,} tokens, {args.pairs} pairs (medians)")
    on_cpu, off_cpu = statistics.median(cpu[True]), statistics.median(cpu[False])
    print(f"probes on : {on_rate:>12,.0f} tok/s {on_cpu:>12,.0f} tok/CPU-s")
    print(f"probes off: {off_rate:>12,.0f} tok/s {off_cpu:>12,.0f} tok/CPU-s")
    print(
        f"cost of measuring: {100.0 * (off_rate - on_rate) / off_rate:+.1f}% wall throughput, "
        f"{100.0 * (off_cpu - on_cpu) / off_cpu:+.1f}% per CPU-second (goal: < 5%)"
    )


if __name__ == "__main__":
    main()
