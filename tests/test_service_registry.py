"""A new service plugs in through its own module and one registration, nothing else."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agents.sensing import ANONYMOUS, NOBODY, Sensing, Sensor
from twin.cli import main
from twin.services import BuildContext, Service, SummaryRow, register, registered, unregister
from twin.services.base import Table

ROOT = Path(__file__).resolve().parents[1]
SHORT = ["--set", "duration=20min", "--set", "warmup=0", "--set", "city.rows=2"]


class FootfallCounter(Service):
    """A toy service: anonymous counters on every crosswalk, counting who crosses.

    Its observations are made after the run, in bulk, from the crossings table.
    """

    name = "footfall"
    metric_keys = ("footfall_counted",)

    def __init__(self, scenario: Any, context: BuildContext) -> None:
        super().__init__(scenario, context)
        crosswalks = 4 * len(context.grid.intersections)
        context.sensing.register(
            Sensor(
                "footfall_counters",
                self.name,
                "infrared",
                NOBODY,
                ANONYMOUS,
                (),
                "city_stats",
                crosswalks,
            )
        )
        context.sensing.link("footfall_counters", "city_stats", "anonymous counts")
        self.sensor_code = context.sensing.sensor_names().index("footfall_counters")

    @classmethod
    def enabled(cls, scenario: Any) -> bool:
        return True

    @classmethod
    def summary_rows(cls, scenario: Any) -> tuple[SummaryRow, ...]:
        return (SummaryRow("footfall_counted", "people counted on crossings", "{:,.0f}"),)

    def reporters(self) -> dict[str, Callable[[Any], object]]:
        return {"footfall_walking": lambda model: model.walking.active}

    def collect(self, sensing: Sensing, tables: Mapping[str, Table]) -> dict[str, Table]:
        crossings = tables["crossings"]
        sensing.observe_many(
            "footfall_counters", crossings["start_s"], crossings["resident"], crossings["node"]
        )
        return {}

    def metrics(self, tables: Mapping[str, Table]) -> dict[str, object]:
        # Observations are complete here: every service's collect() has run.
        counted = tables["observations"]["sensor"] == self.sensor_code
        return {"footfall_counted": int(counted.sum())}


@pytest.fixture
def toy_service() -> Iterator[type[Service]]:
    register(FootfallCounter)
    try:
        yield FootfallCounter
    finally:
        unregister(FootfallCounter.name)


def test_a_toy_service_appears_in_every_output(
    toy_service: type[Service], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert toy_service in registered()
    args = ["run", str(ROOT / "scenarios" / "baseline.yaml"), "--out", str(tmp_path), "--trips"]
    assert main([*args, *SHORT]) == 0
    sensors = json.loads((tmp_path / "sensors.json").read_text())["sensors"]
    [counter] = [s for s in sensors if s["name"] == "footfall_counters"]
    assert counter["service"] == "footfall" and counter["identifiability"] == "anonymous"
    assert counter["count"] == 2 * 4 * 4  # 2 x 4 intersections, 4 crosswalks each
    links = json.loads((tmp_path / "links.json").read_text())["links"]
    assert {
        "source": "footfall_counters",
        "target": "city_stats",
        "purpose": "anonymous counts",
    } in links
    efficiency = json.loads((tmp_path / "metrics.json").read_text())["efficiency"]
    crossings = np.loadtxt(tmp_path / "crossings.csv", delimiter=",", skiprows=1, ndmin=2)
    assert efficiency["footfall_counted"] == len(crossings) > 0
    observations = np.loadtxt(tmp_path / "observations.csv", delimiter=",", skiprows=1, ndmin=2)
    # Every row decodes to the counter through sensors.json, and nobody is identified.
    assert set(observations[:, 0].astype(int)) == {counter["code"]}
    assert len(observations) == len(crossings) and (observations[:, 4] == -1).all()
    header = (tmp_path / "timeseries.csv").read_text().splitlines()[0]
    assert "footfall_walking" in header
    out = capsys.readouterr().out
    assert "people counted on crossings" in out


def test_a_service_that_is_off_reports_null(toy_service: type[Service]) -> None:
    from tests.conftest import build
    from twin.simulation.runner import run_scenario

    FootfallCounter.enabled = classmethod(lambda cls, scenario: False)  # type: ignore[method-assign,assignment]
    try:
        result = run_scenario(build(duration="10min", city={"rows": 1, "cols": 1}))
    finally:
        del FootfallCounter.enabled
    assert result.metrics["efficiency"]["footfall_counted"] is None  # type: ignore[index]
    assert "footfall" not in result.services


def test_services_are_addressable_by_name_for_outages() -> None:
    from tests.conftest import build
    from twin.errors import TwinError
    from twin.simulation.model import CityModel

    model = CityModel(
        build(
            duration="10min",
            city={"rows": 2, "cols": 2},
            emergency={"incidents_per_hour": 2},
            services={"crossing_assist": "radar", "preemption": True},
        )
    )
    assert set(model.services) == {"signal_control", "crossing_assist", "emergency"}
    radar = model.services["crossing_assist"]
    assert radar.components() == ("crosswalk_radar",)
    radar.take_down("crosswalk_radar", ("crossing_assist",), 60.0, 120.0)
    assert [(o.component, o.start_s, o.end_s) for o in radar.outages] == [
        ("crosswalk_radar", 60.0, 120.0)
    ]
    with pytest.raises(TwinError, match="has no function 'sirens'"):
        model.services["emergency"].take_down("dispatch", ("sirens",), 0.0, 1.0)
