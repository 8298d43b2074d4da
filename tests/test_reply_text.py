"""Replies that read: Markdown from real words, cut into tokens that concatenate to it."""

from __future__ import annotations

import re
import zlib

import pytest

from aiway_tui.core.conductor import MockConductor
from aiway_tui.core.config import ConfigError, RunConfig
from aiway_tui.core.protocol import StreamEnd, item_tokens
from aiway_tui.core.reply_text import POOL_MULTIPLE, WORD_TOKEN_MAX, ReplyCutter, ReplyPool, reply_pool
from aiway_tui.testing import conduct

KINDS = {
    "heading": re.compile(r"^#{2,3} \w", re.M),
    "bullet list": re.compile(r"^- \w", re.M),
    "numbered list": re.compile(r"^\d+\. \w", re.M),
    "fenced code": re.compile(r"^```\w+\n.*?\n```$", re.M | re.S),
    "table": re.compile(r"^\| .* \|\n\| --- \|", re.M),
    "paragraph": re.compile(r"^[A-Z][a-z]+ [a-z]+ [^\n]{40,}[.?!]$", re.M),
}


def _reply(seed: int, stream: int = 0, tokens: int = 600, mode: str = "words", size: int = 10) -> str:
    return ReplyCutter(reply_pool(seed), stream, seed).reply(mode, tokens, size)


def test_the_same_seed_gives_the_same_text_and_another_seed_another() -> None:
    assert ReplyPool(4).text == ReplyPool(4).text
    assert ReplyPool(4).text != ReplyPool(5).text
    assert _reply(4, stream=2) == _reply(4, stream=2)
    assert _reply(4, stream=2) != _reply(4, stream=3)


def test_the_text_is_real_words_not_fragments() -> None:
    pool = reply_pool(0)
    words = re.findall(r"[A-Za-z]+", pool.text)
    assert len(words) > 30_000
    # Prose is mostly its common words; cuts of a word list would not be.
    assert words.count("the") > 0.1 * len(words)
    assert all(len(w) < 20 for w in words)
    assert len(pool) % POOL_MULTIPLE == 0


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_markdown_element_appears_across_seeds(kind: str) -> None:
    seen = [seed for seed in range(20) if KINDS[kind].search(_reply(seed, tokens=800))]
    assert len(seen) >= 3, f"{kind} in replies of seeds {seen}"


def test_a_reply_starts_at_its_beginning_and_code_fences_are_closed() -> None:
    for seed in range(10):
        text = reply_pool(seed).text
        assert text.count("```") % 2 == 0
        reply = _reply(seed)
        assert reply[0].isupper()


@pytest.mark.parametrize("size", [1, 5, 7, 10, 100, 2_000, 10_000])
def test_fixed_tokens_are_exact_and_concatenate_to_the_reply(size: int) -> None:
    cutter = ReplyCutter(reply_pool(3), 5, 3)
    count = max(50, 400_000 // size)  # past the pool's end: across the wrap
    tokens: list[str] = []
    for first in range(0, count, 997):
        texts, pieces = cutter.fixed(size, first, min(997, count - first))
        assert "".join(texts) == "".join(pieces) == cutter.fixed_text(size, first, len(texts))
        tokens += texts
    assert {len(t) for t in tokens} == {size}
    assert "".join(tokens) == cutter.reply("fixed", count, size)


def test_word_tokens_have_a_leading_space_and_concatenate_to_the_reply() -> None:
    cutter = ReplyCutter(reply_pool(1), 2, 1)
    tokens: list[str] = []
    for first in range(0, 120_000, 1000):
        tokens += cutter.words(first, 1000)
    assert "".join(tokens) == cutter.reply("words", 120_000, 0)
    assert not tokens[0][0].isspace()
    # A word with its leading whitespace, or (a long run of whitespace) whitespace alone.
    assert all(t[0].isspace() and (not t[-1].isspace() or len(t) <= 8) for t in tokens[1:])
    assert max(map(len, tokens)) <= WORD_TOKEN_MAX
    assert sum(t.startswith(" ") for t in tokens) > 0.8 * len(tokens)


def test_the_word_mode_is_validated() -> None:
    with pytest.raises(ConfigError, match="tokens must be one of"):
        RunConfig(tokens="bytes")


@pytest.mark.parametrize(
    "config",
    [
        RunConfig(message_count=30_000, message_size=10, streams=3, batch_size=0, seed=7),
        RunConfig(message_count=5_000, message_size=100, streams=2, batch_size=16, seed=2),
        RunConfig(message_count=20_000, streams=4, tokens="words", seed=9),
    ],
    ids=["fixed-10", "fixed-100", "words"],
)
async def test_the_conductor_streams_each_reply_exactly_and_checksums_it(config: RunConfig) -> None:
    conductor, items = await conduct(config)
    assert isinstance(conductor, MockConductor)
    by_stream: dict[int, list[str]] = {}
    ends: dict[int, StreamEnd] = {}
    for item in items:
        for token in item_tokens(item):
            by_stream.setdefault(token.stream, []).append(token.text)
        for message in item:
            if isinstance(message, StreamEnd):
                ends[message.stream] = message
    for stream, texts in by_stream.items():
        reply = ReplyCutter(reply_pool(config.seed), stream, config.seed).reply(
            config.tokens, len(texts), config.message_size
        )
        assert "".join(texts) == reply
        assert zlib.crc32(reply.encode()) == ends[stream].checksum
        assert ends[stream].token_count == len(texts)
        if config.tokens == "fixed":
            assert {len(t) for t in texts} == {config.message_size}
