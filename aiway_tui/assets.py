"""Where the demo's stylesheets are: ``assets/*.tcss`` beside the package.

The project installs editable, so ``assets/`` next to the package directory
is found from the repository. ``$AIWAY_TUI_ASSETS`` points elsewhere. With
neither, the widgets' built-in styles still give a usable (plainer) layout.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePath

ASSETS_ENV = "AIWAY_TUI_ASSETS"


def assets_dir() -> Path | None:
    override = os.environ.get(ASSETS_ENV)
    candidates = [Path(override)] if override else []
    candidates.append(Path(__file__).resolve().parent.parent / "assets")
    for folder in candidates:
        if folder.is_dir():
            return folder
    return None


def stylesheets() -> list[str | PurePath]:
    folder = assets_dir()
    if folder is None:
        return []
    return sorted(folder.glob("*.tcss"))
