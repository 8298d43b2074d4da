"""``--target SPEC`` to a ``TargetSource``: a built-in, ``package.module:attr`` or ``file.py:attr``.

What ``attr`` may be: a ``TargetSource``; a ``Target`` class (called with no
arguments, or with ``scrollback=`` rows if it takes that); a widget class with
``append(text)``/``write(text)`` (adapted by ``WidgetTarget``); or a factory
function returning a ``Target``, a widget, or ``(App, Target)`` (the
whole-app form). Everything that can be checked is checked here, before
anything runs: the factory is called once and its result looked at.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import App
from textual.widget import Widget

from .adapter import WidgetTarget, text_writer
from .builtin import BUILTINS
from .protocol import Built, Target, TargetError, TargetSource

_SHAPE = (
    "a Target, a widget class with append(text) or write(text), "
    "or a factory returning a Target or (App, Target)"
)


def resolve_target(spec: str | object) -> TargetSource:
    """The target ``spec`` names (or is); ``TargetError`` (one line) if it cannot be used."""
    if isinstance(spec, TargetSource):
        return spec
    if isinstance(spec, str):
        if spec in BUILTINS:
            return BUILTINS[spec]
        return _source(spec, _load(spec))
    return _source(_describe(spec), spec)


def _describe(obj: object) -> str:
    module = getattr(obj, "__module__", None) or type(obj).__module__
    name = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    return f"{module}:{name}"


def _load(spec: str) -> object:
    where, colon, attr = spec.rpartition(":")
    if not colon or not where or not attr:
        names = ", ".join(BUILTINS)
        raise TargetError(f"--target {spec!r}: not a built-in ({names}), module:attr or path.py:attr")
    try:
        if where.endswith(".py") or "/" in where or "\\" in where:
            module = _load_file(Path(where))
        else:
            _importable_from_here()
            module = importlib.import_module(where)
    except TargetError:
        raise
    except Exception as exc:  # an import error of any kind is the user's, reported in one line
        raise TargetError(f"--target {spec!r}: cannot import {where}: {type(exc).__name__}: {exc}") from None
    value: object = module
    for part in attr.split("."):
        try:
            value = getattr(value, part)
        except AttributeError:
            raise TargetError(f"--target {spec!r}: {where} has no attribute {attr!r}") from None
    return value


def _importable_from_here() -> None:
    """A package in the working directory is importable, as ``python -m`` would have it
    (the ``aiway-tui`` script alone puts only its own folder on the path)."""
    here = str(Path.cwd())
    if here not in sys.path and "" not in sys.path:
        sys.path.insert(0, here)


def _load_file(path: Path) -> Any:
    if not path.is_file():
        raise TargetError(f"--target: no such file: {path}")
    name = f"aiway_target_{path.stem}"
    loader = importlib.util.spec_from_file_location(name, path)
    if loader is None or loader.loader is None:
        raise TargetError(f"--target: cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(loader)
    sys.modules[name] = module
    try:
        loader.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _as_built(result: object, scrollback: int) -> Built:
    """What a factory or class gave, as one run's view; ``TargetError`` if it is none of the shapes."""
    del scrollback
    if isinstance(result, tuple) and len(result) == 2:
        app, target = result
        if isinstance(app, App) and isinstance(target, Target):
            return Built(app, target)
    if isinstance(result, Target):
        return Built(None, result)
    if isinstance(result, Widget) and text_writer(result) is not None:
        return Built(None, WidgetTarget(result))
    raise TargetError(f"gave {type(result).__name__}, not {_SHAPE}")


def _call(factory: Callable[..., object], scrollback: int) -> object:
    """Call with ``scrollback=`` (rows) if the factory has a parameter of that name, else with none."""
    try:
        takes = "scrollback" in inspect.signature(factory).parameters
    except (TypeError, ValueError):
        takes = False
    return factory(scrollback=scrollback) if takes else factory()


def _source(name: str, value: object) -> TargetSource:
    if isinstance(value, TargetSource):
        return value
    if isinstance(value, type) and issubclass(value, Widget) and not _has_target_methods(value):
        if text_writer_name(value) is None:
            raise TargetError(f"--target {name}: widget {value.__name__} has no append(text) or write(text)")
    elif not callable(value):
        if isinstance(value, Target):
            raise TargetError(f"--target {name}: a Target instance is used once; give its class or a factory")
        raise TargetError(f"--target {name}: {type(value).__name__} is not {_SHAPE}")
    factory: Callable[..., object] = value

    def build(scrollback: int) -> Built:
        try:
            return _as_built(_call(factory, scrollback), scrollback)
        except TargetError as exc:
            raise TargetError(f"--target {name}: {exc}") from None

    try:  # once, now: a wrong shape or a raising constructor is a bad spec, not a failed run
        probe = build(2000)
    except TargetError:
        raise
    except Exception as exc:
        raise TargetError(f"--target {name}: building it raised {type(exc).__name__}: {exc}") from None
    return TargetSource(name, "as the target keeps it", build, whole_app=probe.app is not None)


def _has_target_methods(cls: type) -> bool:
    methods = ("start_reply", "append", "end_reply", "when_rendered")
    return all(callable(getattr(cls, method, None)) for method in methods)


def text_writer_name(cls: type) -> str | None:
    for name in ("append", "write"):
        if callable(getattr(cls, name, None)):
            return name
    return None
