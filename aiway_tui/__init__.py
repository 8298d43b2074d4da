"""aiway_tui: a Trio-based structured-concurrency stress simulator for a streaming chat TUI."""

__version__ = "0.1.0"
