"""Winter sidewalks: snow on every segment, and the heating that melts it on some.

Runs whenever it can snow or heat. The activation strategies (and their sensors)
are in ``agents.heating_control``; the snow and energy physics in ``agents.sidewalk``.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from agents.heating_control import ACTIVATIONS
from agents.sidewalk import SEASON_MAX_C, SNOW_COVERED_CM, HeatingPlan, Sidewalks, Weather
from metrics.labels import COUNT, MetricLabel
from twin.services.base import (
    PEDESTRIANS,
    BuildContext,
    Control,
    Part,
    SegmentLayer,
    Service,
    Sites,
    SummaryRow,
    Table,
    register,
)

if TYPE_CHECKING:
    import simpy

    from twin.scenario import Scenario
    from twin.scenario.services import SidewalkHeating

SNOW_SNAPSHOT_EVERY = 6  # time-series samples between snow-depth snapshots (30 simulated min)


def heating_plan(section: SidewalkHeating, start_hour: float, heats: bool = True) -> HeatingPlan:
    """The agents' heating plan from the scenario section (which holds every default)."""
    return HeatingPlan(
        activation=section.activation if heats else "off",
        heat_flux_w_m2=section.heat_flux_w_m2,
        idle_flux_w_m2=section.idle_flux_w_m2,
        idling=section.idling,
        slab_warmup_s=section.warmup,
        schedule_hours=section.schedule_hours,
        occupancy_hold_s=section.occupancy_hold,
        sidewalk_width_m=section.sidewalk_width_m,
        start_hour=start_hour,
    )


def _heats(scenario: Scenario) -> bool:
    heating = scenario.services.sidewalk_heating
    return heating.activation != "off" and heating.share > 0


@register
class SidewalkHeatingService(Service):
    """Snow and heated sidewalks (``weather`` and ``services.sidewalk_heating``)."""

    name = "sidewalk_heating"
    metric_keys = ("sidewalk_heating_kwh", "snow_covered_sidewalk_km_h")
    labels: ClassVar[Mapping[str, MetricLabel]] = {
        "sidewalk_heating_kwh": MetricLabel("energy spent heating sidewalks", "kWh", "lower"),
        "snow_covered_sidewalk_km_h": MetricLabel(
            "snow-covered sidewalk, length x time", "km h", "lower"
        ),
        "slip_incidents": MetricLabel("slips on snowy sidewalks", "", "lower", COUNT),
    }
    controls = (
        Control(
            "heating",
            "services.sidewalk_heating.activation",
            "Sidewalk heating",
            "When heated sidewalks melt snow. Always on wastes energy; sensors and schedules "
            "save it; an occupancy camera saves most but films everyone who walks by.",
        ),
    )

    def __init__(self, scenario: Scenario, context: BuildContext) -> None:
        super().__init__(scenario, context)
        weather, heating = scenario.weather, scenario.services.sidewalk_heating
        walkways = context.walkways
        n = walkways.n_segments
        heated = np.zeros(n, dtype=bool)
        if _heats(scenario):
            rng = self.stream("heated_segments")
            heated[rng.permutation(n)[: round(heating.share * n)]] = True
        self.sidewalks = Sidewalks(
            context.env,
            np.asarray(walkways.segment_lengths_m),
            heated,
            Weather(
                tuple((s.start, s.end, s.rate_cm_per_h) for s in weather.snowfall),
                weather.temperature_c,
            ),
            heating_plan(heating, scenario.demand.start_hour, _heats(scenario)),
            context.sensing,
            warmup_s=scenario.warmup,
            service=self.name,
        )
        #: (time_s, snow depth per segment) every 30 simulated minutes
        self.snapshots: list[tuple[float, np.ndarray]] = []
        self._samples = 0

    @classmethod
    def enabled(cls, scenario: Scenario) -> bool:
        return bool(scenario.weather.snowfall) or _heats(scenario)

    @classmethod
    def without(cls, scenario: Scenario) -> dict[str, object]:
        if not _heats(scenario):
            return {}
        return {"services.sidewalk_heating.activation": "off"}

    @classmethod
    def warnings(cls, scenario: Scenario) -> list[str]:
        heating, weather = scenario.services.sidewalk_heating, scenario.weather
        control = ACTIVATIONS[heating.activation]
        key = f"services.sidewalk_heating.activation is {heating.activation}"
        if heating.activation == "off":
            return []
        if heating.share == 0:
            return [f"{key} but share is 0: no sidewalk is heated"]
        if control.switched_by_snow and not weather.snowfall:
            return [f"{key} but weather.snowfall is empty: heating never switches on"]
        if control.needs_season and weather.temperature_c > SEASON_MAX_C:
            return [
                f"{key} but weather.temperature_c is {weather.temperature_c:g}, above the "
                f"{SEASON_MAX_C:g} °C heating season: heating never switches on"
            ]
        return []

    @classmethod
    def metrics_when_off(cls, scenario: Scenario) -> dict[str, object]:
        # No snow and no heating: no energy drawn, no sidewalk snow-covered (measured zeros).
        return {"sidewalk_heating_kwh": 0.0, "snow_covered_sidewalk_km_h": 0.0}

    @classmethod
    def summary_rows(cls, scenario: Scenario) -> tuple[SummaryRow, ...]:
        return (
            SummaryRow("sidewalk_heating_kwh", "sidewalk heating (kWh)", "{:,.0f}"),
            SummaryRow("snow_covered_sidewalk_km_h", "snow-covered sidewalk (km h)"),
            SummaryRow("slip_incidents", "slip incidents", "{:,.0f}"),
        )

    def sensor_sites(self) -> dict[str, Sites]:
        heated = tuple(np.flatnonzero(self.sidewalks.heated).tolist())
        return {sensor.name: Sites(segments=heated) for sensor in self.own_sensors()}

    def map_layers(self) -> list[SegmentLayer]:
        depth = self.sidewalks.depths_cm()
        snowy = depth > 0.05
        return [
            SegmentLayer(
                "snow (darker = deeper)",
                np.where(snowy, 0.35 + 0.65 * np.clip(depth / 5.0, 0.0, 1.0), 0.0),
                "Blues",
            ),
            SegmentLayer(
                "heating on", self.sidewalks.heating_on().astype(float), "#f46d43", dashed=True
            ),
        ]

    def functions(self) -> dict[str, tuple[str, ...]]:
        return {self.name: (PEDESTRIANS,)}

    def parts(self) -> tuple[Part, ...]:
        return (*super().parts(), Part("heating_controller", self.name, (self.name,)))

    def take_down(
        self, component: str, functions: tuple[str, ...], start_s: float, end_s: float
    ) -> None:
        """Any of its components down: the heating controller switches every slab off
        from ``start_s`` until ``end_s``."""
        super().take_down(component, functions, start_s, end_s)
        env = self.context.env

        def outage() -> Generator[simpy.Event, object, None]:
            yield env.timeout(max(start_s - env.now, 0.0))
            self.sidewalks.force_off(True)
            yield env.timeout(max(end_s - env.now, 0.0))
            if not any(o.start_s <= env.now < o.end_s for o in self.outages):
                self.sidewalks.force_off(False)

        env.process(outage())

    def reporters(self) -> dict[str, Callable[[Any], object]]:
        sidewalks = self.sidewalks
        return {
            "snow_depth_unheated_cm": lambda _: self._mean_depth(heated=False),
            "snow_depth_heated_cm": lambda _: self._mean_depth(heated=True),
            "heating_on_share": lambda _: sidewalks.on_share,
        }

    def snapshot(self) -> None:
        if self._samples % SNOW_SNAPSHOT_EVERY == 0:
            self.snapshots.append((self.context.env.now, self.sidewalks.depths_cm()))
        self._samples += 1

    def _mean_depth(self, heated: bool) -> float:
        chosen = self.sidewalks.heated == heated
        return float(self.sidewalks.depths_cm()[chosen].mean()) if chosen.any() else float("nan")

    def metrics(self, tables: Mapping[str, Table]) -> dict[str, object]:
        return {
            "sidewalk_heating_kwh": self.sidewalks.energy_kwh,
            "snow_covered_sidewalk_km_h": self.sidewalks.snow_covered_km_h,
        }

    def extras(self) -> dict[str, object]:
        return {
            "snow_snapshots": self.snapshots,
            "segments_xy": self.context.walkways.segment_array(),
            "heated": self.sidewalks.heated.copy(),
        }

    def plots(self, result: Any) -> dict[str, Callable[[Path], None]]:
        if not self.snapshots:
            return {}
        scenario, series = result.scenario, result.series
        name, start = scenario.name, scenario.demand.start_hour
        activation = scenario.services.sidewalk_heating.activation

        def snow_maps(path: Path) -> None:
            from metrics.winter_plots import plot_snow_depth_maps

            plot_snow_depth_maps(
                self.snapshots,
                self.context.walkways.segment_array(),
                self.sidewalks.heated,
                path,
                start,
                f"{name}: snow on the sidewalks",
                bare_below_cm=SNOW_COVERED_CM,
            )

        def timeline(path: Path) -> None:
            from metrics.winter_plots import plot_heating_timeline

            plot_heating_timeline(
                series["time_s"],
                series["snow_depth_unheated_cm"],
                series["snow_depth_heated_cm"],
                series["heating_on_share"],
                path,
                start,
                f"{name}: sidewalk snow and heating ({activation})",
            )

        return {"snow_depth_maps.png": snow_maps, "heating_timeline.png": timeline}

    def surface(self) -> Sidewalks:
        """What pedestrians walk on (snow slows them and makes them slip)."""
        return self.sidewalks
