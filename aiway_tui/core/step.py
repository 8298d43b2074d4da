"""How much the conductor and the consumer move through the channel between two checkpoints.

Each checkpoint of a Trio guest is a pass of the host loop (its poll, Textual's
callbacks, the hand-back): at one token an item, that pass is most of what an
item costs (batch 1 ran at 0.46x the bare channel with a checkpoint per item).
So the conductor sends what is due without a checkpoint between items, and the
consumer takes what is ready the same way, each up to one ``Step``: small
enough that no step holds up a quit (well under a millisecond), large enough
that a frame's beat of a paced stream is sent, and taken, in one.
"""

from __future__ import annotations

from dataclasses import dataclass

STEP_ITEMS = 64
"""Most channel items moved between two checkpoints."""

STEP_MESSAGES = 8192
"""Most messages (tokens) moved between two checkpoints: a frame's beat of a paced stream
(rapid-tokens sends 5,000 a beat) fits in one step."""

STEP_CHARS = 256 * 1024
"""Most characters of text moved between two checkpoints: four adaptive items of long tokens."""


@dataclass(slots=True)
class Step:
    """What one task moved since its last checkpoint."""

    items: int = 0
    messages: int = 0
    chars: int = 0

    def take(self, messages: int, chars: int) -> bool:
        """Count one more item; ``True`` while the step still has room for it (move it
        without a checkpoint), ``False`` once it is full (checkpoint, then ``reset``)."""
        self.items += 1
        self.messages += messages
        self.chars += chars
        return self.items <= STEP_ITEMS and self.messages <= STEP_MESSAGES and self.chars <= STEP_CHARS

    def reset(self) -> None:
        """The task checkpointed: a new step begins."""
        self.items = self.messages = self.chars = 0
