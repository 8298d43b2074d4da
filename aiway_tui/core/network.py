"""A simulated network between the conductor and the channel.

Every packet (the channel items that reached the link together) is delayed by
a base latency plus seeded, exponentially distributed jitter; order is kept
(a later item never overtakes an earlier one, as on one TCP connection).
Bursty arrivals: every ``burst_every_ms`` the link goes quiet for
``burst_hold_ms`` and then releases what it held at once. The simulated
delay of every packet is recorded, so the report can say how much of the
delivery latency was the simulated network.

Two tasks, so that queueing in front of the link is not mistaken for link
delay: ``_stamp`` takes items as soon as the conductor sends them and fixes
their release time; ``_release`` sleeps until each is due and forwards it.
The link holds what is in flight (rate x delay, more during a quiet spell),
up to ``WIRE_ITEMS``; past that the conductor is held back, as by a full
TCP window.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import NamedTuple

import trio

from ..measure.latency import LatencyRecorder
from .bounds import bounded, check_bounds
from .protocol import Item, tokens_in


@dataclass(frozen=True, slots=True)
class NetworkProfile:
    latency_ms: float = bounded(20.0, 0.0, 60_000.0)
    jitter_ms: float = bounded(0.0, 0.0, 60_000.0)
    """Mean of the exponential jitter added to ``latency_ms``."""
    burst_every_ms: float = bounded(0.0, 0.0, 3_600_000.0)
    """0: no bursts."""
    burst_hold_ms: float = bounded(0.0, 0.0, 3_600_000.0)

    def validate(self) -> None:
        check_bounds(self, "network.")
        if self.burst_every_ms > 0 and self.burst_hold_ms >= self.burst_every_ms:
            raise ValueError(
                f"network.burst_hold_ms={self.burst_hold_ms:g} must be less than "
                f"network.burst_every_ms={self.burst_every_ms:g}"
            )


WIRE_ITEMS = 4096
"""Most items in flight on the link (each at most ~64 KB of text)."""


class DelayPlan:
    """The seeded sequence of release times; pure, so it is testable without a clock."""

    def __init__(self, profile: NetworkProfile, seed: int, origin: float = 0.0) -> None:
        self.profile = profile
        self.origin = origin
        self._rng = random.Random(f"network:{seed}")
        self._last_release = -math.inf
        self.held_for_burst = 0
        """Packets held back by a quiet spell, released together at its end."""

    def release_time(self, arrival: float) -> float:
        p = self.profile
        delay = p.latency_ms / 1000.0
        if p.jitter_ms > 0:
            delay += self._rng.expovariate(1000.0 / p.jitter_ms)
        due = arrival + delay
        if p.burst_every_ms > 0 and p.burst_hold_ms > 0:
            period = p.burst_every_ms / 1000.0
            phase = (due - self.origin) % period
            if phase >= period - p.burst_hold_ms / 1000.0:
                due += period - phase
                self.held_for_burst += 1
        release = max(self._last_release, due)
        self._last_release = release
        return release


class SimulatedNetwork:
    """Carries items from ``run``'s ``link`` to ``channel``, late by the profile."""

    def __init__(self, profile: NetworkProfile, seed: int, buffer: int) -> None:
        self.profile = profile
        self.seed = seed
        self.buffer = buffer
        self.delay = LatencyRecorder()
        """Simulated delay of each token (release - arrival, weighted by tokens): the
        network's share only; waiting on a full channel afterwards is not counted."""
        self.tokens_in = 0
        self.tokens_out = 0
        self.items_delivered = 0
        self.plan: DelayPlan | None = None

    @property
    def tokens_held(self) -> int:
        """Tokens on the link now (sent by the conductor, not yet in the channel)."""
        return self.tokens_in - self.tokens_out

    async def run(self, link: trio.MemoryReceiveChannel[Item], channel: trio.MemorySendChannel[Item]) -> None:
        capacity = max(self.buffer, WIRE_ITEMS)
        wire_send, wire_receive = trio.open_memory_channel[_Packet](capacity)
        plan = self.plan = DelayPlan(self.profile, self.seed, trio.current_time())
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._stamp, link, wire_send, plan)
            nursery.start_soon(self._release, wire_receive, channel)

    async def _stamp(
        self, link: trio.MemoryReceiveChannel[Item], wire: trio.MemorySendChannel[_Packet], plan: DelayPlan
    ) -> None:
        async with link, wire:
            async for item in link:
                arrival = trio.current_time()
                items = [item]
                while True:  # whatever arrived together travels together, as one packet
                    try:
                        items.append(link.receive_nowait())
                    except (trio.WouldBlock, trio.EndOfChannel):
                        break
                tokens = sum(tokens_in(i) for i in items)
                self.tokens_in += tokens
                await wire.send(_Packet(arrival, plan.release_time(arrival), items, tokens))

    async def _release(
        self, wire: trio.MemoryReceiveChannel[_Packet], channel: trio.MemorySendChannel[Item]
    ) -> None:
        async with wire, channel:
            async for packet in wire:
                if packet.release > trio.current_time():
                    await trio.sleep_until(packet.release)
                for item in packet.items:
                    try:
                        channel.send_nowait(item)
                    except trio.WouldBlock:
                        await channel.send(item)
                self.tokens_out += packet.tokens
                self.items_delivered += len(packet.items)
                self.delay.record(packet.release - packet.arrival, max(1, packet.tokens))


class _Packet(NamedTuple):
    arrival: float
    release: float
    items: list[Item]
    tokens: int
