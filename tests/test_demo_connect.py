"""Our own app as the server's first client: ``demo --connect URL``, in process and from outside."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import trio

from aiway_tui.cli.main import main
from aiway_tui.core.config import RunConfig
from aiway_tui.core.faults import FaultSpec
from aiway_tui.core.pipeline import Ending, Pipeline
from aiway_tui.scenarios.catalogue import get_scenario
from aiway_tui.serve.catalogue import ModelCatalogue
from aiway_tui.serve.remote_conductor import RemoteConductor
from aiway_tui.serve.server import MockServer


async def test_the_pipeline_verifies_every_stream_it_gets_from_the_server() -> None:
    """Count and CRC-32 as the server sent them, checked by the run's own tracker."""
    scenario = get_scenario("conversations")
    config = scenario.config.with_overrides(message_count=40_000, streams=8, conversations=4)
    server = MockServer(ModelCatalogue([(scenario, config)]))
    async with trio.open_nursery() as nursery:
        await nursery.start(server.serve)
        pipeline = Pipeline(config, None, conductor=RemoteConductor(config, server.url, scenario.name))
        with trio.fail_after(60):
            ending = await pipeline.run()
        nursery.cancel_scope.cancel()
    tracker = pipeline.tracker
    assert ending is Ending.COMPLETED
    assert tracker.tokens == 40_000
    assert tracker.streams_completed == 8
    assert tracker.streams_intact == 8
    assert tracker.checksum_failures == 0
    assert tracker.lost == tracker.duplicated == tracker.reordered == 0
    assert server.counts.as_dict()["replies_completed"] == 8


async def test_a_stream_error_from_the_server_reaches_the_tracker_as_one() -> None:
    scenario = get_scenario("chaos")
    config = RunConfig(message_count=3_000, message_size=5, streams=3, faults=FaultSpec(stream_errors=1))
    server = MockServer(ModelCatalogue([(scenario, config)]))
    async with trio.open_nursery() as nursery:
        await nursery.start(server.serve)
        pipeline = Pipeline(config, None, conductor=RemoteConductor(config, server.url, scenario.name))
        with trio.fail_after(60):
            await pipeline.run()
        nursery.cancel_scope.cancel()
    assert pipeline.tracker.stream_errors == 1
    assert pipeline.tracker.streams_intact == 2


def test_a_bad_connect_url_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "rapid-tokens", "--connect", "localhost:1234"]) == 2
    err = capsys.readouterr().err
    assert "expected http://HOST:PORT" in err
    assert len(err.strip().splitlines()) == 1


def test_our_demo_measured_from_outside_as_any_app_would_be(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The black-box path end to end with a client we control: every figure there and plausible."""
    target = tmp_path / "bb.json"
    app = f"{sys.executable} -m aiway_tui demo rapid-tokens --connect {{url}} --count 20000"
    code = main(["run", "rapid-tokens", "--count", "20000", "--app", app, "--json", str(target)])
    out = capsys.readouterr().out
    report = json.loads(target.read_text())
    results = report["results"]
    assert report["problems"] == [], out
    assert report["server"]["replies_completed"] == 1
    assert results["tokens_sent"] == 20_000
    assert results["markers_sent"] == 400
    assert results["markers_drawn"] > 0  # a throttled app draws some of them: which, it decides
    assert results["markers_out_of_order_pct"] < 5
    assert report["latency"]["delivery"]["count"] == results["markers_drawn"]
    assert 0 < results["delivery_p50_ms"] <= results["delivery_p99_ms"]
    assert results["screen_updates"] >= 2
    assert results["quit_to_restored_ms"] <= results["quit_to_exit_ms"] < 10_000
    # The app's process tree was sampled (RSS below); its CPU over so short a stream can be
    # under one 10 ms CPU-time tick, so the figure is there but may read 0.
    assert "cpu_avg_percent" in results
    assert results["rss_peak_mb"] > 10
    assert report["app_exit_code"] in (0, 1)  # the demo's own verdict on its run
    assert code in (0, 1)
