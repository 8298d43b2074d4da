"""The command line: reports, JSON contract, exit codes, one-line usage errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aiway_tui.cli.main import main
from aiway_tui.core.config import ConfigError
from aiway_tui.testing import usage_error_line

RESULT_KEYS = {
    "messages_received", "tokens_sent", "tokens_received", "streams_completed", "errors", "lost",
    "duplicated", "reordered", "duration_s", "tokens_per_s", "memory_growth_mb", "frames", "fps",
}  # fmt: skip


def test_list_shows_every_scenario_and_criterion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("1m-short", "1m-medium", "1k-long", "rapid-tokens", "backpressure"):
        assert name in out
    assert "Throughput > 10K msg/s" in out
    assert "Message loss < 1%" in out


def test_run_prints_the_seed_report_and_writes_the_json_contract(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.json"
    code = main(["run", "1m-short", "1k-long", "--count", "2000", "--json", str(target)])
    out = capsys.readouterr().out
    assert code == 0
    assert "=== Stress Test Results: 1M Short Messages ===" in out
    assert "✅ Test passed!" in out
    assert "=== Summary ===" in out
    runs = json.loads(target.read_text())
    assert [run["scenario"] for run in runs] == ["1m-short", "1k-long"]
    for run in runs:
        assert run["passed"] is True
        assert run["config"]["message_count"] == 2000
        assert set(run["results"]) >= RESULT_KEYS
        assert run["results"]["tokens_received"] == 2000
        assert all({"name", "passed", "value", "threshold"} <= set(c) for c in run["criteria"])


def test_a_failed_criterion_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    # 1K long tokens with a 1 s deadline and a 2 ms schedule cannot finish: it times out.
    code = main(["run", "1k-long", "--delay-us", "2000", "--time-limit", "1"])
    out = capsys.readouterr().out
    assert code == 1
    assert "Ending: timed out" in out
    assert "still running: conductor" in out
    assert "❌ Test FAILED" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "nope"], "unknown scenario 'nope'"),
        (["run", "1m-shrot"], "did you mean '1m-short'"),
        (["run", "1m-short", "--count", "0"], "message_count=0 is out of range"),
        (["run", "1m-short", "--count", "ten"], "expected a whole number"),
        (["run", "1m-short", "--size", "0"], "message_size=0 is out of range"),
        (["run", "1m-short", "--fps", "0"], "fps=0 is out of range"),
        (["run", "1m-short", "--fps", "241"], "fps=241 is out of range"),
        (["run", "1m-short", "--delay-us", "-1"], "message_delay_us=-1.0 is out of range"),
        (["run", "1m-short", "--delay-us", "nan"], "message_delay_us=nan is out of range"),
        (["run", "1m-short", "--count", "3", "--streams", "4"], "every stream needs at least one token"),
        (["run", "1m-short", "--bogus"], "unrecognized arguments: --bogus"),
        (["run"], "name scenarios, 'all', or give --scenario-file PATH"),
        (["frobnicate"], "invalid choice"),
        (["run", "1m-short", "--json", "/nonexistent/dir/out.json"], "does not exist"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(argv)
    captured = capsys.readouterr()
    assert message in usage_error_line(argv, captured.out, captured.err, code)


def test_demo_without_a_terminal_is_a_usage_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "aiway_tui", "demo"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "aiway-tui: error: demo needs a terminal; use 'aiway-tui run NAME' for a headless run"
    )
    assert "Traceback" not in proc.stderr


def test_demo_overrides_fit_the_named_scenario_and_spare_the_rest() -> None:
    from aiway_tui.cli.main import _demo_config, build_parser
    from aiway_tui.scenarios.catalogue import get_scenario

    args = build_parser().parse_args(["demo", "rapid-tokens", "--streams", "2000"])
    assert _demo_config(get_scenario("rapid-tokens"), args).streams == 2000
    # 1k-long has 1,000 tokens: 2,000 streams do not fit it, so it keeps its own.
    assert _demo_config(get_scenario("1k-long"), args) == get_scenario("1k-long").config
    bad = build_parser().parse_args(["demo", "1k-long", "--streams", "2000"])
    with pytest.raises(ConfigError, match="every stream needs at least one token"):
        _demo_config(get_scenario("1k-long"), bad)
