"""Faults inside a run: a failing task ends the run in order, with a report, exit code 1.

Each fault is injected test-side by wrapping one method of the real class so
that it works a few times (so there is something counted) and then raises.
The run goes through the real CLI, app (headless), channel and Trio nursery.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest
import trio

from aiway_tui.cli.main import main
from aiway_tui.core.conductor import MockConductor
from aiway_tui.core.tracker import MessageTracker
from aiway_tui.measure.resources import ResourceSampler
from aiway_tui.ui.chat_app import ChatApp


class InjectedFault(RuntimeError):
    pass


def fail_after(calls: int, method: Callable[..., Any], exc: BaseException) -> Callable[..., Any]:
    """``method``, working normally ``calls`` times, then raising ``exc``."""
    seen = 0

    def count() -> None:
        nonlocal seen
        seen += 1
        if seen > calls:
            raise exc

    if inspect.iscoroutinefunction(method):

        @functools.wraps(method)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            count()
            return await method(*args, **kwargs)

        return async_wrapper

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        count()
        return method(*args, **kwargs)

    return wrapper


FAULTS: list[tuple[str, type, str, int, BaseException]] = [
    ("conductor", MockConductor, "_send", 20, InjectedFault("conductor lost its model")),
    ("consumer", MessageTracker, "record", 20, InjectedFault("consumer choked")),
    ("painter", ChatApp, "paint", 3, InjectedFault("render exploded")),
    ("probes", ResourceSampler, "sample", 2, psutil.AccessDenied(pid=1, name="probe")),
]


@pytest.mark.parametrize(
    ("task", "owner", "method", "calls", "exc"), FAULTS, ids=[fault[0] for fault in FAULTS]
)
def test_a_failing_task_ends_the_run_with_a_report_and_exit_1(
    task: str,
    owner: type,
    method: str,
    calls: int,
    exc: BaseException,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(owner, method, fail_after(calls, getattr(owner, method), exc))
    target = tmp_path / "report.json"
    code = main(["run", "rapid-tokens", "--count", "1000000", "--time-limit", "30", "--json", str(target)])
    out = capsys.readouterr().out
    assert code == 1
    report = json.loads(target.read_text())
    assert report["ending"] == "failed"
    assert report["failed_task"] == task
    assert report["failure"] == f"{type(exc).__name__}: {exc}"
    assert report["passed"] is False
    results = report["results"]
    assert 0 < results["tokens_received"] < 1_000_000  # counted up to the fault, no further
    if task == "consumer":  # the item in the failing consumer's hands was taken, never counted
        assert 0 < results["tokens_unaccounted"] <= 1024
    else:  # what was sent was received or is still in the channel
        assert results["tokens_unaccounted"] == 0
    assert (results["lost"], results["duplicated"], results["reordered"]) == (0, 0, 0)
    assert results["errors"] >= 1
    assert f"Failure: {type(exc).__name__}: {exc} (in {task})" in out
    assert "Ending: failed" in out


def test_a_hung_task_is_cancelled_at_the_deadline_and_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    send = MockConductor._send

    async def send_then_hang(
        self: MockConductor, channel: Any, item: Any, messages: int = 0, chars: int = 0
    ) -> None:
        if self.items_sent >= 10:
            await trio.sleep_forever()  # a conductor that stops answering, without failing
        await send(self, channel, item, messages, chars)

    monkeypatch.setattr(MockConductor, "_send", send_then_hang)
    target = tmp_path / "report.json"
    code = main(["run", "1m-short", "--time-limit", "1", "--json", str(target)])
    out = capsys.readouterr().out
    assert code == 1
    report = json.loads(target.read_text())
    assert report["ending"] == "timed out"
    assert set(report["cancelled_tasks"]) >= {"conductor", "consumer", "painter", "probes"}
    assert report["results"]["tokens_received"] == report["results"]["tokens_sent"] > 0
    assert 1.0 <= report["results"]["duration_s"] < 5.0
    still_running = next(line for line in out.splitlines() if "Ending: timed out; still running:" in line)
    assert all(name in still_running for name in ("conductor", "consumer", "painter", "probes"))
