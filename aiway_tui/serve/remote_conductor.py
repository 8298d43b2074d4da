"""A conductor that gets its replies from a server (``aiway-tui serve``, or any Ollama API) over HTTP.

It plays the in-process conductor's part in a run, so our own app can be the
first client of the server: each stream of the run is one ``/api/chat``
request, its NDJSON chunks become the same ``Token`` messages (in one channel
item per network read), and the reply ends with the ``StreamEnd`` the tracker
verifies, carrying the count and CRC-32 the *server* says it sent, so the
check covers the whole way over the wire. A stream error the server reports
becomes a ``StreamError``; a dropped connection or an unreachable server is
the conductor raising, which the supervisor reports for that stream.

Tokens are stamped with their arrival time (the server's schedule is not on
this clock), so delivery latency here starts at the client's socket.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

import httpx
import trio

from ..core.conductor import MockConductor, prompt_for
from ..core.config import RunConfig
from ..core.pace import Pace
from ..core.protocol import ConductorState, Item, State, StreamEnd, StreamError, StreamStart, Token
from .ollama_api import PROOF_FIELD

CONNECT_TIMEOUT_S = 10.0


class RemoteReplyError(RuntimeError):
    """The server answered with an error status, or broke the NDJSON stream."""


class RemoteConductor(MockConductor):
    def __init__(self, config: RunConfig, url: str, model: str, pace: Pace | None = None) -> None:
        super().__init__(config, pace)
        self.url = url.rstrip("/")
        self.model = model

    async def _stream(self, channel: trio.MemorySendChannel[Item], stream: int, length: int) -> None:
        self.state = ConductorState.THINKING
        prompt = prompt_for(stream)
        await self._send(
            channel,
            (
                State(ConductorState.THINKING),
                StreamStart(stream, self.conversation_of(stream), prompt, length),
                State(ConductorState.RESPONDING),
            ),
        )
        self.streams_started += 1
        self.state = ConductorState.RESPONDING
        started = trio.current_time()
        body = {"model": self.model, "messages": [{"role": "user", "content": prompt}], "stream": True}
        timeout = httpx.Timeout(None, connect=CONNECT_TIMEOUT_S)
        async with (
            httpx.AsyncClient(timeout=timeout) as client,
            client.stream("POST", f"{self.url}/api/chat", json=body) as response,
        ):
            if response.status_code != 200:
                text = (await response.aread()).decode(errors="replace")
                raise RemoteReplyError(f"HTTP {response.status_code}: {text.strip()[:200]}")
            final, received, crc = await self._tokens_from(channel, stream, response)
        if "error" in final:
            await self._send(channel, (StreamError(stream, str(final["error"])), State(ConductorState.READY)))
            return
        proof = final.get(PROOF_FIELD) or {}
        count = int(proof.get("tokens", final.get("eval_count", received)))
        checksum = int(proof.get("crc32", crc))
        end = StreamEnd(stream, count, checksum, trio.current_time() - started)
        await self._send(channel, (end, State(ConductorState.READY)))
        self.streams_ended += 1
        self.state = ConductorState.READY

    async def _tokens_from(
        self, channel: trio.MemorySendChannel[Item], stream: int, response: httpx.Response
    ) -> tuple[dict[str, Any], int, int]:
        """Send each read's chunks as one item of tokens.

        Returns the final chunk (or the error), the tokens received and their CRC-32.
        """
        seq = crc = 0
        pending = b""
        final: dict[str, Any] | None = None
        async for data in response.aiter_bytes():  # to its end: an async generator left open warns
            if final is not None:
                continue
            lines = (pending + data).split(b"\n")
            pending = lines.pop()
            now = trio.current_time()
            tokens: list[Token] = []
            for line in lines:
                if not line.strip():
                    continue
                part = json.loads(line)
                if part.get("error") or part.get("done"):
                    final = part
                    break
                text = part["message"]["content"]
                tokens.append(Token(stream, seq, text, now))
                seq += 1
            if tokens:
                crc = zlib.crc32("".join(t.text for t in tokens).encode(), crc)
                await self._send(channel, tuple(tokens))
                self.tokens_sent += len(tokens)
        if final is not None:
            return final, seq, crc
        raise RemoteReplyError(f"the reply ended after {seq} tokens without its final chunk")
