"""The declared shape of the JSON report, and a checker for it.

Scripts read the report; this is the contract they can rely on (for
``schema_version`` 3). ``check_report`` returns what does not fit, so a test
(or a user's CI) can validate a file without a schema library.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..scenarios.metrics import run_metric_names
from .run_report import SCHEMA_VERSION

_NUM = (int, float)
_OPT_NUM = (int, float, type(None))
_OPT_STR = (str, type(None))

TOP_LEVEL: dict[str, tuple[type, ...]] = {
    "schema_version": (int,),
    "scenario": (str,),
    "title": (str,),
    "passed": (bool,),
    "ending": (str,),
    "failure": _OPT_STR,
    "failed_task": _OPT_STR,
    "interrupted_by": _OPT_STR,
    "cancelled_tasks": (list,),
    "probes": (bool,),
    "target": (str,),
    "feed": (str,),
    "config": (dict,),
    "results": (dict,),
    "latency": (dict,),
    "resources": (dict,),
    "quit": (dict,),
    "criteria": (list,),
}

DISTRIBUTION_KEYS = (
    "count",
    "min_ms",
    "mean_ms",
    "p50_ms",
    "p90_ms",
    "p95_ms",
    "p99_ms",
    "p99.9_ms",
    "max_ms",
)

LATENCY_KEYS = ("channel", "delivery", "paint", "render", "frame_gap", "ui_lag")
"""Present in a run with the app and probes on (``ui_lag`` needs probes)."""

RESULT_KEYS = (  # the contract scripts rely on; every other figure is one of scenarios.metrics
    "tokens_sent", "tokens_received", "messages_received", "streams_completed", "errors", "lost",
    "duplicated", "reordered", "duration_s", "tokens_per_s", "memory_growth_mb", "rss_start_mb",
    "rss_peak_mb", "rss_end_mb", "cpu_avg_percent", "cpu_max_percent", "threads_start", "threads_end",
    "fds_start", "fds_end", "channel_p50_ms", "channel_p99_ms", "channel_max_ms", "frames", "fps",
    "fps_target", "tokens_per_frame", "paint_p50_ms", "paint_p99_ms", "paint_max_ms", "delivery_p50_ms",
    "delivery_p99_ms", "delivery_max_ms", "frame_gap_p99_ms", "frame_gap_max_ms", "ui_lag_p99_ms",
    "ui_lag_max_ms", "idle_phase_s", "stream_duration_s",
)  # fmt: skip

RESOURCE_KEYS = (
    "rss_start_mb", "rss_peak_mb", "rss_end_mb", "cpu_avg_percent", "cpu_max_percent", "threads_start",
    "threads_end", "fds_start", "fds_end", "samples",
)  # fmt: skip

QUIT_KEYS = ("key_to_cancel_ms", "cancel_to_tasks_done_ms", "tasks_done_to_app_exit_ms", "total_ms")

CRITERION: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "passed": (bool,),
    "value": _OPT_NUM,
    "threshold": _NUM,
    "metric": (str,),
    "op": (str,),
    "source": (str,),
}


def _is(value: object, kinds: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in kinds
    return isinstance(value, kinds)


def check_report(report: Mapping[str, Any], *, probes: bool = True) -> list[str]:
    """Everything in ``report`` that does not fit the declared shape (empty: it fits)."""
    problems: list[str] = []
    for key, kinds in TOP_LEVEL.items():
        if key not in report:
            problems.append(f"missing {key}")
        elif not _is(report[key], kinds):
            problems.append(f"{key} is {type(report[key]).__name__}")
    if problems:
        return problems
    if report["schema_version"] != SCHEMA_VERSION:
        problems.append(f"schema_version {report['schema_version']} (expected {SCHEMA_VERSION})")
    results = report["results"]
    wanted = RESULT_KEYS if probes else tuple(k for k in RESULT_KEYS if not k.startswith("ui_lag"))
    problems += [f"results.{k} missing or not a number" for k in wanted if not _is(results.get(k), _NUM)]
    problems += [f"results.{k} is not a number" for k, v in results.items() if not _is(v, _NUM)]
    known = run_metric_names()
    problems += [f"results.{k} is not a registered metric" for k in results if k not in known]
    latency = report["latency"]
    for name in LATENCY_KEYS if probes else LATENCY_KEYS[:-1]:
        dist = latency.get(name)
        if not isinstance(dist, dict):
            problems.append(f"latency.{name} missing")
            continue
        problems += [
            f"latency.{name}.{k} missing or not a number"
            for k in DISTRIBUTION_KEYS
            if not _is(dist.get(k), _NUM)
        ]
    problems += [
        f"resources.{k} missing or not a number"
        for k in RESOURCE_KEYS
        if not _is(report["resources"].get(k), _NUM)
    ]
    problems += [
        f"quit.{k} not a number or null" for k in QUIT_KEYS if not _is(report["quit"].get(k), _OPT_NUM)
    ]
    for index, crit in enumerate(report["criteria"]):
        if not isinstance(crit, dict):
            problems.append(f"criteria[{index}] is not an object")
            continue
        problems += [
            f"criteria[{index}].{k} missing or wrong type"
            for k, kinds in CRITERION.items()
            if k not in crit or not _is(crit[k], kinds)
        ]
    return problems
