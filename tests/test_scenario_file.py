"""Scenario files: the examples load, and every mistake is one line with exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aiway_tui.cli.main import main
from aiway_tui.core.config import ConfigError
from aiway_tui.core.faults import FaultSpec
from aiway_tui.scenarios.catalogue import BUILTIN_DIR, get_scenario, scenario_names
from aiway_tui.scenarios.files import load_scenario_file
from aiway_tui.scenarios.input_criteria import KEYSTROKE_CRITERIA

EXAMPLES = sorted((Path(__file__).parent.parent / "stress" / "scenarios").glob("*.toml"))

GOOD = """
name = "t"
[parameters]
message_count = 1000
streams = 4
[faults]
stream_errors = 1
[[criteria]]
label = "all"
metric = "tokens_received"
op = "=="
threshold = "message_count"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(text)
    return path


def test_every_example_loads() -> None:
    assert len(EXAMPLES) >= 5
    names = [load_scenario_file(path).name for path in EXAMPLES]
    assert len(set(names)) == len(names)


def test_every_built_in_scenario_file_is_in_the_catalogue_under_its_own_name() -> None:
    assert sorted(p.stem for p in BUILTIN_DIR.glob("*.toml")) == sorted(scenario_names())
    assert all(get_scenario(name).name == name for name in scenario_names())


def test_a_copy_of_a_built_in_file_loads_as_a_scenario_file_and_equals_the_built_in(tmp_path: Path) -> None:
    for path in sorted(BUILTIN_DIR.glob("*.toml")):
        copy = tmp_path / path.name
        copy.write_bytes(path.read_bytes())
        assert load_scenario_file(copy) == get_scenario(path.stem), path.name
    assert get_scenario("rapid-tokens").seed_test == "test_stress_rapid_token_streaming"


@pytest.mark.parametrize("name", ["typing", "long-session"])
def test_the_typist_scenarios_hold_the_keystroke_criteria_every_typist_run_gets(name: str) -> None:
    assert set(KEYSTROKE_CRITERIA) <= set(get_scenario(name).criteria)


def test_a_file_gives_the_same_fields_as_a_built_in_scenario(tmp_path: Path) -> None:
    scenario = load_scenario_file(write(tmp_path, GOOD))
    assert scenario.config.message_count == 1000
    assert scenario.config.faults == FaultSpec(stream_errors=1)
    (criterion,) = scenario.criteria
    assert (criterion.metric, criterion.op, criterion.resolve(scenario.config)) == (
        "tokens_received",
        "==",
        1000,
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('name = "t"', 'name = "t"\ncolour = 1'), "unknown key 'colour'"),
        (("streams = 4", "streams = 4\nstraems = 2"), "unknown key 'straems' in [parameters]"),
        (("streams = 4", 'streams = "4"'), "streams must be a whole number, got '4'"),
        (("streams = 4", "streams = 0"), "streams=0 is out of range"),
        (("stream_errors = 1", "stream_errors = 1\nkind = 2"), "unknown key 'kind' in [faults]"),
        (("stream_errors = 1", "stream_errors = 5"), "faults need 5 distinct streams"),
        (("stream_errors = 1", "stall_ms = -5"), "faults.stall_ms=-5 is out of range"),
        (('op = "=="', 'op = "=~"'), "op must be one of"),
        (('threshold = "message_count"', 'threshold = "mesage_count"'), "is not a parameter name"),
        (('name = "t"', ""), "name is required"),
        (("[[criteria]]", "[[nope]]"), "unknown key 'nope'"),
        (
            ("[parameters]\nmessage_count = 1000\nstreams = 4", "parameters = 3"),
            "[parameters] must be a table",
        ),
        (("message_count = 1000", "message_count = 1000 ="), "not valid TOML"),
    ],
)
def test_mistakes_are_one_clear_line(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ConfigError) as info:
        load_scenario_file(path)
    text = str(info.value)
    assert text.startswith(f"{path}: ")
    assert message in text
    assert "\n" not in text


def test_the_command_reports_a_bad_file_in_one_line_with_exit_2(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("streams = 4", "streams = -1"))
    proc = subprocess.run(
        [sys.executable, "-m", "aiway_tui", "run", "--scenario-file", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "streams=-1 is out of range" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert main(["run", "--scenario-file", str(tmp_path / "missing.toml")]) == 2
    assert main(["run"]) == 2


def test_a_scenario_file_runs_and_its_exit_code_follows_its_criteria(
    capsys: pytest.CaptureFixture[str],
) -> None:
    by_name = {path.stem: path for path in EXAMPLES}
    assert main(["run", "--scenario-file", str(by_name["conversations"]), "--count", "6000"]) == 0
    out = capsys.readouterr().out
    assert "Concurrent Conversations (from a file)" in out
    assert "Conversations: 3 of 3 intact" in out
    assert main(["run", "--scenario-file", str(by_name["chaos-painter"])]) == 1
    out = capsys.readouterr().out
    assert "Failure: InjectedFault: painter raised at frame 5 (in painter)" in out
    assert "painter_raise 1/1" in out


def test_list_shows_the_new_scenarios_and_what_they_add(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("conversations", "mixed-load", "chaos", "network", "cpu-idle", "cpu-streaming"):
        assert f"\n{name} " in out
    assert "faults stream_errors=2 conductor_raises=1 silent=1 consumer_stalls=2x150ms" in out
    assert "network latency=20ms jitter=5ms burst every 250ms hold 50ms" in out
    assert "mix sizes=5/100/2000 weights=70/25/5" in out
