"""The OpenAI-compatible API: ``/v1/chat/completions`` (server-sent events, or whole) and ``/v1/models``.

A streamed reply is ``data: {chat.completion.chunk}`` events: the first
delta carries the role, then one per token, then an empty delta with
``finish_reason: "stop"`` (and a usage chunk when ``stream_options.include_usage``
asks for it), then ``data: [DONE]``. Errors are ``{"error": {"message",
"type", "param", "code"}}`` with the status OpenAI uses; in the middle of a
stream, one such event (the ``openai`` client raises it as ``APIError``).
"""

from __future__ import annotations

import itertools
import time

from .wire import ReplyStats, WholeResponse, dumps, json_object

SSE = "text/event-stream; charset=utf-8"
DONE = b"data: [DONE]\n\n"

_ids = itertools.count(1)


def error(status: int, message: str, kind: str = "invalid_request_error", code: str | None = None,
          param: str | None = None) -> WholeResponse:  # fmt: skip
    return WholeResponse.json(
        status, {"error": {"message": message, "type": kind, "param": param, "code": code}}
    )


class OpenAIRequestError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.response = error(status, message, code=code, param=param)


def parse_chat(body: bytes) -> tuple[str, str, bool, bool]:
    """``(model, prompt, stream, include_usage)`` of a chat completion request."""
    request = json_object(
        body,
        lambda message: OpenAIRequestError(400, message),
        "We could not parse the JSON body of your request",
        "The request body must be a JSON object.",
    )
    model = request.get("model")
    if not isinstance(model, str) or not model:
        raise OpenAIRequestError(400, "you must provide a model parameter", param="model")
    messages = request.get("messages")
    if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
        raise OpenAIRequestError(400, "'messages' must be a non-empty array of objects", param="messages")
    stream = request.get("stream", False)
    if stream is None:
        stream = False
    if not isinstance(stream, bool):
        raise OpenAIRequestError(400, "'stream' must be a boolean", param="stream")
    options = request.get("stream_options") or {}
    include_usage = bool(isinstance(options, dict) and options.get("include_usage"))
    prompt = " ".join(m["content"] for m in messages if isinstance(m.get("content"), str))
    return model, prompt, stream, include_usage


def model_not_found(model: str) -> WholeResponse:
    return error(404, f"The model `{model}` does not exist.", code="model_not_found", param="model")


class OpenAIEncoder:
    protocol = "openai"
    endpoint = "/v1/chat/completions"
    content_type = SSE

    def __init__(self, model: str, streaming: bool, prompt: str, include_usage: bool) -> None:
        self.model = model
        self.streaming = streaming
        self.prompt_tokens = max(1, len(prompt.split()))
        self.include_usage = include_usage
        self.id = f"chatcmpl-aiway{next(_ids)}"
        self.created = int(time.time())
        self._open = (
            b'data: {"id":"' + self.id.encode() + b'","object":"chat.completion.chunk","created":'
            + str(self.created).encode() + b',"model":' + dumps(model) + b',"choices":[{"index":0,'
        )  # fmt: skip

    def head(self) -> bytes:
        return self._open + b'"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n'

    def tokens(self, texts: list[str]) -> bytes:
        head = self._open + b'"delta":{"content":'
        tail = b'},"finish_reason":null}]}\n\n'
        return b"".join([head + dumps(text) + tail for text in texts])

    def _usage(self, stats: ReplyStats) -> dict[str, int]:
        return {
            "prompt_tokens": stats.prompt_tokens,
            "completion_tokens": stats.completion_tokens,
            "total_tokens": stats.prompt_tokens + stats.completion_tokens,
        }

    def done(self, stats: ReplyStats) -> bytes:
        end = self._open + b'"delta":{},"finish_reason":"stop"}]}\n\n'
        if self.include_usage:
            usage = {
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.model,
                "choices": [],
                "usage": self._usage(stats),
            }
            end += b"data: " + dumps(usage) + b"\n\n"
        return end + DONE

    def error(self, message: str) -> bytes:
        body = {"error": {"message": message, "type": "server_error", "param": None, "code": None}}
        return b"data: " + dumps(body) + b"\n\n"

    def whole(self, text: str, stats: ReplyStats) -> WholeResponse:
        return WholeResponse.json(
            200,
            {
                "id": self.id,
                "object": "chat.completion",
                "created": self.created,
                "model": self.model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "logprobs": None,
                        "finish_reason": "stop",
                    }
                ],
                "usage": self._usage(stats),
            },
        )

    def whole_error(self, message: str) -> WholeResponse:
        return error(500, message, kind="server_error")


def models(names: tuple[str, ...]) -> WholeResponse:
    data = [{"id": name, "object": "model", "created": 0, "owned_by": "aiway-tui"} for name in names]
    return WholeResponse.json(200, {"object": "list", "data": data})


def model(name: str) -> WholeResponse:
    return WholeResponse.json(200, {"id": name, "object": "model", "created": 0, "owned_by": "aiway-tui"})
