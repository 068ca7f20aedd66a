"""Ambulances answering incidents, with optional signal preemption."""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from agents.ambulance import AmbulanceWatcher, EmergencyService
from agents.sensing import ANONYMOUS, NOBODY, Sensor
from metrics.efficiency import emergency_metrics
from metrics.labels import COUNT, MetricLabel
from metrics.safety import preemption_pedestrian_metrics
from twin.district.city import station_intersection
from twin.district.demand import arrival_times
from twin.services.base import (
    BuildContext,
    Control,
    Part,
    Service,
    Sites,
    SummaryRow,
    Table,
    register,
)

if TYPE_CHECKING:
    import simpy

    from agents.sensing import Sensing
    from twin.scenario import Scenario


RESPONSE, PREEMPTION = "emergency_response", "emergency_preemption"


@register
class Emergency(Service):
    """The ambulance station (``emergency``) and preemption (``services.preemption``)."""

    name = "emergency"
    metric_keys = (
        "emergency_responses",
        "emergency_response_s_mean",
        "emergency_response_s_p90",
        "emergency_signal_delay_s_mean",
        "stranded_crossings_at_preemption",
        "conflicts_at_preempted_onsets",
    )
    table_names = ("incidents",)
    labels: ClassVar[Mapping[str, MetricLabel]] = {
        "emergency_responses": MetricLabel("ambulance responses", "", "higher", COUNT),
        "emergency_response_s_mean": MetricLabel("ambulance response time", "s", "lower"),
        "emergency_response_s_p90": MetricLabel(
            "ambulance response time, 90th percentile", "s", "lower"
        ),
        "emergency_signal_delay_s_mean": MetricLabel(
            "ambulance time lost at signals", "s per response", "lower"
        ),
        "stranded_crossings_at_preemption": MetricLabel(
            "stranded crossings at a preempted green", "", "lower", COUNT
        ),
        "conflicts_at_preempted_onsets": MetricLabel(
            "conflicts during a preempted green", "", "lower", COUNT
        ),
    }
    controls = (
        Control(
            "preemption",
            "services.preemption",
            "Ambulance preemption",
            "Turns signals green ahead of an ambulance with lights: each intersection on "
            "seeing it (local), or the whole route ahead at once (corridor: dispatch and "
            "traffic management joined). Faster responses; cross traffic and pedestrians wait "
            "longer, and the signal network becomes a target.",
        ),
    )

    def __init__(self, scenario: Scenario, context: BuildContext) -> None:
        super().__init__(scenario, context)
        emergency, services, streets = scenario.emergency, scenario.services, context.streets
        sensing = context.sensing
        sensing.link("dispatch", "ambulances", "incident assignment")
        lead_s = None
        #: the corridor's data path may be used: dispatch joined to traffic management
        self.corridor = (
            services.preemption == "corridor" and scenario.policy.integration != "siloed"
        )
        if services.preemption != "none":
            lead_s = services.preemption_lead_m / scenario.city.speed_mps
            sensing.register(
                Sensor(
                    "preemption_detectors",
                    PREEMPTION,
                    "emitter_detection",
                    NOBODY,
                    ANONYMOUS,
                    (),
                    "signal_controllers",
                    len(streets.intersections),
                    "to turn signals green ahead of ambulances",
                )
            )
            sensing.link("ambulances", "signal_controllers", "preemption requests")
        if self.corridor:
            sensing.link("ambulances", "dispatch", "ambulance positions")
            sensing.link("dispatch", "traffic_management", "corridors to clear")
        self.station = EmergencyService(
            context.env,
            {i.node: i.controller for i in streets.intersections if i.controller is not None},
            ambulances=emergency.ambulances,
            turnout_s=emergency.turnout_s,
            on_scene_s=emergency.on_scene_s,
            lead_s=lead_s,
            yield_share=emergency.queue_yield_share,
            manual_dispatch_s=scenario.security.manual_dispatch_delay,
            corridor_lead_s=services.corridor_lead_s if self.corridor else None,
        )

    @classmethod
    def enabled(cls, scenario: Scenario) -> bool:
        return scenario.emergency.incidents_per_hour > 0

    @classmethod
    def without(cls, scenario: Scenario) -> dict[str, object]:
        # the ambulances run either way: what the data buys is the preempted green
        if scenario.services.preemption == "none":
            return {}
        return {"services.preemption": "none"}

    @classmethod
    def warnings(cls, scenario: Scenario) -> list[str]:
        services = scenario.services
        if services.preemption != "none" and not cls.enabled(scenario):
            return [
                f"services.preemption is {services.preemption} but "
                "emergency.incidents_per_hour is 0: no ambulance will ask for a green"
            ]
        if services.preemption == "corridor" and scenario.policy.integration == "siloed":
            return [
                "services.preemption is corridor but policy.integration is siloed: dispatch "
                "cannot reach traffic management, so only local preemption works"
            ]
        return []

    @classmethod
    def metrics_when_off(cls, scenario: Scenario) -> dict[str, object]:
        return {**dict.fromkeys(cls.metric_keys), "emergency_responses": 0}

    @classmethod
    def summary_rows(cls, scenario: Scenario) -> tuple[SummaryRow, ...]:
        return (
            SummaryRow("emergency_responses", "ambulance responses", "{:,.0f}"),
            SummaryRow("emergency_response_s_mean", "response time, mean (s)"),
            SummaryRow("emergency_response_s_p90", "response time, 90th pct (s)"),
        )

    def start(self) -> None:
        self.context.env.process(self._incidents())

    def _incidents(self) -> Generator[simpy.Event, object, None]:
        env, streets, scenario = self.context.env, self.context.streets, self.scenario
        rng = self.stream("incidents")
        times = arrival_times(rng, scenario.emergency.incidents_per_hour, scenario.duration)
        nodes = rng.integers(0, len(streets.intersections), len(times))
        station = station_intersection(scenario, streets.graph)
        for t, node in zip(times.tolist(), nodes.tolist(), strict=True):
            yield env.timeout(t - env.now)
            self.station.call(
                node, streets.drive(station, node, rng), streets.drive(node, station, rng)
            )

    def sensor_sites(self) -> dict[str, Sites]:
        if self.scenario.services.preemption == "none":
            return {}
        nodes = tuple(i.node for i in self.context.streets.intersections)
        return {"preemption_detectors": Sites(nodes=nodes)}

    def attach(self, watcher: object) -> bool:
        """Ambulance watchers (``agents.ambulance.AmbulanceWatcher``) see every drive."""
        if not isinstance(watcher, AmbulanceWatcher):
            return False
        self.station.watchers.append(watcher)
        return True

    def functions(self) -> dict[str, tuple[str, ...]]:
        preemption = {PREEMPTION: ()} if self.scenario.services.preemption != "none" else {}
        return {RESPONSE: (), **preemption}

    def parts(self) -> tuple[Part, ...]:
        detectors = (
            (Part("preemption_detectors", PREEMPTION, (PREEMPTION,)),)
            if self.scenario.services.preemption != "none"
            else ()
        )
        return (
            Part("dispatch", "emergency", (RESPONSE,)),
            Part("ambulances", "emergency", (RESPONSE,)),
            *detectors,
        )

    def take_down(
        self, component: str, functions: tuple[str, ...], start_s: float, end_s: float
    ) -> None:
        """Response down: calls taken until ``end_s`` are dispatched by hand,
        ``security.manual_dispatch_delay`` later. Preemption down (its detectors, or the
        ambulances' own emitters): no preemption until ``end_s``."""
        super().take_down(component, functions, start_s, end_s)
        if RESPONSE in functions:
            self.station.dispatch_down.append((start_s, end_s))
        if PREEMPTION in functions or component == "ambulances":
            self.station.preemption_down.append((start_s, end_s))

    def idle(self) -> str | None:
        preemption = self.scenario.services.preemption
        log = self.station.log
        if (
            preemption != "none"
            and len(log)
            and not any(c.preemptions for c in self.station.controllers.values())
        ):
            return f"services.preemption is {preemption} but no green was preempted in the run"
        if self.corridor and len(log) and not self.station.corridor_drives:
            return "services.preemption is corridor but no corridor was cleared in the run"
        return None

    def data_paths(self) -> dict[str, tuple[str, ...]]:
        if not self.corridor:
            return {}
        return {"corridor": ("ambulances", "dispatch", "traffic_management")}

    def cut(self, path: str, start_s: float, end_s: float) -> None:
        """The corridor's data path is cut: local preemption alone until ``end_s``."""
        self.station.corridor_down.append((start_s, end_s))

    def reporters(self) -> dict[str, Callable[[Any], object]]:
        return {"ambulances_out": lambda _: self.station.on_the_road}

    def collect(self, sensing: Sensing, tables: Mapping[str, Table]) -> dict[str, Table]:
        return {"incidents": self.station.log.arrays()}

    def metrics(self, tables: Mapping[str, Table]) -> dict[str, object]:
        warmup_s = self.scenario.warmup
        outcome: dict[str, object] = dict(emergency_metrics(tables["incidents"], warmup_s))
        if self.scenario.services.preemption != "none":
            outcome.update(
                preemption_pedestrian_metrics(
                    tables["crossings"],
                    tables["signal_phases"],
                    tables["vehicle_passages"],
                    warmup_s,
                )
            )
        else:
            outcome.update(
                stranded_crossings_at_preemption=None, conflicts_at_preempted_onsets=None
            )
        return outcome

    def plots(self, result: Any) -> dict[str, Callable[[Path], None]]:
        incidents = result.tables["incidents"]
        if not len(incidents["call_s"]):
            return {}
        scenario = result.scenario
        preemption = scenario.services.preemption

        def draw(path: Path) -> None:
            from metrics.service_plots import plot_ambulance_responses

            plot_ambulance_responses(
                incidents,
                result.series,
                path,
                scenario.demand.start_hour,
                f"{scenario.name}: ambulance responses (preemption {preemption})",
            )

        return {"ambulance_responses.png": draw}
