"""Measuring instruments: HDR latency, process resources, UI-thread lag, phase CPU, stalls, frames."""
