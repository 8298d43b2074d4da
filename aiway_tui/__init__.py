"""aiway_tui: a Trio-based structured-concurrency stress simulator for a streaming chat TUI."""

from __future__ import annotations

DISTRIBUTION = "aiway-tui"


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed package's metadata (its one source: pyproject.toml).

    Read on first use, not at import: every ``aiway-tui`` command imports this
    package, and only ``--version`` needs the number.
    """
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version(DISTRIBUTION)
        except PackageNotFoundError:  # run from a source tree that was never installed
            return "0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
