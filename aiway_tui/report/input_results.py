"""The report's figures for the input box: keystrokes, and the replies to sent messages.

A reply to a ``UserMessage`` is a stream beyond the planned ones (its id is
``config.streams`` or more): it is verified like every stream, and its tokens
are counted apart, so "all N tokens received" keeps meaning the planned N.
"""

from __future__ import annotations

from ..core.config import RunConfig
from ..core.pipeline import Pipeline
from ..scenarios.catalogue import Scenario
from ..scenarios.criteria import Criterion
from ..scenarios.input_criteria import KEYSTROKE_CRITERIA


def answer_tokens_received(pipeline: Pipeline) -> int:
    planned = pipeline.config.streams
    return sum(track.tokens for stream, track in pipeline.tracker.streams.items() if stream >= planned)


def input_results(pipeline: Pipeline, answered_tokens: int) -> dict[str, float]:
    conductor = pipeline.conductor
    results: dict[str, float] = {
        "user_messages_answered": conductor.answers_started,
        "user_messages_refused": conductor.user_messages_refused,
        "answer_tokens_received": answered_tokens,
    }
    if pipeline.keystrokes.pressed or pipeline.config.typist_cps > 0:
        results.update(
            pipeline.keystrokes.results()
            or dict.fromkeys(("keys_pressed", "keys_echoed", "keys_out_of_order", "keys_not_echoed"), 0.0)
            | dict.fromkeys(("input_p50_ms", "input_p99_ms", "input_max_ms"), 0.0)
        )
    return results


def typist_criteria(scenario: Scenario, config: RunConfig) -> tuple[Criterion, ...]:
    """With a typist on, the keystroke criteria hold on any scenario."""
    if config.typist_cps <= 0:
        return ()
    have = {c.metric for c in scenario.criteria}
    return tuple(c for c in KEYSTROKE_CRITERIA if c.metric not in have)
