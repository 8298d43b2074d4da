"""``aiway-tui serve`` under the real clients: the official ``ollama`` and ``openai`` packages, and curl.

Each test starts the server on a free loopback port in its own Trio run and
drives the clients (synchronous, as most apps use them) in worker threads.
A reply is exact when the client's text has the count and CRC-32 the
conductor gave it, and the server's own record of what it sent agrees.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import socket
import threading
import time
import zlib
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import ollama
import openai
import pytest
import trio

from aiway_tui.core.conductor import stream_lengths
from aiway_tui.core.config import RunConfig
from aiway_tui.core.faults import FaultKind, FaultSpec, plan_faults
from aiway_tui.core.network import NetworkProfile
from aiway_tui.core.reply_text import ReplyCutter, reply_pool
from aiway_tui.scenarios.catalogue import SCENARIOS, get_scenario
from aiway_tui.serve.catalogue import ModelCatalogue
from aiway_tui.serve.counts import Outcome, ServerCounts
from aiway_tui.serve.server import MockServer

T = TypeVar("T")
PROMPT: Any = [{"role": "user", "content": "hello there"}]
FREED_WITHIN_S = 1.0


def _catalogue(**overrides: Any) -> ModelCatalogue:
    """Every scenario, each with ``overrides`` where they fit."""
    entries = []
    for scenario in SCENARIOS:
        try:
            entries.append((scenario, scenario.config.with_overrides(**overrides)))
        except ValueError:
            entries.append((scenario, scenario.config))
    return ModelCatalogue(entries)


def _one(name: str, config: RunConfig) -> ModelCatalogue:
    return ModelCatalogue([(dataclasses.replace(get_scenario(name), config=config), config)])


def _expected(config: RunConfig, stream: int = 0) -> str:
    cutter = ReplyCutter(reply_pool(config.seed), stream, config.seed)
    return cutter.reply(config.tokens, stream_lengths(config)[stream], config.message_size)


class Clients:
    """The real clients, made for one server and all closed when done."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._made: list[ollama.Client | openai.OpenAI] = []

    def ollama(self, timeout: float = 30) -> Any:
        client = ollama.Client(host=self.url, timeout=timeout)
        self._made.append(client)
        return client

    def openai(self, timeout: float = 30) -> Any:
        """Typed loosely: the tests send the prompts as plain dicts, as apps do."""
        client = openai.OpenAI(base_url=f"{self.url}/v1", api_key="dummy", timeout=timeout, max_retries=0)
        self._made.append(client)
        return client

    def close(self) -> None:
        for client in self._made:
            client.close()


def _in_thread(client: Callable[[Clients], T], url: str) -> T:
    clients = Clients(url)
    try:
        return client(clients)
    finally:
        clients.close()


async def _with_server(catalogue: ModelCatalogue, client: Callable[[Clients], T]) -> tuple[T, MockServer]:
    """Serve ``catalogue``, run ``client`` in a thread, stop the server; return both."""
    server = MockServer(catalogue)
    async with trio.open_nursery() as nursery:
        await nursery.start(server.serve)
        result = await trio.to_thread.run_sync(_in_thread, client, server.url)
        with trio.fail_after(5):
            await server.counts.wait_idle()
        nursery.cancel_scope.cancel()
    return result, server


def _ollama_chat(c: Clients, model: str) -> tuple[str, list[Any]]:
    parts = list(c.ollama().chat(model=model, messages=PROMPT, stream=True))
    return "".join(p.message.content or "" for p in parts), parts


def _only_record(counts: ServerCounts, outcome: Outcome = Outcome.COMPLETED) -> Any:
    (record,) = counts.finished
    assert record.outcome is outcome, record
    assert record.sequence_errors == 0
    return record


async def test_the_ollama_client_streams_every_token_of_a_chat_reply_exactly() -> None:
    catalogue = _catalogue(message_count=20_000, message_delay_us=0)
    config = catalogue.configs["rapid-tokens"][1]
    (text, parts), server = await _with_server(catalogue, lambda c: _ollama_chat(c, "rapid-tokens"))
    expected = _expected(config)
    assert len(parts) == 20_001  # one chunk per token, then the final one
    assert text == expected
    final = parts[-1]
    assert final.done is True
    assert final.done_reason == "stop"
    assert final.eval_count == 20_000
    assert final.prompt_eval_count == 2
    assert final.total_duration >= final.eval_duration > 0
    record = _only_record(server.counts)
    assert record.tokens_sent == 20_000
    assert record.crc32 == zlib.crc32(text.encode()) == record.conductor_checksum
    assert server.counts.checksum_mismatches == 0


async def test_the_ollama_client_generates_streamed_and_whole() -> None:
    catalogue = _catalogue(message_count=3_000, message_delay_us=0)
    config = catalogue.configs["1m-short"][1]

    def client(clients: Clients) -> tuple[str, str, Any]:
        c = clients.ollama()
        streamed = "".join(p.response for p in c.generate(model="1m-short:latest", prompt="hi", stream=True))
        whole = c.generate(model="1m-short", prompt="hi", stream=False)
        return streamed, whole.response, whole

    (streamed, whole_text, whole), server = await _with_server(catalogue, client)
    assert streamed == whole_text == _expected(config)
    assert whole.done
    assert whole.eval_count == 3_000
    assert [r.streaming for r in server.counts.finished] == [True, False]


async def test_the_openai_client_streams_every_token_exactly_and_whole_too() -> None:
    catalogue = _catalogue(message_count=20_000, message_delay_us=0)
    config = catalogue.configs["rapid-tokens"][1]

    def client(clients: Clients) -> tuple[str, Any, Any]:
        c = clients.openai()
        chunks = list(
            c.chat.completions.create(
                model="rapid-tokens",
                messages=PROMPT,
                stream=True,
                stream_options={"include_usage": True},
            )
        )
        text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
        whole = c.chat.completions.create(model="rapid-tokens", messages=PROMPT)
        return text, chunks, whole

    (text, chunks, whole), server = await _with_server(catalogue, client)
    assert text == _expected(config)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [ch.choices[0].finish_reason for ch in chunks if ch.choices][-1] == "stop"
    assert chunks[-1].usage.completion_tokens == 20_000
    assert whole.choices[0].message.content == text
    assert whole.usage.completion_tokens == 20_000
    for record in server.counts.finished:
        assert record.crc32 == zlib.crc32(text.encode()) == record.conductor_checksum


async def test_replies_keep_the_scenarios_pace_under_both_clients() -> None:
    """Tokens 10 ms apart: no token reaches a client before its scheduled time."""
    config = get_scenario("cpu-streaming").config.with_overrides(
        message_count=80, message_delay_us=10_000, idle_s=0.0
    )
    delay = config.message_delay_us / 1e6

    def client(c: Clients) -> list[list[float]]:
        arrivals: list[list[float]] = [[], []]
        for part in c.ollama().chat(model="cpu-streaming", messages=PROMPT, stream=True):
            if not part.done:
                arrivals[0].append(time.perf_counter())
        stream = c.openai().chat.completions.create(
            model="cpu-streaming",
            messages=PROMPT,
            stream=True,
        )
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                arrivals[1].append(time.perf_counter())
        return arrivals

    arrivals, _ = await _with_server(_one("cpu-streaming", config), client)
    for times in arrivals:
        assert len(times) == 80
        # Token i is due i * delay after token 0; token 0 arrives a little after its own time.
        early = [i for i, t in enumerate(times) if t - times[0] < i * delay - 0.03]
        assert not early, early
        assert times[-1] - times[0] >= 79 * delay - 0.03


def _fault_config() -> RunConfig:
    return RunConfig(
        message_count=3_000,
        message_size=5,
        message_delay_us=100,
        streams=3,
        faults=FaultSpec(stream_errors=1, conductor_raises=1, silent_streams=1),
    )


async def test_each_fault_reaches_each_client_as_it_expects() -> None:
    """A stream error is the protocol's error, a dropped connection a transport error, a stall a timeout."""
    config = _fault_config()
    plan = plan_faults(config.faults, stream_lengths(config), config.seed)
    kinds = {f.stream: f for f in plan.streams}

    def client(c: Clients) -> list[tuple[str, int, BaseException | None]]:
        seen: list[tuple[str, int, BaseException | None]] = []
        for _ in range(3):
            text = ""
            try:
                for part in c.ollama(timeout=0.5).chat(model="chaos", messages=PROMPT, stream=True):
                    text += part.message.content or ""
            except Exception as exc:
                seen.append((text, zlib.crc32(text.encode()), exc))
            else:
                seen.append((text, zlib.crc32(text.encode()), None))
        for _ in range(3):
            text = ""
            try:
                for chunk in c.openai(timeout=0.5).chat.completions.create(
                    model="chaos",
                    messages=PROMPT,
                    stream=True,
                ):
                    text += (chunk.choices[0].delta.content or "") if chunk.choices else ""
            except Exception as exc:
                seen.append((text, zlib.crc32(text.encode()), exc))
            else:
                seen.append((text, zlib.crc32(text.encode()), None))
        return seen

    seen, server = await _with_server(_one("chaos", config), client)
    records = list(server.counts.finished)
    assert len(records) == 6
    expect: dict[FaultKind, tuple[Any, Any, Outcome]] = {
        FaultKind.STREAM_ERROR: (ollama.ResponseError, openai.APIError, Outcome.ERROR_SENT),
        FaultKind.CONDUCTOR_RAISE: (
            httpx.RemoteProtocolError,
            openai.APIConnectionError,
            Outcome.DROPPED,
        ),
        FaultKind.SILENT: (httpx.ReadTimeout, openai.APITimeoutError, Outcome.CLIENT_LEFT),
    }
    for n, ((text, crc, exc), record) in enumerate(zip(seen, records, strict=True)):
        fault = kinds[record.stream]
        ollama_errors, openai_errors, outcome = expect[fault.kind]
        assert isinstance(exc, ollama_errors if n < 3 else openai_errors), (fault, exc)
        assert record.outcome is outcome
        # Everything sent before the fault arrived, and nothing else.
        assert record.tokens_sent == fault.at_token
        assert len(text) == fault.at_token * config.message_size
        assert crc == record.crc32 == zlib.crc32(_expected(config, record.stream)[: len(text)].encode())
        if fault.kind is FaultKind.STREAM_ERROR:
            assert f"injected stream error before token {fault.at_token}" in str(exc)
    assert server.counts.as_dict()["errors_sent"] == 2
    assert server.counts.as_dict()["dropped"] == 2
    assert server.counts.as_dict()["clients_left_early"] == 2


async def test_network_delay_and_mixed_sizes_apply_over_http() -> None:
    config = RunConfig(
        message_count=2_000,
        message_delay_us=200,
        network=NetworkProfile(latency_ms=60, jitter_ms=5),
        mix=get_scenario("mixed-load").config.mix,
    )

    def client(c: Clients) -> tuple[float, str]:
        started = time.perf_counter()
        first = None
        text = ""
        for part in c.ollama().chat(model="mixed-load", messages=PROMPT, stream=True):
            if first is None:
                first = time.perf_counter() - started
            text += part.message.content or ""
        assert first is not None
        return first, text

    (first_s, text), server = await _with_server(_one("mixed-load", config), client)
    record = _only_record(server.counts)
    assert first_s >= 0.06  # the simulated network's latency, before the first byte
    assert record.tokens_sent == 2_000
    assert record.crc32 == zlib.crc32(text.encode()) == record.conductor_checksum
    sizes = config.mix.sizes if config.mix else ()
    assert len(text) > 2_000 * min(sizes)  # sizes were mixed, not all the smallest


async def test_bad_requests_get_each_protocols_error_and_the_server_goes_on() -> None:
    catalogue = _catalogue(message_count=50, message_delay_us=0)

    def client(c: Clients) -> dict[str, Any]:
        url = c.url
        out: dict[str, Any] = {}
        with httpx.Client(base_url=url, timeout=10) as h:
            for name, method, path, body in (
                ("ollama_json", "POST", "/api/chat", b"{not json"),
                ("ollama_no_model", "POST", "/api/chat", b'{"messages": []}'),
                ("ollama_bad_stream", "POST", "/api/generate", b'{"model": "1m-short", "stream": "yes"}'),
                ("ollama_method", "GET", "/api/chat", b""),
                ("ollama_path", "GET", "/api/nothing", b""),
                ("openai_json", "POST", "/v1/chat/completions", b"[1, 2"),
                ("openai_no_messages", "POST", "/v1/chat/completions", b'{"model": "1m-short"}'),
                ("openai_method", "DELETE", "/v1/chat/completions", b""),
                ("openai_path", "GET", "/v1/nothing", b""),
                ("too_large", "POST", "/api/chat", b"x" * (5 * 1024 * 1024)),
            ):
                r = h.request(method, path, content=body)
                out[name] = (r.status_code, r.json(), r.headers.get("allow"))
        try:
            c.ollama().chat(model="no-such-model", messages=PROMPT)
        except ollama.ResponseError as exc:
            out["ollama_model"] = exc
        try:
            c.openai().chat.completions.create(model="no-such-model", messages=PROMPT)
        except openai.NotFoundError as exc:
            out["openai_model"] = exc
        with socket.create_connection((url.split("//")[1].split(":")[0], int(url.rsplit(":", 1)[1]))) as s:
            s.sendall(b"\x16\x03\x01 this is not HTTP\r\n\r\n")
            out["garbage"] = s.recv(4096)
        out["after"] = _ollama_chat(c, "1m-short")[0]
        out["tags"] = [m.model for m in c.ollama().list().models]
        out["models"] = [m.id for m in c.openai().models.list()]
        return out

    out, server = await _with_server(catalogue, client)
    for name in ("ollama_json", "ollama_no_model", "ollama_bad_stream"):
        status, body, _ = out[name]
        assert status == 400, name
        assert isinstance(body["error"], str), name
    for name in ("openai_json", "openai_no_messages"):
        status, body, _ = out[name]
        assert status == 400, name
        assert body["error"]["type"] == "invalid_request_error", name
    assert out["ollama_method"][0] == 405
    assert out["ollama_method"][2] == "POST"
    assert out["openai_method"][0] == 405
    assert "message" in out["openai_method"][1]["error"]
    assert out["ollama_path"][0] == 404
    assert isinstance(out["ollama_path"][1]["error"], str)
    assert out["openai_path"][0] == 404
    assert "message" in out["openai_path"][1]["error"]
    assert out["too_large"][0] == 413
    assert out["ollama_model"].status_code == 404
    assert out["openai_model"].status_code == 404
    assert out["openai_model"].code == "model_not_found"
    assert out["garbage"].startswith(b"HTTP/1.1 400 ")
    assert out["after"] == _expected(catalogue.configs["1m-short"][1])
    names = [s.name for s in SCENARIOS]
    assert out["tags"] == [f"{n}:latest" for n in names]
    assert out["models"] == names
    assert server.counts.as_dict()["server_errors"] == 0


async def test_a_client_that_leaves_mid_stream_frees_its_reply_at_once() -> None:
    config = get_scenario("cpu-streaming").config.with_overrides(
        message_count=10_000, message_delay_us=1_000, idle_s=0.0
    )
    server = MockServer(_one("cpu-streaming", config))
    async with trio.open_nursery() as nursery:
        await nursery.start(server.serve)

        def leave_after_50(c: Clients) -> float:
            stream = c.ollama().chat(model="cpu-streaming", messages=PROMPT, stream=True)
            for n, _ in enumerate(stream):
                if n == 49:
                    break
            stream.close()  # the response closes with it: the connection is gone
            return time.perf_counter()

        await trio.to_thread.run_sync(_in_thread, leave_after_50, server.url)
        left_at = time.perf_counter()
        with trio.fail_after(FREED_WITHIN_S):
            await server.counts.wait_idle()
        freed_s = time.perf_counter() - left_at
        nursery.cancel_scope.cancel()
    record = _only_record(server.counts, Outcome.CLIENT_LEFT)
    assert 50 <= record.tokens_sent < 10_000
    assert freed_s < FREED_WITHIN_S


async def test_fifty_concurrent_streams_all_exact() -> None:
    config = get_scenario("conversations").config.with_overrides(
        message_count=50 * 500, streams=50, conversations=1, message_delay_us=5_000
    )
    catalogue = _one("conversations", config)
    server = MockServer(catalogue)
    results: list[tuple[int, str]] = []
    all_ready = threading.Barrier(50)
    """Every client asks at once, however late its thread started on a busy machine."""

    def ollama_reply(c: Clients) -> str:
        all_ready.wait(timeout=30)
        return _ollama_chat(c, "conversations")[0]

    def openai_reply(c: Clients) -> str:
        client = c.openai()
        all_ready.wait(timeout=30)
        chunks = client.chat.completions.create(
            model="conversations",
            messages=PROMPT,
            stream=True,
        )
        return "".join((ch.choices[0].delta.content or "") if ch.choices else "" for ch in chunks)

    limiter = trio.CapacityLimiter(50)

    async def one(n: int) -> None:
        reply = ollama_reply if n % 2 else openai_reply
        text = await trio.to_thread.run_sync(_in_thread, reply, server.url, limiter=limiter)
        results.append((n, text))

    async with trio.open_nursery() as nursery:
        await nursery.start(server.serve)
        with trio.fail_after(60):
            async with trio.open_nursery() as clients:
                for n in range(50):
                    clients.start_soon(one, n)
            await server.counts.wait_idle()
        nursery.cancel_scope.cancel()
    assert len(results) == 50
    counts = server.counts.as_dict()
    assert counts["replies_completed"] == 50, counts
    assert counts["checksum_mismatches"] == 0
    assert counts["peak_active"] == 50
    assert counts["tokens_sent"] == 50 * 500
    by_crc = {r.crc32: r for r in server.counts.finished}
    for _, text in results:
        record = by_crc[zlib.crc32(text.encode())]
        assert text == _expected(config, record.stream)
    assert sorted(r.stream for r in server.counts.finished) == list(range(50))


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
async def test_curl_streams_both_protocols() -> None:
    catalogue = _catalogue(message_count=500, message_delay_us=100)
    config = catalogue.configs["rapid-tokens"][1]
    server = MockServer(catalogue)
    async with trio.open_nursery() as nursery:
        await nursery.start(server.serve)
        body = json.dumps({"model": "rapid-tokens", "messages": PROMPT})
        ndjson = await trio.run_process(
            ["curl", "-sN", f"{server.url}/api/chat", "-d", body], capture_stdout=True
        )
        sse_body = json.dumps({"model": "rapid-tokens", "messages": PROMPT, "stream": True})
        sse = await trio.run_process(
            ["curl", "-sN", f"{server.url}/v1/chat/completions", "-H", "Content-Type: application/json",
             "-d", sse_body],
            capture_stdout=True,
        )  # fmt: skip
        nursery.cancel_scope.cancel()
    lines = [json.loads(line) for line in ndjson.stdout.splitlines()]
    assert "".join(line["message"]["content"] for line in lines) == _expected(config)
    assert lines[-1]["done"] is True
    assert lines[-1]["eval_count"] == 500
    events = [e.removeprefix(b"data: ") for e in sse.stdout.split(b"\n\n") if e]
    assert events[-1] == b"[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == _expected(config)


async def test_the_model_information_endpoints_answer_as_ollama_does() -> None:
    catalogue = _catalogue(message_count=50, message_delay_us=0)

    def client(c: Clients) -> tuple[Any, Any, int, str, Any]:
        shown = c.ollama().show("rapid-tokens:latest")
        with httpx.Client(base_url=c.url, timeout=10) as h:
            version = h.get("/api/version").json()
            head = h.head("/").status_code
            root = h.get("/").text
        loaded = c.ollama().chat(model="rapid-tokens")  # no messages: Ollama's "load the model"
        return shown, version, head, root, loaded

    (shown, version, head, root, loaded), server = await _with_server(catalogue, client)
    assert shown.details.family == "aiway-tui"
    assert "completion" in shown.capabilities
    assert version["version"].count(".") == 2
    assert head == 200
    assert root == "Ollama is running"
    assert loaded.done_reason == "load"
    assert server.counts.replies_started == 0
