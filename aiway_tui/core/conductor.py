"""The mock conductor: deterministic assistant replies, paced by schedule.

Timers here resolve to about a millisecond, so a sleep per token would cap a
"10 us per token" stream near 1K tokens/s. Instead every token has a
scheduled time ``t0 + i * delay``; at each wake-up the conductor sends every
token already due (in items of at most ``batch_cap`` messages), then sleeps
until the next one is due; a stream with more than one token due per frame
sleeps until the next frame beat (``beat``) instead: at 100K tok/s that is 30
wake-ups a second at 30 fps, each shared with the painter, and a token waits
at most for the frame it would have waited for anyway. Latency is measured
from the scheduled times. What is due goes out a step at a time
(``core.step``): no checkpoint between the items of a step, one after it.

With ``conversations`` > 1, that many lanes stream at once into the same
channel (stream ``s`` in lane ``s % conversations``), their items interleaved.
Each stream runs under a supervisor: a stream that raises is reported as a
``StreamError`` and the others go on. Faults from the run's ``FaultPlan``
strike before a planned token, with no per-token check.
"""

from __future__ import annotations

import math
import time
import zlib
from dataclasses import dataclass
from itertools import repeat

import trio

from .beat import next_beat
from .config import ADAPTIVE, ADAPTIVE_MAX_CHARS, ADAPTIVE_MAX_TOKENS, RunConfig
from .faults import CONDUCTOR_RAISED, FaultKind, FaultPlan, InjectedFault, StreamFault, plan_faults
from .mix import StreamMix
from .pace import Pace
from .protocol import (
    ConductorState,
    Item,
    State,
    StreamEnd,
    StreamError,
    StreamStart,
    Token,
    TokenRun,
    UserMessage,
)
from .reply_text import ReplyCutter, reply_pool
from .step import Step

_POOL_SIZE = 97


def token_pool(size: int, seed: int = 0) -> tuple[str, ...]:
    """Consecutive token texts of exactly ``size`` characters cut from a seed's reply text."""
    texts, _ = ReplyCutter(reply_pool(seed), 0, seed).fixed(size, 0, _POOL_SIZE)
    return tuple(texts)


@dataclass(slots=True)
class _Schedule:
    """When one stream's tokens are due: token ``i`` at ``t0 + i * delay``."""

    t0: float
    delay: float
    beat_s: float
    """The frame period: a stream with more than a token due per beat wakes only at the beats."""
    pace_version: int = -1
    earliest_wake: float = -math.inf
    """The beat after the last wake-up, for a stream with more than a token due per beat."""

    def at(self, seq: int) -> float:
        return self.t0 + seq * self.delay

    def due(self, now: float, limit: int) -> int:
        """How many tokens are due by ``now`` (at most ``limit``)."""
        return min(limit, int((now - self.t0) / self.delay) + 1)


_tuple_new = tuple.__new__


def stream_lengths(config: RunConfig) -> list[int]:
    """How many tokens each stream carries: ``message_count`` split evenly."""
    base, extra = divmod(config.message_count, config.streams)
    return [base + (1 if s < extra else 0) for s in range(config.streams)]


def prompt_for(stream: int) -> str:
    return f"Stream #{stream}: tell me everything, as fast as you can."


@dataclass(frozen=True, slots=True)
class ConductorStatistics:
    """The sender's side of the no-loss proof, read at one instant."""

    state: ConductorState
    tokens_sent: int
    messages_sent: int
    items_sent: int
    streams_started: int
    streams_ended: int


class MockConductor:
    """Streams ``config.message_count`` tokens into ``send_channel``.

    The counts of what was sent (``tokens_sent``, ``items_sent``,
    ``messages_sent``) are the sender's side of the no-loss proof.
    """

    def __init__(self, config: RunConfig, pace: Pace | None = None) -> None:
        self.config = config
        self.pace = pace
        """Live pause and rate control (the demo's keys); ``None``: the config's schedule."""
        self.replies = reply_pool(config.seed)
        """The seed's reply text, which every stream's tokens are cut from."""
        self._prepare_cuts()
        self.tokens_sent = 0
        self.items_sent = 0
        self.messages_sent = 0
        self.streams_started = 0
        self.streams_ended = 0
        self.state = ConductorState.INITIALIZING
        self.lengths = stream_lengths(config)
        self.faults: FaultPlan = plan_faults(config.faults, self.lengths, config.seed)
        self.faults_fired: dict[FaultKind, set[int]] = {kind: set() for kind in FaultKind}
        """Streams each stream fault actually struck (the injector's side of the account)."""
        self.streams_abandoned: set[int] = set()
        self.answers_started = 0
        """Replies started for a ``UserMessage`` (streams ``config.streams`` and up)."""
        self.answer_tokens_sent = 0
        self.user_messages_refused = 0
        self._prompts: dict[int, str] = {}
        self._answers: trio.Nursery | None = None
        self._channel: trio.MemorySendChannel[Item] | None = None
        self._open: dict[int, trio.CancelScope] = {}
        self._t0: dict[int, float] = {}
        self._step = Step()
        self.streaming_since: float | None = None
        """``time.perf_counter()`` when the first stream started, after any idle phase."""

    def statistics(self) -> ConductorStatistics:
        return ConductorStatistics(
            self.state,
            self.tokens_sent,
            self.messages_sent,
            self.items_sent,
            self.streams_started,
            self.streams_ended,
        )

    def _prepare_cuts(self) -> None:
        """Cut the text into the run's tokens now, before the app is up, not at the
        first batch of the stream (a few ms, more on a busy machine)."""
        config = self.config
        if config.mix is not None:
            return
        if config.tokens == "words":
            _ = self.replies.words
            return
        size = config.message_size
        starts = {self.replies.start_of(s, config.seed) for s in range(min(config.streams, 8))}
        for start in starts:
            self.replies.cycle(size, start % size)

    def conversation_of(self, stream: int) -> int:
        return stream % self.config.conversations

    def abandon(self, stream: int) -> None:
        """Give up on ``stream`` (it went silent): its producer is cancelled, the rest go on."""
        scope = self._open.get(stream)
        if scope is not None:
            self.streams_abandoned.add(stream)
            scope.cancel()

    def submit(self, message: UserMessage) -> bool:
        """Answer ``message`` with a new reply stream, beside the streams going on.

        Called in the Trio run (the app hands it over with ``run_sync_soon``).
        Once the planned streams have ended no new answer starts: ``False``.
        """
        if self._answers is None or self._channel is None:
            self.user_messages_refused += 1
            return False
        stream = self.config.streams + self.answers_started
        self.answers_started += 1
        self._prompts[stream] = message.text
        self._answers.start_soon(self._supervised, self._channel, stream, self.config.answer_tokens)
        return True

    async def run(self, send_channel: trio.MemorySendChannel[Item]) -> None:
        try:
            async with send_channel, trio.open_nursery() as answers:
                self._answers, self._channel = answers, send_channel
                try:
                    await self._planned(send_channel)
                finally:
                    self._answers = self._channel = None  # answers in flight finish; no new ones
        except BaseExceptionGroup as group:
            # The answers' nursery wraps what the planned streams raised: the run's
            # report names the error itself, as it did before answers existed.
            if len(group.exceptions) == 1:
                raise group.exceptions[0] from None
            raise

    async def _planned(self, send_channel: trio.MemorySendChannel[Item]) -> None:
        if self.config.idle_s > 0:
            await trio.sleep(self.config.idle_s)
        self.streaming_since = time.perf_counter()
        lanes = min(self.config.conversations, self.config.streams)
        if lanes == 1:
            await self._lane(send_channel, 0)
            return
        async with trio.open_nursery() as nursery:
            for lane in range(lanes):
                nursery.start_soon(self._lane, send_channel, lane)

    async def _lane(self, channel: trio.MemorySendChannel[Item], lane: int) -> None:
        for stream in range(lane, self.config.streams, self.config.conversations):
            await self._supervised(channel, stream, self.lengths[stream])

    async def _supervised(self, channel: trio.MemorySendChannel[Item], stream: int, length: int) -> None:
        """One stream; if it raises, the receiver is told and the lane goes on."""
        with trio.CancelScope() as scope:
            self._open[stream] = scope
            try:
                await self._stream(channel, stream, length)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                raise
            except Exception as exc:
                error = StreamError(stream, f"{CONDUCTOR_RAISED} {type(exc).__name__}: {exc}")
                await self._send(channel, (error, State(ConductorState.READY)))
            finally:
                del self._open[stream]
                self._t0.pop(stream, None)

    async def _send(
        self, channel: trio.MemorySendChannel[Item], item: Item, messages: int = 0, chars: int = 0
    ) -> None:
        """Send ``item``: ``messages`` of them (its length, unless it carries a run), ``chars``
        of text; without a checkpoint while the step has room and the channel too."""
        messages = messages or len(item)
        if self._step.take(messages, chars):
            try:
                channel.send_nowait(item)
            except trio.WouldBlock:
                await channel.send(item)  # backpressure: wait for room, as any send
                self._step.reset()
        else:
            await channel.send(item)
            self._step.reset()
        self.items_sent += 1
        self.messages_sent += messages

    async def _stream(self, channel: trio.MemorySendChannel[Item], stream: int, length: int) -> None:
        self.state = ConductorState.THINKING
        await self._send(
            channel,
            (
                State(ConductorState.THINKING),
                StreamStart(
                    stream,
                    self.conversation_of(stream),
                    self._prompts.pop(stream, "") or prompt_for(stream),
                    length,
                ),
                State(ConductorState.RESPONDING),
            ),
        )
        self.streams_started += 1
        self.state = ConductorState.RESPONDING
        fault = self.faults.for_stream(stream)
        full_length = length
        if fault is not None:
            length = fault.at_token
        if self.config.mix is not None:
            checksum = await self._mixed_tokens(channel, stream, length)
        else:
            checksum = await self._tokens(channel, stream, length)
        if fault is not None:
            await self._strike(channel, fault)
            return
        elapsed = trio.current_time() - self._t0.pop(stream)
        await self._send(
            channel,
            (StreamEnd(stream, full_length, checksum, elapsed), State(ConductorState.READY)),
        )
        self.streams_ended += 1
        self.state = ConductorState.READY

    async def _strike(self, channel: trio.MemorySendChannel[Item], fault: StreamFault) -> None:
        self.faults_fired[fault.kind].add(fault.stream)
        if fault.kind is FaultKind.STREAM_ERROR:
            error = StreamError(fault.stream, f"injected stream error before token {fault.at_token}")
            await self._send(channel, (error, State(ConductorState.READY)))
        elif fault.kind is FaultKind.CONDUCTOR_RAISE:
            raise InjectedFault(f"stream {fault.stream} before token {fault.at_token}")
        else:
            await trio.sleep_forever()  # silent: only the watchdog's abandon() ends this

    async def _send_tokens(
        self,
        channel: trio.MemorySendChannel[Item],
        item: Item,
        stream: int,
        count: int,
        text: str,
        checksum: int,
    ) -> int:
        """Send one item of ``count`` of ``stream``'s tokens (``text``: theirs, joined);
        return the stream's CRC-32 including them."""
        checksum = zlib.crc32(text.encode(), checksum)
        await self._send(channel, item, count, len(text))
        if stream < self.config.streams:
            self.tokens_sent += count
        else:
            self.answer_tokens_sent += count
        return checksum

    def _schedule(self, stream: int) -> _Schedule:
        """Start ``stream``'s clock: its token 0 is due now."""
        t0 = self._t0[stream] = trio.current_time()
        return _Schedule(t0, self.delay_for(stream), self.config.frame_period_s)

    def delay_for(self, stream: int) -> float:
        """Seconds between ``stream``'s tokens: the config's, for every stream (a conductor
        of another shape, such as the bench's history then probe, gives each its own)."""
        return self.config.message_delay_us / 1e6

    def _follow_pace(self, schedule: _Schedule, sent: int) -> None:
        """Follow a live pace change (checked once per wake-up, never per token).

        On a change the schedule is re-based so that token ``sent`` is due now
        at the new rate: no burst to catch up with tokens never due at it.
        """
        pace = self.pace
        if pace is None or pace.version == schedule.pace_version:
            return
        schedule.pace_version = pace.version
        schedule.delay = pace.delay_us / 1e6
        schedule.t0 = trio.current_time() - sent * schedule.delay

    async def _next_due(self, schedule: _Schedule, sent: int, limit: int) -> tuple[float, int]:
        """Wait until token ``sent`` is due; return the time and how many tokens are due by then.

        Unpaced (``delay`` 0), everything up to ``limit`` is due at once.
        """
        self._follow_pace(schedule, sent)
        now = trio.current_time()
        if schedule.delay > 0 and schedule.due(now, limit) < limit:
            # Not a full item yet: sleep until token ``sent`` is due, but never wake
            # twice between two beats (a wake-up costs more than a frame of tokens).
            wake_at = max(schedule.at(sent), schedule.earliest_wake)
            if wake_at > now:
                await trio.sleep_until(wake_at)
                self._step.reset()
                now = trio.current_time()
                self._follow_pace(schedule, sent)  # a change while asleep holds from now
        if schedule.delay < schedule.beat_s:  # more than a token a frame: wake at the beats
            schedule.earliest_wake = next_beat(now, schedule.beat_s)
        if schedule.delay <= 0:
            return now, limit
        # Token ``sent`` is due now, whatever float rounding says.
        return now, max(sent + 1, schedule.due(now, limit))

    async def _tokens(self, channel: trio.MemorySendChannel[Item], stream: int, length: int) -> int:
        """Send tokens ``0..length-1`` of ``stream`` by schedule; return their CRC-32."""
        config = self.config
        cap = config.batch_cap
        cutter = ReplyCutter(self.replies, stream, config.seed)
        words = config.tokens == "words"
        size = config.message_size
        checksum = 0
        schedule = self._schedule(stream)
        sent = 0
        while sent < length:
            now, due = await self._next_due(schedule, sent, min(length, sent + cap))
            count = due - sent
            t0, delay = schedule.t0, schedule.delay
            item: Item
            if words:
                texts = cutter.words(sent, count)
                text = "".join(texts)
                seqs = range(sent, due)
                scheduled = [t0 + i * delay for i in seqs] if delay > 0 else repeat(now, count)
                # Built by C-level iterators: no Python call per token.
                item = tuple(
                    map(
                        _tuple_new,
                        repeat(Token, count),
                        zip(repeat(stream, count), seqs, texts, scheduled, strict=True),
                    )
                )
            else:  # equal sizes: one value for the whole batch, nothing per token
                text = cutter.fixed_text(size, sent, count)
                at, spacing = (t0 + sent * delay, delay) if delay > 0 else (now, 0.0)
                item = (TokenRun(stream, sent, count, text, at, spacing),)
            checksum = await self._send_tokens(channel, item, stream, count, text, checksum)
            sent = due
        return checksum

    async def _mixed_tokens(self, channel: trio.MemorySendChannel[Item], stream: int, length: int) -> int:
        """As ``_tokens``, each token's size drawn from the seeded mix."""
        config = self.config
        assert config.mix is not None
        cap = config.batch_size
        if cap == ADAPTIVE:
            cap = max(1, min(ADAPTIVE_MAX_TOKENS, ADAPTIVE_MAX_CHARS // config.mix.largest))
        sizes = config.mix.sizes
        cutter = ReplyCutter(self.replies, stream, config.seed)
        mix = StreamMix(config.mix, config.seed, stream)
        checksum = 0
        chars = 0
        schedule = self._schedule(stream)
        sent = 0
        while sent < length:
            now, due = await self._next_due(schedule, sent, min(length, sent + cap))
            classes = mix.next_classes(due - sent)
            texts, chars = cutter.sized([sizes[c] for c in classes], chars)
            t0, delay = schedule.t0, schedule.delay
            tokens = [
                Token(stream, i, text, t0 + i * delay if delay > 0 else now)
                for i, text in zip(range(sent, due), texts, strict=True)
            ]
            checksum = await self._send_tokens(
                channel, tuple(tokens), stream, len(tokens), "".join(texts), checksum
            )
            sent = due
        return checksum
