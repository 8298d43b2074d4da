"""Bad input never reaches a run: one line naming the bad value, exit code 2, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from aiway_tui.cli.main import main
from aiway_tui.core.config import ConfigError, RunConfig
from aiway_tui.report.output import Output
from aiway_tui.testing import usage_error_line

BAD_ARGV: list[tuple[list[str], str]] = [
    # Unknown or malformed flags and commands.
    (["run", "1m-short", "--cont", "5"], "unrecognized arguments: --cont"),
    (["run", "1m-short", "-x"], "unrecognized arguments: -x"),
    (["run", "1m-short", "--count"], "--count: expected one argument"),
    (["run", "1m-short", "--count="], "expected a whole number, got ''"),
    (["list", "--json", "x.json"], "unrecognized arguments: --json"),
    (["--count", "5"], "invalid choice: '5'"),
    (["Run", "1m-short"], "invalid choice: 'Run'"),
    # Scenario names.
    (["run", "1M-SHORT"], "unknown scenario '1M-SHORT'"),
    (["run", "backpresure"], "did you mean 'backpressure'"),
    (["run", "all", "1m-short"], "unknown scenario 'all'"),
    (["run", ""], "unknown scenario ''"),
    (["demo", "rapid-token"], "did you mean 'rapid-tokens'"),
    # Types.
    (["run", "1m-short", "--count", "1e6"], "expected a whole number, got '1e6'"),
    (["run", "1m-short", "--count", "5.0"], "expected a whole number, got '5.0'"),
    (["run", "1m-short", "--count", "٣"], "expected a whole number, got '٣'"),
    (["run", "1m-short", "--fps", "thirty"], "expected a whole number, got 'thirty'"),
    (["run", "1m-short", "--delay-us", "0x10"], "expected a number, got '0x10'"),
    (["run", "1m-short", "--delay-us", "1,5"], "expected a number, got '1,5'"),
    (["run", "1m-short", "--time-limit", "10s"], "expected a number, got '10s'"),
    # Ranges.
    (["run", "1m-short", "--count", "-5"], "message_count=-5 is out of range"),
    (["run", "1m-short", "--count", "100_000_001"], "message_count=100000001 is out of range"),
    (["run", "1m-short", "--size", "1000001"], "message_size=1000001 is out of range"),
    (["run", "1m-short", "--batch", "-1"], "batch_size=-1 is out of range"),
    (["run", "1m-short", "--buffer", "-1"], "buffer=-1 is out of range"),
    (["run", "1m-short", "--streams", "0"], "streams=0 is out of range"),
    (["run", "1m-short", "--consumer-delay-us", "-0.5"], "consumer_delay_us=-0.5 is out of range"),
    (["run", "1m-short", "--consumer-delay-us", "inf"], "consumer_delay_us=inf is out of range"),
    (["run", "1m-short", "--fps", "-30"], "fps=-30 is out of range"),
    (["run", "1m-short", "--scrollback", "9"], "scrollback=9 is out of range"),
    (["run", "1m-short", "--time-limit", "0"], "time_limit_s=0.0 is out of range"),
    (["run", "1m-short", "--time-limit", "nan"], "time_limit_s=nan is out of range"),
    (["run", "1m-short", "--time-limit", "1e400"], "time_limit_s=inf is out of range"),
    (["run", "1m-short", "--seed", "-1"], "seed=-1 is out of range"),
    (["run", "1m-short", "--seed", str(2**63)], f"seed={2**63} is out of range"),
    # Combinations.
    (["run", "1k-long", "--streams", "1001"], "streams=1001 is more than message_count=1000"),
    (["run", "1m-short", "--batch", "1000", "--size", "100000"], "batch_size=1000 x message_size=100000"),
    (["run", "1m-short", "--buffer", "10000000"], "buffer=10000000 items of 1024 tokens"),
    (["demo", "1m-short", "--fps", "500"], "fps=500 is out of range"),
    (["run", "1m-short", "--conversations", "2"], "conversations=2 is more than streams=1"),
    (["demo", "1m-short", "--conversations", "3"], "conversations=3 is more than streams=1"),
    (["run", "cpu-idle", "--time-limit", "5"], "time_limit_s=5 is not more than idle_s=5"),
    (["run", "mixed-load", "--size", "50"], "--size does not apply to mixed-load"),
    (["run", "1k-long", "--samples", "s.jsonl", "--no-probes"], "--samples needs the probes"),
    (
        ["run", "1k-long", "--json", "-", "--samples", "/dev/stdout"],
        "--json - and --samples /dev/stdout name",
    ),
    (["run", "1k-long", "--json", "o.json", "--profile", "./o.json"], "name the same output"),
    # Output paths.
    (["run", "1m-short", "--json", "/nonexistent/out.json"], "folder /nonexistent does not exist"),
    (["run", "1m-short", "--json", "/dev/fd/987"], "--json /dev/fd/987: file descriptor 987 is not open"),
    (["run", "1m-short", "--samples", "/nonexistent/s.jsonl"], "--samples /nonexistent/s.jsonl: folder"),
    (["run", "1m-short", "--profile", "/proc/p.html"], "--profile /proc/p.html: cannot write in /proc"),
    (["quit-latency", "--json", "/nonexistent/q.json"], "--json /nonexistent/q.json: folder /nonexistent"),
    (["bench", "--json", "/proc/b.json"], "--json /proc/b.json: cannot write in /proc"),
    (["demo", "1m-short", "--json", "/nonexistent/d.json"], "folder /nonexistent does not exist"),
    (["run", "1m-short", "--json", "/etc/hostname/out.json"], "does not exist"),
    (["run", "1m-short", "--json", "/proc/out.json"], "cannot write in /proc"),
    # A visible run without a terminal (pytest captures stdout).
    (["run", "1m-short", "--visible"], "--visible needs a terminal"),
    # A whole app of the user's own where only a view can go.
    (["quit-latency", "--target", "tests.views:my_chat_app"], "which a whole app of your own does not bind"),
    (["demo", "--target", "tests.views:my_chat_app"], "the demo shows a view, not a whole app"),
]


@pytest.mark.parametrize(("argv", "message"), BAD_ARGV, ids=[" ".join(a) for a, _ in BAD_ARGV])
def test_bad_argument_is_one_line_naming_it_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(argv)
    captured = capsys.readouterr()
    assert message in usage_error_line(argv, captured.out, captured.err, code)


BAD_FIELDS: list[tuple[str, Any]] = [
    ("message_count", 0),
    ("message_count", 10.0),
    ("message_count", "10"),
    ("message_count", True),
    ("message_size", None),
    ("message_delay_us", float("nan")),
    ("message_delay_us", float("-inf")),
    ("message_delay_us", "0"),
    ("batch_size", 1.5),
    ("buffer", -1),
    ("streams", 0),
    ("consumer_delay_us", 1e12),
    ("fps", 0),
    ("fps", 241),
    ("scrollback", 0),
    ("time_limit_s", 0.0),
    ("time_limit_s", False),
    ("width", 19),
    ("height", 4),
    ("seed", -1),
]


@pytest.mark.parametrize(("name", "value"), BAD_FIELDS)
def test_bad_config_field_names_the_field(name: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=name):
        RunConfig(**{name: value})


def test_unknown_config_field_is_named() -> None:
    with pytest.raises(ConfigError, match="unknown parameter: colour"):
        RunConfig().with_overrides(colour="red")


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "1m-shrot"],
        ["run", "1m-short", "--count", "-1"],
        ["run", "1m-short", "--nope"],
        ["run", "1m-short", "--json", "/proc/out.json"],
    ],
)
def test_a_real_process_prints_no_traceback(argv: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "aiway_tui", *argv],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr


# Output safety: the JSON path is checked before the run, and written atomically.


def _fails_before_running(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    started = time.perf_counter()
    code = main(argv)
    took = time.perf_counter() - started
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""  # no report: the run never started
    assert took < 5.0  # a 1M-token run would take far longer (noisy machine: generous)
    return captured.err.strip()


def test_a_folder_as_json_path_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _fails_before_running(["run", "1m-short", "--json", str(tmp_path)], capsys)
    assert err == f"aiway-tui: error: --json {tmp_path}: is a folder, not a file"


def test_a_read_only_json_file_is_refused_and_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "old.json"
    target.write_text('{"kept": true}\n')
    target.chmod(0o444)
    err = _fails_before_running(["run", "1m-short", "--json", str(target)], capsys)
    assert err == f"aiway-tui: error: --json {target}: file is read-only"
    assert json.loads(target.read_text()) == {"kept": True}


def test_an_unwritable_folder_is_refused_before_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    # procfs refuses new files even to root, so this holds whoever runs the tests.
    err = _fails_before_running(["run", "1m-short", "--json", "/proc/report.json"], capsys)
    assert err.startswith("aiway-tui: error: --json /proc/report.json: cannot write in /proc (")


def test_the_writability_probe_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    assert main(["run", "1k-long", "--count", "20", "--json", str(target)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
    assert json.loads(target.read_text())["results"]["tokens_received"] == 20


def test_an_interrupted_write_keeps_the_old_report_whole(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    output = Output("--json", str(target))
    output.write_json({"run": 1})
    # The write is interrupted halfway: part of the new text has reached the temp file.

    def interrupted_write() -> None:
        with output.open() as stream:
            stream.write('{"run": 2, "results": [1, 2')
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted_write()
    assert json.loads(target.read_text()) == {"run": 1}
    assert os.listdir(tmp_path) == ["report.json"]


# Scenario files: any bytes, any size, any metric name; each mistake is one line naming the file.

_CRITERION = b'\n[[criteria]]\nlabel = "all"\nmetric = "%s"\nop = "=="\nthreshold = "message_count"\n'
_GOOD_HEAD = b'name = "f"\n[parameters]\nmessage_count = 20\n'

BAD_SCENARIO_FILES: list[tuple[str, bytes, str]] = [
    ("latin-1", b"# caf\xe9\n" + _GOOD_HEAD, "not UTF-8 text (byte 0xe9 at offset 5, line 1)"),
    ("binary", b"name = 'x'\n\xff\xfe\x00\x01", "not UTF-8 text (byte 0xff at offset 11, line 2)"),
    ("utf-16", "name = 'x'\n".encode("utf-16"), "not UTF-8 text (byte 0xff at offset 0, line 1)"),
    ("truncated utf-8", _GOOD_HEAD + b'title = "\xe2\x82"\n', "not UTF-8 text (byte 0xe2 at offset"),
    ("nul byte", b'name = "a\x00b"\n', "not valid TOML"),
    ("bad toml", b"name = \n", "not valid TOML"),
    ("too big", b"#" * (1024 * 1024 + 1), "more than 1024 KiB: not a scenario file"),
    (
        "metric typo",
        _GOOD_HEAD + _CRITERION % b"tokens_recieved",
        "criteria #1 ('all'): no metric 'tokens_recieved' (did you mean tokens_received",
    ),
    (
        "metric unknown",
        _GOOD_HEAD + _CRITERION % b"colour",
        "no metric 'colour' (aiway-tui list --metrics shows them)",
    ),
    (
        "second metric",
        _GOOD_HEAD + _CRITERION % b"tokens_received" + _CRITERION % b"cpu_idle_pct",
        "criteria #2 ('all'): no metric 'cpu_idle_pct' (did you mean cpu_idle_percent",
    ),
    (
        "conversations > streams",
        _GOOD_HEAD + b"streams = 2\nconversations = 3\n" + _CRITERION % b"tokens_received",
        "conversations=3 is more than streams=2",
    ),
]


def _cli_child(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aiway_tui", *argv],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("content", "message"), [c[1:] for c in BAD_SCENARIO_FILES], ids=[c[0] for c in BAD_SCENARIO_FILES]
)
def test_a_bad_scenario_file_is_one_line_naming_it_and_exit_2(
    content: bytes, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(content)
    proc = _cli_child(["run", "--scenario-file", str(path)])
    assert "Traceback" not in proc.stderr
    line = usage_error_line(["--scenario-file", str(path)], proc.stdout, proc.stderr, proc.returncode)
    assert line.startswith(f"aiway-tui: error: {path}: "), line
    assert message in line


def test_a_folder_as_scenario_file_is_one_line(tmp_path: Path) -> None:
    proc = _cli_child(["run", "--scenario-file", str(tmp_path)])
    line = usage_error_line([], proc.stdout, proc.stderr, proc.returncode)
    assert line == f"aiway-tui: error: {tmp_path}: cannot read: Is a directory"


def test_a_scenario_file_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(b"\xef\xbb\xbf" + _GOOD_HEAD + _CRITERION % b"tokens_received")
    assert main(["run", "--scenario-file", str(path), "--quiet"]) == 0


def test_the_metric_check_runs_before_anything_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(b'name = "f"\n' + _CRITERION % b"tokens_recieved")  # 1M tokens if it ran
    err = _fails_before_running(["run", "--scenario-file", str(path)], capsys)
    assert "no metric 'tokens_recieved' (did you mean tokens_received" in err
