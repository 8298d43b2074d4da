"""The measuring options from the command line, and the JSON and JSONL against their declared shape."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pexpect
import pytest

from aiway_tui.cli.main import main
from aiway_tui.cli.progress import ProgressLine
from aiway_tui.report.samples import SAMPLE_FIELDS, Snapshot, check_sample_line
from aiway_tui.report.schema import check_report

# ~1 s paced at 100K tok/s: long enough for ~10 samples. (1m-short's criteria,
# not rapid-tokens' p99 delivery latency, which a busy machine can push over.)
RUN = ["run", "1m-short", "--count", "100000", "--delay-us", "10"]


def test_json_and_samples_fit_their_declared_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report_path, samples_path = tmp_path / "r.json", tmp_path / "s.jsonl"
    assert main([*RUN, "--json", str(report_path), "--samples", str(samples_path), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # --quiet: no progress
    for heading in ("Latency (ms)", "UI-thread lag", "Frames painted", "Threads:", "File descriptors:"):
        assert heading in captured.out
    report = json.loads(report_path.read_text())
    assert check_report(report) == []
    assert report["probes"] is True
    lines = samples_path.read_text().splitlines()
    assert len(lines) >= 5
    rows = [check_sample_line(line) for line in lines]
    assert [row["t_s"] for row in rows] == sorted(row["t_s"] for row in rows)
    assert rows[-1]["tokens"] > rows[0]["tokens"]
    assert all(row["scenario"] == "1m-short" for row in rows)


def test_the_shape_checkers_reject_what_does_not_fit() -> None:
    with pytest.raises(ValueError, match="fields"):
        check_sample_line('{"t_s": 1}')
    good = {name: ("x" if kind is str else 1) for name, kind in SAMPLE_FIELDS.items()}
    assert check_sample_line(json.dumps(good))
    with pytest.raises(ValueError, match="tokens"):
        check_sample_line(json.dumps(good | {"tokens": "many"}))
    assert "missing probes" in check_report({"scenario": "x"})


def test_without_probes_the_report_still_fits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report_path = tmp_path / "r.json"
    assert main([*RUN, "--no-probes", "--json", str(report_path)]) == 0
    report = json.loads(report_path.read_text())
    assert report["probes"] is False
    assert "ui_lag" not in report["latency"]
    assert check_report(report, probes=False) == []
    assert "probes off" in capsys.readouterr().out


def test_plain_progress_lines_when_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "1m-short", "--count", "250000", "--delay-us", "10"]) == 0  # ~2.5 s
    err = capsys.readouterr().err
    assert "\r" not in err
    assert "1m-short:" in err
    assert "tok/s" in err
    assert "eta" in err


def _snapshot(t: float, tokens: int) -> Snapshot:
    return Snapshot("s", t, tokens, 0.0, 0, 0, 0.0, 0.0, 0.0)


def test_progress_on_a_terminal_rewrites_one_line() -> None:
    out = io.StringIO()
    line = ProgressLine(out, total=1000, tty=True)
    line(_snapshot(0.5, 250))
    line(_snapshot(0.6, 300))  # under the rewrite interval: skipped
    line(_snapshot(1.0, 500))
    line.close()
    text = out.getvalue()
    assert line.writes == 2
    assert "\n" not in text
    assert "\rs:  25.0% 250/1,000 tok  500 tok/s  eta 1.5s" in text
    assert "50.0%" in text
    assert text.endswith("\r")


def test_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "run.html"
    code = main(["run", "1m-short", "--count", "20000", "--quiet", "--profile", str(profile)])
    # The tool slows the run, so its throughput criterion may miss (a verdict,
    # exit 1); what is tested here is that the run completes with it.
    assert code in (0, 1)
    html = profile.read_text()
    assert "<html" in html.lower()
    assert "pyinstrument" in html.lower()
    assert "Ending: completed" in capsys.readouterr().out


def test_trace_memory(capsys: pytest.CaptureFixture[str]) -> None:
    # Not in the same run as --profile here: under tracemalloc, pyinstrument's
    # samples of pytest's deep stacks are traced too, and the run takes minutes.
    code = main(["run", "1m-short", "--count", "20000", "--quiet", "--trace-memory"])
    assert code in (0, 1)
    out = capsys.readouterr().out
    assert "Ending: completed" in out
    assert "Top 15 allocation sites" in out
    assert out.count(" KiB in ") == 15


@pytest.mark.parametrize("flag", ["--samples", "--profile"])
def test_unwritable_output_is_exit_2(flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*RUN, flag, str(tmp_path / "missing" / "x")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"aiway-tui: error: {flag}")
    assert err.count("\n") == 1


def test_progress_rewrites_one_line_on_a_real_terminal() -> None:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "aiway_tui", "run", "1m-short", "--count", "100000", "--delay-us", "10"],
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 120),
    )
    child.expect(pexpect.EOF)
    child.close()
    text = child.before
    assert child.exitstatus == 0
    head = text.split("=== Stress Test Results")[0]
    assert head.count("\r1m-short:") >= 2  # rewritten in place, several times
    assert "%" in head
    assert "eta" in head


@pytest.mark.parametrize("flag", ["--samples", "--profile", "--json"])
def test_a_folder_as_output_is_exit_2(flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*RUN, flag, str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
