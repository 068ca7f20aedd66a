"""Build the city services a scenario asks for and wire them to the district."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.ambulance import EmergencyService
from agents.crossing_assist import CrossingAssist
from agents.sensing import ANONYMOUS, NOBODY, Sensing, Sensor
from agents.sidewalk import HeatingPlan, Sidewalks, Weather

if TYPE_CHECKING:
    import simpy

    from twin.city import StreetGrid
    from twin.scenario import Scenario
    from twin.walkways import Walkways


def crossing_assist(
    scenario: Scenario, grid: StreetGrid, sensing: Sensing, rng: np.random.Generator
) -> CrossingAssist | None:
    """The crossing-assist service on every crosswalk, or None."""
    services = scenario.services
    if services.crossing_assist == "none":
        return None
    crosswalks = [c for i in grid.intersections for c in i.crosswalks]
    assist = CrossingAssist(
        services.crossing_assist,
        sensing,
        rng,
        crosswalks=len(crosswalks),
        push_button_use=services.push_button_use,
        camera_recall=services.camera_recall,
        camera_false_positive_rate=services.camera_false_positive_rate,
        driver_alerts=services.driver_alerts,
    )
    for crosswalk in crosswalks:
        crosswalk.assist = assist
    return assist


def sidewalks(
    env: simpy.Environment,
    scenario: Scenario,
    walkways: Walkways,
    sensing: Sensing,
    rng: np.random.Generator,
) -> Sidewalks | None:
    """Snow and heating on the sidewalk segments, or None when neither can happen."""
    weather, heating = scenario.weather, scenario.services.sidewalk_heating
    heats = heating.activation != "off" and heating.share > 0
    if not weather.snowfall and not heats:
        return None
    n = walkways.n_segments
    heated = np.zeros(n, dtype=bool)
    if heats:
        heated[rng.permutation(n)[: round(heating.share * n)]] = True
    return Sidewalks(
        env,
        np.asarray(walkways.segment_lengths_m),
        heated,
        Weather(
            tuple((s.start, s.end, s.rate_cm_per_h) for s in weather.snowfall),
            weather.temperature_c,
        ),
        HeatingPlan(
            activation=heating.activation if heats else "off",
            heat_flux_w_m2=heating.heat_flux_w_m2,
            idle_flux_w_m2=heating.idle_flux_w_m2,
            idling=heating.idling,
            slab_warmup_s=heating.warmup,
            schedule_hours=heating.schedule_hours,
            occupancy_hold_s=heating.occupancy_hold,
            sidewalk_width_m=heating.sidewalk_width_m,
            start_hour=scenario.demand.start_hour,
        ),
        sensing,
        warmup_s=scenario.warmup,
    )


def emergency_service(
    env: simpy.Environment, scenario: Scenario, grid: StreetGrid, sensing: Sensing
) -> EmergencyService | None:
    """The ambulance station, or None when no incidents are expected."""
    emergency, services = scenario.emergency, scenario.services
    if emergency.incidents_per_hour <= 0:
        return None
    sensing.link("dispatch", "ambulances", "incident assignment")
    lead_s = None
    if services.preemption:
        lead_s = services.preemption_lead_m / scenario.city.speed_mps
        sensing.register(
            Sensor(
                "preemption_detectors",
                "emergency_preemption",
                "emitter_detection",
                NOBODY,
                ANONYMOUS,
                (),
                "signal_controllers",
                len(grid.intersections),
            )
        )
        sensing.link("ambulances", "signal_controllers", "preemption requests")
    return EmergencyService(
        env,
        [i.controller for i in grid.intersections],
        ambulances=emergency.ambulances,
        turnout_s=emergency.turnout_s,
        on_scene_s=emergency.on_scene_s,
        link_s=grid.link_s,
        lead_s=lead_s,
        yield_share=emergency.queue_yield_share,
    )
