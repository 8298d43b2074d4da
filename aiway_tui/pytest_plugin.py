"""The ``aiway`` pytest fixture: stress a view from a project's own test suite.

Registered under the ``pytest11`` entry point, so installing aiway-tui (with
pytest-trio) is all a project needs::

    async def test_my_view_keeps_up(aiway):
        report = await aiway.run("rapid-tokens", target=MyChatView, message_count=200_000)
        report.assert_passed()

A run needs Trio as a guest of the asyncio loop that Textual runs on, so the
plugin gives every ``async def`` test that asks for ``aiway`` that runner
(pytest-trio's ``trio`` marker with ``run=``), with or without ``trio_mode``.
Other tests are left exactly as they were. This module is loaded into every
pytest session of an environment that has aiway-tui: it imports nothing heavy
until a test uses the fixture.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

if TYPE_CHECKING:
    import trio
    from textual.pilot import Pilot

    from .core.feed import Feed
    from .core.pipeline import Pipeline
    from .report.run_report import RunReport
    from .scenarios.catalogue import Scenario
    from .ui.chat_app import ChatApp

T = TypeVar("T")

FIXTURE = "aiway"


def guest_run(
    async_fn: Callable[..., Awaitable[T]],
    *args: object,
    clock: trio.abc.Clock | None = None,
    instruments: Sequence[trio.abc.Instrument] = (),
) -> T:
    """``run_as_guest``, imported only when a test that uses ``aiway`` runs."""
    from .ui.host import run_as_guest

    return run_as_guest(async_fn, *args, clock=clock, instruments=instruments)


def _test_function(item: pytest.Item) -> object:
    function = getattr(item, "obj", None)
    hypothesis = getattr(function, "hypothesis", None)
    return getattr(hypothesis, "inner_test", function)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the async tests that use ``aiway`` as Trio guests of an asyncio loop.

    The marker goes first among the item's own: pytest-trio takes the runner
    from the closest ``trio`` marker that names one, and ``trio_mode`` (which
    may run before or after this hook) adds one naming ``trio.run``.
    """
    if not config.pluginmanager.hasplugin("trio"):
        return  # the fixture says what is missing, in the tests that use it
    for item in items:
        if FIXTURE in getattr(item, "fixturenames", ()) and inspect.iscoroutinefunction(_test_function(item)):
            item.add_marker(pytest.mark.trio(run=guest_run), append=False)


class Aiway:
    """What the ``aiway`` fixture gives a test: ``await aiway.run(...)``."""

    def __init__(self, node: pytest.Item) -> None:
        self._node = node
        self.reports: list[RunReport] = []
        """Every report of this test, in order."""

    async def run(
        self,
        scenario: str | Scenario,
        *,
        target: object = None,
        feed: Feed | None = None,
        on_ready: Callable[[ChatApp, Pipeline, Pilot[object]], object] | None = None,
        **overrides: Any,
    ) -> RunReport:
        """Run ``scenario`` (a name or a ``Scenario``) headless in the real app; return its report.

        ``target`` is the view under test (a built-in name, ``"module:attr"``,
        ``"file.py:attr"``, a ``Target`` class, a widget class or a factory;
        default: our transcript), ``feed`` is ``"per-frame"`` (default) or
        ``"per-token"``. ``overrides`` are ``RunConfig`` fields
        (``message_count=200_000``, ``time_limit_s=10``, ...). A bad target,
        feed, field or value is a ``ConfigError`` (``TargetError`` for the
        target) naming it, raised before anything runs. The report's
        text is added to the test's output ("aiway" section) for a failure.
        ``on_ready`` is ``run_session``'s: called once the app is up, before
        the stream starts, for a test that drives the app while it runs.
        """
        import asyncio

        from .core.config import ConfigError, RunConfig
        from .core.feed import FEEDS
        from .scenarios.catalogue import get_scenario
        from .session.hosting import SessionOptions
        from .session.runner import run_session
        from .targets import resolve_target

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "aiway.run needs the Trio run hosted on an asyncio loop; the aiway plugin arranges it for "
                "async tests that take the fixture, unless another runner was forced on this test"
            ) from None
        chosen = get_scenario(scenario) if isinstance(scenario, str) else scenario
        fields = RunConfig.__dataclass_fields__
        unknown = sorted(set(overrides) - set(fields))
        if unknown:
            raise ConfigError(
                f"aiway.run: unknown RunConfig field{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(unknown)}; known: {', '.join(fields)}"
            )
        config = chosen.config.with_overrides(**overrides)
        if feed is not None and feed not in FEEDS:
            raise ConfigError(f"aiway.run: unknown feed {feed!r}; known: {', '.join(FEEDS)}")
        source = resolve_target(target) if target is not None else None
        options = SessionOptions(handle_signals=False, target=source, feed=feed or "per-frame")
        report = await run_session(chosen, config, options, on_ready=on_ready)
        self.reports.append(report)
        self._node.add_report_section("call", FIXTURE, _render(report))
        return report


def _render(report: RunReport) -> str:
    from .report.run_report import render_text

    return render_text(report)


@pytest.fixture
def aiway(request: pytest.FixtureRequest) -> Aiway:
    """Stress a view: ``report = await aiway.run("rapid-tokens", target=MyView)``."""
    node = request.node
    assert isinstance(node, pytest.Item)  # a function-scoped fixture's node is its test
    if not request.config.pluginmanager.hasplugin("trio"):
        pytest.fail("the aiway fixture needs pytest-trio installed (it runs the test in Trio)", pytrace=False)
    if not inspect.iscoroutinefunction(_test_function(node)):
        pytest.fail(f"{node.name}: a test that uses aiway must be 'async def'", pytrace=False)
    return Aiway(node)
