"""Temporary wiring: the privacy outcome of a finished ``CityModel``.

Isolated on purpose: once services are classes behind a registry (the
"one way in for every service" issue), the traffic-monitoring service declares
its sensors there and the runner calls :func:`privacy_outcome` directly. Until
then this reads the model's sensing hook and logs and adds traffic monitoring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from twin.digital.analysis import PrivacyOutcome, privacy_outcome
from twin.digital.records import Observations, observations_from_sensing
from twin.digital.traffic_monitoring import (
    SYSTEM,
    MonitoringSettings,
    equipped_nodes,
    traffic_observations,
)
from twin.streams import random_stream

if TYPE_CHECKING:
    from twin.model import CityModel
    from twin.scenario.policy import Policy

__all__ = ["privacy_of_run"]


def privacy_of_run(
    model: CityModel, monitoring: MonitoringSettings | None = None, policy: Policy | None = None
) -> PrivacyOutcome:
    """Privacy metrics and exposure series of a model that has run to its end.

    ``monitoring`` and ``policy`` replace the scenario's (the monitoring sensors
    do not act on the city, so one run can be read under several settings).
    """
    scenario = model.spec
    section = scenario.services.traffic_monitoring
    settings = monitoring or MonitoringSettings(**section.model_dump())
    sensors = list(model.sensing.sensors.values())
    names = {s.system for s in sensors}
    if settings.method != "none":
        names.add(SYSTEM)
    systems = sorted(names)
    residents = model.residents
    resident_ids = np.array([r.unique_id for r in residents], dtype=np.int64)
    impaired = np.array([r.impaired for r in residents], dtype=bool)
    monitoring_rng, analysis_rng = random_stream(scenario.seed, "privacy").spawn(2)
    parts = [
        observations_from_sensing(
            model.sensing.log.arrays(),
            sensors,
            systems,
            resident_ids,
            _segment_nodes(model),
        )
    ]
    if settings.method != "none":
        equipped = equipped_nodes(monitoring_rng, len(model.grid.intersections), settings.share)
        parts.append(
            traffic_observations(
                settings,
                model.traffic.passages.arrays(),
                model.vehicle_owners,
                model.crossing_log.arrays(),
                resident_ids,
                impaired,
                equipped,
                monitoring_rng,
                system=systems.index(SYSTEM),
            )
        )
    return privacy_outcome(
        Observations.concat(parts),
        systems,
        policy or scenario.policy,
        n_residents=len(residents),
        homes=np.array([r.anchors[0] // 4 for r in residents], dtype=np.int64),
        opted_in=np.array([r.opted_in for r in residents], dtype=bool),
        end_s=model.env.now,
        rng=analysis_rng,
        links=[(link.source, link.target) for link in model.sensing.links],
        start_hour=scenario.demand.start_hour,
    )


def _segment_nodes(model: CityModel) -> np.ndarray:
    """The intersection at the first end of each sidewalk segment."""
    xy = model.walkways.segment_array()
    if len(xy) == 0:
        return np.empty(0, dtype=np.int64)
    col = np.clip(np.rint(xy[:, 0, 0]), 0, model.grid.cols - 1).astype(np.int64)
    row = np.clip(np.rint(xy[:, 0, 1]), 0, model.grid.rows - 1).astype(np.int64)
    return row * model.grid.cols + col
