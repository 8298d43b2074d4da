"""Replies that read: deterministic Markdown from real words, cut into tokens.

A Markdown target can only be measured fairly on Markdown, and a person
watching the demo should see prose, not shuffled fragments. So each seed
has one pool of text (about 256 KB of replies: paragraphs of sentences,
headings, bullet and numbered lists, fenced code, now and then a table),
built once and cached; a stream's reply is that pool read cyclically from
the start of one of its replies, chosen by seed and stream. Tokens are cut
from the reply, so a stream's tokens concatenate to exactly its reply:

- ``fixed`` mode: every token has exactly ``size`` characters (the seed's
  scenarios fix them). The cuts are C-level slices (``map`` over ``slice``
  objects), no Python step per token.
- ``words`` mode: cut before each run of whitespace, so a token is a word
  with its leading space or newlines, as model tokenizers cut; the word
  tokens of the pool are found once, and a stream's tokens are a cyclic
  ``islice`` over them.

Nothing here runs per token in Python: generation happens before the stream.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Iterable
from itertools import accumulate, pairwise

POOL_CHARS = 256 * 1024
"""Text generated per seed: a reply longer than this repeats it."""

POOL_MULTIPLE = 10_000
"""The pool's length is a multiple of this, so that a token size dividing it
(the seed's 5, 10, 100, 10,000, the mix's 2,000) cuts the cyclic text into a
cycle of whole tokens, kept as a tuple: a batch is then a tuple slice."""

_MAX_CYCLE_TOKENS = 100_000
_MAX_CYCLES = 64

TOKEN_MODES = ("fixed", "words")

WORD_TOKEN_MAX = 48
"""No ``words`` token is longer (whitespace included): it bounds a channel item."""

_NOUNS = (
    "buffer", "channel", "stream", "token", "frame", "widget", "terminal", "screen", "reply",
    "message", "task", "nursery", "scope", "deadline", "painter", "consumer", "conductor", "layout",
    "cursor", "line", "row", "column", "table", "list", "heading", "paragraph", "checksum", "sequence",
    "batch", "item", "queue", "thread", "loop", "timer", "signal", "event", "key", "user", "model",
    "prompt", "answer", "question", "session", "history", "transcript", "input", "output", "file",
    "record", "sample", "window", "budget", "latency", "throughput", "memory", "cache", "schedule",
    "report", "criterion", "test", "result", "value", "number", "string", "function", "module",
    "parser", "renderer", "driver", "compositor", "style", "theme", "border", "margin", "offset",
)  # fmt: skip
_VERBS = (
    "sends", "receives", "paints", "counts", "checks", "measures", "schedules", "renders", "wraps",
    "cancels", "drains", "follows", "keeps", "drops", "holds", "reads", "writes", "streams", "waits for",
    "wakes", "builds", "splits", "joins", "verifies", "records", "reports", "moves", "trims", "shows",
    "updates", "starts", "ends", "fills", "empties", "protects", "bounds", "repeats", "answers",
)  # fmt: skip
_ADJECTIVES = (
    "bounded", "steady", "slow", "fast", "quiet", "busy", "small", "large", "next", "last", "first",
    "whole", "partial", "visible", "hidden", "open", "closed", "fresh", "stale", "exact", "careful",
    "simple", "honest", "shared", "single", "every", "finished", "pending", "early", "late", "cheap",
)  # fmt: skip
_ADVERBS = (
    "quickly", "slowly", "once", "again", "always", "rarely", "safely", "exactly", "calmly", "early",
    "in order", "at once", "on time", "per frame", "by schedule", "without loss",
)  # fmt: skip
_CONNECTIVES = ("while", "before", "after", "because", "until", "so that", "although", "when", "unless")
_OPENERS = (
    "In short,", "First,", "Then", "After that,", "As a rule,", "In practice,", "Note that", "Here",
    "On a busy machine,", "For example,", "In the end,", "Meanwhile,",
)  # fmt: skip
_LANGUAGES = ("python", "rust", "toml", "sh")


def _noun_phrase(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"the {rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}"
    return f"the {rng.choice(_NOUNS)}"


def _clause(rng: random.Random) -> str:
    words = f"{_noun_phrase(rng)} {rng.choice(_VERBS)} {_noun_phrase(rng)}"
    if rng.random() < 0.4:
        words += f" {rng.choice(_ADVERBS)}"
    return words


def _sentence(rng: random.Random) -> str:
    text = _clause(rng)
    if rng.random() < 0.45:
        text += f" {rng.choice(_CONNECTIVES)} {_clause(rng)}"
    if rng.random() < 0.3:
        text = f"{rng.choice(_OPENERS)} {text}"
    text = text[0].upper() + text[1:]
    return text + rng.choice(".....?!")


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 6)))


def _heading(rng: random.Random) -> str:
    level = rng.choice(("##", "##", "###"))
    words = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}s and the {rng.choice(_NOUNS)}"
    return f"{level} {words[0].upper()}{words[1:]}"


def _bullets(rng: random.Random) -> str:
    return "\n".join(f"- {_clause(rng).capitalize()}." for _ in range(rng.randint(2, 5)))


def _numbered(rng: random.Random) -> str:
    return "\n".join(f"{i}. {_clause(rng).capitalize()}." for i in range(1, rng.randint(3, 6)))


def _identifier(rng: random.Random) -> str:
    return f"{rng.choice(_VERBS).split()[0].rstrip('s')}_{rng.choice(_NOUNS)}"


def _code(rng: random.Random) -> str:
    language = rng.choice(_LANGUAGES)
    name, noun, other = _identifier(rng), rng.choice(_NOUNS), rng.choice(_NOUNS)
    if language == "python":
        body = (
            f"def {name}({noun}s, limit={rng.randint(2, 512)}):\n"
            f'    """{_clause(rng).capitalize()}."""\n'
            f"    {other} = []\n"
            f"    for {noun} in {noun}s[:limit]:\n"
            f"        if {noun}.{rng.choice(_ADJECTIVES)}:\n"
            f"            {other}.append({noun})\n"
            f"    return {other}"
        )
    elif language == "rust":
        body = (
            f"fn {name}({noun}: &[u8]) -> usize {{\n"
            f"    // {_clause(rng)}\n"
            f"    {noun}.iter().filter(|b| **b > {rng.randint(1, 200)}).count()\n"
            "}"
        )
    elif language == "toml":
        body = (
            f"[{noun}]\n{other} = {rng.randint(1, 10_000)}\n"
            f'{rng.choice(_NOUNS)} = "{rng.choice(_ADJECTIVES)}"\n'
            f"{rng.choice(_NOUNS)}_ms = {rng.randint(1, 99)}"
        )
    else:
        scenario = rng.choice(("typing", "long-session", "rapid-tokens"))
        body = f"aiway-tui run {scenario} --seed {rng.randint(0, 99)}"
    return f"```{language}\n{body}\n```"


def _table(rng: random.Random) -> str:
    lines = ["| name | value | note |", "| --- | ---: | --- |"]
    for _ in range(rng.randint(2, 5)):
        lines.append(
            f"| {rng.choice(_NOUNS)} | {rng.randint(1, 99_999):,} | "
            f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} |"
        )
    return "\n".join(lines)


def _reply_blocks(rng: random.Random) -> list[str]:
    """One reply: an opening paragraph, then sections with a heading, prose and one more element."""
    blocks = [_paragraph(rng)]
    for _ in range(rng.randint(2, 4)):
        blocks.append(_heading(rng))
        blocks.append(_paragraph(rng))
        extra = rng.random()
        if extra < 0.3:
            blocks.append(_bullets(rng))
        elif extra < 0.55:
            blocks.append(_numbered(rng))
        elif extra < 0.85:
            blocks.append(_code(rng))
        else:
            blocks.append(_table(rng))
        if rng.random() < 0.5:
            blocks.append(_paragraph(rng))
    return blocks


def _filler(rng: random.Random, chars: int) -> str:
    """Paragraphs of exactly ``chars`` characters (ending in a blank line): the
    pool's last, so that its length is a multiple of ``POOL_MULTIPLE``; the
    last sentence is followed by the spaces it takes (unseen at a line's end)."""
    sentences: list[str] = []
    length = 2
    while True:
        sentence = _sentence(rng)
        if length + len(sentence) + 1 > chars:
            break
        sentences.append(sentence)
        length += len(sentence) + 1
    text = " ".join(sentences)
    return text + " " * (chars - 2 - len(text)) + "\n\n"


_WORD_LONGEST = WORD_TOKEN_MAX - 8
_WORD_TOKEN = re.compile(rf"\s{{0,8}}\S{{1,{_WORD_LONGEST}}}|\s{{1,8}}")
"""A word with the whitespace before it; a longer run of whitespace is cut into
tokens of its own (so the filler's spaces, indentation and blank lines stay short)."""


class ReplyPool:
    """The text of one seed, and where each of its replies starts.

    ``text`` is cyclic: every reply ends in a blank line, so reading past the
    end goes on at the first reply with its paragraph break intact.
    """

    def __init__(self, seed: int, chars: int = POOL_CHARS) -> None:
        rng = random.Random(f"aiway-tui reply text {seed}")
        parts: list[str] = []
        starts: list[int] = []
        length = 0
        while length < chars:
            starts.append(length)
            reply = "\n\n".join(_reply_blocks(rng)) + "\n\n"
            parts.append(reply)
            length += len(reply)
        pad = -length % POOL_MULTIPLE
        parts.append(_filler(rng, pad if pad >= 200 else pad + POOL_MULTIPLE))
        self.text = "".join(parts)
        self.starts = tuple(starts)
        self._extended: dict[int, str] = {}
        self._cycles: dict[tuple[int, int], tuple[str, ...]] = {}
        self._words: tuple[tuple[str, ...], dict[int, int]] | None = None

    def __len__(self) -> int:
        return len(self.text)

    def start_of(self, stream: int, seed: int) -> int:
        """Where ``stream``'s reply begins: the start of one of the pool's replies."""
        return self.starts[(stream * 2_654_435_761 + seed * 40_503) % len(self.starts)]

    def extended(self, size: int) -> str:
        """The text with its first ``size`` characters repeated after it, so a
        cut starting anywhere in the text is one slice, across the wrap too."""
        ext = self._extended.get(size)
        if ext is None:
            n = len(self.text)
            ext = self._extended[size] = (self.text * (2 + size // n))[: n + size]
        return ext

    def cycle(self, size: int, offset: int) -> tuple[str, ...] | None:
        """Every ``size``-character cut at ``offset + k * size`` around the cyclic
        text, when ``size`` divides its length (else ``None``: cut by slicing)."""
        n = len(self.text)
        if n % size or n // size > _MAX_CYCLE_TOKENS:
            return None
        key = (size, offset)
        cuts = self._cycles.get(key)
        if cuts is None:
            if len(self._cycles) >= _MAX_CYCLES:
                self._cycles.clear()
            ext = self.extended(size)
            ends = range(offset + size, offset + n + size, size)
            starts = range(offset, offset + n, size)
            cuts = self._cycles[key] = tuple(map(ext.__getitem__, map(slice, starts, ends)))
        return cuts

    @property
    def words(self) -> tuple[tuple[str, ...], dict[int, int]]:
        """The pool cut into word tokens (cyclic: the first one takes the blank line
        the text ends with), and the index of the token that begins each reply."""
        if self._words is None:
            rotated = self.text[-2:] + self.text[:-2]
            tokens: list[str] = _WORD_TOKEN.findall(rotated)
            lengths = accumulate(map(len, tokens), initial=0)
            at = {pos: index for index, pos in enumerate(lengths)}
            # A reply's blank line before it is at rotated position ``start``: the
            # token that begins there is that line break and the reply's first word.
            first = {start: at[start] for start in self.starts}
            self._words = (tuple(tokens), first)
        return self._words


@functools.lru_cache(maxsize=8)
def reply_pool(seed: int) -> ReplyPool:
    """The seed's pool, built once per process (about a tenth of a second)."""
    return ReplyPool(seed)


class ReplyCutter:
    """Cuts the tokens of one stream's reply, batch by batch, at C level."""

    def __init__(self, pool: ReplyPool, stream: int, seed: int) -> None:
        self.pool = pool
        self.start = pool.start_of(stream, seed)

    def _spans(self, size: int, first: int, count: int) -> list[tuple[int, int]]:
        """Where tokens ``first..first+count-1`` of ``size`` characters lie in the
        extended text: one span, or one more per wrap of the cyclic text."""
        n = len(self.pool)
        pos = (self.start + first * size) % n
        spans: list[tuple[int, int]] = []
        left = count
        while left:
            here = min(left, -(-(n - pos) // size))  # tokens that start before the wrap
            end = pos + here * size
            spans.append((pos, end))
            left -= here
            pos = end - n
        return spans

    def fixed_text(self, size: int, first: int, count: int) -> str:
        """The text of tokens ``first..first+count-1`` of exactly ``size`` characters, joined."""
        ext = self.pool.extended(size)
        spans = self._spans(size, first, count)
        if len(spans) == 1:
            start, end = spans[0]
            return ext[start:end]
        return "".join([ext[start:end] for start, end in spans])

    def fixed(self, size: int, first: int, count: int) -> tuple[list[str], list[str]]:
        """Tokens ``first..first+count-1`` of exactly ``size`` characters, and the
        text they make, as a few slices (to checksum without joining the tokens)."""
        ext = self.pool.extended(size)
        cuts = self.pool.cycle(size, self.start % size)
        texts: list[str] = []
        pieces: list[str] = []
        for pos, end in self._spans(size, first, count):
            if cuts is not None:
                at = pos // size
                texts += cuts[at : at + (end - pos) // size]
            else:
                cut_ends = range(pos + size, end + size, size)
                texts += map(ext.__getitem__, map(slice, range(pos, end, size), cut_ends))
            pieces.append(ext[pos:end])
        return texts, pieces

    def sized(self, sizes: Iterable[int], first_char: int) -> tuple[list[str], int]:
        """Tokens of the given sizes starting ``first_char`` into the reply; and the
        reply position after them (mixed sizes: one Python step per token)."""
        n = len(self.pool)
        sizes = list(sizes)
        ext = self.pool.extended(max(sizes, default=1))
        base = self.start + first_char
        offsets = list(accumulate(sizes, initial=base))
        texts = [ext[(a % n) : (a % n) + (b - a)] for a, b in pairwise(offsets)]
        return texts, first_char + (offsets[-1] - base)

    def words(self, first: int, count: int) -> list[str]:
        """Word tokens ``first..first+count-1``: a word with its leading whitespace
        (the reply's first token without it, so the reply starts at its text)."""
        tokens, starts = self.pool.words
        n = len(tokens)
        at = (starts[self.start] + first) % n
        texts: list[str] = []
        left = count
        while left:
            piece = tokens[at : at + left]
            texts += piece
            left -= len(piece)
            at = 0
        if first == 0 and texts:
            texts[0] = texts[0].lstrip()
        return texts

    def reply(self, mode: str, tokens: int, size: int) -> str:
        """The whole reply of ``tokens`` tokens: what the stream's tokens concatenate to."""
        if mode == "words":
            return "".join(self.words(0, tokens))
        n = len(self.pool)
        total = tokens * size
        ext = self.pool.extended(0)
        return (ext * (2 + total // n))[self.start : self.start + total]
