"""Wiring an input box to a run: its renders to the keystroke probe, Enter to the
conductor, and the typist (``typist_cps``) to the driver's input path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App

from ..core.pipeline import Pipeline
from ..core.protocol import UserMessage
from ..measure.session_tenths import SessionTenths
from ..ui.chat_input import ChatInput
from ..ui.compat import app_context
from ..ui.host import HostBridge
from ..ui.transcript import TranscriptView
from .typist import Typist


def wire_input(
    app: App[Any], box: ChatInput, view: TranscriptView | None, pipeline: Pipeline, bridge: HostBridge
) -> Callable[[str], None]:
    """Connect ``box`` to ``pipeline``; return the handler for a sent message.

    The handler runs on the app's side: it hands the message to the Trio run
    (``run_sync_soon``), where the conductor starts its answer; if the planned
    replies have ended there is none, and the transcript says so.
    """
    box.probe = pipeline.keystrokes
    config = pipeline.config
    if config.typist_cps > 0:
        pipeline.side_tasks.append(
            ("typist", Typist(app, config.typist_cps, pipeline.keystrokes, config.seed))
        )

    def submit(text: str) -> None:
        if not pipeline.conductor.submit(UserMessage(text)) and view is not None:
            with app_context(app):
                view.note(f"(not answered: the run's replies have ended) {text}")

    def handler(text: str) -> None:
        bridge.token.run_sync_soon(submit, text)

    return handler


def wire_tenths(view: TranscriptView, pipeline: Pipeline) -> None:
    """With ``session_tenths``: every per-tenth figure fed beside the run's own."""
    painter = pipeline.painter
    if not pipeline.config.session_tenths or painter is None:
        return
    conductor = pipeline.conductor
    tenths = pipeline.session_tenths = SessionTenths(pipeline.config.streams, lambda: conductor.streams_ended)
    painter.paint_time = tenths.tee("paint")
    painter.delivery_latency = tenths.tee("delivery")
    view.render_time = tenths.tee("render")
    pipeline.keystrokes.latency = tenths.tee("input")
    pipeline.side_tasks.append(("session_tenths", tenths))
