"""Service-efficiency outcomes from the run's trip and crossing tables."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from metrics.analytic import pedestrian_los

Table = Mapping[str, np.ndarray]


def _mean(values: np.ndarray) -> float | None:
    """Mean, or None (``null``: nothing to measure) for no values."""
    return float(values.mean()) if values.size else None


def _p90(values: np.ndarray) -> float | None:
    """90th percentile, or None for no values."""
    return float(np.percentile(values, 90)) if values.size else None


def efficiency_metrics(
    vehicle_trips: Table, pedestrian_trips: Table, crossings: Table, warmup_s: float
) -> dict[str, float | int | str | None]:
    """The ``efficiency`` section of ``metrics.json``.

    Only trips and crossings that start at or after ``warmup_s`` count.
    Delay is travel time minus free-flow travel time; a pedestrian's free-flow
    time is the route length at the pedestrian's own walking speed. A mean,
    percentile, rate or level of service with nothing to measure is None.
    """
    vehicles = vehicle_trips["start_s"] >= warmup_s
    vehicle_delay = (
        vehicle_trips["end_s"] - vehicle_trips["start_s"] - vehicle_trips["freeflow_s"]
    )[vehicles]
    walkers = pedestrian_trips["start_s"] >= warmup_s
    walker_delay = (
        pedestrian_trips["end_s"] - pedestrian_trips["start_s"] - pedestrian_trips["freeflow_s"]
    )[walkers]
    counted = crossings["arrive_s"] >= warmup_s
    wait = (crossings["start_s"] - crossings["arrive_s"])[counted]
    impaired = crossings["impaired"][counted] == 1
    stranded = crossings["stranded"][counted] == 1
    return {
        "vehicle_trips_completed": int(vehicles.sum()),
        "vehicle_delay_s_mean": _mean(vehicle_delay),
        "vehicle_delay_s_p90": _p90(vehicle_delay),
        "vehicle_stops_per_trip": _mean(vehicle_trips["stops"][vehicles]),
        "pedestrian_trips_completed": int(walkers.sum()),
        "pedestrian_delay_s_mean": _mean(walker_delay),
        "pedestrian_signal_wait_s_mean": _mean(wait),
        "pedestrian_signal_wait_s_p90": _p90(wait),
        "pedestrian_signal_los": pedestrian_los(float(wait.mean())) if wait.size else None,
        "crossings": int(counted.sum()),
        "impaired_crossings": int(impaired.sum()),
        "stranded_crossings": int(stranded.sum()),
        "stranded_impaired_crossings": int((stranded & impaired).sum()),
        "stranded_crossings_per_1000_impaired": (
            1000.0 * float((stranded & impaired).sum()) / float(impaired.sum())
            if impaired.any()
            else None
        ),
        "slip_incidents": int(pedestrian_trips["slips"][walkers].sum()),
    }


def emergency_metrics(incidents: Table, warmup_s: float) -> dict[str, float | int | None]:
    """Response = incident call to the ambulance's arrival (waiting for a free ambulance,
    turnout and the drive), for incidents called in after ``warmup_s``."""
    counted = incidents["call_s"] >= warmup_s
    response = (incidents["arrive_s"] - incidents["call_s"])[counted]
    return {
        "emergency_responses": int(counted.sum()),
        "emergency_response_s_mean": _mean(response),
        "emergency_response_s_p90": _p90(response),
        "emergency_signal_delay_s_mean": _mean(incidents["signal_delay_s"][counted]),
    }
