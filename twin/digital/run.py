"""The privacy outcome of a finished run, from the sensing registry and the policy.

Called by the runner once the run is over (never during it): every sensor the
services declared, every observation they logged (traffic monitoring adds its
own in bulk at collect time), the residents and the ``policy`` section.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from twin.digital.analysis import PrivacyOutcome, privacy_outcome, privacy_streams
from twin.digital.records import observations_from_sensing

if TYPE_CHECKING:
    from twin.simulation.model import CityModel

__all__ = ["privacy_of_model"]


def privacy_of_model(
    model: CityModel, observations: Mapping[str, np.ndarray], sample_times_s: np.ndarray
) -> PrivacyOutcome:
    """``metrics.json`` -> ``privacy``, exposure per sample time and policy warnings.

    Args:
        model: a model that has run to its end.
        observations: the sensing table (``model.sensing.log.arrays()``).
        sample_times_s: times of the exposure series (those of ``timeseries.csv``).
    """
    scenario = model.spec
    sensors = list(model.sensing.sensors.values())
    systems = sorted({s.system for s in sensors})
    residents = model.residents
    resident_ids = np.array([r.unique_id for r in residents], dtype=np.int64)
    seen = observations_from_sensing(
        observations, sensors, systems, resident_ids, _segment_nodes(model)
    )
    return privacy_outcome(
        seen,
        systems,
        scenario.policy,
        n_residents=len(residents),
        homes=np.array([r.anchors[0] // 4 for r in residents], dtype=np.int64),
        opted_in=np.array([r.opted_in for r in residents], dtype=bool),
        end_s=model.env.now,
        rng=privacy_streams(scenario.seed)[1],
        links=[(link.source, link.target) for link in model.sensing.links],
        start_hour=scenario.demand.start_hour,
        sample_times_s=sample_times_s,
    )


def _segment_nodes(model: CityModel) -> np.ndarray:
    """The intersection at the first end of each sidewalk segment."""
    xy = model.walkways.segment_array()
    if len(xy) == 0:
        return np.empty(0, dtype=np.int64)
    col = np.clip(np.rint(xy[:, 0, 0]), 0, model.grid.cols - 1).astype(np.int64)
    row = np.clip(np.rint(xy[:, 0, 1]), 0, model.grid.rows - 1).astype(np.int64)
    return row * model.grid.cols + col
