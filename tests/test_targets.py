"""Targets: any view under the same stress, the same proof, and delivery measured at its render."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import trio
from textual.app import App
from textual.geometry import Region
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widgets import Header

from aiway_tui import RunReport, SessionOptions, check_report, get_scenario, run_session
from aiway_tui.core.config import RunConfig
from aiway_tui.core.feed import FEEDS, Feed
from aiway_tui.core.pipeline import Pipeline
from aiway_tui.scenarios.catalogue import SCENARIOS
from aiway_tui.session.demo import run_demo
from aiway_tui.targets import BUILTINS, TargetError, resolve_target
from aiway_tui.targets.builtin import MarkdownTarget
from aiway_tui.testing import usage_error_line
from aiway_tui.ui.chat_app import ChatApp
from aiway_tui.ui.demo_app import DemoApp
from aiway_tui.ui.host import run_as_guest

from . import views

TESTS = Path(__file__).parent
ROOT = TESTS.parent
SCENARIO = get_scenario("rapid-tokens")
SMALL = SCENARIO.config.with_overrides(message_count=240, streams=2, time_limit_s=60)
PACED = SCENARIO.config.with_overrides(message_count=16, message_delay_us=120_000, fps=10, time_limit_s=60)
"""A token every 120 ms at 10 frames/s: each token painted as it comes (none waits for a
frame beat) and rendered late by the slow views, with time between."""


async def _run(
    target: object,
    feed: Feed = "per-frame",
    config: RunConfig = SMALL,
    on_ready: Callable[[Any, Pipeline, Pilot[object]], object] | None = None,
) -> RunReport:
    options = SessionOptions(handle_signals=False, target=target, feed=feed)
    with trio.fail_after(120):
        return await run_session(SCENARIO, config, options, on_ready=on_ready)


def _assert_exact(report: RunReport) -> None:
    """Every token received, in order, verified by count and CRC-32, and all of it on screen."""
    r = report.results
    assert report.failure is None, report.failure
    assert report.ending == "completed"
    assert r["tokens_received"] == r["tokens_sent"] == report.config["message_count"]
    assert r["lost"] == r["duplicated"] == r["reordered"] == r["corrupted_streams"] == 0
    assert r["streams_intact"] == report.config["streams"]
    assert r["tokens_painted"] == r["tokens_received"]
    assert r["tokens_shown_per_s"] > 0


def _render_delay_shown(report: RunReport) -> bool:
    """Whether every token's delivery latency includes the render's known delay.

    Each token is scheduled before the paint that hands it over, and the render
    that shows it completes at least the delay after that paint: so the shortest
    honest delivery latency is the delay (less the histogram's rounding). One
    counted at the call is shorter for the tokens painted as soon as they came.
    """
    return report.latency["delivery"].min_ms >= 0.98 * views.RENDER_DELAY_S * 1000


@pytest.mark.trio(run=run_as_guest)
@pytest.mark.parametrize("feed", FEEDS)
@pytest.mark.parametrize("name", list(BUILTINS))
async def test_each_builtin_shows_a_small_scenario_exactly(name: str, feed: Feed) -> None:
    report = await _run(name, feed)
    _assert_exact(report)
    assert (report.target, report.feed) == (name, feed)
    payload = report.as_dict()
    assert (payload["target"], payload["feed"]) == (name, feed)
    assert check_report(payload) == []


@pytest.mark.trio(run=run_as_guest)
@pytest.mark.parametrize("feed", FEEDS)
async def test_a_render_late_by_a_known_delay_shows_in_delivery_latency(feed: Feed) -> None:
    report = await _run(views.LateTarget, feed, PACED)
    _assert_exact(report)
    assert _render_delay_shown(report), report.latency["delivery"]


@pytest.mark.trio(run=run_as_guest)
async def test_a_target_reporting_delivery_at_the_call_is_caught() -> None:
    report = await _run(views.DeliveredAtTheCall, "per-frame", PACED)
    assert not _render_delay_shown(report), report.latency["delivery"]


def _late_transcript(app: ChatApp, _pipeline: Pipeline, _pilot: Pilot[object]) -> None:
    """Our own transcript, every render completing the known delay late."""
    view = app.transcript
    render_lines = view.render_lines

    def late(crop: Region) -> list[Strip]:
        time.sleep(views.RENDER_DELAY_S)
        return render_lines(crop)

    view.render_lines = late  # type: ignore[method-assign]


def _delivering_at_the_call(app: ChatApp, pipeline: Pipeline, pilot: Pilot[object]) -> None:
    """The same, and the transcript broken to report delivery when it is handed the text."""
    _late_transcript(app, pipeline, pilot)
    view = app.transcript

    def at_once(tokens: int, oldest: float, done: Callable[[int, float], None]) -> None:
        done(tokens, oldest)

    def now(callback: Callable[[], None]) -> None:
        callback()

    view.expect_delivery = at_once  # type: ignore[method-assign,assignment]
    view.when_rendered = now  # type: ignore[method-assign]


@pytest.mark.trio(run=run_as_guest)
@pytest.mark.parametrize("feed", FEEDS)
async def test_our_transcript_reports_delivery_at_the_render_not_the_call(feed: Feed) -> None:
    target = None if feed == "per-frame" else "transcript"
    report = await _run(target, feed, PACED, _late_transcript)
    _assert_exact(report)
    assert _render_delay_shown(report), report.latency["delivery"]
    broken = await _run(target, feed, PACED, _delivering_at_the_call)
    assert not _render_delay_shown(broken), broken.latency["delivery"]


@pytest.mark.trio(run=run_as_guest)
async def test_a_custom_target_by_module_attr_with_an_async_append() -> None:
    report = await _run("tests.views:AsyncView", "per-token")
    _assert_exact(report)
    assert report.target == "tests.views:AsyncView"


@pytest.mark.trio(run=run_as_guest)
async def test_a_custom_target_by_file_path() -> None:
    spec = f"{TESTS / 'views.py'}:LateTarget"
    report = await _run(spec, "per-frame")
    _assert_exact(report)
    assert report.target == spec


def _readme_examples(tmp_path: Path) -> Path:
    """The Python blocks of the README's "Stress your own view", as one module file."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Stress your own view", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 2, blocks
    path = tmp_path / "readme_view.py"
    path.write_text("\n\n".join(blocks), encoding="utf-8")
    return path


@pytest.mark.trio(run=run_as_guest)
@pytest.mark.parametrize(("attr", "feed"), [("ChatView", "per-token"), ("LogTarget", "per-frame")])
async def test_the_readme_examples_are_working_targets(tmp_path: Path, attr: str, feed: Feed) -> None:
    report = await _run(f"{_readme_examples(tmp_path)}:{attr}", feed)
    _assert_exact(report)


@pytest.mark.trio(run=run_as_guest)
async def test_a_whole_app_factory_is_stressed_with_its_own_css_and_layout() -> None:
    seen: list[Any] = []

    def look(app: Any, _pipeline: Pipeline, _pilot: Pilot[object]) -> None:
        seen.append(app)
        assert isinstance(app, views.MyChatApp)
        assert app.query(Header)
        assert app.log_view.styles.border_top[0] == "round"

    report = await _run("tests.views:my_chat_app", "per-frame", on_ready=look)
    _assert_exact(report)
    assert len(seen) == 1
    assert seen[0] in views.MyChatApp.mounted
    assert report.quit.total_ms is not None  # its quit path was timed, as ours is


@pytest.mark.trio(run=run_as_guest)
async def test_a_target_that_never_renders_is_ended_by_the_deadline_in_order() -> None:
    config = SMALL.with_overrides(time_limit_s=2)
    started = time.perf_counter()
    report = await _run(views.NeverRenders, "per-frame", config)
    assert report.ending == "timed out"
    assert report.failure is None
    r = report.results
    assert r["tokens_received"] == r["tokens_sent"]
    assert r["lost"] == 0
    assert r["tokens_painted"] == 0
    assert r["tokens_shown_per_s"] == 0
    assert time.perf_counter() - started < 30


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "aiway_tui", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
        check=False,
    )


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("no_such_module_xyz:View", "cannot import no_such_module_xyz: ModuleNotFoundError"),
        ("tests.views:NoSuchView", "tests.views has no attribute 'NoSuchView'"),
        ("tests.views:NOT_A_VIEW", "int is not a Target"),
        ("textual.widgets:Static", "widget Static has no append(text) or write(text)"),
        ("/no/such/view.py:View", "no such file: /no/such/view.py"),
        ("markdwon", "not a built-in"),
    ],
)
@pytest.mark.parametrize("command", ["run", "demo", "quit-latency"])
def test_a_bad_target_is_one_line_and_exit_2_before_anything_runs(command: str, spec: str, says: str) -> None:
    argv = [command, "rapid-tokens", "--target", spec] if command == "run" else [command, "--target", spec]
    done = _cli(*argv)
    assert says in usage_error_line(argv, done.stdout, done.stderr, done.returncode)


def test_a_target_file_that_fails_to_import_is_one_line_and_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("import this_module_is_missing_xyz\n", encoding="utf-8")
    argv = ["run", "rapid-tokens", "--target", f"{broken}:View"]
    done = _cli(*argv)
    line = usage_error_line(argv, done.stdout, done.stderr, done.returncode)
    assert "ModuleNotFoundError" in line
    assert "this_module_is_missing_xyz" in line


def test_a_target_raising_in_append_fails_in_order_with_a_report_naming_it(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    spec = "tests.views:RaisingView"
    done = _cli(
        "run", "rapid-tokens", "--count", "2000", "--target", spec, "--feed", "per-token", "--json", str(out)
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert f"target {spec} raised in append: ValueError: the view broke" in done.stdout
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["ending"] == "failed"
    assert report["failed_task"] == "painter"
    assert report["target"] == spec
    assert report["feed"] == "per-token"
    assert report["results"]["lost"] == 0
    assert report["results"]["duplicated"] == 0


def test_a_view_raising_in_its_render_fails_the_run_in_order_with_the_counts(tmp_path: Path) -> None:
    """Textual catches a render error and ends the app; the run ends as failed, in the app,
    with nothing lost, not as a quit with no error."""
    out = tmp_path / "report.json"
    done = _cli(
        "run",
        "rapid-tokens",
        "--count",
        "20000",
        "--target",
        "tests.views:BreaksInRender",
        "--json",
        str(out),
    )
    assert done.returncode == 1, done.stderr
    assert "Failure: ValueError: the render broke (in app)" in done.stdout
    report = json.loads(out.read_text(encoding="utf-8"))
    assert (report["ending"], report["failed_task"]) == ("failed", "app")
    assert report["results"]["lost"] == 0
    assert report["results"]["duplicated"] == 0


def test_list_targets_says_how_each_builtin_bounds_its_history() -> None:
    done = _cli("list", "--targets")
    assert done.returncode == 0, done.stderr
    for name in BUILTINS:
        line = next(line for line in done.stdout.splitlines() if line.startswith(name + " "))
        assert "bounded" in line or "per reply" in line, line


def test_resolve_target_takes_names_objects_and_sources() -> None:
    assert resolve_target("markdown") is BUILTINS["markdown"]
    source = resolve_target(views.LateTarget)
    assert source.name == "tests.views:LateTarget"
    assert resolve_target(source) is source
    with pytest.raises(TargetError, match="used once"):
        resolve_target(views.LateTarget())


@pytest.mark.trio(run=run_as_guest)
@pytest.mark.parametrize("feed", FEEDS)
async def test_the_demo_shows_a_target_in_its_run_screen(feed: Feed) -> None:
    options = SessionOptions(handle_signals=False, target="log", feed=feed)
    configs = {s.name: s.config for s in SCENARIOS} | {SCENARIO.name: SMALL}
    seen: list[bool] = []

    def look(app: DemoApp, _pilot: Pilot[object]) -> None:
        seen.append(isinstance(app, DemoApp))

    with trio.fail_after(120):
        result = await run_demo(SCENARIOS, configs, SCENARIO.name, options, size=(120, 36), on_ready=look)
    [report] = result.reports
    _assert_exact(report)
    assert (report.target, report.feed) == ("log", feed)
    assert seen == [True]


def test_the_demo_refuses_a_whole_app_in_one_line() -> None:
    argv = ["demo", "--target", "tests.views:my_chat_app"]
    done = _cli(*argv)
    assert "not a whole app" in usage_error_line(argv, done.stdout, done.stderr, done.returncode)


def test_samples_json_and_compare_work_on_a_target(tmp_path: Path) -> None:
    samples, out = tmp_path / "samples.jsonl", tmp_path / "report.json"
    view = ["--target", "log", "--feed", "per-token"]
    done = _cli(
        "run", "rapid-tokens", "--count", "3000", *view, "--samples", str(samples), "--json", str(out)
    )
    assert done.returncode in (0, 1), done.stderr
    assert "View: log (per-token feed)" in done.stdout
    lines = [json.loads(line) for line in samples.read_text(encoding="utf-8").splitlines()]
    assert lines
    assert all(line["scenario"] == "rapid-tokens" for line in lines)
    assert max(line["tokens"] for line in lines) > 0
    compared = _cli("compare", str(out), str(out))
    assert compared.returncode == 0, compared.stderr
    assert "rapid-tokens [log, per-token]" in compared.stdout


def test_an_async_target_cut_off_by_the_deadline_ends_in_order_leaving_nothing_unawaited() -> None:
    done = _cli("run", "rapid-tokens", "--target", "markdown", "--time-limit", "2", "--quiet")
    assert done.returncode == 1, done.stderr
    assert "Ending: timed out" in done.stdout
    assert "Lost: 0   Duplicated: 0   Reordered: 0" in done.stdout
    assert done.stderr == ""


def test_a_markdown_append_still_queued_when_the_app_exits_ends_quietly_uncounted() -> None:
    """The run ended mid-reply: ``MarkdownStream``'s task may still apply text once the app
    is exiting (nothing is attached then). That append shows nothing and counts nothing,
    and raises nothing into a task whose exception no one retrieves."""
    target = BUILTINS["markdown"].build(80).target
    assert isinstance(target, MarkdownTarget)
    markdown = target.markdown

    async def exit_mid_reply() -> int:
        app: App[None] = App()
        async with app.run_test():
            await app.mount(markdown)
            await markdown.append("reply\n\n# a head")
            shown = markdown.applied
            app.exit()
            await markdown.append("ing\n\nand more")  # the heading block is replaced: a mount
            assert markdown.applied == shown
        return shown

    assert asyncio.run(exit_mid_reply()) == len("reply\n\n# a head")
