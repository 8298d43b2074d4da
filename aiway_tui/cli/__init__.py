"""The ``aiway-tui`` command line."""
