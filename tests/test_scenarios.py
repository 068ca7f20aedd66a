"""Every bundled scenario loads, validates and runs a short horizon."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.runner import run_scenario
from twin.scenario import load_scenario

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))


def test_there_are_bundled_scenarios() -> None:
    assert any(path.stem == "baseline" for path in SCENARIOS)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_bundled_scenario_runs(path: Path) -> None:
    scenario = load_scenario(path, ["duration=20min", "warmup=5min"])
    assert scenario.name == path.stem
    result = run_scenario(scenario)
    efficiency = result.metrics["efficiency"]
    assert efficiency["pedestrian_trips_completed"] + efficiency["vehicle_trips_completed"] > 0
