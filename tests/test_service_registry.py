"""A new service plugs in through its own module and one registration, nothing else."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pytest
import yaml
from pydantic import Field

from agents.sensing import ANONYMOUS, EVERYONE, FACE, NOBODY, Sensing, Sensor
from twin.cli import main
from twin.errors import ScenarioError
from twin.scenario import Section, json_schema, load_scenario
from twin.services import BuildContext, Service, SummaryRow, register, registered, unregister
from twin.services.base import PEDESTRIANS, Control, Part, Sites, Table

ROOT = Path(__file__).resolve().parents[1]
SHORT = ["--set", "duration=20min", "--set", "warmup=0", "--set", "city.rows=2"]
SHORT += ["--set", "policy.history=1d"]  # a day of store history keeps the runs short


class FootfallCounter(Service):
    """A toy service: anonymous counters on every crosswalk, counting who crosses.

    Its observations are made after the run, in bulk, from the crossings table.
    """

    name = "footfall"
    metric_keys = ("footfall_counted",)

    def __init__(self, scenario: Any, context: BuildContext) -> None:
        super().__init__(scenario, context)
        crosswalks = 4 * len(context.streets.intersections)
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


class LightingSection(Section):
    """Street lights that dim when nobody is around."""

    sensing: Literal["none", "pir", "camera"] = Field(
        default="none",
        description="How the lights sense people (choice): none, pir (anonymous motion), "
        "camera (faces).",
    )
    dimmed_power: float = Field(
        default=0.3, ge=0, le=1, description="Power while nobody is around (fraction)."
    )


class StreetLighting(Service):
    """Street lighting that dims when nobody is around: a plug-in written as an outsider
    would, with a section, a sensor at every intersection, a controller, a watcher of
    walkers, an explorer control and its own random stream."""

    name = "street_lighting"
    section = LightingSection
    metric_keys = ("lighting_kwh",)
    controls = (
        Control(
            "lighting",
            "services.street_lighting.sensing",
            "Street lighting",
            "Dims street lights when nobody is around. Motion sensors save energy and see "
            "nobody in particular; cameras see every face.",
        ),
    )
    WATTS_PER_NODE = 400.0

    def __init__(self, scenario: Any, context: BuildContext) -> None:
        super().__init__(scenario, context)
        section = scenario.services.street_lighting
        camera = section.sensing == "camera"
        self.sensor = "lighting_cameras" if camera else "lighting_pir"
        self.nodes = len(context.streets.intersections)
        context.sensing.register(
            Sensor(
                self.sensor,
                self.name,
                section.sensing,
                EVERYONE if camera else NOBODY,
                FACE if camera else ANONYMOUS,
                (),
                self.name,
                self.nodes,
                "to dim street lights when nobody is around",
            )
        )
        context.sensing.link(self.sensor, "lighting_controller", "switch the lights")
        self.seen = 0
        self.flicker = self.stream("flicker").random()  # its own numbers, nobody else's

    @classmethod
    def enabled(cls, scenario: Any) -> bool:
        return scenario.services.street_lighting.sensing != "none"

    def functions(self) -> dict[str, tuple[str, ...]]:
        return {self.name: (PEDESTRIANS,)}

    def parts(self) -> tuple[Part, ...]:
        return (*super().parts(), Part("lighting_controller", self.name, (self.name,)))

    def sensor_sites(self) -> dict[str, Sites]:
        return {self.sensor: Sites(nodes=tuple(range(self.nodes)))}

    def walk_watcher(self) -> StreetLighting:
        return self

    def walker_moving(self, trip, resident, legs, index, start_s, end_s) -> None:  # type: ignore[no-untyped-def]
        crosswalk = legs[index - 1][2] if index else None
        if crosswalk is not None:
            self.seen += 1
            now = self.context.env.now
            self.context.sensing.observe(self.sensor, now, resident.unique_id, node=crosswalk.node)

    def walker_waiting(self, trip: int) -> None:
        pass

    def walker_done(self, trip: int) -> None:
        pass

    def metrics(self, tables: Mapping[str, Table]) -> dict[str, object]:
        hours = self.scenario.duration / 3600.0
        dimmed = self.scenario.services.street_lighting.dimmed_power
        lost = sum(o.end_s - o.start_s for o in self.outages) / 3600.0  # full power then
        kwh = self.nodes * self.WATTS_PER_NODE / 1000.0 * (dimmed * (hours - lost) + lost)
        return {"lighting_kwh": kwh}


@pytest.fixture
def street_lighting() -> Iterator[type[Service]]:
    register(StreetLighting)
    try:
        yield StreetLighting
    finally:
        unregister(StreetLighting.name)


def test_a_plug_in_service_reaches_every_output_touching_nothing_else(
    street_lighting: type[Service], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """The street-lighting toy, defined in this file only: its section, sensor, component,
    privacy, attack outcome, explorer control and report wording all appear."""
    args = [
        "run",
        str(ROOT / "scenarios" / "baseline.yaml"),
        "--out",
        str(tmp_path),
        "--no-plots",
        *SHORT,
        "--set",
        "services.street_lighting.sensing=camera",
        "--set",
        "attacks=[{at: 5min, entry: lighting_controller, duration: 10min}]",
        "--set",
        "security.attack_replications=5",
    ]
    assert main(args) == 0
    sensors = json.loads((tmp_path / "sensors.json").read_text())["sensors"]
    [camera] = [s for s in sensors if s["service"] == "street_lighting"]
    assert camera["name"] == "lighting_cameras" and camera["identifiability"] == "face"
    components = json.loads((tmp_path / "components.json").read_text())["components"]
    [controller] = [c for c in components if c["name"] == "lighting_controller"]
    assert controller["services"] == ["street_lighting"]
    assert controller["compromised_share"] == 1.0  # the attack's entry, in every draw
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["privacy"]["persons_exposed"] > 0  # its cameras are the only ones
    assert "street_lighting" in metrics["security"]["services_disrupted"]
    assert metrics["security"]["service_hours_lost"]["mean"] > 0
    assert metrics["efficiency"]["lighting_kwh"] > 0
    scenario = yaml.safe_load((tmp_path / "scenario.yaml").read_text())
    assert scenario["services"]["street_lighting"] == {"sensing": "camera", "dimmed_power": 0.3}
    assert "to dim street lights when nobody is around" in (tmp_path / "report.md").read_text()
    assert "street_lighting" in json.dumps(json_schema())
    # the explorer: its control is offered, and setting it builds the service
    from twin.app.adapter import ExplorerModel
    from twin.app.controls import available_controls
    from twin.app.drawing import sensor_positions

    assert "lighting" in [c.name for c in available_controls()]
    model = ExplorerModel(
        scenario_file=str(ROOT / "scenarios" / "baseline.yaml"),
        lighting="camera",
        size=2,
    )
    assert "street_lighting" in model.services
    assert len(sensor_positions(model)["lighting_cameras"]) == 4
    # a wrong value is named like any built-in field's
    with pytest.raises(ScenarioError, match=r"services\.street_lighting\.sensing: 'lamp'"):
        load_scenario(
            ROOT / "scenarios" / "baseline.yaml", ["services.street_lighting.sensing=lamp"]
        )


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
