"""Criteria as data, and the report's contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiway_tui.core.config import ConfigError, RunConfig
from aiway_tui.report.output import Output
from aiway_tui.scenarios.catalogue import SCENARIOS, get_scenario
from aiway_tui.scenarios.criteria import Criterion


def test_threshold_can_name_a_config_field() -> None:
    crit = Criterion("All {message_count:,} received", "tokens_received", "==", "message_count")
    config = RunConfig(message_count=1234)
    assert crit.check({"tokens_received": 1234}, config).passed
    result = crit.check({"tokens_received": 1233}, config)
    assert not result.passed
    assert result.name == "All 1,234 received"
    assert result.threshold == 1234


@pytest.mark.parametrize("op", ["<", "<=", ">", ">=", "=="])
def test_each_comparison(op: str) -> None:
    crit = Criterion("x", "m", op, 10)  # type: ignore[arg-type]
    expected = {"<": (True, False, False), "<=": (True, True, False), ">": (False, False, True)}
    expected |= {">=": (False, True, True), "==": (False, True, False)}
    got = tuple(crit.check({"m": v}, RunConfig()).passed for v in (9, 10, 11))
    assert got == expected[op]


def test_missing_metric_fails() -> None:
    assert not Criterion("x", "absent", "<", 1).check({}, RunConfig()).passed


def test_catalogue_has_the_seed_five_with_their_criteria() -> None:
    seed_five = ["1m-short", "1m-medium", "1k-long", "rapid-tokens", "backpressure"]
    assert [s.name for s in SCENARIOS[:5]] == seed_five
    rapid = get_scenario("rapid-tokens")
    assert rapid.config.message_delay_us == 10
    assert {c.metric for c in rapid.criteria} >= {
        "tokens_received",
        "duration_s",
        "quit_latency_ms",
        "errors",
        "delivery_p99_ms",
        "cpu_avg_percent",  # the seed's "< 20 % CPU" baseline, where the scenario is paced
    }
    back = get_scenario("backpressure")
    assert (back.config.buffer, back.config.consumer_delay_us, back.config.batch_size) == (100, 100, 1)
    assert "loss_pct" in {c.metric for c in back.criteria}


def test_unknown_scenario_suggests_a_close_name() -> None:
    with pytest.raises(ConfigError, match="did you mean '1m-short'"):
        get_scenario("1m-shrot")


def test_json_is_written_atomically(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    Output("--json", str(target)).write_json({"a": 1})
    assert json.loads(target.read_text()) == {"a": 1}
    assert list(tmp_path.iterdir()) == [target]

    class Unserialisable:
        pass

    with pytest.raises(TypeError):
        Output("--json", str(target)).write_json({"a": Unserialisable()})
    assert json.loads(target.read_text()) == {"a": 1}
    assert list(tmp_path.iterdir()) == [target]
