"""``aiway-tui run SCENARIO --app "COMMAND"``: one app, its own process in a pseudo-terminal, measured.

The server plays the run's scenario to every request (markers on); the app
gets the server's address in the variables its clients read and in
``{url}``; keys are sent as a person would; the app's output is read as a
terminal reads it. Every way an app can fail to take part (not found, exits
at once, never draws, never asks, never quits) ends in a report that says
so, within a bounded time.
"""

from __future__ import annotations

import os
import shlex
import shutil
import time
from dataclasses import dataclass, field
from typing import Any

import pexpect
import trio

from ..core.config import RunConfig
from ..measure.latency import LatencyRecorder
from ..scenarios.catalogue import SCENARIOS, Scenario
from ..serve.catalogue import ModelCatalogue
from ..serve.counts import ServerCounts
from ..serve.markers import MarkerLog
from ..serve.server import MockServer
from .process_tree import TreeSampler
from .screen import ScreenWatch

STARTUP_S = 20.0
"""How long the app may take to draw anything."""
REQUEST_S = 20.0
"""How long after the keys the app may take to make its first request."""
SETTLE_S = 0.5
"""Still screen that counts as ready for keys; a person's pause between the prompt keys and typing."""
READY_S = 5.0
"""Longest wait for an app that neither asks nor goes still (an animation) before its keys are sent."""
QUIT_S = 10.0
MARKER_EVERY = 50
TYPIST_TEXT = "ZJXWV"
"""Capitals few apps bind to a key (``q`` would quit many); the reply text holds no Z, J or X."""
TYPIST_GAP_S = 0.15
ECHO_S = 3.0
"""Longest wait for one key's echo (a busy machine's app may be slow; a lost key costs this once)."""


class AppNotFound(ValueError):
    """The command does not exist or cannot be run: one line, exit code 2."""


@dataclass(frozen=True, slots=True)
class AppRunSpec:
    scenario: Scenario
    config: RunConfig
    command: str
    columns: int = 120
    rows: int = 40
    send: bytes = b""
    quit_keys: bytes = b"q"
    typist: bool = False
    marker_every: int = MARKER_EVERY


@dataclass(slots=True)
class AppRunResult:
    spec: AppRunSpec
    argv: list[str]
    url: str = ""
    problems: list[str] = field(default_factory=list)
    watch: ScreenWatch | None = None
    tree: TreeSampler | None = None
    server: dict[str, Any] = field(default_factory=dict)
    markers_sent: int = 0
    keystroke: LatencyRecorder = field(default_factory=LatencyRecorder)
    keystrokes_typed: int = 0
    keystrokes_seen: int = 0
    keys_sent_after: str = ""
    """What the run waited for before ``--send``: "the app made its request", or its screen went still."""
    timed_out: bool = False
    """A reply was still streaming at the run's time limit."""
    replies_span_s: float | None = None
    """The server's clock: the first reply's start to the last one's end (none ended: ``None``)."""
    tokens_span_s: float = 0.0
    """The server's clock: the first token sent to the last, for the throughput as it sent it."""
    stream_s: float = 0.0
    """From the first request to the last reply's end (and its last frames): the rates' span."""
    stream_updates: int = 0
    stream_bytes: int = 0
    quit_to_restored_ms: float | None = None
    quit_sent_at: float | None = None
    """Trio clock: the quit keys sent (the process tree's figures end just before)."""
    quit_to_exit_ms: float | None = None
    exit_code: int | None = None
    started_at: float = 0.0


def _environment(url: str) -> dict[str, str]:
    """The variables Ollama and OpenAI clients read, each in the form its clients expect."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(
        TERM="xterm-256color",
        OLLAMA_HOST=url,
        OPENAI_BASE_URL=f"{url}/v1",
        OPENAI_API_BASE=f"{url}/v1",
        OPENAI_API_KEY="dummy",
    )
    return env


def command_argv(command: str, url: str) -> list[str]:
    try:
        argv = shlex.split(command.replace("{url}", url))
    except ValueError as exc:
        raise AppNotFound(f"--app {command!r}: {exc}") from None
    if not argv:
        raise AppNotFound("--app needs a command")
    return argv


async def _read(fd: trio.lowlevel.FdStream, watch: ScreenWatch, done: trio.Event) -> None:
    """Read everything the app writes, as a terminal does (an app that cannot write would stall)."""
    try:
        while True:
            try:
                data = await fd.receive_some(65536)
            except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
                return  # the app's side closed, or the run closed our copy of the terminal
            if not data:
                return
            answer = watch.feed(data, trio.current_time())
            if answer:
                await fd.send_all(answer)
    finally:
        done.set()


async def _until(predicate: Any, watch: ScreenWatch, within_s: float) -> bool:
    """Whether ``predicate()`` held within ``within_s``, checked as the screen changes."""
    with trio.move_on_after(within_s):
        while not predicate():
            with trio.move_on_after(0.05):
                await watch.changed.wait()
        return True
    return False


async def run_app(spec: AppRunSpec) -> AppRunResult:
    # Every scenario is listed (for clients that check the model list); every request plays the run's.
    others = [(s, s.config) for s in SCENARIOS if s.name != spec.scenario.name]
    catalogue = ModelCatalogue([(spec.scenario, spec.config), *others], fixed=spec.scenario.name)
    markers = MarkerLog(spec.marker_every)
    server = MockServer(catalogue, markers=markers)
    result = AppRunResult(spec, [])
    async with trio.open_nursery() as nursery:
        await nursery.start(server.serve)
        result.url = server.url
        result.argv = command_argv(spec.command, server.url)
        try:
            child = pexpect.spawn(
                result.argv[0],
                result.argv[1:],
                dimensions=(spec.rows, spec.columns),
                env=_environment(server.url),
            )
        except pexpect.ExceptionPexpect as exc:
            raise AppNotFound(f"--app: cannot run {result.argv[0]!r}: {exc}") from None
        try:
            await _drive(spec, child, server, markers, result, nursery)
        finally:
            if child.isalive():
                child.terminate(force=True)
            child.close()
            result.exit_code = child.exitstatus if child.signalstatus is None else -int(child.signalstatus)
            nursery.cancel_scope.cancel()
    result.server = server.counts.as_dict()
    result.markers_sent = markers.sent
    _spans(server.counts, result)
    return result


def _spans(counts: ServerCounts, result: AppRunResult) -> None:
    """The replies' span and the tokens' span, on the server's clock, from its per-reply records."""
    records = [*counts.finished, *counts.active.values()]
    ends = [r.ended_at for r in records if r.ended_at is not None]
    if ends:
        result.replies_span_s = max(ends) - min(r.started_at for r in records)
    firsts = [r.first_token_at for r in records if r.first_token_at is not None]
    lasts = [r.last_token_at for r in records if r.last_token_at is not None]
    if firsts and lasts:
        result.tokens_span_s = max(lasts) - min(firsts)


async def _drive(
    spec: AppRunSpec,
    child: pexpect.spawn,
    server: MockServer,
    markers: MarkerLog,
    result: AppRunResult,
    nursery: trio.Nursery,
) -> None:
    watch = result.watch = ScreenWatch(spec.columns, spec.rows, markers)
    fd = trio.lowlevel.FdStream(os.dup(child.child_fd))
    exited = trio.Event()
    tree = result.tree = TreeSampler(child.pid)
    nursery.start_soon(_read, fd, watch, exited)
    nursery.start_soon(tree.run)
    result.started_at = trio.current_time()
    counts = server.counts
    if not await _until(lambda: watch.first_output_at is not None or exited.is_set(), watch, STARTUP_S):
        result.problems.append(f"the app drew nothing in {STARTUP_S:g} s")
        return
    result.keys_sent_after = await _until_ready(watch, counts, exited)
    if exited.is_set() and counts.replies_started == 0:
        result.problems.append("the app exited at once, before it made a request")
        return
    tree.rebase()
    if spec.send:
        await fd.send_all(spec.send)
    if not await _until(lambda: counts.replies_started > 0 or exited.is_set(), watch, REQUEST_S):
        result.problems.append(f"the app made no request in {REQUEST_S:g} s (does it need --send?)")
    stream_from = trio.current_time()
    updates_from, bytes_from = watch.screen_updates, watch.bytes_read
    if counts.replies_started and spec.typist:
        if spec.send:  # as a person would: the prompt keys taken (an input box focused) before typing
            await _until(exited.is_set, watch, SETTLE_S)
        await _type(fd, watch, result)
    if counts.replies_started:
        with trio.move_on_after(spec.config.time_limit_s) as deadline:
            await counts.wait_idle()
        if deadline.cancelled_caught:
            result.timed_out = True
            result.problems.append(f"the reply was still streaming after {spec.config.time_limit_s:g} s")
        await _until(lambda: False, watch, SETTLE_S)  # the last frames reach the screen
        result.stream_s = trio.current_time() - stream_from
        result.stream_updates = watch.screen_updates - updates_from
        result.stream_bytes = watch.bytes_read - bytes_from
    if exited.is_set():
        result.problems.append("the app exited before the quit keys")
        return
    tree.stop()
    await _quit(spec, fd, watch, exited, result)
    await fd.aclose()


async def _until_ready(watch: ScreenWatch, counts: ServerCounts, exited: trio.Event) -> str:
    """Until the app can take keys: it made its request (its screen is up), or it drew text and
    went still for ``SETTLE_S`` (waiting for a prompt), or it exited; at most ``READY_S``.

    Keys sent earlier land in an app still starting, and some apps drop them (a Textual app reads
    the terminal from its first frame, then routes keys to whatever screen is up at that moment).
    """

    def still() -> bool:
        last = watch.last_output_at
        return watch.drawn and last is not None and trio.current_time() - last >= SETTLE_S

    await _until(lambda: counts.replies_started > 0 or exited.is_set() or still(), watch, READY_S)
    if counts.replies_started:
        return "the app made its request"
    if exited.is_set():
        return "the app exited"
    if still():
        return f"the app's screen was still for {SETTLE_S:g} s"
    return f"{READY_S:g} s had passed (the app's screen never went still)"


async def _type(fd: trio.lowlevel.FdStream, watch: ScreenWatch, result: AppRunResult) -> None:
    """Type a word a key at a time while the reply streams; time each key to its echo.

    A key is echoed when the text typed so far shows once more than before the key, or, after a
    key that never showed, the text that did show plus this key: one lost key is one unseen key,
    not every key after it too.
    """
    echoed = ""
    for i, char in enumerate(TYPIST_TEXT):
        watch.want(TYPIST_TEXT[: i + 1], echoed + char)
        sent = trio.current_time()
        await fd.send_all(char.encode())
        result.keystrokes_typed += 1
        if await _until(lambda: watch.wanted_seen_at is not None, watch, ECHO_S):
            assert watch.wanted_seen_at is not None
            assert watch.wanted_seen is not None
            result.keystroke.record(watch.wanted_seen_at - sent)
            result.keystrokes_seen += 1
            echoed = watch.wanted_seen
        await trio.sleep(TYPIST_GAP_S)
    watch.want()


async def _quit(
    spec: AppRunSpec, fd: trio.lowlevel.FdStream, watch: ScreenWatch, exited: trio.Event, result: AppRunResult
) -> None:
    sent_at = result.quit_sent_at = trio.current_time()
    await fd.send_all(spec.quit_keys)
    if not await _until(exited.is_set, watch, QUIT_S):
        result.problems.append(f"still running {QUIT_S:g} s after the quit keys")
        return
    result.quit_to_exit_ms = (trio.current_time() - sent_at) * 1000.0
    if watch.left_alt_screen_at is not None and watch.left_alt_screen_at >= sent_at:
        result.quit_to_restored_ms = (watch.left_alt_screen_at - sent_at) * 1000.0


def run_app_sync(spec: AppRunSpec) -> AppRunResult:
    """Run the app; ``AppNotFound`` before anything starts if its command cannot be run."""
    program = command_argv(spec.command, "http://127.0.0.1:0")[0]
    if shutil.which(program) is None:
        raise AppNotFound(f"--app: cannot run {program!r}: no such command (or not executable)")
    started = time.perf_counter()
    try:
        result = trio.run(run_app, spec)
    except* AppNotFound as group:
        raise group.exceptions[0] from None
    result.started_at = started
    return result
