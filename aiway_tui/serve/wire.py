"""What the router, the protocols and the HTTP loop hand each other.

A request arrives whole (its body is small: a prompt); a response is either
a whole JSON document, or a reply that the HTTP loop streams, encoded by the
protocol the client spoke (``ReplyEncoder``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

MAX_BODY_BYTES = 4 * 1024 * 1024
"""A longer request body is refused (413): a chat request is a prompt, not a payload."""


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def json_object(
    body: bytes, refuse: Callable[[str], Exception], invalid: str, not_object: str
) -> dict[str, Any]:
    """The request body as a JSON object; else the protocol's own 400, from ``refuse``:
    ``invalid`` and the parser's reason, or ``not_object`` (each protocol words it its way)."""
    try:
        value = json.loads(body) if body.strip() else None
    except (ValueError, UnicodeDecodeError) as exc:
        raise refuse(f"{invalid}: {exc}") from None
    if not isinstance(value, dict):
        raise refuse(not_object)
    return value


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    path: str
    """The target without its query string."""
    headers: dict[str, str]
    """Lower-cased names."""
    body: bytes


@dataclass(frozen=True, slots=True)
class WholeResponse:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(cls, status: int, value: Any, headers: tuple[tuple[str, str], ...] = ()) -> WholeResponse:
        return cls(status, dumps(value), headers=headers)


@dataclass(frozen=True, slots=True)
class ReplyStats:
    """The figures a reply's last chunk reports (Ollama's counts and durations, OpenAI's usage)."""

    prompt_tokens: int
    completion_tokens: int
    total_ns: int
    prompt_ns: int
    eval_ns: int
    crc32: int
    """CRC-32 of the reply's text as sent (for clients of ours, which check it)."""


class ReplyEncoder(Protocol):
    """One protocol's way of sending a reply, streamed or whole."""

    protocol: str
    endpoint: str
    model: str
    streaming: bool
    prompt_tokens: int
    content_type: str

    def head(self) -> bytes:
        """Bytes that open a streamed reply before its first token."""
        ...

    def tokens(self, texts: list[str]) -> bytes:
        """A streamed chunk (or several) carrying these token texts."""
        ...

    def done(self, stats: ReplyStats) -> bytes:
        """The end of a streamed reply, with the protocol's final figures."""
        ...

    def error(self, message: str) -> bytes:
        """An error in the middle of a streamed reply, as the protocol reports one."""
        ...

    def whole(self, text: str, stats: ReplyStats) -> WholeResponse:
        """The complete reply, for a request that did not ask to stream."""
        ...

    def whole_error(self, message: str) -> WholeResponse:
        """The reply failed before a non-streamed response was sent."""
        ...
