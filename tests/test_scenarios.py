"""Every bundled scenario loads, validates and runs a short horizon."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
import yaml

from twin.cli import main
from twin.scenario import load_scenario
from twin.simulation.runner import run_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_there_are_bundled_scenarios() -> None:
    assert any(path.stem == "baseline" for path in SCENARIOS)


def _early_attacks(path: Path, start: str, length: str) -> list[str]:
    """Overrides moving a scenario's attacks and lane closures inside a short horizon
    (none if it has none)."""
    data = yaml.safe_load(path.read_text())
    overrides = []
    if data.get("attacks"):
        attacks = ", ".join(
            f"{{at: {start}, entry: {a['entry']}, duration: {length}, "
            f"effect: {json.dumps(a.get('effect', 'fail_safe_flash'))}}}"
            for a in data["attacks"]
        )
        overrides.append(f"attacks=[{attacks}]")
    for index, _ in enumerate(data.get("incidents") or []):
        overrides += [f"incidents.{index}.at={start}", f"incidents.{index}.duration={length}"]
    return overrides


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_bundled_scenario_runs(path: Path) -> None:
    early = _early_attacks(path, "5min", "5min")
    # a day of store history keeps it short (steady state itself: tests/test_steady_state.py)
    quick = ["policy.history=1d", "policy.analysis.sample_persons=100"]
    scenario = load_scenario(path, ["duration=20min", "warmup=5min", *quick, *early])
    assert scenario.name == path.stem
    result = run_scenario(scenario)
    efficiency = result.metrics["efficiency"]
    assert efficiency["pedestrian_trips_completed"] + efficiency["vehicle_trips_completed"] > 0


def _header_commands() -> list[tuple[str, list[str]]]:
    commands = []
    for path in SCENARIOS:
        for line in path.read_text().splitlines():
            if not line.startswith("#"):
                break
            text = line.lstrip("# ").strip()
            if text.startswith("twin run "):
                commands.append((path.stem, shlex.split(text)[2:]))
    return commands


HEADER_COMMANDS = _header_commands()


def test_scenario_headers_document_commands() -> None:
    assert {stem for stem, _ in HEADER_COMMANDS} >= {
        "accessible_crossings",
        "emergency_corridor",
        "winter_storm",
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    "args", [args for _, args in HEADER_COMMANDS], ids=[" ".join(a[1:]) for _, a in HEADER_COMMANDS]
)
def test_scenario_header_command_runs(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each command a scenario's header suggests runs (on a short horizon)."""
    monkeypatch.chdir(ROOT)
    short = ["--set", "duration=10min", "--set", "warmup=0", "--quiet", "--out", str(tmp_path)]
    # a day of store history and 20 attack draws keep it short
    short += ["--set", "policy.history=1d", "--set", "security.attack_replications=20"]
    short += ["--set", "policy.analysis.sample_persons=100"]
    for override in _early_attacks(ROOT / args[0], "2min", "3min"):
        short += ["--set", override]
    assert main(["run", *args, *short]) == 0
