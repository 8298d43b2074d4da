"""``aiway-tui run SCENARIO --app``: a real client in a real pseudo-terminal, measured from its screen."""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

import pytest

from aiway_tui.blackbox import runner
from aiway_tui.blackbox.keys import KeyError_, parse_keys
from aiway_tui.blackbox.report import results_of
from aiway_tui.blackbox.runner import AppRunSpec, run_app_sync
from aiway_tui.blackbox.screen import ScreenWatch
from aiway_tui.cli.main import main
from aiway_tui.scenarios.catalogue import get_scenario
from aiway_tui.serve.markers import MarkerLog, marker_word

CURL = shutil.which("curl")
needs_curl = pytest.mark.skipif(CURL is None, reason="curl is not installed")
BODY = '{"model": "whatever-the-app-names", "prompt": "hi"}'


def test_markers_are_found_on_an_emulated_screen_even_wrapped_and_framed() -> None:
    log = MarkerLog(every=10)
    log.scheduled.update({(0, 0): 1.0, (0, 1): 1.5, (0, 2): 2.0})
    watch = ScreenWatch(20, 5, log)
    word = marker_word(0, 1)
    # A framed box; the second marker wrapped over two rows inside the frame.
    frame = f"│{marker_word(0, 0)}   │\r\n│xx {word[:6]}│\r\n│{word[6:]}     │\r\n".encode()
    watch.feed(frame, 3.0)
    assert set(watch.seen) == {(0, 0), (0, 1)}
    assert watch.delivery.count == 2
    assert watch.delivery.summary().max_ms == pytest.approx(2000.0, rel=0.01)
    watch.feed(f"{marker_word(0, 2)}\r\n".encode(), 4.0)
    assert watch.seen[(0, 2)] == 4.0
    assert watch.out_of_order == 0


def test_the_key_syntax() -> None:
    assert parse_keys("hello<Enter>") == b"hello\r"
    assert parse_keys("ctrl+c") == b"\x03"
    assert parse_keys("<ctrl+d>q") == b"\x04q"
    with pytest.raises(KeyError_):
        parse_keys("<hyper>")


@needs_curl
def test_curl_in_a_pty_is_measured_from_its_screen(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = 'curl -sN "$0/api/generate" -d "$1"; read line'
    app = f"sh -c {shlex.quote(script)} {{url}} {shlex.quote(BODY)}"
    target = tmp_path / "bb.json"
    code = main(
        ["run", "rapid-tokens", "--count", "3000", "--delay-us", "1000", "--app", app,
         "--quit-keys", "<Enter>", "--json", str(target)]
    )  # fmt: skip
    out = capsys.readouterr().out
    report = json.loads(target.read_text())
    results = report["results"]
    assert report["problems"] == [], out
    assert results["tokens_sent"] == 3000
    assert results["markers_sent"] == 60
    assert results["markers_drawn"] >= 50  # a terminal that is not throttled shows nearly every one
    assert results["markers_out_of_order"] == 0
    assert report["latency"]["delivery"]["count"] == results["markers_drawn"]
    assert 0 < results["delivery_p99_ms"] < 3000
    assert results["screen_updates"] > 1
    assert results["bytes_per_s"] > 0
    assert "quit_to_exit_ms" in results
    assert "cpu_avg_percent" in results
    assert results["rss_peak_mb"] > 0
    assert report["server"]["replies_completed"] == 1
    assert "Delivery latency (scheduled -> on screen)" in out
    assert code in (0, 1)  # the verdict (p99 < 100 ms, CPU) is the machine's; the figures are the test's


def test_a_command_that_does_not_exist_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "rapid-tokens", "--app", "no-such-command-aiway --flag"]) == 2
    err = capsys.readouterr().err
    assert "cannot run 'no-such-command-aiway'" in err
    assert len(err.strip().splitlines()) == 1


def test_an_app_that_exits_at_once_gets_a_failing_report() -> None:
    spec = AppRunSpec(get_scenario("rapid-tokens"), get_scenario("rapid-tokens").config, "sh -c 'echo bye'")
    result = run_app_sync(spec)
    assert result.problems == ["the app exited at once, before it made a request"]
    assert results_of(result)["problems"] == 1


def test_an_app_that_never_draws_is_reported_not_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "STARTUP_S", 1.0)
    spec = AppRunSpec(get_scenario("rapid-tokens"), get_scenario("rapid-tokens").config, "sleep 30")
    result = run_app_sync(spec)
    assert result.problems == ["the app drew nothing in 1 s"]
    assert result.exit_code != 0  # it was ended, not waited for


def test_typed_text_is_seen_only_when_it_appears_once_more() -> None:
    watch = ScreenWatch(40, 5, MarkerLog(every=10))
    watch.feed(b"size: lazy zebra\r\n", 1.0)  # a 'z' already on screen is not the echo
    watch.want("z")
    watch.feed(b"more text\r\n", 2.0)
    assert watch.wanted_seen_at is None
    watch.feed(b"> z", 3.0)
    assert watch.wanted_seen_at == 3.0


def test_a_synchronized_frame_is_read_whole_and_the_query_answered() -> None:
    log = MarkerLog(every=10)
    log.scheduled[(0, 0)] = 0.5
    watch = ScreenWatch(40, 5, log)
    assert watch.feed(b"\x1b[?2026$p", 0.9) == b"\x1b[?2026;2$y"  # we say we support mode 2026
    watch.feed(b"\x1b[?2026h" + marker_word(0, 0).encode(), 1.0)
    assert watch.seen == {}  # mid-frame: a terminal shows nothing of it yet
    watch.feed(b" rest of the frame\x1b[?2026l", 2.0)
    assert watch.seen == {(0, 0): 2.0}
    assert watch.sync_frames == 1
    assert watch.screen_updates == 1


@needs_curl
def test_the_typist_times_each_echo_of_a_real_terminal(tmp_path: Path) -> None:
    """The pty's own line discipline echoes what is typed while a (quiet) client streams."""
    script = 'echo ready; curl -sN "$0/api/generate" -d "$1" > /dev/null; read line'
    app = f"sh -c {shlex.quote(script)} {{url}} {shlex.quote(BODY)}"
    scenario = get_scenario("cpu-streaming")
    config = scenario.config.with_overrides(message_count=150, idle_s=0.0)  # 3 s at 50 tok/s
    result = run_app_sync(AppRunSpec(scenario, config, app, quit_keys=b"\r", typist=True))
    assert result.problems == []
    assert result.keystrokes_typed == result.keystrokes_seen == len(runner.TYPIST_TEXT)
    summary = result.keystroke.summary()
    assert 0 < summary.min_ms <= summary.p99_ms < 1000
    assert result.quit_to_exit_ms is not None
