"""The mock conductor: deterministic assistant replies, paced by schedule.

Timers here resolve to about a millisecond, so a sleep per token would cap a
"10 us per token" stream near 1K tokens/s. Instead every token has a
scheduled time ``t0 + i * delay``; at each wake-up the conductor sends every
token already due (in items of at most ``batch_cap`` messages), then sleeps
until the next one is due. Latency is measured from those scheduled times.
"""

from __future__ import annotations

import random
import zlib

import trio

from .config import RunConfig
from .protocol import (
    ConductorState,
    Item,
    State,
    StreamEnd,
    StreamStart,
    Token,
)

_WORDS = (
    "the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "while",
    "streams", "of", "tokens", "flow", "through", "bounded", "channels", "into",
    "a", "terminal", "that", "paints", "them", "at", "a", "steady", "rate",
    "without", "losing", "one", "of", "them",
)  # fmt: skip

_POOL_SIZE = 97


def token_pool(size: int, seed: int = 0) -> tuple[str, ...]:
    """Distinct token texts of exactly ``size`` characters, deterministic in ``seed``."""
    rng = random.Random(seed * 1_000_003 + size)
    pool = []
    for _ in range(_POOL_SIZE):
        parts: list[str] = []
        length = 0
        while length < size:
            word = rng.choice(_WORDS) + " "
            parts.append(word)
            length += len(word)
        pool.append("".join(parts)[:size])
    return tuple(pool)


def token_text(pool: tuple[str, ...], stream: int, seq: int) -> str:
    return pool[(seq * 7 + stream) % len(pool)]


def stream_lengths(config: RunConfig) -> list[int]:
    """How many tokens each stream carries: ``message_count`` split evenly."""
    base, extra = divmod(config.message_count, config.streams)
    return [base + (1 if s < extra else 0) for s in range(config.streams)]


def prompt_for(stream: int) -> str:
    return f"Stream #{stream}: tell me everything, as fast as you can."


class MockConductor:
    """Streams ``config.message_count`` tokens into ``send_channel``.

    The counts of what was sent (``tokens_sent``, ``items_sent``,
    ``messages_sent``) are the sender's side of the no-loss proof.
    """

    def __init__(self, config: RunConfig) -> None:
        self.config = config
        self.pool = token_pool(config.message_size, config.seed)
        self.tokens_sent = 0
        self.items_sent = 0
        self.messages_sent = 0
        self.streams_started = 0
        self.streams_ended = 0
        self.state = ConductorState.INITIALIZING

    async def run(self, send_channel: trio.MemorySendChannel[Item]) -> None:
        async with send_channel:
            for stream, length in enumerate(stream_lengths(self.config)):
                await self._stream(send_channel, stream, length)

    async def _send(self, channel: trio.MemorySendChannel[Item], item: Item) -> None:
        await channel.send(item)
        self.items_sent += 1
        self.messages_sent += len(item)

    async def _stream(self, channel: trio.MemorySendChannel[Item], stream: int, length: int) -> None:
        self.state = ConductorState.THINKING
        await self._send(
            channel,
            (
                State(ConductorState.THINKING),
                StreamStart(stream, 0, prompt_for(stream), length),
                State(ConductorState.RESPONDING),
            ),
        )
        self.streams_started += 1
        self.state = ConductorState.RESPONDING
        delay = self.config.message_delay_us / 1e6
        cap = self.config.batch_cap
        pool = self.pool
        npool = len(pool)
        checksum = 0
        t0 = trio.current_time()
        sent = 0
        while sent < length:
            now = trio.current_time()
            if delay > 0:
                due = min(length, int((now - t0) / delay) + 1)
                if due <= sent:
                    await trio.sleep_until(t0 + sent * delay)
                    # Token ``sent`` is due now, whatever float rounding says.
                    now = trio.current_time()
                    due = max(sent + 1, min(length, int((now - t0) / delay) + 1))
            else:
                due = min(length, sent + cap)
            while sent < due:
                end = min(due, sent + cap)
                if delay > 0:
                    tokens = [
                        Token(stream, i, pool[(i * 7 + stream) % npool], t0 + i * delay)
                        for i in range(sent, end)
                    ]
                else:
                    tokens = [Token(stream, i, pool[(i * 7 + stream) % npool], now) for i in range(sent, end)]
                checksum = zlib.crc32("".join([t.text for t in tokens]).encode(), checksum)
                await self._send(channel, tuple(tokens))
                self.tokens_sent += end - sent
                sent = end
        elapsed = trio.current_time() - t0
        await self._send(
            channel,
            (StreamEnd(stream, length, checksum, elapsed), State(ConductorState.READY)),
        )
        self.streams_ended += 1
        self.state = ConductorState.READY
