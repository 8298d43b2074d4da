"""The view under test: what the harness needs from "something that shows streamed replies".

A target is driven from the Trio side of the guest bridge, always in order:
``start_reply`` once per stream, ``append`` for its text (once per frame with
the ``per-frame`` feed, once per token with ``per-token``), then ``end_reply``
or ``error_reply``. Each of these may return ``None`` (done when it returns)
or an awaitable: a coroutine is run on the asyncio host loop, where Textual's
own async APIs (``MarkdownStream.write``, ``Markdown.append``) must run, and
the harness waits for it before the next call, so its cost is in the figures.

Delivery latency ends at the render that shows the text, not at the call:
after appending, the harness calls ``when_rendered(callback)``; the target
calls ``callback()`` once a completed screen refresh shows everything appended
so far. ``call_after_refresh`` on the target's widget is right for a widget
that shows its text as soon as it is told; a widget that queues text (as
``MarkdownStream`` does) must wait until the queue is applied, then refresh.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeAlias, runtime_checkable

from ..core.config import ConfigError

if TYPE_CHECKING:
    from textual.app import App
    from textual.widget import Widget

Step: TypeAlias = Awaitable[None] | None
"""What a target call returns: ``None`` when done on return, else an awaitable the harness awaits."""


class TargetError(ConfigError):
    """A target spec that cannot be used (import error, missing attribute, wrong type): one line, exit 2."""


@runtime_checkable
class Target(Protocol):
    """The view under test, as the harness drives it."""

    @property
    def widget(self) -> Widget:
        """The widget that shows the replies. The harness mounts it in its own app
        (under a title and a status line), unless the target came with an app of
        its own (the whole-app form), whose ``compose`` already mounts it."""
        ...

    def start_reply(self, stream: int, prompt: str) -> Step:
        """A new reply (stream ``stream``) to ``prompt`` begins."""
        ...

    def append(self, stream: int, text: str) -> Step:
        """Show ``text`` at the end of reply ``stream``."""
        ...

    def end_reply(self, stream: int, summary: str) -> Step:
        """Reply ``stream`` is complete; ``summary`` is the harness's one-line account of it."""
        ...

    def error_reply(self, stream: int, error: str) -> Step:
        """Reply ``stream`` failed with ``error``."""
        ...

    def when_rendered(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once a completed render shows everything appended so far."""
        ...


AppFactory: TypeAlias = Callable[[], "tuple[App[Any], Target]"]
"""The whole-app form: a fresh Textual app (its own CSS and layout, the target's
widget among its widgets) together with its target."""


class Built(NamedTuple):
    """One run's view: the target, and its own app (``None``: the harness's host app)."""

    app: App[Any] | None
    target: Target


class TargetSource(NamedTuple):
    """A resolved target spec: builds a fresh view for each run."""

    name: str
    """As given (built-in name, ``module:attr`` or ``path.py:attr``): the report's ``target``."""
    scrollback: str
    """What bounds its history, in words (``aiway-tui list --targets``)."""
    build: Callable[[int], Built]
    """Called with the run's scrollback (rows) once per run, inside the Trio run, before the app starts."""
    whole_app: bool = False
    """It builds its own app (the whole-app form)."""
