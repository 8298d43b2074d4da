"""What the CLI asks to be measured besides the report, wired into each run.

``--samples`` (JSONL time series), the progress line, ``--profile``,
``--trace-memory`` and ``--no-probes`` are attached to a session through its
``on_ready`` hook, before the stream starts.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import IO

from textual.pilot import Pilot

from ..core.pipeline import Pipeline
from ..report.output import Output, OutputWriteError
from ..report.samples import SeriesWriter, Snapshot, observe
from ..ui.chat_app import ChatApp
from .profiling import ProfilerMissing, cpu_profile, traced_memory
from .progress import ProgressLine

__all__ = ["Measurement", "ProfilerMissing"]

OnReady = Callable[[ChatApp, Pipeline, Pilot[object]], object]


class Measurement:
    """The measuring options of one ``run`` command, over all its scenarios."""

    def __init__(
        self,
        *,
        samples: Output | None = None,
        progress: bool = True,
        profile: Output | None = None,
        trace_memory: bool = False,
        probes: bool = True,
        progress_out: IO[str] | None = None,
    ) -> None:
        self.samples = samples
        self.progress = progress and probes
        self.profile = profile
        self.trace_memory = trace_memory
        self.probes = probes
        self.progress_out = progress_out if progress_out is not None else sys.stderr
        self.memory_sites: list[str] = []
        self.stderr_closed = False
        """The progress line's reader went away during a run."""
        self.write_errors: list[OutputWriteError] = []
        """Outputs that could not be written (the runs still end in order)."""
        self._series: SeriesWriter | None = None
        self._line: ProgressLine | None = None

    @contextmanager
    def around_runs(self) -> Iterator[None]:
        """Open the series file and start the profilers for all the runs."""
        try:
            with ExitStack() as stack:
                if self.samples is not None:
                    out = stack.enter_context(self.samples.open())
                    self._series = SeriesWriter(out)
                if self.profile is not None:
                    stack.enter_context(cpu_profile(self.profile.write_text))
                if self.trace_memory:
                    stack.enter_context(traced_memory(self.memory_sites))
                yield
        except OutputWriteError as exc:
            self.write_errors.append(exc)

    def on_ready(self, scenario: str, total_tokens: int) -> OnReady:
        """The session hook for one scenario's run."""

        def attach(app: ChatApp, pipeline: Pipeline, pilot: Pilot[object]) -> None:
            sinks: list[Callable[[Snapshot], None]] = []
            if self._series is not None:
                sinks.append(self._series)
            if self.progress:
                self._line = ProgressLine(self.progress_out, total_tokens)
                sinks.append(self._line)
            if sinks:
                observe(pipeline, scenario, *sinks)

        return attach

    def after_run(self) -> None:
        if self._line is not None:
            self.stderr_closed = self.stderr_closed or self._line.closed_early
            self._line.close()
            self._line = None
