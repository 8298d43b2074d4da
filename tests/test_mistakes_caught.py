"""Small mistakes in the core turn these red: each test names the mistake it is there to catch.

Each was checked by making the mistake on a copy of the code and running the
test (see the closing note of issue 17): the tracker forgetting a gap wider
than it tracks, the conductor counting tokens before the send returned, the
app reporting delivery when it is handed a frame instead of when the render
that shows it completed, CPU read from user time only, a sampler that keeps
its first baseline, a frame cap 10 % high, quit stages measured from the
wrong moment.
"""

from __future__ import annotations

import os
import time
import zlib
from collections.abc import Callable

import pytest
import trio
import trio.testing
from textual.pilot import Pilot

from aiway_tui.core.conductor import MockConductor
from aiway_tui.core.config import RunConfig
from aiway_tui.core.painter import Frame, FrameInbox, Painter
from aiway_tui.core.pipeline import Pipeline
from aiway_tui.core.protocol import Item, StreamEnd, StreamStart, Token, messages_in, tokens_in
from aiway_tui.core.tracker import MessageTracker, NullInbox
from aiway_tui.measure.latency import LatencyRecorder
from aiway_tui.measure.phase_cpu import PhaseCpu
from aiway_tui.measure.resources import ResourceSampler
from aiway_tui.report.run_report import QuitTiming
from aiway_tui.scenarios.catalogue import SCENARIOS, get_scenario
from aiway_tui.session.demo import run_demo
from aiway_tui.session.runner import SessionOptions, run_session
from aiway_tui.testing import press, wait_for
from aiway_tui.ui.chat_app import ChatApp
from aiway_tui.ui.demo_app import DemoApp
from aiway_tui.ui.host import run_as_guest
from aiway_tui.ui.screens import RunScreen

# The tracker: a gap wider than it remembers is still lost, and still not remembered.


@pytest.mark.parametrize("gap", [100_001, 250_000])
def test_a_gap_wider_than_tracked_is_counted_as_lost_without_remembering_it(gap: int) -> None:
    tracker = MessageTracker()
    inbox = NullInbox()
    last = gap + 1
    tracker.record((StreamStart(0, 0, "p", last + 1),), 0.0, inbox)
    tracker.record((Token(0, 0, "a", 0.0),), 0.0, inbox)
    tracker.record((Token(0, last, "b", 0.0),), 0.0, inbox)
    tracker.record((StreamEnd(0, last + 1, zlib.crc32(b"ab"), 1.0),), 0.0, inbox)
    track = tracker.streams[0]
    assert tracker.lost == gap
    assert len(track.missing) == 0  # counted at once, not held as a set of 100,000+ numbers
    assert tracker.streams_intact == 0


def test_a_gap_just_within_tracking_is_remembered_and_can_be_filled() -> None:
    tracker = MessageTracker()
    inbox = NullInbox()
    tracker.record((Token(0, 0, "a", 0.0),), 0.0, inbox)
    tracker.record((Token(0, 100_001, "c", 0.0),), 0.0, inbox)  # a gap of exactly 100,000
    assert tracker.lost == 100_000
    tracker.record((Token(0, 5, "b", 0.0),), 0.0, inbox)  # one of them arrives late
    assert (tracker.lost, tracker.reordered) == (99_999, 1)


# The conductor: what it counts as sent is what the channel took.


@pytest.mark.parametrize("batch", [1, 0], ids=["batch 1", "adaptive"])
async def test_tokens_sent_are_only_those_the_channel_took(batch: int) -> None:
    config = RunConfig(message_count=10_000, message_size=4, batch_size=batch, buffer=3)
    conductor = MockConductor(config)
    send, receive = trio.open_memory_channel[Item](config.buffer)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(conductor.run, send)
        await trio.testing.wait_all_tasks_blocked()  # the conductor is blocked in send: buffer full
        nursery.cancel_scope.cancel()
    items: list[Item] = []
    while True:
        try:
            items.append(receive.receive_nowait())
        except (trio.WouldBlock, trio.EndOfChannel):
            break
    tokens = sum(map(tokens_in, items))
    assert len(items) == config.buffer
    assert conductor.items_sent == len(items)
    assert conductor.messages_sent == sum(map(messages_in, items))
    assert conductor.tokens_sent == tokens > 0


# The app: delivery is reported once the render that shows the tokens has completed.


@pytest.mark.trio(run=run_as_guest)
async def test_delivery_is_reported_after_the_render_not_at_the_paint_call() -> None:
    scenario = get_scenario("1k-long")
    config = scenario.config.with_overrides(message_count=200, message_size=50, message_delay_us=2000)
    renders_then: list[tuple[int, int]] = []
    """For each delivery: renders done when its frame was painted, and when it was reported."""

    def instrument(app: ChatApp, _pipeline: Pipeline, _pilot: object) -> None:
        paint = app.paint

        def renders() -> int:
            return app.render_time.summary().count

        def checked_paint(frame: Frame | None, delivered: Callable[[int, float], None]) -> None:
            at_paint = renders()

            def reported(tokens: int, oldest: float) -> None:
                renders_then.append((at_paint, renders()))
                delivered(tokens, oldest)

            paint(frame, reported)

        app.paint = checked_paint  # type: ignore[method-assign]

    report = await run_session(scenario, config, SessionOptions(handle_signals=False), on_ready=instrument)
    assert report.ending == "completed"
    assert report.results["tokens_painted"] == 200
    assert len(renders_then) >= 2
    assert all(after > before for before, after in renders_then), renders_then


# CPU: user and system time, from a baseline taken afresh at each restart.


def _burn_system_time(seconds: float) -> None:
    """Busy in the kernel: reading /dev/zero is mostly system time."""
    end = time.perf_counter() + seconds
    with open("/dev/zero", "rb", buffering=0) as zero:
        while time.perf_counter() < end:
            zero.read(1 << 20)


def _cpu_oracle() -> tuple[float, float, float]:
    """(wall, user, system) from os.times(), a different source than psutil."""
    t = os.times()
    return time.perf_counter(), t.user, t.system


def test_the_sampler_counts_system_time_too() -> None:
    sampler = ResourceSampler()
    phase = PhaseCpu(0.0)
    a = _cpu_oracle()
    phase_a = phase._read()
    sampler.restart()
    _burn_system_time(0.6)
    summary = sampler.summary()
    phase_b = phase._read()
    b = _cpu_oracle()
    span = b[0] - a[0]
    user, system = b[1] - a[1], b[2] - a[2]
    assert system > user, "the load was meant to be mostly system time"
    total_percent = 100.0 * (user + system) / span
    user_percent = 100.0 * user / span
    # The figure must be near user + system, and clearly above user alone.
    assert summary.cpu_avg_percent == pytest.approx(total_percent, rel=0.25)
    assert summary.cpu_avg_percent > user_percent + 0.5 * (total_percent - user_percent)
    phase_percent = PhaseCpu._percent(phase_a, phase_b)
    assert phase_percent is not None
    assert phase_percent == pytest.approx(total_percent, rel=0.25)


def test_restart_takes_a_fresh_baseline() -> None:
    sampler = ResourceSampler()
    _burn_system_time(0.4)
    ballast = bytearray(64 * 1024 * 1024)  # RSS grows before the restart, not after
    ballast[::4096] = b"x" * len(ballast[::4096])
    busy = sampler.summary()  # takes one sample
    sampler.restart()
    time.sleep(0.4)  # idle after the restart
    idle = sampler.summary()
    del ballast
    # Ratios within this run only: the machine's speed is not known.
    assert idle.cpu_avg_percent < busy.cpu_avg_percent / 4
    assert idle.cpu_max_percent < busy.cpu_max_percent / 4
    assert (busy.samples, idle.samples) == (1, 1)
    assert busy.memory_growth_mb > 48
    assert idle.memory_growth_mb < 16  # the 64 MB came before the new baseline


# The painter: at most fps frames a second, and not far under.


@pytest.mark.parametrize("fps", [20, 30, 60])
async def test_the_frame_cap_holds_to_the_frame(fps: int, autojump_clock: trio.testing.MockClock) -> None:
    inbox = FrameInbox(max_chars=1000)

    class Surface:
        render_time = LatencyRecorder()

        def paint(self, frame: Frame | None, delivered: Callable[[int, float], None]) -> None:
            if frame is not None and frame.tokens:
                delivered(frame.tokens, frame.oldest_scheduled)

    painter = Painter(inbox, Surface(), fps)
    seconds = 10.0

    async def feed() -> None:
        while True:
            inbox.push_text(0, "x", 1, trio.current_time())
            await trio.sleep(0.001)

    with trio.move_on_after(seconds):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(painter.run)
            await feed()
    # One frame per period at most (+1: the first at t=0, +1: the final paint at cancel),
    # and an arrival every 1 ms may push each frame at most 1 ms past its period.
    assert painter.frames <= fps * seconds + 2
    assert painter.frames >= seconds / (1 / fps + 0.001)


@pytest.mark.trio(run=run_as_guest)
async def test_the_demo_reports_delivery_after_the_render_too(monkeypatch: pytest.MonkeyPatch) -> None:
    renders_then: list[tuple[int, int]] = []
    paint = RunScreen.paint

    def checked_paint(self: RunScreen, frame: Frame | None, delivered: Callable[[int, float], None]) -> None:
        at_paint = self.render_time.summary().count

        def reported(tokens: int, oldest: float) -> None:
            renders_then.append((at_paint, self.render_time.summary().count))
            delivered(tokens, oldest)

        paint(self, frame, reported)

    monkeypatch.setattr(RunScreen, "paint", checked_paint)
    configs = {
        s.name: s.config.with_overrides(message_count=200, message_size=50, message_delay_us=2000)
        if s.name == "1k-long"
        else s.config
        for s in SCENARIOS
    }

    async def drive(app: DemoApp, pilot: Pilot[object]) -> None:
        await wait_for(lambda: app.pipeline is not None and app.pipeline.painter is not None)
        pipeline = app.pipeline
        assert pipeline is not None
        assert pipeline.painter is not None
        painter = pipeline.painter
        await wait_for(lambda: painter.tokens_painted == 200)
        await press(pilot, "q")

    async with trio.open_nursery() as nursery:
        result = await run_demo(
            SCENARIOS,
            configs,
            "1k-long",
            SessionOptions(handle_signals=False, interactive=True),
            size=(120, 36),
            on_ready=lambda app, pilot: nursery.start_soon(drive, app, pilot),
        )
    assert result.reports[-1].results["tokens_painted"] == 200
    assert len(renders_then) >= 2
    assert all(after > before for before, after in renders_then), renders_then


# Quit stages: each stage is its own span, and together they make the total.


def test_quit_stages_are_the_spans_between_their_moments() -> None:
    timing = QuitTiming.measure(10.000, 10.002, 10.005, 10.011)
    stages = (timing.key_to_cancel_ms, timing.cancel_to_tasks_done_ms, timing.tasks_done_to_app_exit_ms)
    assert stages == pytest.approx((2.0, 3.0, 6.0))
    assert timing.total_ms == pytest.approx(11.0)
    signal_quit = QuitTiming.measure(None, 10.002, 10.005, 10.011)  # no key: from the cancel
    assert signal_quit.key_to_cancel_ms is None
    assert signal_quit.total_ms == pytest.approx(9.0)


@pytest.mark.trio(run=run_as_guest)
async def test_a_real_quit_s_stages_add_up_to_its_total() -> None:
    scenario = get_scenario("rapid-tokens")
    config = scenario.config.with_overrides(message_count=500_000)

    async def quit_while_streaming(pipeline: Pipeline, pilot: Pilot[object]) -> None:
        await wait_for(lambda: pipeline.tracker.tokens >= 10_000)
        await press(pilot, "q")

    async with trio.open_nursery() as nursery:
        report = await run_session(
            scenario,
            config,
            SessionOptions(handle_signals=False),
            on_ready=lambda _app, pipeline, pilot: nursery.start_soon(quit_while_streaming, pipeline, pilot),
        )
    q = report.quit
    assert report.ending == "quit"
    stages = (q.key_to_cancel_ms, q.cancel_to_tasks_done_ms, q.tasks_done_to_app_exit_ms)
    assert all(s is not None and s > 0 for s in stages), stages
    assert q.total_ms == pytest.approx(sum(s for s in stages if s is not None), rel=1e-6)


# What was still in the channel at a quit is counted, so the sender's count is accounted for.


async def test_tokens_left_in_the_channel_at_a_quit_are_accounted_for() -> None:
    config = RunConfig(message_count=100_000, batch_size=1, buffer=50, consumer_delay_us=500, time_limit_s=30)
    pipeline = Pipeline(config)
    pipeline.probes = False

    async def quit_once_full() -> None:
        await wait_for(lambda: pipeline.buffer_used() >= config.buffer and pipeline.tracker.tokens > 10)
        pipeline.request_quit()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(quit_once_full)
        await pipeline.run()
    assert pipeline.tokens_in_flight_at_end >= config.buffer - 5  # the quit found the channel full
    assert pipeline.conductor.tokens_sent == pipeline.tracker.tokens + pipeline.tokens_in_flight_at_end


def test_the_sampler_keeps_the_peak_after_memory_is_given_back() -> None:
    sampler = ResourceSampler()
    ballast = bytearray(64 * 1024 * 1024)  # one mmap: given back to the system when freed
    ballast[::4096] = b"x" * len(ballast[::4096])
    sampler.sample()
    del ballast
    summary = sampler.summary()
    assert summary.rss_peak_mb - summary.rss_end_mb > 48
    assert summary.memory_growth_mb > 48
