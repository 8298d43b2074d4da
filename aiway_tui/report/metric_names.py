"""The metrics a run's report can hold: what a criterion may name.

A criterion on a metric the report never produces would only fail at the
end, with the value "missing" (or, in tools that skip it, silently pass),
so criteria are checked against these names before anything runs. The
names are read from the report itself: ``build_report`` over a pipeline
with every optional part (painter, probes, network, faults, conversations,
an idle phase), one that has not run. So there is no second list to keep
in step with the report.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Iterable

from ..core.config import RunConfig
from ..core.faults import FaultSpec
from ..core.network import NetworkProfile
from ..core.painter import Frame
from ..core.pipeline import Pipeline
from ..measure.latency import LatencyRecorder
from ..scenarios.catalogue import Scenario
from ..scenarios.criteria import Criterion
from .run_report import build_report


class _Unpainted:
    """A surface that is never painted: the report only reads its render times."""

    def __init__(self) -> None:
        self.render_time = LatencyRecorder()

    def paint(self, frame: Frame | None, delivered: Callable[[int, float], None]) -> None:
        raise AssertionError("the metric names come from a pipeline that does not run")


@functools.cache
def metric_names() -> frozenset[str]:
    """Every name a report's ``results`` can hold."""
    config = RunConfig(
        message_count=4,
        streams=4,
        conversations=2,
        idle_s=1.0,
        network=NetworkProfile(burst_every_ms=10.0, burst_hold_ms=1.0),
        faults=FaultSpec(
            stream_errors=1, conductor_raises=1, silent_streams=1, consumer_stalls=1, painter_raise_at_frame=1
        ),
    )
    pipeline = Pipeline(config, _Unpainted())
    pipeline.phase_cpu.idle_percent = pipeline.phase_cpu.stream_percent = 0.0  # as after an idle phase
    everything = Scenario("metrics", "metrics", "every metric", config, (), seed_test="")
    report = build_report(everything, pipeline, quit_key_at=0.0, app_exit_at=0.0)
    return frozenset(report.results)


def unknown_metrics(criteria: Iterable[Criterion]) -> list[str]:
    """One line per criterion whose metric no report produces, with the nearest names."""
    known = metric_names()
    problems = []
    for index, criterion in enumerate(criteria, 1):
        if criterion.metric in known:
            continue
        near = difflib.get_close_matches(criterion.metric, sorted(known), n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
        problems.append(
            f"criteria #{index} ({criterion.label!r}): metric {criterion.metric!r} is not a metric "
            f"the report produces{hint}"
        )
    return problems
