"""Any chat TUI measured from outside: its own process in a pseudo-terminal, fed by ``aiway-tui serve``."""
