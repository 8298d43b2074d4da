"""Every figure a run reports, once: its name, unit, better direction and noise floor.

The report's ``results`` hold exactly these names (a test holds that), a
criterion may name only these (a scenario file that names another is refused
before anything runs, with the nearest names suggested), ``compare`` judges
the ones with a direction, and ``aiway-tui list --metrics`` prints them.

A black-box run (``run --app``) measures another program from its terminal
and the server's side, so its figures are a registry of their own
(``BLACK_BOX_METRICS``): where a name is also an in-process one it is the
same quantity seen from outside (the app's process tree, the server's
clock), which is what lets a scenario's own criteria apply to it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ..core.faults import FaultKind

Better = Literal["higher", "lower"]
Unit = Literal[
    "tokens", "items", "chars", "tok/s", "s", "ms", "MB", "%", "fps", "count", "flag", "ratio", "B/s"
]


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    unit: Unit
    meaning: str
    better: Better | None = None
    """``None``: a count or setting with no better direction; ``compare`` skips it."""
    floor: float = 0.0
    """Smallest absolute worsening that can count as a regression (0: any)."""


_MS = 1.0
"""Latency floor: a millisecond either way is noise on a shared machine."""
_MB = 2.0
_CPU = 5.0


def _ms(name: str, meaning: str) -> Metric:
    return Metric(name, "ms", meaning, "lower", _MS)


def _integrity(name: str, meaning: str) -> Metric:
    return Metric(name, "count", meaning, "lower", 0.0)


def _distribution(prefix: str, what: str, points: Iterable[str]) -> list[Metric]:
    return [_ms(f"{prefix}_{p}_ms", f"{what}, {p}") for p in points]


def _fault_metrics() -> list[Metric]:
    out: list[Metric] = []
    for kind in FaultKind:
        out.append(Metric(f"faults_injected_{kind.value}", "count", f"{kind.value} faults injected"))
        out.append(Metric(f"faults_detected_{kind.value}", "count", f"{kind.value} faults detected"))
    return out


RUN_METRICS: tuple[Metric, ...] = (
    # Counts, sender and receiver side.
    Metric("tokens_sent", "tokens", "tokens the conductor sent"),
    Metric("tokens_received", "tokens", "tokens the consumer received"),
    Metric("messages_sent", "count", "protocol messages sent (tokens, starts, ends, errors)"),
    Metric("messages_received", "count", "protocol messages received"),
    Metric("items_sent", "items", "channel items sent (a batch of messages each)"),
    Metric("items_received", "items", "channel items received"),
    Metric("chars_received", "chars", "characters of token text received"),
    Metric("streams_completed", "count", "streams that ended with StreamEnd"),
    Metric("streams_intact", "count", "streams verified by count, sequence and CRC-32"),
    _integrity("streams_failed", "streams not verified"),
    _integrity("errors", "stream errors plus a failed task"),
    _integrity("lost", "tokens missing from a stream (sequence gaps, short count)"),
    _integrity("duplicated", "tokens received twice"),
    _integrity("reordered", "tokens received out of sequence"),
    _integrity("corrupted_streams", "streams whose CRC-32 did not match the sender's"),
    Metric("loss_pct", "%", "lost as a share of tokens sent", "lower"),
    Metric("tokens_unaccounted", "tokens", "sent - received - still in the channel (0 proves no loss)"),
    Metric("tokens_in_flight_at_end", "tokens", "tokens still in the channel or network when the run ended"),
    Metric("tokens_unfinished", "tokens", "tokens of streams that never ended"),
    # Time and rate.
    Metric("duration_s", "s", "from the first token scheduled to the stream complete", "lower", 0.05),
    Metric(
        "tokens_per_s", "tok/s", "tokens received per second of streaming (idle phase left out)", "higher"
    ),
    Metric("idle_phase_s", "s", "the run's idle phase, before its first stream started"),
    Metric("stream_duration_s", "s", "from the first stream's start to the stream complete"),
    Metric("scheduled_tokens_per_s", "tok/s", "the schedule's rate (0: as fast as possible)"),
    Metric("completed", "flag", "1 when the run ended by completing its stream"),
    # Channel and consumer.
    Metric("peak_buffer", "items", "most channel items buffered at once"),
    Metric("buffer_saturated", "flag", "1 when the channel was full at least once (backpressure)"),
    Metric("consumer_stalled_s", "s", "time the consumer spent stalled (slow consumer, faults)"),
    *_distribution("channel", "scheduled send -> received", ("p50", "p99", "max")),
    # Rendering.
    Metric("frames", "count", "frames painted"),
    Metric("fps", "fps", "frames painted per second", "higher", 1.0),
    Metric("fps_target", "fps", "the frame cap"),
    Metric("tokens_painted", "tokens", "tokens that reached a painted frame"),
    Metric(
        "tokens_shown_per_s",
        "tok/s",
        "tokens rendered per second, to the last render that showed text (the view's own rate)",
        "higher",
    ),
    Metric("tokens_per_frame", "tokens", "tokens received per frame painted"),
    Metric("chars_not_painted", "chars", "text trimmed before painting (beyond the scrollback)"),
    *_distribution("paint", "one frame's widget update", ("p50", "p99", "max")),
    *_distribution("delivery", "scheduled send -> the render that shows it", ("p50", "p99", "max")),
    _ms("render_p99_ms", "the transcript's render, p99"),
    _ms("frame_gap_p99_ms", "time between painted frames, p99"),
    _ms("frame_gap_max_ms", "time between painted frames, max"),
    _ms("ui_lag_p99_ms", "how late a 10 Hz timer on the UI thread fired, p99"),
    _ms("ui_lag_max_ms", "how late a 10 Hz timer on the UI thread fired, max"),
    # The input box.
    Metric("keys_pressed", "count", "keys the typist pressed into the input box"),
    Metric("keys_echoed", "count", "keys shown in the input box, in order", "higher"),
    _integrity("keys_out_of_order", "keys shown as another character (out of order)"),
    _integrity("keys_not_echoed", "keys pressed but never shown"),
    *_distribution("input", "a key's press -> the render that shows it", ("p50", "p99", "max")),
    Metric("user_messages_answered", "count", "messages sent with Enter that got a reply stream"),
    Metric("user_messages_refused", "count", "messages sent after the planned replies had ended"),
    Metric("answer_tokens_received", "tokens", "tokens of the replies to sent messages"),
    # A long session, late tenths against early ones (measure.session_tenths).
    Metric("session_tenths", "count", "tenths of the session measured (10 when it completed)"),
    *(
        Metric(f"session_{name}_growth", "ratio", f"late tenths' {what} / early tenths' (floor in)", "lower")
        for name, what in (
            ("paint", "paint mean"),
            ("render", "render mean"),
            ("cpu", "CPU"),
            ("rss", "RSS"),
            ("delivery", "delivery mean"),
            ("input", "keystroke mean"),
        )
    ),
    # Quit.
    Metric(
        "quit_latency_ms",
        "ms",
        "quit key -> app exited (mid-stream, under load, when a trial ran)",
        "lower",
        5.0,
    ),
    Metric(
        "quit_after_stream_ms", "ms", "quit key -> app exited, after the stream had drained", "lower", 5.0
    ),
    # Resources.
    Metric("memory_growth_mb", "MB", "RSS growth over the run", "lower", _MB),
    Metric("rss_start_mb", "MB", "RSS at the start"),
    Metric("rss_peak_mb", "MB", "highest RSS sampled", "lower", _MB),
    Metric("rss_end_mb", "MB", "RSS at the end"),
    Metric("cpu_avg_percent", "%", "average CPU of the process over the run", "lower", _CPU),
    Metric("cpu_max_percent", "%", "highest CPU over one sample period"),
    Metric("cpu_idle_percent", "%", "average CPU while the app idled (scenarios with idle_s)", "lower", _CPU),
    Metric("cpu_stream_percent", "%", "average CPU while streaming after an idle phase", "lower", _CPU),
    Metric("threads_start", "count", "threads at the start"),
    Metric("threads_end", "count", "threads at the end"),
    Metric("fds_start", "count", "open file descriptors at the start"),
    Metric("fds_end", "count", "open file descriptors at the end"),
    # Conversations.
    Metric("conversations", "count", "conversations streaming at once"),
    Metric("conversations_intact", "count", "conversations whose every stream was verified"),
    # Faults.
    Metric("faults_planned", "count", "faults the seeded plan holds"),
    Metric("faults_not_fired", "count", "planned faults the run ended before"),
    Metric("faults_injected", "count", "faults injected"),
    Metric("faults_detected", "count", "faults the receiving side detected"),
    _integrity("faults_unaccounted", "faults injected but not detected by kind and stream, or the reverse"),
    Metric("streams_faulted", "count", "streams a fault hit"),
    _integrity("streams_failed_unfaulted", "streams that failed without a fault"),
    Metric("streams_abandoned", "count", "silent streams the watchdog gave up on"),
    *_fault_metrics(),
    # The simulated network.
    Metric("network_delay_mean_ms", "ms", "delay the simulated network added, mean"),
    Metric("network_delay_p50_ms", "ms", "delay the simulated network added, p50"),
    Metric("network_delay_p99_ms", "ms", "delay the simulated network added, p99"),
    Metric("network_share_pct", "%", "the network's share of the mean delivery latency"),
    Metric("network_packets_held_for_burst", "count", "packets held back to make bursts"),
)

QUIT_METRICS: tuple[Metric, ...] = (
    Metric("trials_run", "count", "quit trials that ran"),
    Metric("max_quit_ms", "ms", "slowest trial, press -> app exit", "lower", 5.0),
    Metric("p99_quit_ms", "ms", "trials' p99, press -> app exit", "lower", 5.0),
    Metric("unclean_trials", "count", "trials that did not end cleanly", "lower"),
)
"""The figures of ``aiway-tui quit-latency``, for its own criteria."""

BLACK_BOX_METRICS: tuple[Metric, ...] = (
    _integrity("problems", "problems the run met (drew nothing, never asked, did not quit, timed out)"),
    # The server's side: what the app asked for and what it was sent.
    Metric("requests", "count", "HTTP requests the app made"),
    Metric("replies_started", "count", "replies the server started streaming"),
    Metric("streams_completed", "count", "replies the server streamed to the end"),
    _integrity("replies_unfinished", "replies started but not streamed to the end"),
    _integrity("errors", "replies not streamed to the end plus requests refused (4xx/5xx)"),
    Metric("tokens_sent", "tokens", "tokens the server sent the app"),
    Metric("tokens_per_s", "tok/s", "tokens the server sent per second, first token -> last", "higher"),
    Metric("duration_s", "s", "first reply started -> last reply ended, at the server", "lower", 0.05),
    Metric("completed", "flag", "1 when every reply ended within the run's time limit"),
    # The screen: markers in the reply, frames, bytes.
    Metric("markers_sent", "count", "marker words the server sent"),
    Metric("markers_drawn", "count", "marker words ever on screen"),
    Metric(
        "markers_drawn_pct", "%", "markers drawn, of those sent (text that scrolled by unseen: not a loss)"
    ),
    Metric("markers_out_of_order", "count", "markers first drawn after a later one of their reply"),
    Metric("markers_out_of_order_pct", "%", "markers out of order, of those drawn", "lower", 1.0),
    Metric("screen_updates", "count", "screen updates (synchronized frames, else bursts of output)"),
    Metric("screen_updates_per_s", "fps", "screen updates per second while streaming", "higher", 1.0),
    Metric("synchronized_frames", "count", "frames drawn as synchronized updates (mode 2026)"),
    Metric("bytes_per_s", "B/s", "bytes the app wrote to the terminal per second while streaming"),
    *_distribution(
        "delivery", "scheduled send at the server -> first screen update showing it", ("p50", "p99", "max")
    ),
    # The typist, in the pty.
    Metric("keystrokes_typed", "count", "keys typed into the pty (--typist)"),
    Metric("keystrokes_echoed", "count", "keys seen on screen", "higher"),
    _integrity("keystrokes_unseen", "keys typed but never seen on screen"),
    *_distribution("keystroke", "key typed into the pty -> on screen", ("p50", "p99", "max")),
    # Quit, and the app's process tree.
    Metric("quit_to_exit_ms", "ms", "quit keys -> the app's process exited", "lower", 5.0),
    Metric(
        "quit_to_restored_ms",
        "ms",
        "quit keys -> the terminal restored (alternate screen left)",
        "lower",
        5.0,
    ),
    Metric(
        "cpu_avg_percent", "%", "average CPU of the app's process tree, after its start-up", "lower", _CPU
    ),
    Metric("rss_peak_mb", "MB", "highest RSS of the app's process tree", "lower", _MB),
    Metric(
        "memory_growth_mb", "MB", "RSS growth of the app's process tree, after its start-up", "lower", _MB
    ),
)
"""The figures of ``run --app``: a black-box report's ``results`` hold these names (a test holds that)."""

PASSED = Metric(
    "passed", "flag", "the verdict (1 passed, 0 failed): a run that newly fails regresses", "higher"
)

_BY_NAME = {m.name: m for m in (*RUN_METRICS, *QUIT_METRICS)}


def metric(name: str) -> Metric:
    return _BY_NAME[name]


def run_metric_names() -> frozenset[str]:
    """What a run's ``results`` may hold, and so what a scenario's criterion may name."""
    return frozenset(m.name for m in RUN_METRICS)


def black_box_metric_names() -> frozenset[str]:
    """What a black-box run's ``results`` may hold."""
    return frozenset(m.name for m in BLACK_BOX_METRICS)


def compared_metrics(*, black_box: bool = False) -> tuple[Metric, ...]:
    """The figures with a better direction, which ``compare`` judges: a run's, or a black-box run's."""
    return tuple(m for m in (BLACK_BOX_METRICS if black_box else RUN_METRICS) if m.better is not None)


def unknown_metric_message(name: str, known: Iterable[str]) -> str:
    """``no metric 'x'`` with the nearest known names, for a one-line error."""
    near = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(near)}?)" if near else " (aiway-tui list --metrics shows them)"
    return f"no metric {name!r}{hint}"
