"""Criteria are checked against the metric registry before anything runs.

A criterion on a metric no report produces would only fail at the end, with
the value "missing" (k6 users met the silent-pass version of this, its issue
1526); here it is a one-line error up front, with the nearest names.
"""

from __future__ import annotations

from collections.abc import Iterable

from .criteria import Criterion
from .metrics import run_metric_names, unknown_metric_message


def unknown_metrics(criteria: Iterable[Criterion]) -> list[str]:
    """One line per criterion whose metric no run reports (empty: all are known)."""
    known = run_metric_names()
    return [
        f"criteria #{index} ({criterion.label!r}): {unknown_metric_message(criterion.metric, known)}"
        for index, criterion in enumerate(criteria, 1)
        if criterion.metric not in known
    ]
