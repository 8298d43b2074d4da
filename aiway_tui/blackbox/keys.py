"""The key syntax of ``--send`` and ``--quit-keys``: text, with ``<Enter>``-style names and ``ctrl+x``."""

from __future__ import annotations

import re

NAMED = {
    "enter": b"\r",
    "return": b"\r",
    "tab": b"\t",
    "esc": b"\x1b",
    "escape": b"\x1b",
    "space": b" ",
    "backspace": b"\x7f",
    "up": b"\x1b[A",
    "down": b"\x1b[B",
    "right": b"\x1b[C",
    "left": b"\x1b[D",
}
_TOKEN = re.compile(r"<([^<>]+)>")


class KeyError_(ValueError):
    """A key name that is not known: one line, exit code 2."""


def _named(name: str) -> bytes:
    lowered = name.strip().lower()
    if lowered.startswith(("ctrl+", "c-")):
        letter = lowered.split("+", 1)[-1] if "+" in lowered else lowered[2:]
        if len(letter) == 1 and "a" <= letter <= "z":
            return bytes([ord(letter) - ord("a") + 1])
        raise KeyError_(f"unknown key {name!r}: ctrl+ takes one letter a-z")
    if lowered in NAMED:
        return NAMED[lowered]
    raise KeyError_(f"unknown key {name!r}; known: {', '.join(sorted(NAMED))}, ctrl+a..ctrl+z")


def parse_keys(text: str) -> bytes:
    """``"hello<Enter>"`` -> ``b"hello\\r"``; ``"ctrl+c"`` alone is that key too."""
    if _TOKEN.fullmatch(text) is None and re.fullmatch(r"(ctrl\+|c-)[a-zA-Z]", text.strip()):
        return _named(text)
    out = bytearray()
    pos = 0
    for match in _TOKEN.finditer(text):
        out += text[pos : match.start()].encode()
        out += _named(match.group(1))
        pos = match.end()
    out += text[pos:].encode()
    return bytes(out)
