"""``aiway-tui run SCENARIO --app``: a real client in a real pseudo-terminal, measured from its screen."""

from __future__ import annotations

import json
import shlex
import shutil
import sys
from pathlib import Path

import pytest

from aiway_tui.blackbox import runner
from aiway_tui.blackbox.keys import KeyError_, parse_keys
from aiway_tui.blackbox.report import as_dict, criteria_for, judge, results_of
from aiway_tui.blackbox.runner import AppRunResult, AppRunSpec, run_app_sync
from aiway_tui.blackbox.screen import ScreenWatch
from aiway_tui.cli.main import main
from aiway_tui.scenarios.catalogue import get_scenario
from aiway_tui.scenarios.metrics import black_box_metric_names
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
    # The scenario's own figures, as the server saw them: every token, one stream, no error,
    # paced by the schedule (3,000 tokens 1 ms apart take 3 s: never less, at most the time limit).
    assert results["streams_completed"] == 1
    assert results["errors"] == 0
    assert results["completed"] == 1
    assert 2.5 < results["duration_s"] < 60
    assert 0 < results["tokens_per_s"] <= 3000 / 2.5
    assert set(results) <= black_box_metric_names()
    verdicts = {c["metric"]: c for c in report["criteria"]}
    assert verdicts["tokens_sent"]["set"] == "scenario"
    assert verdicts["tokens_sent"]["passed"]
    assert verdicts["tokens_sent"]["name"] == "All 3,000 tokens received — as the server sent them"
    assert verdicts["errors"]["passed"]
    assert verdicts["problems"]["set"] == "black-box"
    assert report["criteria_not_measurable"] == ["lost", "duplicated", "reordered", "streams_failed"]
    assert "Delivery latency (scheduled -> on screen)" in out
    assert "Criteria of the scenario (rapid-tokens), measured from outside:" in out
    assert "Black-box criteria (any app):" in out
    assert code in (0, 1)  # the verdict (p99 < 100 ms, CPU) is the machine's; the figures are the test's


@needs_curl
def test_an_app_that_reads_part_of_the_reply_fails_the_scenarios_own_criteria() -> None:
    """``head`` stops reading after a few lines: the server saw a client leave, not every token sent."""
    script = 'curl -sN "$0/api/generate" -d "$1" | head -c 2000; read line'
    app = f"sh -c {shlex.quote(script)} {{url}} {shlex.quote(BODY)}"
    scenario = get_scenario("rapid-tokens")
    config = scenario.config.with_overrides(message_count=3000, message_delay_us=1000)
    result = run_app_sync(AppRunSpec(scenario, config, app, quit_keys=b"\r"))
    verdicts = judge(result)
    by_metric = {v.metric: v for v in verdicts.scenario}
    assert result.server["clients_left_early"] == 1
    assert not by_metric["tokens_sent"].passed
    assert by_metric["tokens_sent"].value is not None
    assert by_metric["tokens_sent"].value < 3000
    assert not by_metric["errors"].passed
    assert by_metric["quit_to_exit_ms"].passed  # the shell's read ends on Enter at once
    assert not verdicts.passed
    assert as_dict(result)["passed"] is False


def _spec(name: str, typist: bool = False) -> AppRunSpec:
    scenario = get_scenario(name)
    return AppRunSpec(scenario, scenario.config, "app", typist=typist)


def test_the_scenarios_own_criteria_apply_from_outside_and_the_black_box_set_fills_in() -> None:
    rapid = criteria_for(AppRunResult(_spec("rapid-tokens", typist=True), []))
    assert [c.metric for c in rapid.scenario] == [
        "tokens_sent", "duration_s", "quit_to_exit_ms", "errors", "delivery_p99_ms", "cpu_avg_percent"
    ]  # fmt: skip
    assert [c.threshold for c in rapid.scenario][2:] == [1000, 0, 100, 20]  # the scenario's own figures
    assert rapid.not_measurable == ("lost", "duplicated", "reordered", "streams_failed")
    # The black-box set: what any app must do, and keystroke echo where the scenario states none;
    # no second quit, delivery or CPU criterion beside the scenario's.
    assert [c.metric for c in rapid.black_box] == [
        "problems", "replies_unfinished", "markers_out_of_order_pct", "keystroke_p99_ms", "keystrokes_unseen"
    ]  # fmt: skip
    network = criteria_for(AppRunResult(_spec("network"), []))
    assert {c.metric for c in network.scenario} == {"tokens_sent", "delivery_p99_ms", "completed"}
    assert {"quit_to_exit_ms", "cpu_avg_percent"} <= {c.metric for c in network.black_box}
    assert "keystroke_p99_ms" not in {c.metric for c in network.black_box}  # no typist
    typing = criteria_for(AppRunResult(_spec("typing", typist=True), []))
    typing_config = get_scenario("typing").config
    scenario_keys = {c.metric: c.resolve(typing_config) for c in typing.scenario}
    assert scenario_keys["keystroke_p99_ms"] == 50  # the scenario's bound, not the black-box 100 ms
    assert scenario_keys["keystroke_max_ms"] == 100
    assert scenario_keys["tokens_sent"] == typing_config.message_count
    assert scenario_keys["tokens_per_s"] > 0
    assert "keystroke_p99_ms" not in {c.metric for c in typing.black_box}
    assert "keys_out_of_order" in typing.not_measurable
    leak = criteria_for(AppRunResult(_spec("1m-short"), []))
    growth = next(c for c in leak.scenario if c.metric == "memory_growth_mb")
    assert growth.label == "Memory growth < 100 MB — the app's process tree"


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


def test_our_demo_echoes_every_keystroke_typed_into_its_pty() -> None:
    """``--send i`` focuses the demo's input box; every key typed after it shows on screen.

    Keys are sent once the app has made its request (its run screen is up), the typist starts
    after a pause, and one lost key would count as one: the figures are counts, not times.
    """
    scenario = get_scenario("rapid-tokens")
    config = scenario.config.with_overrides(message_count=300_000)  # 3 s at 100K tok/s
    app = f"{sys.executable} -m aiway_tui demo rapid-tokens --connect {{url}} --count 300000"
    result = run_app_sync(AppRunSpec(scenario, config, app, send=b"i", quit_keys=b"\x03", typist=True))
    assert result.problems == []
    assert result.keys_sent_after == "the app made its request"
    assert result.keystrokes_typed == len(runner.TYPIST_TEXT)
    assert result.keystrokes_seen == result.keystrokes_typed
    results = results_of(result)
    assert results["keystrokes_unseen"] == 0
    assert 0 < results["keystroke_p50_ms"] <= results["keystroke_p99_ms"] <= results["keystroke_max_ms"]
    assert results["keystroke_max_ms"] <= runner.ECHO_S * 1000
    assert set(results) <= black_box_metric_names()
    # CPU and memory growth are the run's, not the app's tear-down (an exiting interpreter
    # frees tens of MB: growth read after the quit keys came out negative).
    assert result.tree is not None
    assert result.quit_sent_at is not None
    assert result.tree.stopped
    assert result.tree.ended_at <= result.quit_sent_at


DROPS_Z = """
import os, sys, threading, tty, urllib.request
tty.setraw(0)  # no line discipline: this app echoes (or not) each key itself
body = b'{"model": "m", "prompt": "hi"}'
reply = lambda: urllib.request.urlopen(sys.argv[1] + "/api/generate", data=body).read()
threading.Thread(target=reply, daemon=True).start()
os.write(1, b"type here> ")
while (key := os.read(0, 1)) != b"\\r":
    if key != b"Z":
        os.write(1, key)
"""


def test_a_key_the_app_drops_is_one_unseen_key_not_every_key_after_it() -> None:
    """A real app in the pty that never echoes ``Z``: four of the five keys are seen."""
    app = f"{shlex.quote(sys.executable)} -c {shlex.quote(DROPS_Z)} {{url}}"
    scenario = get_scenario("rapid-tokens")
    config = scenario.config.with_overrides(message_count=3000, message_delay_us=1000)
    result = run_app_sync(AppRunSpec(scenario, config, app, quit_keys=b"\r", typist=True))
    assert result.problems == []
    assert "Z" in runner.TYPIST_TEXT
    assert result.keystrokes_typed == len(runner.TYPIST_TEXT)
    assert result.keystrokes_seen == len(runner.TYPIST_TEXT.replace("Z", ""))
    verdicts = {v.metric: v for v in judge(result).black_box}
    assert verdicts["keystrokes_unseen"].value == runner.TYPIST_TEXT.count("Z")
    assert not verdicts["keystrokes_unseen"].passed
