"""Trio as a guest on the asyncio loop that Textual runs on.

Textual only runs on asyncio; all of our concurrency is Trio. Trio's guest
mode runs a whole Trio program on top of the asyncio loop, on the same
thread, so Trio tasks may touch widgets directly.

The two must share one lifetime: if the asyncio loop stopped while the Trio
run was still going, Trio's ``finally`` blocks would never run and the next
``trio.run`` in this thread would fail. So ``host_trio`` never returns (nor
lets a cancellation through) before the guest run has finished.
"""

from __future__ import annotations

import asyncio
import contextvars
import signal
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, TypeVar

import outcome
import trio

from .compat import cancelled

T = TypeVar("T")


async def host_trio(
    async_fn: Callable[..., Awaitable[T]],
    *args: object,
    clock: trio.abc.Clock | None = None,
    instruments: Sequence[trio.abc.Instrument] = (),
) -> T:
    """Run ``async_fn`` as a Trio guest of the running asyncio loop; return its result.

    If this coroutine is cancelled (e.g. by Ctrl-C in ``asyncio.run``), the
    Trio run is cancelled through its token and awaited to the end first.
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[outcome.Outcome[T]] = loop.create_future()
    root = trio.CancelScope()
    token_box: list[trio.lowlevel.TrioToken] = []

    async def guest_main() -> T:
        token_box.append(trio.lowlevel.current_trio_token())
        with root:
            return await async_fn(*args)
        raise cancelled()  # pragma: no cover  # the host cancelled us

    def on_done(result: outcome.Outcome[T]) -> None:
        if not done.done():
            done.set_result(result)

    trio.lowlevel.start_guest_run(
        guest_main,
        run_sync_soon_threadsafe=loop.call_soon_threadsafe,
        run_sync_soon_not_threadsafe=loop.call_soon,
        done_callback=on_done,
        host_uses_signal_set_wakeup_fd=True,
        clock=clock,
        instruments=instruments,
    )
    try:
        result = await asyncio.shield(done)
    except asyncio.CancelledError:
        if token_box:
            token_box[0].run_sync_soon(root.cancel)
        await _wait_uncancellable(done)
        raise
    return result.unwrap()


async def _wait_uncancellable(future: asyncio.Future[Any]) -> None:
    while not future.done():
        try:
            await asyncio.shield(future)
        except asyncio.CancelledError:
            continue


def run_as_guest(
    async_fn: Callable[..., Awaitable[T]],
    *args: object,
    clock: trio.abc.Clock | None = None,
    instruments: Sequence[trio.abc.Instrument] = (),
) -> T:
    """A drop-in for ``trio.run`` that hosts the run on a fresh asyncio loop.

    It has ``trio.run``'s signature, so pytest-trio takes it as a custom
    runner: ``@pytest.mark.trio(run=run_as_guest)``.
    """
    return asyncio.run(host_trio(async_fn, *args, clock=clock, instruments=instruments))


class HostBridge:
    """Lets Trio code (the guest) run coroutines on the asyncio host loop.

    Made inside the guest run, where the loop and the Trio token are known.
    """

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.token = trio.lowlevel.current_trio_token()

    def start(
        self,
        coro: Coroutine[Any, Any, T],
        context: contextvars.Context | None = None,
    ) -> asyncio.Task[T]:
        """Start ``coro`` as an asyncio task (from Trio, on the same thread)."""
        return self.loop.create_task(coro, context=context)

    async def wait(self, task: asyncio.Future[T]) -> T:
        """Await an asyncio task or future from Trio. Cancelling the wait
        does not cancel the task."""
        event = trio.Event()

        def wake(_: asyncio.Future[T]) -> None:
            self.token.run_sync_soon(event.set)

        task.add_done_callback(wake)
        try:
            await event.wait()
        finally:
            task.remove_done_callback(wake)
        return task.result()

    async def call(self, coro: Coroutine[Any, Any, T], context: contextvars.Context | None = None) -> T:
        """Run ``coro`` on the host loop and return its result to Trio."""
        task = self.start(coro, context)
        try:
            return await self.wait(task)
        except trio.Cancelled:
            task.cancel()
            raise

    def add_signal_handler(self, signum: signal.Signals, handler: Callable[[], None]) -> Callable[[], None]:
        """Route ``signum`` to ``handler`` on the host loop; returns the undo,
        which puts back the handler that was there before (asyncio alone would
        reset it to the default)."""
        previous = signal.getsignal(signum)
        self.loop.add_signal_handler(signum, handler)

        def remove() -> None:
            self.loop.remove_signal_handler(signum)
            if previous is not None:
                signal.signal(signum, previous)

        return remove
