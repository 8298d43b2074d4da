"""``--version`` reads the installed package's metadata: one number, in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

import aiway_tui

BIN = Path(sys.executable).with_name("aiway-tui")
PACKAGE = Path(aiway_tui.__file__).parent


@pytest.mark.parametrize(
    "command", [[str(BIN)], [sys.executable, "-m", "aiway_tui"]], ids=["aiway-tui", "python -m aiway_tui"]
)
def test_version_is_the_installed_metadata(command: list[str]) -> None:
    proc = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60, check=False)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == f"aiway-tui {version('aiway-tui')}\n"


def test_the_package_version_is_the_metadata() -> None:
    assert aiway_tui.__version__ == version("aiway-tui")


def test_no_source_file_keeps_a_copy_of_the_number() -> None:
    number = version("aiway-tui")
    copies = [p for p in PACKAGE.rglob("*.py") if f'"{number}"' in p.read_text(encoding="utf-8")]
    assert copies == []
