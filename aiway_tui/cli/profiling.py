"""Opt-in profiling of a run: a pyinstrument HTML profile, tracemalloc's top sites.

Both slow the run down (tracemalloc a lot), so their runs are for finding
where time and memory go, not for the figures in the report.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

TOP_SITES = 15


class ProfilerMissing(RuntimeError):
    """pyinstrument is not installed (it is in the ``profile`` extra)."""


@contextmanager
def cpu_profile(write: Callable[[str], None]) -> Iterator[None]:
    """Profile the calling thread (the asyncio loop, Textual and the Trio guest); ``write`` the HTML."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise ProfilerMissing(
            "--profile needs pyinstrument: install the 'profile' extra (pip install -e '.[profile]')"
        ) from None
    # "disabled": sample the whole thread, not one coroutine; the run is
    # asyncio and Trio at once on this thread.
    profiler = Profiler(interval=0.001, async_mode="disabled")
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        write(profiler.output_html())


@contextmanager
def traced_memory(sites: list[str], top: int = TOP_SITES) -> Iterator[None]:
    """Trace allocations while the block runs; append the top ``top`` sites to ``sites``.

    Sites are ranked by the size still allocated at the end, by line.
    """
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        yield
    finally:
        snapshot = tracemalloc.take_snapshot().filter_traces(
            (tracemalloc.Filter(False, tracemalloc.__file__),)
        )
        current, peak = tracemalloc.get_traced_memory()
        if not was_tracing:
            tracemalloc.stop()
        sites.append(
            f"Top {top} allocation sites still held at the end (tracemalloc; traced now "
            f"{current / 1e6:.1f} MB, peak {peak / 1e6:.1f} MB):"
        )
        for rank, stat in enumerate(snapshot.statistics("lineno")[:top], 1):
            frame = stat.traceback[0]
            sites.append(
                f"  {rank:>2}. {stat.size / 1024:>9,.1f} KiB in {stat.count:>7,} blocks  "
                f"{frame.filename}:{frame.lineno}"
            )
