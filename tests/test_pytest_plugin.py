"""The ``aiway`` fixture in a user's project, as plugins test themselves: pytester, in a subprocess.

Each run is a fresh ``pytest`` in a temporary project that has nothing but
its test file (and, for trio_mode, an ini): the plugin comes from the
installed package's ``pytest11`` entry point, as it would for a user.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

USER_TESTS = """
import asyncio
import dataclasses

import pytest
import trio

from aiway_tui import ConfigError, Criterion, get_scenario


async def test_view_keeps_up(aiway):
    report = await aiway.run("1m-short", message_count=3_000, streams=3)
    report.assert_passed()
    assert report.results["tokens_received"] == 3_000
    assert aiway.reports == [report]


async def test_an_impossible_bar_fails_with_each_criterion_on_its_line(aiway):
    base = get_scenario("1m-short")
    strict = dataclasses.replace(
        base,
        name="strict",
        criteria=(
            *base.criteria,
            Criterion("Faster than light", "tokens_per_s", ">", 1e15),
            Criterion("No frames at all", "frames", "==", -1),
        ),
    )
    report = await aiway.run(strict, message_count=1_000)
    report.assert_passed()


async def test_a_misspelt_override_is_named_before_anything_runs(aiway):
    with pytest.raises(ConfigError, match="unknown RunConfig field mesage_count; known: message_count"):
        await aiway.run("1m-short", mesage_count=10)
    with pytest.raises(ConfigError, match="message_count"):
        await aiway.run("1m-short", message_count=0)
    with pytest.raises(ConfigError, match="unknown scenario 'no-such'"):
        await aiway.run("no-such")
    with pytest.raises(ConfigError, match="'no-such-view': not a built-in"):
        await aiway.run("1m-short", target="no-such-view")
    with pytest.raises(ConfigError, match="unknown feed 'sometimes'; known: per-frame, per-token"):
        await aiway.run("1m-short", feed="sometimes")
    assert aiway.reports == []


MARK
async def test_a_plain_trio_test_still_runs_in_plain_trio():
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()  # no asyncio host: trio.run, not the guest runner
    await trio.sleep(0)
"""


@pytest.mark.parametrize("trio_mode", [False, True], ids=["marked", "trio_mode"])
def test_the_fixture_runs_passing_and_failing_tests_beside_plain_trio_ones(
    pytester: pytest.Pytester, trio_mode: bool
) -> None:
    if trio_mode:
        pytester.makeini("[pytest]\ntrio_mode = true\n")
    pytester.makepyfile(test_user=USER_TESTS.replace("MARK", "" if trio_mode else "@pytest.mark.trio"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error", "--strict-markers")
    result.assert_outcomes(passed=3, failed=1)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: 1M Short Messages (strict) failed, ending completed:",
            "*❌ Faster than light  [[]tokens_per_s = *, needs > 1e+15[]]",
            "*❌ No frames at all  [[]frames = *, needs == -1[]]",
        ]
    )
    error = out[: out.index("Captured aiway call")]  # the failure itself, before the report's text
    assert error.count("❌") == 2, out  # the failed criteria, not the passed ones
    assert "✅" not in error, out
    result.stdout.fnmatch_lines(["*Captured aiway call*", "=== Stress Test Results: 1M Short Messages ==="])


TARGET_TESTS = """
from textual.widgets import Log

from aiway_tui import WidgetTarget

APPENDS = []


class RecordingLog(WidgetTarget):
    def __init__(self):
        super().__init__(Log())

    def append(self, stream, text):
        APPENDS.append(text)
        return super().append(stream, text)


def assert_intact(report, tokens):
    r = report.results
    assert report.ending == "completed"
    assert r["tokens_received"] == r["tokens_sent"] == tokens
    assert (r["lost"], r["duplicated"], r["reordered"], r["streams_failed"]) == (0, 0, 0, 0)


async def test_per_token_appends_once_a_token(aiway):
    APPENDS.clear()
    report = await aiway.run("1m-short", target=RecordingLog, feed="per-token", message_count=500, streams=2)
    assert_intact(report, 500)
    assert (report.target, report.feed) == ("test_targets:RecordingLog", "per-token")
    assert len(APPENDS) == 500
    assert sum(map(len, APPENDS)) == report.results["chars_received"]


async def test_per_frame_coalesces(aiway):
    APPENDS.clear()
    report = await aiway.run("1m-short", target=RecordingLog, message_count=20_000, streams=2)
    assert_intact(report, 20_000)
    assert report.feed == "per-frame"
    assert 2 <= len(APPENDS) < 2_000


async def test_a_builtin_by_name(aiway):
    report = await aiway.run("1m-short", target="markdown", feed="per-token", message_count=200)
    assert_intact(report, 200)
    assert report.target == "markdown"
    assert report.latency["delivery"].count == 200
"""


def test_target_and_feed_reach_the_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_targets=TARGET_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error", "--strict-markers")
    result.assert_outcomes(passed=3)


def test_a_sync_test_that_asks_for_the_fixture_is_told_why_not(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_sync="def test_sync(aiway):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*test_sync: a test that uses aiway must be 'async def'*"])


def test_without_pytest_trio_the_fixture_says_what_is_missing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_no_trio="async def test_it(aiway):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:trio")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*the aiway fixture needs pytest-trio installed*"])


README = Path(__file__).parent.parent / "README.md"
EXAMPLE_MARK = "<!-- the aiway example: tests/test_pytest_plugin.py runs this block as a user's test file -->"


def readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    after = text[text.index(EXAMPLE_MARK) + len(EXAMPLE_MARK) :]
    block = re.match(r"\s*```python\n(.*?)```", after, re.DOTALL)
    assert block is not None, "the README's plugin example is not a python block after its mark"
    return block.group(1)


def test_the_readmes_example_runs_and_says_why_it_fails(pytester: pytest.Pytester) -> None:
    """The example as written: a ``Log`` fed rapid-tokens. It passes, or (as on our machines)
    fails naming exactly the criteria its report fails, with nothing lost."""
    pytester.makepyfile(test_readme_example=readme_example())
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error", "--strict-markers")
    if result.ret == pytest.ExitCode.OK:
        result.assert_outcomes(passed=1)
        return
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    error, report = out.split("Captured aiway call", 1)
    assert "=== Stress Test Results: Rapid Token Streaming ===" in report
    for intact in ("Zero lost", "Zero duplicated", "Zero reordered", "Every stream verified"):
        assert f"✅ {intact}" in report  # however far behind it fell, nothing was lost
    # The report's own failed criteria, and the assertion's: each once, in order (pytest's short
    # summary at the end repeats the assertion's message).
    report = report.split("short test summary info", 1)[0]
    failed_in_report = list(dict.fromkeys(re.findall(r"❌ (.*?\])", report)))
    assert failed_in_report, report
    assert list(dict.fromkeys(re.findall(r"❌ (.*?\])", error))) == failed_in_report
