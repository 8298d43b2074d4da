"""Report outputs respect what they are written to: the real CLI in a child process.

A regular file is replaced atomically, keeping its mode (a new one follows
the umask); a FIFO, a device or a pipe is written through and is still what
it was afterwards; ``-`` and ``/dev/stdout`` are standard output, and the text
report then goes to standard error; a write that fails is one line on
stderr and exit code 1, with the text report still printed.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

BIN = Path(sys.executable).with_name("aiway-tui")
STEADY = Path(__file__).parent / "data" / "steady.toml"
"""Integrity criteria only: exit code 1 then means the write failed, never a slow machine."""
SHORT_RUN = ["run", "--scenario-file", str(STEADY), "--quiet"]
SAMPLED_RUN = [*SHORT_RUN, "--count", "200", "--delay-us", "2000"]
"""0.4 s paced: long enough for the 10 Hz sampler to take several samples."""
PASSED = "✅ Test passed!"


def cli(argv: list[str], timeout: float = 120, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), *argv],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,
    )


def one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("aiway-tui: error: "), lines[0]
    return lines[0]


def device_identity(path: str) -> tuple[int, int]:
    st = os.stat(path)
    assert stat.S_ISCHR(st.st_mode), path
    return st.st_mode, st.st_rdev


def read_fifo_in_background(fifo: Path) -> tuple[threading.Thread, list[bytes]]:
    got: list[bytes] = []

    def read() -> None:
        with fifo.open("rb") as fh:  # blocks until the CLI opens it for writing
            got.append(fh.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader, got


def test_a_fifo_is_written_through_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    reader, got = read_fifo_in_background(fifo)
    proc = cli([*SHORT_RUN, "--json", str(fifo)])
    reader.join(timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert json.loads(got[0])["results"]["tokens_received"] == 20
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.fifo"]


@pytest.mark.parametrize("flag", ["--json", "--samples"])
def test_dev_null_is_written_through_and_stays_a_device(flag: str) -> None:
    before = device_identity("/dev/null")
    proc = cli([*SHORT_RUN, flag, "/dev/null"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert device_identity("/dev/null") == before


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        ([*SHORT_RUN, "--json", "/dev/full"], "--json"),
        ([*SAMPLED_RUN, "--samples", "/dev/full"], "--samples"),
        ([*SHORT_RUN, "--profile", "/dev/full"], "--profile"),
        (
            [
                "quit-latency",
                "--trials",
                "1",
                "--warmup",
                "0",
                "--moment",
                "streaming",
                "--json",
                "/dev/full",
            ],
            "--json",
        ),
    ],
    ids=["run --json", "run --samples", "run --profile", "quit-latency --json"],
)
def test_a_full_device_is_one_line_and_exit_1_with_the_report_still_printed(
    argv: list[str], flag: str
) -> None:
    before = device_identity("/dev/full")
    proc = cli(argv)
    assert proc.returncode == 1, (proc.stdout[-500:], proc.stderr)
    assert (
        one_error_line(proc.stderr)
        == f"aiway-tui: error: {flag} /dev/full: cannot write: No space left on device"
    )
    assert "=== " in proc.stdout  # the text report
    assert device_identity("/dev/full") == before


@pytest.mark.timeout(300)
def test_bench_json_to_a_full_device_fails_the_command() -> None:
    proc = cli(["bench", "--scale", "0.0001", "--json", "/dev/full"], timeout=300)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert lines[-1] == "aiway-tui: error: --json /dev/full: cannot write: No space left on device"
    assert all(line.startswith("bench: ") for line in lines[:-1])  # its progress lines, nothing else
    assert "Traceback" not in proc.stderr
    assert "=== aiway-tui bench" in proc.stdout


def test_a_closed_pipe_as_the_report_file_is_one_line_and_exit_1() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written
    try:
        proc = cli([*SHORT_RUN, "--json", f"/dev/fd/{write_end}"], pass_fds=(write_end,))
    finally:
        os.close(write_end)
    assert proc.returncode == 1
    assert (
        one_error_line(proc.stderr)
        == f"aiway-tui: error: --json /dev/fd/{write_end}: cannot write: Broken pipe"
    )
    assert PASSED in proc.stdout


@pytest.mark.parametrize("name", ["-", "/dev/stdout"])
def test_stdout_takes_the_json_and_the_text_report_goes_to_stderr(name: str) -> None:
    proc = cli([*SHORT_RUN, "--json", name])
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)  # the whole of stdout is the JSON (`--json - | jq` works)
    assert report["results"]["tokens_received"] == 20
    assert PASSED in proc.stderr
    assert not Path("-").exists()


def test_samples_on_stdout_are_json_lines() -> None:
    proc = cli([*SAMPLED_RUN, "--samples", "-"])
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) >= 2
    assert all(json.loads(line)["scenario"] == "steady" for line in lines)
    assert PASSED in proc.stderr


def test_rewriting_a_report_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("{}\n")
    target.chmod(0o640)
    proc = cli([*SHORT_RUN, "--json", str(target)], umask=0o077)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert json.loads(target.read_text())["results"]["tokens_received"] == 20


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_report_follows_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    target = tmp_path / "report.json"
    samples = tmp_path / "series.jsonl"
    proc = cli([*SAMPLED_RUN, "--json", str(target), "--samples", str(samples)], umask=umask)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert stat.S_IMODE(samples.stat().st_mode) == mode
    assert len(samples.read_text().splitlines()) >= 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "series.jsonl"]


def test_a_report_through_a_symlink_replaces_the_file_not_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("{}\n")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    proc = cli([*SHORT_RUN, "--json", str(link)])
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink()
    assert json.loads(real.read_text())["results"]["tokens_received"] == 20
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]
