"""A reader that goes away early ends every command quietly with exit 141 (128 + SIGPIPE).

Each command runs as a real child process whose standard output (or error)
is a real pipe with its read end already closed, so the first write fails
as it does under ``| head``: no traceback, no "Exception ignored", nothing
on the other stream either.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).with_name("aiway-tui")
EXIT_BROKEN_PIPE = 141
STEADY = Path(__file__).parent / "data" / "steady.toml"
"""A run whose verdict does not depend on the machine's speed."""


def closed_pipe() -> int:
    """The write end of a pipe whose reader has gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    return write_end


def run_into_closed(argv: list[str], stream: str) -> subprocess.CompletedProcess[str]:
    write_end = closed_pipe()
    other = subprocess.PIPE
    try:
        if stream == "stdout":
            return subprocess.run(
                [str(BIN), *argv],
                stdin=subprocess.DEVNULL,
                stdout=write_end,
                stderr=other,
                text=True,
                timeout=300,
                check=False,
            )
        return subprocess.run(
            [str(BIN), *argv],
            stdin=subprocess.DEVNULL,
            stdout=other,
            stderr=write_end,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        os.close(write_end)


def report_file(tmp_path: Path) -> Path:
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"scenario": "x"}))
    return path


STDOUT_COMMANDS = {
    "list": ["list"],
    "--help": ["--help"],
    "run --help": ["run", "--help"],
    "--version": ["--version"],
    "run": ["run", "1k-long", "--count", "20", "--quiet"],
    "quit-latency": ["quit-latency", "--trials", "1", "--warmup", "0", "--moment", "streaming"],
    "bench": ["bench", "--scale", "0.0001"],
}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("argv", STDOUT_COMMANDS.values(), ids=STDOUT_COMMANDS.keys())
def test_stdout_closed_early_is_quiet_and_141(argv: list[str]) -> None:
    proc = run_into_closed(argv, "stdout")
    assert proc.returncode == EXIT_BROKEN_PIPE, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "Exception ignored" not in proc.stderr
    # Only a command's own progress lines may have gone to stderr before.
    assert all(line.startswith("bench: ") for line in proc.stderr.splitlines()), proc.stderr


def test_json_into_a_closed_stdout_is_quiet_and_141_after_the_text_report() -> None:
    proc = run_into_closed(["run", "--scenario-file", str(STEADY), "--quiet", "--json", "-"], "stdout")
    assert proc.returncode == EXIT_BROKEN_PIPE
    assert "Traceback" not in proc.stderr
    assert proc.stderr.rstrip().endswith("✅ Test passed!")  # the text report went to stderr, whole


def test_compare_into_a_closed_stdout_is_quiet_and_141(tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    proc = subprocess.run(
        [str(BIN), "run", "--scenario-file", str(STEADY), "--quiet", "--json", str(base)],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0
    done = run_into_closed(["compare", str(base), str(base)], "stdout")
    assert (done.returncode, done.stderr) == (EXIT_BROKEN_PIPE, "")


def test_an_error_line_into_a_closed_stderr_is_quiet_and_141() -> None:
    proc = run_into_closed(["run", "no-such-scenario"], "stderr")
    assert (proc.returncode, proc.stdout) == (EXIT_BROKEN_PIPE, "")


def test_a_progress_line_into_a_closed_stderr_keeps_the_run_and_its_report_file(tmp_path: Path) -> None:
    # Paced at 100K tok/s for ~3 s: the plain progress line (every 2 s) is written mid-run.
    target = tmp_path / "report.json"
    proc = run_into_closed(["run", "rapid-tokens", "--count", "300000", "--json", str(target)], "stderr")
    assert proc.returncode == EXIT_BROKEN_PIPE
    assert "Ending: completed" in proc.stdout  # the run was not broken by its progress line
    report = json.loads(target.read_text())
    assert (report["ending"], report["failure"]) == ("completed", None)
