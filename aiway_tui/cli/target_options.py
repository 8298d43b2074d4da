"""``--target SPEC`` and ``--feed``, shared by ``run``, ``demo`` and ``quit-latency``; ``list --targets``.

A spec is resolved when the arguments are read, so a bad one is one line and
exit 2 before anything runs.
"""

from __future__ import annotations

import argparse

from ..core.feed import FEEDS, Feed
from ..targets.builtin import BUILTINS
from ..targets.protocol import TargetError, TargetSource
from ..targets.resolve import resolve_target


def add_target_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("view under test")
    group.add_argument(
        "--target",
        default=None,
        metavar="SPEC",
        help=f"the view: a built-in ({', '.join(BUILTINS)}), package.module:attr or path/file.py:attr"
        " (default: transcript, ours)",
    )
    group.add_argument(
        "--feed",
        choices=FEEDS,
        default="per-frame",
        help="per-frame: through the throttled painter (default); per-token: one append per token",
    )


def target_of(
    args: argparse.Namespace, *, whole_app_refused: str | None = None
) -> tuple[TargetSource | None, Feed]:
    """The resolved ``--target`` (``None``: ours) and ``--feed``; ``TargetError`` for a bad spec,
    and for one that brings its own app where ``whole_app_refused`` says why that cannot work."""
    spec = getattr(args, "target", None)
    feed: Feed = getattr(args, "feed", "per-frame")
    source = None if spec is None else resolve_target(spec)
    if source is not None and source.whole_app and whole_app_refused is not None:
        raise TargetError(f"--target {spec}: {whole_app_refused} (use run)")
    return source, feed


def view_arguments(args: argparse.Namespace) -> list[str]:
    """``--target``/``--feed`` as given, for a child ``aiway-tui`` (the pty trials)."""
    spec = getattr(args, "target", None)
    return [*(["--target", spec] if spec is not None else []), "--feed", getattr(args, "feed", "per-frame")]


def list_targets() -> int:
    """The built-in targets and what bounds their history."""
    for source in BUILTINS.values():
        print(f"{source.name:<11} {source.scrollback}")
    print()
    print(
        "Your own: --target package.module:attr or path/to/file.py:attr (see README, 'Stress your own view')."
    )
    return 0
