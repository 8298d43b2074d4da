"""aiway_tui: a Trio-based structured-concurrency stress simulator for a streaming chat TUI.

The public API is what ``__all__`` lists; everything else is private and may
change. Names load on first use, so ``import aiway_tui`` stays cheap (the CLI
installs its signal handlers before Textual and Trio are imported).
"""

import importlib as _importlib
from importlib.metadata import PackageNotFoundError as _PackageNotFoundError
from importlib.metadata import version as _version
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

if _TYPE_CHECKING:
    from .core.config import ConfigError, RunConfig
    from .core.faults import FaultKind, FaultSpec
    from .core.feed import Feed
    from .core.mix import TokenMix
    from .core.network import NetworkProfile
    from .core.pipeline import Ending, Pipeline
    from .core.protocol import (
        ConductorState,
        Item,
        Notify,
        NotifyLevel,
        Quit,
        State,
        StreamEnd,
        StreamError,
        StreamStart,
        Token,
        TokenRun,
        item_tokens,
    )
    from .report.run_report import RunReport
    from .report.schema import check_report
    from .scenarios.catalogue import Scenario, get_scenario, scenario_names
    from .scenarios.criteria import Criterion
    from .session.hosting import SessionOptions
    from .session.runner import run_session
    from .targets import Target, TargetError, TargetSource, WidgetTarget, resolve_target
    from .ui.host import run_as_guest

try:
    __version__: str = _version("aiway-tui")
except _PackageNotFoundError:  # pragma: no cover  # running from a source tree that was never installed
    __version__ = "0+unknown"

_EXPORTS: dict[str, str] = {
    "ConductorState": "core.protocol",
    "ConfigError": "core.config",
    "Criterion": "scenarios.criteria",
    "Ending": "core.pipeline",
    "FaultKind": "core.faults",
    "FaultSpec": "core.faults",
    "Feed": "core.feed",
    "Item": "core.protocol",
    "NetworkProfile": "core.network",
    "Notify": "core.protocol",
    "NotifyLevel": "core.protocol",
    "Pipeline": "core.pipeline",
    "Quit": "core.protocol",
    "RunConfig": "core.config",
    "RunReport": "report.run_report",
    "Scenario": "scenarios.catalogue",
    "SessionOptions": "session.hosting",
    "State": "core.protocol",
    "StreamEnd": "core.protocol",
    "StreamError": "core.protocol",
    "StreamStart": "core.protocol",
    "Target": "targets",
    "TargetError": "targets",
    "TargetSource": "targets",
    "Token": "core.protocol",
    "TokenMix": "core.mix",
    "TokenRun": "core.protocol",
    "WidgetTarget": "targets",
    "check_report": "report.schema",
    "get_scenario": "scenarios.catalogue",
    "item_tokens": "core.protocol",
    "resolve_target": "targets",
    "run_as_guest": "ui.host",
    "run_session": "session.runner",
    "scenario_names": "scenarios.catalogue",
}

__all__ = [
    "ConductorState",
    "ConfigError",
    "Criterion",
    "Ending",
    "FaultKind",
    "FaultSpec",
    "Feed",
    "Item",
    "NetworkProfile",
    "Notify",
    "NotifyLevel",
    "Pipeline",
    "Quit",
    "RunConfig",
    "RunReport",
    "Scenario",
    "SessionOptions",
    "State",
    "StreamEnd",
    "StreamError",
    "StreamStart",
    "Target",
    "TargetError",
    "TargetSource",
    "Token",
    "TokenMix",
    "TokenRun",
    "WidgetTarget",
    "__version__",
    "check_report",
    "get_scenario",
    "item_tokens",
    "resolve_target",
    "run_as_guest",
    "run_session",
    "scenario_names",
]


def __getattr__(name: str) -> _Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'aiway_tui' has no attribute {name!r}")
    value = getattr(_importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
