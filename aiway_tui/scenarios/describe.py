"""One line describing what a config adds beyond the seed's fields, for ``list``."""

from __future__ import annotations

from ..core.config import RunConfig


def describe_extras(config: RunConfig) -> str:
    parts: list[str] = []
    if config.streams > 1 or config.conversations > 1:
        parts.append(f"streams={config.streams} conversations={config.conversations}")
    if config.idle_s:
        parts.append(f"idle_s={config.idle_s:g}")
    if config.mix is not None:
        sizes = "/".join(str(s) for s in config.mix.sizes)
        weights = "/".join(f"{w:g}" for w in config.mix.weights)
        parts.append(f"mix sizes={sizes} weights={weights}")
    if config.network is not None:
        n = config.network
        parts.append(
            f"network latency={n.latency_ms:g}ms jitter={n.jitter_ms:g}ms "
            f"burst every {n.burst_every_ms:g}ms hold {n.burst_hold_ms:g}ms"
        )
    if config.faults is not None:
        f = config.faults
        parts.append(
            f"faults stream_errors={f.stream_errors} conductor_raises={f.conductor_raises} "
            f"silent={f.silent_streams} consumer_stalls={f.consumer_stalls}x{f.stall_ms:g}ms "
            f"painter_raise_at_frame={f.painter_raise_at_frame} idle_timeout={f.idle_timeout_s:g}s"
        )
    return "; ".join(parts)
