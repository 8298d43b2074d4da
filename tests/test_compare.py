"""``aiway-tui compare``: each figure's change, exit 1 on a regression beyond tolerance."""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest

from aiway_tui.cli.main import main
from aiway_tui.report.compare import judge
from aiway_tui.scenarios.metrics import metric

BASE_RESULTS = {
    "tokens_per_s": 100_000.0,
    "duration_s": 10.0,
    "delivery_p99_ms": 70.0,
    "memory_growth_mb": 10.0,
    "lost": 0,
    "tokens_sent": 1_000_000,  # no direction: not compared
}


def _write(path: Path, scenario: str = "rapid-tokens", **changes: float) -> Path:
    report: dict[str, Any] = {
        "schema_version": 2,
        "scenario": scenario,
        "results": BASE_RESULTS | changes,
    }
    path.write_text(json.dumps(report))
    return path


def _metric(key: str) -> Any:
    return metric(key)


def test_direction_decides_what_is_worse() -> None:
    rate = _metric("tokens_per_s")
    assert judge("s", rate, 100.0, 80.0, 10.0).regression  # less throughput: worse
    assert judge("s", rate, 100.0, 130.0, 10.0).improved
    latency = _metric("delivery_p99_ms")
    assert judge("s", latency, 70.0, 90.0, 10.0).regression  # more latency: worse
    assert judge("s", latency, 70.0, 50.0, 10.0).improved


def test_noise_floor_and_integrity_counts() -> None:
    paint = _metric("paint_p99_ms")
    assert not judge("s", paint, 0.2, 0.5, 10.0).regression  # +150 % but 0.3 ms: under the 1 ms floor
    lost = _metric("lost")
    assert judge("s", lost, 0, 1, 50.0).regression  # any loss is a regression


def test_within_tolerance_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = _write(tmp_path / "base.json")
    new = _write(tmp_path / "new.json", tokens_per_s=95_000.0, delivery_p99_ms=75.0)
    assert main(["compare", str(base), str(new), "--tolerance", "10"]) == 0
    out = capsys.readouterr().out
    assert "tokens_per_s" in out
    assert "-5.0%" in out
    assert "no regression beyond 10% tolerance" in out
    assert "tokens_sent" not in out


def test_a_regression_beyond_tolerance_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = _write(tmp_path / "base.json")
    new = _write(tmp_path / "new.json", tokens_per_s=80_000.0)
    assert main(["compare", str(base), str(new), "--tolerance", "10"]) == 1
    out = capsys.readouterr().out
    assert "REGRESSION" in out
    assert "-20.0%" in out
    # The same change passes with a wider tolerance.
    assert main(["compare", str(base), str(new), "--tolerance", "25"]) == 0


def test_lists_of_reports_are_matched_by_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = tmp_path / "base.json"
    base.write_text(
        json.dumps(
            [
                {"scenario": "a", "results": BASE_RESULTS},
                {"scenario": "b", "results": BASE_RESULTS},
            ]
        )
    )
    new = _write(tmp_path / "new.json", scenario="b", memory_growth_mb=50.0)
    assert main(["compare", str(base), str(new)]) == 1
    out = capsys.readouterr().out
    assert "memory_growth_mb" in out
    assert "\na " not in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{not json", "not JSON"),
        ('{"a": 1}', "not an aiway-tui report"),
        ('{"scenario": "other", "results": {}}', "no scenario in common"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    base = _write(tmp_path / "base.json")
    new = tmp_path / "new.json"
    if content is not None:
        new.write_text(content)
    assert main(["compare", str(base), str(new)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_negative_tolerance_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = _write(tmp_path / "base.json")
    assert main(["compare", str(base), str(base), "--tolerance", "-1"]) == 2
    assert "--tolerance" in capsys.readouterr().err


def test_a_run_that_newly_fails_is_a_regression(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base, new = _write(tmp_path / "base.json"), _write(tmp_path / "new.json")
    for path, passed in ((base, True), (new, False)):
        report = json.loads(path.read_text())
        path.write_text(json.dumps(report | {"passed": passed}))
    assert main(["compare", str(base), str(new), "--tolerance", "50"]) == 1
    assert "passed" in capsys.readouterr().out
    assert main(["compare", str(new), str(base)]) == 0  # newly passing is better


CURL = shutil.which("curl")
BODY = '{"model": "whatever-the-app-names", "prompt": "hi"}'


def _black_box_report(path: Path) -> Path:
    """A real black-box run (curl in a pty, fed by the server), its ``--json`` at ``path``."""
    script = 'curl -sN "$0/api/generate" -d "$1"; read line'
    app = f"sh -c {shlex.quote(script)} {{url}} {shlex.quote(BODY)}"
    code = main(
        ["run", "rapid-tokens", "--count", "2000", "--delay-us", "1000", "--app", app,
         "--quit-keys", "<Enter>", "--json", str(path)]
    )  # fmt: skip
    assert code in (0, 1)  # the verdict is the machine's
    return path


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
def test_two_black_box_runs_compare_on_the_black_box_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = _black_box_report(tmp_path / "base.json")
    capsys.readouterr()
    assert main(["compare", str(base), str(base)]) == 0
    out = capsys.readouterr().out
    assert "black-box runs (run --app): base 'sh -c" in out
    for name in ("delivery_p99_ms", "quit_to_exit_ms", "duration_s", "rss_peak_mb"):
        assert name in out
    # The app quits 10x slower and misses keys: both regressions, on black-box figures.
    report = json.loads(base.read_text())
    results = report["results"] | {"keystrokes_unseen": 0}
    slower = results | {"quit_to_exit_ms": 10 * results["quit_to_exit_ms"] + 100, "keystrokes_unseen": 2}
    for path, figures in ((base, results), (tmp_path / "new.json", slower)):
        path.write_text(json.dumps(report | {"results": figures}))
    assert main(["compare", str(base), str(tmp_path / "new.json")]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if "REGRESSION" in line]
    assert {line.split()[1] for line in lines} == {"quit_to_exit_ms", "keystrokes_unseen"}


def test_a_black_box_run_against_an_in_process_one_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    in_process = _write(tmp_path / "in.json")
    outside = tmp_path / "out.json"
    outside.write_text(
        json.dumps(
            {"mode": "black-box", "scenario": "rapid-tokens", "command": "app", "results": BASE_RESULTS}
        )
    )
    for pair in ((in_process, outside), (outside, in_process)):
        assert main(["compare", *map(str, pair)]) == 2
        err = capsys.readouterr().err
        assert "a black-box run (run --app)" in err
        assert "an in-process run" in err
        assert "--beside-in-process" in err
        assert err.count("\n") == 1
