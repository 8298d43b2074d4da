"""The report figures for conversations, faults and the simulated network.

Fault accounting compares two sides that never consult each other: what the
injectors did (the conductor's fired faults, the consumer's stalls, the faulty
surface) and what the receiving side observed (stream errors in the tracker,
streams the watchdog gave up on, the failed task). "Exactly accounted for"
means the same streams on both sides, kind by kind, not just equal counts.
"""

from __future__ import annotations

from ..core.faults import CONDUCTOR_RAISED, STREAM_KINDS, FaultKind, InjectedFault
from ..core.pipeline import Pipeline


def observed_stream_faults(pipeline: Pipeline) -> dict[FaultKind, set[int]]:
    """Which streams the receiving side saw fail, by kind."""
    seen: dict[FaultKind, set[int]] = {kind: set() for kind in STREAM_KINDS}
    for stream, track in pipeline.tracker.streams.items():
        if track.error is not None:
            raised = track.error.startswith(CONDUCTOR_RAISED)
            seen[FaultKind.CONDUCTOR_RAISE if raised else FaultKind.STREAM_ERROR].add(stream)
    if pipeline.watchdog is not None:
        seen[FaultKind.SILENT].update(pipeline.watchdog.timed_out)
    return seen


def fault_results(pipeline: Pipeline) -> dict[str, float]:
    conductor = pipeline.conductor
    plan = conductor.faults
    consumer = pipeline.consumer
    observed = observed_stream_faults(pipeline)
    injected: dict[FaultKind, float] = {kind: len(conductor.faults_fired[kind]) for kind in STREAM_KINDS}
    detected: dict[FaultKind, float] = {kind: len(observed[kind]) for kind in STREAM_KINDS}
    unaccounted: float = sum(len(conductor.faults_fired[k] ^ observed[k]) for k in STREAM_KINDS)

    injected[FaultKind.CONSUMER_STALL] = len(consumer.stalls_taken)
    planned_stalls = consumer.stalls[: len(consumer.stalls_taken)]
    detected[FaultKind.CONSUMER_STALL] = sum(
        1 for s, took in zip(planned_stalls, consumer.stalls_taken, strict=True) if took >= s.duration_s
    )
    faulty = pipeline.faulty_surface
    injected[FaultKind.PAINTER_RAISE] = faulty.raised if faulty is not None else 0
    detected[FaultKind.PAINTER_RAISE] = (
        1 if pipeline.failed_task == "painter" and isinstance(pipeline.failure, InjectedFault) else 0
    )
    for kind in (FaultKind.CONSUMER_STALL, FaultKind.PAINTER_RAISE):
        unaccounted += abs(injected[kind] - detected[kind])

    faulted = set().union(*conductor.faults_fired.values(), *observed.values())
    unfaulted_failed = sum(
        1
        for stream in range(pipeline.config.streams)
        if stream not in faulted
        and (stream not in pipeline.tracker.streams or not pipeline.tracker.streams[stream].intact)
    )
    results: dict[str, float] = {
        "faults_planned": float(sum(plan.planned(kind) for kind in FaultKind)),
        "faults_not_fired": float(sum(plan.planned(kind) for kind in FaultKind)) - sum(injected.values()),
        "faults_injected": sum(injected.values()),
        "faults_detected": sum(detected.values()),
        "faults_unaccounted": float(unaccounted),
        "streams_faulted": float(len(faulted)),
        "streams_failed_unfaulted": float(unfaulted_failed),
        "streams_abandoned": float(len(conductor.streams_abandoned)),
    }
    for kind in FaultKind:
        results[f"faults_injected_{kind.value}"] = injected[kind]
        results[f"faults_detected_{kind.value}"] = detected[kind]
    return results


def conversation_results(pipeline: Pipeline) -> dict[str, float]:
    """Per-conversation verification: a conversation is intact when all its streams are."""
    config = pipeline.config
    conversations = min(config.conversations, config.streams)
    broken = {
        s % config.conversations
        for s in range(config.streams)
        if s not in pipeline.tracker.streams or not pipeline.tracker.streams[s].intact
    }
    return {
        "conversations": float(conversations),
        "conversations_intact": float(conversations - len(broken)),
    }


def network_results(pipeline: Pipeline, delivery_mean_ms: float | None) -> dict[str, float]:
    """How much of the latency was the simulated network (0 when there is none)."""
    network = pipeline.network
    if network is None:
        return {"network_delay_mean_ms": 0.0, "network_delay_p99_ms": 0.0, "network_share_pct": 0.0}
    delay = network.delay.summary()
    base = delivery_mean_ms if delivery_mean_ms else pipeline.tracker.channel_latency.summary().mean_ms
    share = min(100.0, 100.0 * delay.mean_ms / base) if base > 0 else 0.0
    plan = network.plan
    return {
        "network_delay_mean_ms": delay.mean_ms,
        "network_delay_p50_ms": delay.p50_ms,
        "network_delay_p99_ms": delay.p99_ms,
        "network_share_pct": share,
        "network_packets_held_for_burst": float(plan.held_for_burst if plan is not None else 0),
    }


def extended_results(pipeline: Pipeline, delivery_mean_ms: float | None) -> dict[str, float]:
    return {
        **conversation_results(pipeline),
        **fault_results(pipeline),
        **network_results(pipeline, delivery_mean_ms),
        **pipeline.phase_cpu.results(),
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
