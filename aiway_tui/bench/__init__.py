"""The side-by-side benchmark (``aiway-tui bench``)."""
