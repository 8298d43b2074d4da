"""One HTTP reply played by the in-process conductor: its pacing, sizes, faults and network.

A request plays one stream of its scenario (request ``n``: stream
``n % streams``), so that a client making as many requests as the scenario
has streams gets every shape the scenario holds: that stream's length, token
mix, and fault if the plan strikes it. The tokens come from a
``MockConductor`` (its schedule and CRC-32, no second generator), through
``SimulatedNetwork`` when the scenario has a network profile.
"""

from __future__ import annotations

import trio

from ..core.conductor import MockConductor
from ..core.config import RunConfig
from ..core.faults import FaultKind
from ..core.network import SimulatedNetwork
from ..core.protocol import Item


class ReplyConductor(MockConductor):
    """A conductor that streams one chosen stream of the run, as one reply."""

    async def reply(self, channel: trio.MemorySendChannel[Item], stream: int) -> None:
        async with channel:
            await self._supervised(channel, stream, self.lengths[stream])


class ReplySource:
    """The messages of one reply, produced in a nursery of the caller's."""

    def __init__(self, config: RunConfig, stream: int) -> None:
        self.config = config
        self.stream = stream
        self.conductor = ReplyConductor(config)
        self.network: SimulatedNetwork | None = None
        if config.network is not None:
            self.network = SimulatedNetwork(config.network, config.seed + stream, config.buffer)

    @property
    def expected_tokens(self) -> int:
        return self.conductor.lengths[self.stream]

    @property
    def fault(self) -> FaultKind | None:
        planned = self.conductor.faults.for_stream(self.stream)
        return planned.kind if planned is not None else None

    def start(self, nursery: trio.Nursery) -> trio.MemoryReceiveChannel[Item]:
        """Start the conductor (and network); the reply's messages arrive on the returned channel."""
        send, receive = trio.open_memory_channel[Item](self.config.buffer)
        if self.network is None:
            nursery.start_soon(self.conductor.reply, send, self.stream)
        else:
            link_send, link_receive = trio.open_memory_channel[Item](self.config.buffer)
            nursery.start_soon(self.conductor.reply, link_send, self.stream)
            nursery.start_soon(self.network.run, link_receive, send)
        return receive
