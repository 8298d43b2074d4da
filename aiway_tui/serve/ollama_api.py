"""Ollama's API: ``/api/chat`` and ``/api/generate`` (NDJSON), ``/api/tags``, ``/api/show``, ``/api/version``.

Shapes as Ollama sends them: one JSON object per line; the last has
``done: true``, ``done_reason`` and the counts and durations (nanoseconds)
Ollama reports. Errors are ``{"error": "..."}``, with the status Ollama uses
before the stream starts, and as one more line in the middle of a stream
(which the ``ollama`` client raises as ``ResponseError``). A request without
``stream`` streams, as Ollama's does.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from typing import Any

from .wire import ReplyStats, WholeResponse, dumps, json_object

VERSION = "0.9.0"
"""The Ollama version this server answers as (clients check it is recent enough)."""

NDJSON = "application/x-ndjson"
PROOF_FIELD = "aiway_tui"
"""Extra field of the final chunk: the tokens sent and their CRC-32, for our own client to check
(other clients ignore fields they do not know)."""


def error(status: int, message: str) -> WholeResponse:
    return WholeResponse.json(status, {"error": message})


class OllamaRequestError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.response = error(status, message)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def parse_body(body: bytes) -> dict[str, Any]:
    return json_object(
        body,
        lambda message: OllamaRequestError(400, message),
        "invalid JSON",
        "the request body must be a JSON object",
    )


def require_model(request: dict[str, Any]) -> str:
    model = request.get("model", request.get("name"))
    if model is None or model == "":
        raise OllamaRequestError(400, "model is required")
    if not isinstance(model, str):
        raise OllamaRequestError(400, "model must be a string")
    return model


def chat_prompt(request: dict[str, Any]) -> str | None:
    """The prompt text of a chat request; ``None``: no messages (Ollama's "load the model")."""
    messages = request.get("messages")
    if messages is None or messages == []:
        return None
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise OllamaRequestError(400, "messages must be a list of objects")
    for m in messages:
        if not isinstance(m.get("content", ""), str) or not isinstance(m.get("role", ""), str):
            raise OllamaRequestError(400, "each message needs a string role and content")
    return " ".join(str(m.get("content", "")) for m in messages)


def generate_prompt(request: dict[str, Any]) -> str | None:
    prompt = request.get("prompt")
    if prompt is None:
        return None
    if not isinstance(prompt, str):
        raise OllamaRequestError(400, "prompt must be a string")
    return prompt


def prompt_tokens(text: str) -> int:
    return max(1, len(text.split()))


class OllamaEncoder:
    """An Ollama reply: ``chat`` puts text in ``message.content``, ``generate`` in ``response``."""

    protocol = "ollama"
    content_type = NDJSON

    def __init__(self, endpoint: str, model: str, streaming: bool, prompt: str) -> None:
        self.endpoint = endpoint
        self.model = model
        self.streaming = streaming
        self.prompt_tokens = prompt_tokens(prompt)
        self._chat = endpoint == "/api/chat"
        self._model_json = dumps(model)

    def _open(self) -> bytes:
        head = b'{"model":' + self._model_json + b',"created_at":' + dumps(_now_iso())
        return head + (b',"message":{"role":"assistant","content":' if self._chat else b',"response":')

    def head(self) -> bytes:
        return b""

    def tokens(self, texts: list[str]) -> bytes:
        head = self._open()
        tail = b'},"done":false}\n' if self._chat else b',"done":false}\n'
        return b"".join([head + dumps(text) + tail for text in texts])

    def _final(self, text: str, stats: ReplyStats) -> dict[str, Any]:
        final: dict[str, Any] = {"model": self.model, "created_at": _now_iso()}
        if self._chat:
            final["message"] = {"role": "assistant", "content": text}
        else:
            final["response"] = text
        final.update(
            done=True,
            done_reason="stop",
            total_duration=stats.total_ns,
            load_duration=1,
            prompt_eval_count=stats.prompt_tokens,
            prompt_eval_duration=stats.prompt_ns,
            eval_count=stats.completion_tokens,
            eval_duration=stats.eval_ns,
        )
        if not self._chat:
            final["context"] = []
        final[PROOF_FIELD] = {"tokens": stats.completion_tokens, "crc32": stats.crc32}
        return final

    def done(self, stats: ReplyStats) -> bytes:
        return dumps(self._final("", stats)) + b"\n"

    def error(self, message: str) -> bytes:
        return dumps({"error": message}) + b"\n"

    def whole(self, text: str, stats: ReplyStats) -> WholeResponse:
        return WholeResponse.json(200, self._final(text, stats))

    def whole_error(self, message: str) -> WholeResponse:
        return error(500, message)


def load_response(endpoint: str, model: str) -> WholeResponse:
    """What Ollama answers to a chat without messages or a generate without a prompt."""
    body: dict[str, Any] = {"model": model, "created_at": _now_iso()}
    if endpoint == "/api/chat":
        body["message"] = {"role": "assistant", "content": ""}
    else:
        body["response"] = ""
    body.update(done=True, done_reason="load")
    return WholeResponse(200, dumps(body) + b"\n", NDJSON)


_DETAILS = {
    "parent_model": "",
    "format": "gguf",
    "family": "aiway-tui",
    "families": ["aiway-tui"],
    "parameter_size": "0B",
    "quantization_level": "none",
}
_STARTED = datetime.fromtimestamp(time.time(), UTC).isoformat().replace("+00:00", "Z")


def tags(names: tuple[str, ...]) -> WholeResponse:
    models = [
        {
            "name": f"{name}:latest",
            "model": f"{name}:latest",
            "modified_at": _STARTED,
            "size": 0,
            "digest": hashlib.sha256(name.encode()).hexdigest(),
            "details": _DETAILS,
        }
        for name in names
    ]
    return WholeResponse.json(200, {"models": models})


def show(model: str, purpose: str) -> WholeResponse:
    return WholeResponse.json(
        200,
        {
            "modelfile": f"# aiway-tui scenario {model}: {purpose}\nFROM {model}\n",
            "parameters": "",
            "template": "{{ .Prompt }}",
            "details": _DETAILS,
            "model_info": {"general.architecture": "aiway-tui", "general.basename": model},
            "capabilities": ["completion"],
            "modified_at": _STARTED,
        },
    )


def version() -> WholeResponse:
    return WholeResponse.json(200, {"version": VERSION})
