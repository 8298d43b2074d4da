"""The seed's stress suite at full size: the real app, headless, every criterion asserted."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiway_tui.testing import prefer_explicit_trio_runner

HERE = Path(__file__).parent


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):  # the hook sees the whole session's items
            item.add_marker(pytest.mark.stress)
    prefer_explicit_trio_runner(items)
