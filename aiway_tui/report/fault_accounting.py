"""The report figures for conversations, faults and the simulated network.

Fault accounting compares two sides that never consult each other: what the
injectors did (the conductor's fired faults, the consumer's stalls, the faulty
surface) and what the receiving side observed (stream errors in the tracker,
streams the watchdog gave up on, the failed task). "Exactly accounted for"
means the same streams on both sides, kind by kind, not just equal counts.
"""

from __future__ import annotations

from ..core.config import RunConfig
from ..core.faults import CONDUCTOR_RAISED, STREAM_KINDS, FaultKind, InjectedFault
from ..core.pipeline import PipelineStatistics, RunOutcome
from ..measure.latency import Distribution


def observed_stream_faults(outcome: RunOutcome) -> dict[FaultKind, set[int]]:
    """Which streams the receiving side saw fail, by kind."""
    seen: dict[FaultKind, set[int]] = {kind: set() for kind in STREAM_KINDS}
    for stream, result in outcome.streams.items():
        if result.error is not None:
            raised = result.error.startswith(CONDUCTOR_RAISED)
            seen[FaultKind.CONDUCTOR_RAISE if raised else FaultKind.STREAM_ERROR].add(stream)
    seen[FaultKind.SILENT].update(outcome.streams_timed_out)
    return seen


def _broken(outcome: RunOutcome, stream: int) -> bool:
    result = outcome.streams.get(stream)
    return result is None or not result.intact


def fault_results(outcome: RunOutcome, stats: PipelineStatistics, streams: int) -> dict[str, float]:
    plan = outcome.plan
    fired = outcome.faults_fired
    observed = observed_stream_faults(outcome)
    injected: dict[FaultKind, float] = {kind: len(fired[kind]) for kind in STREAM_KINDS}
    detected: dict[FaultKind, float] = {kind: len(observed[kind]) for kind in STREAM_KINDS}
    unaccounted: float = sum(len(fired[k] ^ observed[k]) for k in STREAM_KINDS)

    taken = stats.consumer.stalls_taken
    injected[FaultKind.CONSUMER_STALL] = len(taken)
    planned_stalls = outcome.stalls_planned[: len(taken)]
    detected[FaultKind.CONSUMER_STALL] = sum(
        1 for s, took in zip(planned_stalls, taken, strict=True) if took >= s.duration_s
    )
    injected[FaultKind.PAINTER_RAISE] = outcome.painter_raised
    detected[FaultKind.PAINTER_RAISE] = (
        1 if outcome.failed_task == "painter" and isinstance(outcome.failure, InjectedFault) else 0
    )
    for kind in (FaultKind.CONSUMER_STALL, FaultKind.PAINTER_RAISE):
        unaccounted += abs(injected[kind] - detected[kind])

    faulted = set().union(*fired.values(), *observed.values())
    unfaulted_failed = sum(1 for s in range(streams) if s not in faulted and _broken(outcome, s))
    planned = float(sum(plan.planned(kind) for kind in FaultKind))
    results: dict[str, float] = {
        "faults_planned": planned,
        "faults_not_fired": planned - sum(injected.values()),
        "faults_injected": sum(injected.values()),
        "faults_detected": sum(detected.values()),
        "faults_unaccounted": float(unaccounted),
        "streams_faulted": float(len(faulted)),
        "streams_failed_unfaulted": float(unfaulted_failed),
        "streams_abandoned": float(len(outcome.streams_abandoned)),
    }
    for kind in FaultKind:
        results[f"faults_injected_{kind.value}"] = injected[kind]
        results[f"faults_detected_{kind.value}"] = detected[kind]
    return results


def conversation_results(outcome: RunOutcome, config: RunConfig) -> dict[str, float]:
    """Per-conversation verification: a conversation is intact when all its streams are."""
    conversations = min(config.conversations, config.streams)
    broken = {s % config.conversations for s in range(config.streams) if _broken(outcome, s)}
    return {
        "conversations": float(conversations),
        "conversations_intact": float(conversations - len(broken)),
    }


def network_results(latency: dict[str, Distribution], held_for_burst: int | None) -> dict[str, float]:
    """How much of the latency was the simulated network (0 when there is none)."""
    delay = latency.get("network")
    if delay is None:
        return {"network_delay_mean_ms": 0.0, "network_delay_p99_ms": 0.0, "network_share_pct": 0.0}
    delivery = latency.get("delivery")
    base = delivery.mean_ms if delivery is not None and delivery.mean_ms else latency["channel"].mean_ms
    share = min(100.0, 100.0 * delay.mean_ms / base) if base > 0 else 0.0
    return {
        "network_delay_mean_ms": delay.mean_ms,
        "network_delay_p50_ms": delay.p50_ms,
        "network_delay_p99_ms": delay.p99_ms,
        "network_share_pct": share,
        "network_packets_held_for_burst": float(held_for_burst or 0),
    }


def fault_summary(results: dict[str, float]) -> str | None:
    """One report line: injected/detected per kind, or ``None`` for a run without faults."""
    if not results.get("faults_planned"):
        return None
    kinds = ", ".join(
        f"{kind.value} {results[f'faults_injected_{kind.value}']:.0f}/"
        f"{results[f'faults_detected_{kind.value}']:.0f}"
        for kind in FaultKind
        if results[f"faults_injected_{kind.value}"] or results[f"faults_detected_{kind.value}"]
    )
    return (
        f"Faults: {results['faults_injected']:.0f} injected, {results['faults_detected']:.0f} detected, "
        f"{results['faults_unaccounted']:.0f} unaccounted (injected/detected: {kinds}); "
        f"other streams failed: {results['streams_failed_unfaulted']:.0f}"
    )
