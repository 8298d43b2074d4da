"""The quit-latency mode: quit under load, in process or in a pseudo-terminal, timed by stage."""
