"""The public surface and the layering rules, held as trio's ``test_exports.py`` holds its own.

- ``aiway_tui.__all__`` lists exactly what the package exports, and every name resolves.
- ``core/`` and ``measure/`` never import Textual: the pipeline runs without a UI.
- No module imports another module's private name.
- The version comes from the installed package's metadata, nowhere else.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import types
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

import aiway_tui

PACKAGE = Path(aiway_tui.__file__).parent
LAYERS_WITHOUT_TEXTUAL = ("core", "measure", "scenarios")
STDLIB_PUBLIC_UNDERSCORED = {
    "_replace",
    "_asdict",
    "_fields",
    "_current_frames",
    "_SubParsersAction",
    "_exit",
}
"""Documented stdlib names that happen to start with an underscore (NamedTuple, sys,
argparse's type, os._exit)."""


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """Every import in ``path`` as (absolute module name, names imported from it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(("aiway_tui", *path.relative_to(PACKAGE).parent.parts))
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((module, [alias.name for alias in node.names]))
    return found


def test_all_lists_exactly_the_exports_and_each_resolves() -> None:
    exported = {
        name
        for name in dir(aiway_tui)
        if not name.startswith("_") and not isinstance(getattr(aiway_tui, name), types.ModuleType)
    }
    assert set(aiway_tui.__all__) - {"__version__"} == exported
    assert aiway_tui.__all__ == sorted(aiway_tui.__all__)
    for name in aiway_tui.__all__:
        assert getattr(aiway_tui, name) is not None, name


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = aiway_tui.no_such_thing


def test_exports_are_the_objects_their_modules_define() -> None:
    from aiway_tui.core.config import RunConfig
    from aiway_tui.session.runner import run_session

    assert aiway_tui.RunConfig is RunConfig
    assert aiway_tui.run_session is run_session


def test_importing_the_package_loads_neither_textual_nor_trio() -> None:
    """The CLI routes signals before the heavy imports; the package itself must not undo that."""
    code = "import sys, aiway_tui; print(sorted(m for m in ('textual', 'trio') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_version_comes_from_the_package_metadata() -> None:
    assert aiway_tui.__version__ == version("aiway-tui")
    literal = [
        str(path.relative_to(PACKAGE))
        for path in _modules()
        if f'"{aiway_tui.__version__}"' in path.read_text(encoding="utf-8")
    ]
    assert literal == [], f"the version number typed again in {literal}"


@pytest.mark.parametrize("layer", LAYERS_WITHOUT_TEXTUAL)
def test_lower_layers_never_import_textual_or_the_ui(layer: str) -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}: {module}"
        for path in sorted((PACKAGE / layer).rglob("*.py"))
        for module, _ in _imports(path)
        if module.split(".")[0] == "textual" or module.startswith(("aiway_tui.ui", "aiway_tui.session"))
    ]
    assert offenders == []


def test_core_imports_nothing_above_it() -> None:
    allowed = ("aiway_tui.core", "aiway_tui.measure")
    offenders = [
        f"{path.relative_to(PACKAGE)}: {module}"
        for path in sorted((PACKAGE / "core").rglob("*.py"))
        for module, _ in _imports(path)
        if module.startswith("aiway_tui") and not module.startswith(allowed)
    ]
    assert offenders == []


def test_no_module_imports_another_modules_private_names() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}: from {module} import {name}"
        for path in _modules()
        for module, names in _imports(path)
        if module.startswith("aiway_tui")
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert offenders == []


def test_private_names_of_textual_and_trio_are_touched_only_in_compat() -> None:
    """Attribute access like ``x._name`` on anything but ``self``/``cls`` lives in ``ui/compat.py``."""
    offenders = []
    for path in _modules():
        if path == PACKAGE / "ui" / "compat.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and not (isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"})
                and node.attr not in STDLIB_PUBLIC_UNDERSCORED
            ):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: .{node.attr}")
    assert offenders == []


def test_every_module_imports(subtests: pytest.Subtests) -> None:
    for path in _modules():
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        name = ".".join(("aiway_tui", *parts)).removesuffix(".__init__")
        with subtests.test(module=name):
            importlib.import_module(name)


def test_the_wheel_holds_what_the_installed_package_needs(tmp_path: Path) -> None:
    """Stylesheets, ``py.typed`` and the built-in scenarios ship inside the package, so an
    installed demo is styled and its catalogue is there."""
    root = PACKAGE.parent
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            tmp_path,
            root,
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("aiway_tui-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {".py", ".tcss", ".typed", ".toml"}
    needed = {str(p.relative_to(root)) for p in PACKAGE.rglob("*") if p.suffix in shipped}
    assert needed - names == set()
    assert {"aiway_tui/ui/chat.tcss", "aiway_tui/ui/demo.tcss", "aiway_tui/py.typed"} <= names
    builtin = {f"aiway_tui/scenarios/builtin/{name}.toml" for name in aiway_tui.scenario_names()}
    assert builtin <= names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "aiway-tui = aiway_tui.cli.entry:run" in zipfile.ZipFile(wheel).read(entry_points).decode()
