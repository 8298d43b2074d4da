"""Streams are spread over conversations in turn (``RunConfig.conversations``)."""

from __future__ import annotations

import pytest
import trio

from aiway_tui.core.conductor import MockConductor
from aiway_tui.core.config import ConfigError, RunConfig
from aiway_tui.core.protocol import Item, StreamStart


async def test_stream_i_goes_to_conversation_i_mod_n() -> None:
    config = RunConfig(message_count=700, streams=7, conversations=3)
    send, receive = trio.open_memory_channel[Item](config.buffer)
    starts: list[StreamStart] = []
    async with trio.open_nursery() as nursery:
        nursery.start_soon(MockConductor(config).run, send)
        async with receive:
            async for item in receive:
                starts.extend(m for m in item if isinstance(m, StreamStart))
    # Conversations stream at once, so the starts interleave: check by stream.
    assert {s.stream: s.conversation for s in starts} == {i: i % 3 for i in range(7)}


@pytest.mark.parametrize("conversations", [0, 10_001, 1.5])
def test_out_of_range_conversations_is_a_config_error(conversations: object) -> None:
    with pytest.raises(ConfigError, match="conversations"):
        RunConfig().with_overrides(conversations=conversations)
