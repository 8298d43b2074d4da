"""``aiway-tui compare BASE.json NEW.json``: each figure's change, and a verdict.

Every compared metric knows which direction is better. A change counts as a
regression when it is worse by more than the tolerance (percent of the base
value) *and* by more than the metric's noise floor (an absolute amount, so
0.2 ms -> 0.4 ms of paint time is not a 100 % regression). Integrity counts
(lost, duplicated, ...) have no floor: any increase is a regression.

A black-box report (``run --app``, ``"mode": "black-box"``) is compared with
another black-box report on the black-box figures (``BLACK_BOX_METRICS``):
two apps, or two versions of one, under the same scenario. Against an
in-process report it is refused: the figures that share a name measure
different spans (scheduled -> on screen through a pty and a terminal, vs
scheduled -> the view's render), so a "change" would be the method's, not
the app's; ``run --app ... --beside-in-process`` shows the two side by side.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..scenarios.metrics import PASSED, Metric, compared_metrics

BLACK_BOX = "black-box"

DEFAULT_TOLERANCE_PCT = 10.0


class CompareError(ValueError):
    """A file that is not a readable run report: one line, exit code 2."""


@dataclass(frozen=True, slots=True)
class Change:
    scenario: str
    metric: Metric
    base: float
    new: float
    regression: bool
    improved: bool

    @property
    def change_pct(self) -> float:
        if self.base == 0:
            return 0.0 if self.new == 0 else math.inf
        return 100.0 * (self.new - self.base) / abs(self.base)


def judge(scenario: str, metric: Metric, base: float, new: float, tolerance_pct: float) -> Change:
    worse = new - base if metric.better == "lower" else base - new
    allowed = max(abs(base) * tolerance_pct / 100.0, metric.floor)
    regression = worse > allowed
    improved = -worse > allowed
    return Change(scenario, metric, base, new, regression, improved)


def load_reports(path: Path) -> dict[str, dict[str, Any]]:
    """A report file (one report or a list, as ``run --json`` writes) by run name (``_run_name``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CompareError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CompareError(f"{path}: cannot read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise CompareError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    reports = data if isinstance(data, list) else [data]
    by_name: dict[str, dict[str, Any]] = {}
    for report in reports:
        if not (
            isinstance(report, dict)
            and isinstance(report.get("scenario"), str)
            and isinstance(report.get("results"), dict)
        ):
            raise CompareError(f"{path}: not an aiway-tui report (no 'scenario' and 'results')")
        by_name[_run_name(report)] = report
    if not by_name:
        raise CompareError(f"{path}: holds no reports")
    return by_name


def _run_name(report: Mapping[str, Any]) -> str:
    """The scenario, and the view and feed when not ours per frame: runs match on all three."""
    target, feed = report.get("target", "transcript"), report.get("feed", "per-frame")
    if target == "transcript" and feed == "per-frame":
        return str(report["scenario"])
    return f"{report['scenario']} [{target}, {feed}]"


def is_black_box(report: Mapping[str, Any]) -> bool:
    return report.get("mode") == BLACK_BOX


def _kind(report: Mapping[str, Any]) -> str:
    return "a black-box run (run --app)" if is_black_box(report) else "an in-process run"


def compare(
    base: Mapping[str, Mapping[str, Any]],
    new: Mapping[str, Mapping[str, Any]],
    tolerance_pct: float,
    sides: tuple[str, str] = ("base", "new"),
) -> list[Change]:
    """Every directional metric present in both, for every scenario in both (two of a kind)."""
    common = [name for name in base if name in new]
    if not common:
        raise CompareError(f"no scenario in common (base: {', '.join(base)}; new: {', '.join(new)})")
    changes: list[Change] = []
    for name in common:
        black_box = is_black_box(base[name])
        if black_box != is_black_box(new[name]):
            raise CompareError(
                f"{name}: {sides[0]} is {_kind(base[name])}, {sides[1]} {_kind(new[name])}; "
                "their figures measure different things, so compare two of a kind "
                "(run --app ... --beside-in-process shows both side by side)"
            )
        was, now = base[name].get("passed"), new[name].get("passed")
        if isinstance(was, bool) and isinstance(now, bool):
            changes.append(judge(name, PASSED, float(was), float(now), tolerance_pct))
        b, n = base[name]["results"], new[name]["results"]
        for metric in compared_metrics(black_box=black_box):
            bv, nv = b.get(metric.name), n.get(metric.name)
            if _number(bv) and _number(nv):
                changes.append(judge(name, metric, float(bv), float(nv), tolerance_pct))
    return changes


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def render(changes: Sequence[Change], tolerance_pct: float, heading: Sequence[str] = ()) -> str:
    width = max([20, *(len(c.metric.name) for c in changes)])  # the metric column fits every name
    lines = [
        *heading,
        f"{'scenario':<14} {'metric':<{width}} {'base':>12} {'new':>12} {'change':>9}  verdict",
    ]
    for c in changes:
        pct = "new" if math.isinf(c.change_pct) else f"{c.change_pct:+.1f}%"
        verdict = "REGRESSION" if c.regression else ("better" if c.improved else "ok")
        lines.append(
            f"{c.scenario:<14} {c.metric.name:<{width}} {c.base:>12,.4g} {c.new:>12,.4g} {pct:>9}  {verdict}"
        )
    bad = sum(c.regression for c in changes)
    lines.append(
        f"{bad} regression(s) beyond {tolerance_pct:g}% tolerance in {len(changes)} figures"
        if bad
        else f"no regression beyond {tolerance_pct:g}% tolerance in {len(changes)} figures"
    )
    return "\n".join(lines)


def run_compare(base_path: Path, new_path: Path, tolerance_pct: float) -> tuple[str, bool]:
    """The printed comparison, and whether it found a regression."""
    if not math.isfinite(tolerance_pct) or tolerance_pct < 0:
        raise CompareError(f"--tolerance must be a percentage >= 0, got {tolerance_pct:g}")
    base, new = load_reports(base_path), load_reports(new_path)
    changes = compare(base, new, tolerance_pct, (str(base_path), str(new_path)))
    return render(changes, tolerance_pct, _apps(base, new)), any(c.regression for c in changes)


def _apps(base: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """For black-box runs, which app each side ran: two apps under one scenario are a fair pair."""
    name = next(n for n in base if n in new)
    if not is_black_box(base[name]):
        return []
    return [
        f"black-box runs (run --app): base {base[name].get('command', '?')!r}",
        f"{'':<28}new  {new[name].get('command', '?')!r}",
    ]
