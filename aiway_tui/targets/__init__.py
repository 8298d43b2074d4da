"""Targets: the view under test, ours or anyone's (a widget, a ``Target``, or a whole app).

``resolve_target(spec)`` turns ``--target SPEC`` (a built-in name,
``package.module:attr`` or ``path/to/file.py:attr``) into a ``TargetSource``
that builds a fresh view for each run; ``SessionOptions(target=..., feed=...)``
runs a scenario against it.
"""

from .adapter import WidgetTarget
from .builtin import BUILTINS, MarkdownTarget, TranscriptTarget
from .protocol import AppFactory, Built, Step, Target, TargetError, TargetSource
from .resolve import resolve_target

__all__ = [
    "BUILTINS",
    "AppFactory",
    "Built",
    "MarkdownTarget",
    "Step",
    "Target",
    "TargetError",
    "TargetSource",
    "TranscriptTarget",
    "WidgetTarget",
    "resolve_target",
]
