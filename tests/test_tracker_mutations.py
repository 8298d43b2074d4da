"""Mutation tests: one message damaged in the real channel is caught, and named for what it is.

A wrapper around the real send channel lets every item through untouched
except two consecutive token items (runs or tokens), whose tokens it damages once: one dropped,
one duplicated, two swapped, or one's text changed. The items then travel the
real channel to the real consumer and tracker, and the report must say which.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import trio

from aiway_tui.core.config import RunConfig
from aiway_tui.core.pipeline import Pipeline
from aiway_tui.core.protocol import Item, Token, item_tokens, tokens_in
from aiway_tui.report.run_report import RunReport, build_report
from aiway_tui.scenarios.catalogue import get_scenario

Mutation = Callable[[list[Token], int], None]


def drop(tokens: list[Token], at: int) -> None:
    del tokens[at]


def duplicate(tokens: list[Token], at: int) -> None:
    tokens.insert(at + 1, tokens[at])


def reorder(tokens: list[Token], at: int) -> None:
    tokens[at], tokens[at + 1] = tokens[at + 1], tokens[at]


def corrupt(tokens: list[Token], at: int) -> None:
    text = tokens[at].text
    tokens[at] = tokens[at]._replace(text=text[:-1] + ("X" if text[-1] != "X" else "Y"))


class MutatingSendChannel(trio.abc.SendChannel[Item]):
    """Passes items to ``inner``; damages the tokens of token items ``target`` and ``target + 1``."""

    def __init__(self, inner: trio.MemorySendChannel[Item], mutation: Mutation, target: int) -> None:
        self.inner = inner
        self.mutation = mutation
        self.target = target
        self.token_items = 0
        self.held: Item | None = None

    def send_nowait(self, value: Item) -> None:
        raise trio.WouldBlock  # every item through ``send``, where it may be damaged

    async def send(self, value: Item) -> None:
        if not tokens_in(value):
            await self.inner.send(value)
            return
        self.token_items += 1
        if self.token_items == self.target:
            self.held = value  # damaged together with the next one, so a damage may cross items
            return
        if self.held is None:
            await self.inner.send(value)
            return
        first, second = self.held, value
        self.held = None
        # As tokens (a damaged run is no longer a run), sent on as two items again.
        tokens = item_tokens(first) + item_tokens(second)
        split = tokens_in(first)
        self.mutation(tokens, split - 1)  # the last token of the first item
        for item in (tuple(tokens[:split]), tuple(tokens[split:])):
            if item:
                await self.inner.send(item)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def damaged_run(config: RunConfig, mutation: Mutation) -> RunReport:
    pipeline = Pipeline(config)
    real_run = pipeline.conductor.run

    async def run_through_wrapper(send: trio.MemorySendChannel[Item]) -> None:
        await real_run(MutatingSendChannel(send, mutation, target=2))  # type: ignore[arg-type]

    pipeline.conductor.run = run_through_wrapper  # type: ignore[method-assign,assignment]
    await pipeline.run()
    return build_report(get_scenario("1m-short"), pipeline)


COUNT = 6000
# (mutation, lost, duplicated, reordered, corrupted streams, tokens received)
EXPECTED: list[tuple[Mutation, int, int, int, int, int]] = [
    (drop, 1, 0, 0, 0, COUNT - 1),
    (duplicate, 0, 1, 0, 0, COUNT + 1),
    (reorder, 0, 0, 1, 0, COUNT),
    (corrupt, 0, 0, 0, 1, COUNT),
]


@pytest.mark.parametrize("batch", [1, 16, 0], ids=["batch=1", "batch=16", "adaptive"])
@pytest.mark.parametrize(
    ("mutation", "lost", "duplicated", "reordered", "corrupted", "received"),
    EXPECTED,
    ids=[e[0].__name__ for e in EXPECTED],
)
def test_one_damaged_message_is_reported_as_what_it_is(
    mutation: Mutation, lost: int, duplicated: int, reordered: int, corrupted: int, received: int, batch: int
) -> None:
    config = RunConfig(message_count=COUNT, message_size=8, batch_size=batch, buffer=8, streams=2)
    report = trio.run(damaged_run, config, mutation)
    r = report.results
    assert (r["lost"], r["duplicated"], r["reordered"], r["corrupted_streams"]) == (
        lost, duplicated, reordered, corrupted,
    )  # fmt: skip
    assert r["tokens_received"] == received
    assert r["streams_intact"] == 1  # the other stream is untouched, and verified
    assert r["streams_failed"] == 1
    assert not report.passed
    failed = {c.name for c in report.criteria if not c.passed}
    expected_failures: dict[Callable[..., Any], set[str]] = {
        drop: {"Zero lost", "All 6,000 messages received"},
        duplicate: {"Zero duplicated", "All 6,000 messages received"},
        reorder: {"Zero reordered"},
        corrupt: set(),
    }
    assert expected_failures[mutation] | {"Every stream verified (count + CRC-32)"} <= failed


def test_an_undamaged_run_through_the_wrapper_is_intact() -> None:
    config = RunConfig(message_count=COUNT, message_size=8, batch_size=16, buffer=8, streams=2)
    report = trio.run(damaged_run, config, lambda _tokens, _at: None)
    r = report.results
    assert (r["lost"], r["duplicated"], r["reordered"], r["corrupted_streams"]) == (0, 0, 0, 0)
    assert r["streams_intact"] == 2
    assert r["tokens_received"] == COUNT
