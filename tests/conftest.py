"""Shared by the fast suite: the guest runner chosen by module, and helpers written once."""

from __future__ import annotations

import pytest

from aiway_tui.core.config import RunConfig
from aiway_tui.core.pipeline import Pipeline
from aiway_tui.core.protocol import Item
from aiway_tui.testing import conduct, prefer_explicit_trio_runner


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    prefer_explicit_trio_runner(items)


async def collect(config: RunConfig) -> list[Item]:
    """Every item a real conductor sends into a real channel, with the sender's counts checked."""
    conductor, items = await conduct(config)
    assert conductor.tokens_sent == config.message_count
    assert conductor.items_sent == len(items)
    return items


async def run_pipeline(config: RunConfig) -> Pipeline:
    """A whole pipeline without a UI (conductor, channel, consumer, tracker), run to its end."""
    pipeline = Pipeline(config)
    await pipeline.run()
    return pipeline
