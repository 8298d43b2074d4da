"""The collector during a run: no full collection, rare young ones, and everything given back after."""

from __future__ import annotations

import gc

from aiway_tui.core.config import RunConfig
from aiway_tui.core.gc_hold import YOUNG_THRESHOLD, GcHold
from aiway_tui.core.pipeline import Pipeline


def test_hold_raises_the_young_threshold_stops_full_collections_and_release_restores_both() -> None:
    before = gc.get_threshold()
    hold = GcHold()
    hold.hold()
    try:
        young, middle, oldest = gc.get_threshold()
        assert young == max(before[0], YOUNG_THRESHOLD)
        assert middle == before[1]
        assert oldest > 1_000_000
        assert hold.held
    finally:
        hold.release()
    assert gc.get_threshold() == before
    assert not hold.held
    assert gc.get_freeze_count() == 0


async def test_a_run_makes_far_fewer_young_collections_than_the_default_threshold_would() -> None:
    """200K tokens in items of 1,024: at CPython's 700 each item alone starts a
    collection (about one per item); held, a collection needs ~10 items' worth
    of allocations still alive, which reference counting never lets pile up."""
    collections = [0, 0, 0]

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections[info["generation"]] += 1

    config = RunConfig(message_count=200_000, message_size=10)
    pipeline = Pipeline(config)
    gc.callbacks.append(count)
    try:
        await pipeline.run()
    finally:
        gc.callbacks.remove(count)
    items = pipeline.conductor.items_sent
    assert pipeline.tracker.tokens == config.message_count
    assert collections[2] <= 1  # the hold's own collect before the run
    assert collections[0] < items / 4, (collections, items)
