"""How received text reaches the view under test: the feed.

``per-frame`` goes through the throttled painter (one append per stream per
frame, text coalesced); ``per-token`` makes one append per token as it is
received, the way most chat apps are written. The difference between the two
on the same view is what the painter is worth.
"""

from __future__ import annotations

from typing import Literal, TypeAlias, get_args

Feed: TypeAlias = Literal["per-frame", "per-token"]
FEEDS: tuple[Feed, ...] = get_args(Feed)
