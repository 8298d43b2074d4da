"""``aiway-tui serve``: the conductor as an Ollama- and OpenAI-compatible server on loopback.

It serves until SIGINT or SIGTERM, then prints what it sent and exits 0
(stopping is how a server ends). Bad options: one line, exit 2.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

import trio

from ..core.conductor import MockConductor
from ..core.config import ConfigError, RunConfig
from ..scenarios.catalogue import SCENARIOS, Scenario, get_scenario
from .catalogue import ModelCatalogue
from .remote_conductor import RemoteConductor
from .server import MockServer

P = TypeVar("P", bound=argparse.ArgumentParser)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is out of range (0..65535)")
    return port


def add_serve_parser(
    sub: argparse._SubParsersAction[P], add_overrides: Callable[[argparse.ArgumentParser], None]
) -> None:
    parser = sub.add_parser(
        "serve", help="stream scenarios over HTTP as an Ollama- and OpenAI-compatible server (loopback)"
    )
    parser.add_argument(
        "--port", type=_port, default=0, help="port on 127.0.0.1 (default 0: a free one, printed on start)"
    )
    parser.add_argument(
        "--scenario",
        metavar="NAME",
        help="every request gets this scenario, whatever model it names (default: the model picks it)",
    )
    parser.add_argument("--log", action="store_true", help="one line per request on stderr")
    add_overrides(parser)


def catalogue_for(config_for: Callable[[Scenario], RunConfig], fixed: str | None = None) -> ModelCatalogue:
    """Every scenario, with the overrides where they fit (a fixed scenario must take them)."""
    entries: list[tuple[Scenario, RunConfig]] = []
    for scenario in SCENARIOS:
        if scenario.name == fixed:
            entries.append((scenario, config_for(scenario)))
            continue
        try:
            entries.append((scenario, config_for(scenario)))
        except ConfigError:
            entries.append((scenario, scenario.config))
    return ModelCatalogue(entries, fixed)


def banner(url: str) -> str:
    return "\n".join(
        (
            f"aiway-tui serve: listening on {url}",
            f"  Ollama clients:  OLLAMA_HOST={url}",
            f"  OpenAI clients:  OPENAI_BASE_URL={url}/v1 OPENAI_API_KEY=dummy",
            f'  try:             curl -N {url}/api/chat -d \'{{"model": "cpu-streaming", '
            '"messages": [{"role": "user", "content": "hi"}]}\'',
            "  the model name picks the scenario (aiway-tui list); Ctrl+C stops",
        )
    )


async def _serve(server: MockServer, port: int) -> None:
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with trio.open_nursery() as nursery:
            url_port = await nursery.start(server.serve, port)
            print(banner(f"http://127.0.0.1:{url_port}"), flush=True)
            async for _ in signals:
                nursery.cancel_scope.cancel()
                break


def run_serve(args: argparse.Namespace, config_for: Callable[[Scenario], RunConfig]) -> int:
    if args.scenario is not None:
        get_scenario(args.scenario)
    server = MockServer(
        catalogue_for(config_for, args.scenario),
        log=(lambda line: print(line, file=sys.stderr, flush=True)) if args.log else None,
    )
    try:
        trio.run(_serve, server, args.port)
    except* OSError as group:
        exc = group.exceptions[0]
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"cannot listen on 127.0.0.1:{args.port}: {reason}") from None
    counts = server.counts.as_dict()
    print(
        f"aiway-tui serve: stopped after {counts['requests']} requests, "
        f"{counts['replies_completed']} replies completed, {counts['tokens_sent']:,} tokens sent, "
        f"{counts['clients_left_early']} clients left early",
        flush=True,
    )
    return 0


def remote_conductors(url: str) -> Callable[[Scenario, RunConfig], MockConductor]:
    """``demo --connect URL``: each run's replies come from the server, the scenario named as the model."""
    parsed = urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"--connect {url!r}: expected http://HOST:PORT")

    def conductor(scenario: Scenario, config: RunConfig) -> MockConductor:
        return RemoteConductor(config, url, scenario.name)

    return conductor
